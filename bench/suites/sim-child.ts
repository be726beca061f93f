/**
 * The simulator benchmark's child process (spawned by sim.ts so its peak memory is its own):
 * builds the generated world at the scale given in argv, runs it through runScenario on the
 * memory wire without keeping flow-log records (flows are still aggregated per minute and drained,
 * without building records) or per-flow results (flows are made as they start and released when
 * done), checks that every flow's packet came out of a DTLS tunnel, and prints one JSON line
 * on stdout. With workers > 1 the run is split by tunnel over that many worker threads
 * (runScenario's workers option), each rebuilding the flows from (scale, seed) through
 * simFlowSourceOf, each with a V8 heap limit of heapMb / workers.
 *
 *   node dist/bench/suites/sim-child.js <vms> <hosts> <vnets> <pairs> <flowsPerPair> <seed> [workers] [heapMb]
 */
import { fileURLToPath, pathToFileURL } from "node:url";
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
  /** Threads the simulation ran on (1: this one). */
  workers: number;
  /** Flows each worker ran (parallel runs). */
  flowsPerWorker: number[];
  handshakes: number;
  tunnelsEstablished: number;
  tunnelsFailed: number;
  packetsSent: number;
  packetsDelivered: number;
  encryptedPackets: number;
  stoppedBy: string;
  maxRssBytes: number;
}

const [vms, hosts, vnets, pairs, flowsPerPair, seed, workersArg, heapMbArg] = process.argv.slice(2).map(Number);
const workers = workersArg === undefined || Number.isNaN(workersArg) ? 1 : workersArg;
const scale: SimScale = { vms: vms!, hosts: hosts!, vnets: vnets!, pairs: pairs!, flowsPerPair: flowsPerPair! };
const t0 = performance.now();
const world = buildSimWorld(scale, seed!);
const t1 = performance.now();
const cpu0 = process.cpuUsage();
const source =
  workers > 1
    ? {
        workers,
        ...(heapMbArg !== undefined && !Number.isNaN(heapMbArg) ? { workerHeapMb: Math.floor(heapMbArg / workers) } : {}),
        flowSourceModule: { url: pathToFileURL(fileURLToPath(new URL("../lib/sim-topology.js", import.meta.url))).href, exportName: "simFlowSourceOf", args: [scale, seed] },
      }
    : { flowSource: world.flows };
const r = await runScenario(world.scenario, {
  seed: seed!,
  flowLogs: false,
  flowResults: false,
  ...source,
});
const t2 = performance.now();
const cpu = process.cpuUsage(cpu0);
if (workers > 1 && r.parallel?.workers !== workers) throw new Error(`sim-child: asked for ${workers} workers, the run used ${r.parallel?.workers} (${r.parallel?.refused ?? ""})`);
// Every flow sends exactly one packet (sim-topology.ts: packets 1, one way, no probes) and the wire
// has no faults: with one packet sent per flow and no duplicates, the packets delivered out of a
// DTLS record are the flows whose packet crossed its tunnel. No FlowResult is built or posted for this.
const flowCount = world.flows.count;
if (r.packets.sent !== flowCount || r.packets.duplicates !== 0) {
  throw new Error(`sim-child: expected one packet sent per flow (${flowCount}) and no duplicates, got ${r.packets.sent} sent, ${r.packets.duplicates} duplicates`);
}
const encrypted = r.packets.encrypted;
const encryptedFlows = r.packets.encrypted;
const out: SimChildResult = {
  scale,
  flows: world.flows.count,
  encryptedFlows,
  buildMs: t1 - t0,
  runMs: t2 - t1,
  runCpuMs: (cpu.user + cpu.system) / 1000,
  workers: r.parallel?.workers ?? 1,
  flowsPerWorker: r.parallel?.flowsPerWorker ?? [world.flows.count],
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
