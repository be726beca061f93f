/**
 * The simulator benchmark's child process (spawned by sim.ts so its peak memory is its own):
 * builds the generated world at the scale given in argv, runs it through runScenario on the
 * memory wire without keeping flow-log records (they are still aggregated and drained) or per-flow
 * results (flows are made as they start and released when done; each flow's result is checked as
 * it comes), checks that every flow's packet came out of a DTLS tunnel, and prints one JSON line
 * on stdout.
 *
 *   node dist/bench/suites/sim-child.js <vms> <hosts> <vnets> <pairs> <flowsPerPair> <seed>
 */
import { runScenario } from "../../sim/runner.js";
import { buildSimWorld, type SimScale } from "../lib/sim-topology.js";

export interface SimChildResult {
  scale: SimScale;
  flows: number;
  /** Flows with at least one packet delivered out of a DTLS record. */
  encryptedFlows: number;
  buildMs: number;
  runMs: number;
  /** CPU time (user + system, every thread) of runScenario, ms: on a shared machine, the figure to compare. */
  runCpuMs: number;
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
const world = buildSimWorld(scale, seed!);
const t1 = performance.now();
const cpu0 = process.cpuUsage();
let encrypted = 0;
let encryptedFlows = 0;
let results = 0;
const r = await runScenario(world.scenario, {
  seed: seed!,
  flowLogs: false,
  flowResults: false,
  flowSource: world.flows,
  onFlowResult: (f) => {
    results++;
    encrypted += f.encryptedPackets;
    if (f.encryptedPackets > 0) encryptedFlows++;
  },
});
const t2 = performance.now();
const cpu = process.cpuUsage(cpu0);
if (results !== world.flows.count) throw new Error(`sim-child: ${results} flow results, expected one per flow (${world.flows.count})`);
const out: SimChildResult = {
  scale,
  flows: world.flows.count,
  encryptedFlows,
  buildMs: t1 - t0,
  runMs: t2 - t1,
  runCpuMs: (cpu.user + cpu.system) / 1000,
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
