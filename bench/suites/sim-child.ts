/**
 * The simulator benchmark's child process (spawned by sim.ts so its peak memory is its own):
 * builds the generated scenario at the scale given in argv, runs it through runScenario on the
 * memory wire without keeping flow-log records (they are still aggregated and drained), checks
 * that every flow's packet came out of a DTLS tunnel, and prints one JSON line on stdout.
 *
 *   node dist/bench/suites/sim-child.js <vms> <hosts> <vnets> <pairs> <flowsPerPair> <seed>
 */
import { runScenario } from "../../sim/runner.js";
import { buildSimScenario, type SimScale } from "../lib/sim-topology.js";

export interface SimChildResult {
  scale: SimScale;
  flows: number;
  buildMs: number;
  runMs: number;
  handshakes: number;
  tunnelsEstablished: number;
  tunnelsFailed: number;
  packetsSent: number;
  packetsDelivered: number;
  encryptedPackets: number;
  stoppedBy: string;
  maxRssBytes: number;
}

const [vms, hosts, vnets, pairs, flowsPerPair, seed] = process.argv.slice(2).map(Number);
const scale: SimScale = { vms: vms!, hosts: hosts!, vnets: vnets!, pairs: pairs!, flowsPerPair: flowsPerPair! };
const t0 = performance.now();
const scenario = buildSimScenario(scale, seed!);
const t1 = performance.now();
const r = await runScenario(scenario, { seed: seed!, flowLogs: false });
const t2 = performance.now();
let encrypted = 0;
for (const f of r.flows) encrypted += f.encryptedPackets;
const out: SimChildResult = {
  scale,
  flows: scenario.flows.length,
  buildMs: t1 - t0,
  runMs: t2 - t1,
  handshakes: r.tunnels.handshakes,
  tunnelsEstablished: r.tunnels.established,
  tunnelsFailed: r.tunnels.failed,
  packetsSent: r.packets.sent,
  packetsDelivered: r.packets.delivered,
  encryptedPackets: encrypted,
  stoppedBy: r.stoppedBy,
  // resourceUsage().maxRSS is in kilobytes (getrusage ru_maxrss on Linux).
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
