/**
 * Parallel runs: runScenario({ workers: N }) splits the flows by tunnel (sim/shard.ts) over N
 * worker threads, each a whole simulator running its own shard on its own copy of the world, and
 * merges what they report into one RunResult.
 *
 * What is merged how:
 * - counters (tunnels, packets, wire, overhead, flow-log overflow) add up;
 * - per-flow results go back to their flow's place; onFlowResult is called as results arrive
 *   (the index names the flow; the order across workers is not a single thread's);
 * - flow-log records: each drain's records are merged with the other workers' records of the same
 *   drain (the same minute boundary), records with the same (time, MAC, flow log, target) become
 *   one, and the tuples inside are sorted as FlowTable sorts them (timestamp, state, text), so the
 *   merged log is the one a single thread writes;
 * - expectations come from the worker that ran their flow; endedAtMs is the latest worker's.
 *
 * RunResult.parallel says how many threads ran, why the run stayed on one when it could not be
 * split, and whether the merged result is exactly a single thread's: it is unless a host reached a
 * host-wide limit (tunnelsPerHost or its client ports) counting every worker's tunnels together,
 * or a flow table overflowed; the notes then say which.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Scenario } from "../src/scenario/types.js";
import type { FlowLogRecord } from "../src/flowlog/schema.js";
import type { FlowResult } from "../src/dataplane/results.js";
import { PACKET_DROP_REASONS, type PacketDropReason } from "../src/dataplane/flow-state.js";
import { resolveDataplaneSettings, type DataplaneSettingsInput } from "../src/dataplane/settings.js";
import { CLIENT_PORTS } from "../src/dataplane/offload.js";
import type { RunOptions, RunResult, ExpectationResult } from "./runner.js";
import { planShards, unplacedFlow, PARALLEL_WORKERS_MAX } from "./shard.js";
import type { ShardDone, WorkerInput, WorkerMessage } from "./parallel-worker.js";

/** Smallest and largest heap (MB) a worker may be given. */
export const WORKER_HEAP_MB_MIN = 64;
export const WORKER_HEAP_MB_MAX = 65_536;

export interface ParallelInfo {
  /** Workers asked for. */
  requested: number;
  /** Threads that ran the simulation (1 when the run could not be split). */
  workers: number;
  /** Why the run stayed on one thread, or null. */
  refused: string | null;
  /** The merged result is the one a single thread gives (see notes when false). */
  exact: boolean;
  notes: string[];
  /** Flows each worker ran. */
  flowsPerWorker: number[];
}

type RunOne = (scenario: Scenario, options: RunOptions) => Promise<RunResult>;

function workerUrl(): URL {
  const url = new URL("./parallel-worker.js", import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    throw new Error(`runScenario: parallel runs load the built worker ${fileURLToPath(url)}, which is missing (run \`npm run build\`)`);
  }
  return url;
}

function checkOptions(o: RunOptions): number {
  const n = o.workers!;
  if (!Number.isInteger(n) || n < 1 || n > PARALLEL_WORKERS_MAX) {
    throw new RangeError(`runScenario: "workers" expected an integer in [1, ${PARALLEL_WORKERS_MAX}], got ${String(n)}`);
  }
  if (o.workerHeapMb !== undefined && (!Number.isInteger(o.workerHeapMb) || o.workerHeapMb < WORKER_HEAP_MB_MIN || o.workerHeapMb > WORKER_HEAP_MB_MAX)) {
    throw new RangeError(`runScenario: "workerHeapMb" expected an integer in [${WORKER_HEAP_MB_MIN}, ${WORKER_HEAP_MB_MAX}], got ${String(o.workerHeapMb)}`);
  }
  if (n > 1) {
    if ((o.wire ?? "memory") !== "memory") throw new TypeError(`runScenario: "workers" > 1 expected the memory wire, got wire ${JSON.stringify(o.wire)}`);
    if (o.tap !== undefined) throw new TypeError(`runScenario: "workers" > 1 cannot take a "tap" (a pcap is one thread's wire); use workers: 1`);
    if (o.flowSource !== undefined) throw new TypeError(`runScenario: "workers" > 1 cannot take a "flowSource" (functions do not cross threads); give "flowSourceModule"`);
  }
  return n;
}

/** runScenario with options.workers set (called by runScenario). */
export async function runParallel(scenario: Scenario, options: RunOptions, runOne: RunOne): Promise<RunResult> {
  const n = checkOptions(options);
  const serial = async (refused: string | null): Promise<RunResult> => {
    const { workers: _w, workerHeapMb: _h, ...rest } = options;
    const r = await runOne(scenario, rest);
    r.parallel = { requested: n, workers: 1, refused, exact: true, notes: [], flowsPerWorker: [] };
    return r;
  };
  if (n === 1) return serial(null);
  const faults = { ...(scenario.faults ?? {}), ...(options.faults ?? {}) };
  const plan = planShards(scenario, faults, n);
  if (plan.owner === null) return serial(plan.refused);
  // scenario.flows are checked here, before any thread starts; a flowSourceModule's in the workers.
  for (const f of scenario.flows) if (plan.owner(f) < 0) return serial(unplacedFlow(f));

  const outcome = await runWorkers(scenario, options, n);
  if ("refused" in outcome) return serial(outcome.refused);
  return merge(scenario, options, n, outcome.done, outcome.logs);
}

interface Outcome {
  done: ShardDone[];
  /** Drain time -> every worker's records of that drain. */
  logs: Map<number, FlowLogRecord[]>;
}

function runWorkers(scenario: Scenario, options: RunOptions, n: number): Promise<Outcome | { refused: string }> {
  const url = workerUrl();
  const input = (index: number): WorkerInput => ({
    scenario,
    shard: { index, count: n },
    options: {
      seed: options.seed, durationMs: options.durationMs, enforcement: options.enforcement, dataplane: options.dataplane, faults: options.faults,
      flowLogs: options.flowLogs, flowResults: options.flowResults, flowSourceModule: options.flowSourceModule,
    },
    wantResults: options.onFlowResult !== undefined,
    wantKeyLog: options.keyLog !== undefined,
  });
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    const done: (ShardDone | null)[] = new Array<ShardDone | null>(n).fill(null);
    const progress = new Float64Array(2 * n);
    const logs = new Map<number, FlowLogRecord[]>();
    let settled = false;
    const finish = (err: Error | null, refused?: string): void => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (err !== null) reject(err);
      else if (refused !== undefined) resolve({ refused });
      else resolve({ done: done as ShardDone[], logs });
    };
    for (let i = 0; i < n; i++) {
      const w = new Worker(url, {
        workerData: input(i),
        resourceLimits: options.workerHeapMb === undefined ? undefined : { maxOldGenerationSizeMb: options.workerHeapMb },
      });
      workers.push(w);
      w.on("message", (m: WorkerMessage) => {
        if (settled) return;
        try {
          switch (m.t) {
            case "progress": {
              progress[2 * i] = m.resolved;
              progress[2 * i + 1] = m.total;
              let a = 0;
              let b = 0;
              for (let k = 0; k < n; k++) {
                a += progress[2 * k]!;
                b += progress[2 * k + 1]!;
              }
              options.onProgress?.(a, b);
              return;
            }
            case "keylog":
              for (const line of m.lines) options.keyLog?.(line);
              return;
            case "results":
              for (let k = 0; k < m.items.length; k++) options.onFlowResult?.(m.items[k]!, m.indices[k]!);
              return;
            case "logs": {
              const list = logs.get(m.atMs);
              if (list === undefined) logs.set(m.atMs, m.records);
              else for (const r of m.records) list.push(r);
              return;
            }
            case "refused":
              finish(null, m.why);
              return;
            case "error": {
              const e = new Error(`runScenario: worker ${i} of ${n} failed: ${m.message}`);
              if (m.stack !== undefined) e.stack = `${e.message}\n${m.stack}`;
              finish(e);
              return;
            }
            case "done":
              done[i] = m.done;
              if (done.every((d) => d !== null)) finish(null);
              return;
          }
        } catch (e) {
          // A callback of the caller threw: stop the run and hand its error back.
          finish(e instanceof Error ? e : new Error(String(e)));
        }
      });
      w.on("error", (e) => finish(new Error(`runScenario: worker ${i} of ${n} failed: ${e.message}`)));
      w.on("exit", (code) => {
        if (!settled && done[i] === null) finish(new Error(`runScenario: worker ${i} of ${n} exited (code ${code}) before its shard was done`));
      });
    }
  });
}

function addInto<T extends Record<string, number>>(into: T, from: T): void {
  for (const k of Object.keys(from) as (keyof T)[]) (into[k] as number) += from[k] as number;
}

function merge(scenario: Scenario, options: RunOptions, n: number, done: ShardDone[], logs: Map<number, FlowLogRecord[]>): RunResult {
  const first = done[0]!.result;
  const r: RunResult = {
    scenario: first.scenario,
    wire: "memory",
    flows: [],
    tunnels: { ...first.tunnels },
    packets: { ...first.packets, droppedBy: {} },
    dtlsOverheadBytes: 0,
    wireStats: { datagrams: 0, bytes: 0 },
    flowLogRecords: [],
    flowLogOverflow: { observations: 0, packets: 0, bytes: 0 },
    expectations: [],
    ok: true,
    endedAtMs: 0,
    stoppedBy: "idle",
  };
  for (const k of Object.keys(r.tunnels) as (keyof RunResult["tunnels"])[]) r.tunnels[k] = 0;
  const { droppedBy: _d, ...packetCounts } = r.packets;
  for (const k of Object.keys(packetCounts) as (keyof typeof packetCounts)[]) r.packets[k] = 0;
  const dropped: Partial<Record<PacketDropReason, number>> = {};
  const stopRank = { idle: 0, done: 0, timeout: 1, until: 1, "events-max": 2 } as const;
  const retain = options.flowResults !== false;
  const flows: (FlowResult | undefined)[] = retain ? new Array<FlowResult | undefined>(scenario.flows.length) : [];
  for (const d of done) {
    const s = d.result;
    addInto(r.tunnels, s.tunnels);
    const { droppedBy, ...counts } = s.packets;
    addInto(r.packets as unknown as Record<string, number>, counts as unknown as Record<string, number>);
    for (const [k, v] of Object.entries(droppedBy) as [PacketDropReason, number][]) dropped[k] = (dropped[k] ?? 0) + v;
    r.dtlsOverheadBytes += s.dtlsOverheadBytes;
    addInto(r.wireStats, s.wireStats);
    addInto(r.flowLogOverflow, s.flowLogOverflow);
    r.endedAtMs = Math.max(r.endedAtMs, s.endedAtMs);
    if (stopRank[s.stoppedBy] > stopRank[r.stoppedBy]) r.stoppedBy = s.stoppedBy;
    if (retain) d.owned.forEach((index, k) => (flows[index] = s.flows[k]));
  }
  for (const k of PACKET_DROP_REASONS) if (dropped[k] !== undefined) r.packets.droppedBy[k] = dropped[k];
  if (retain) r.flows = flows.filter((f): f is FlowResult => f !== undefined);
  r.expectations = scenario.expectations.map((_e, k): ExpectationResult => {
    const owner = done.find((d) => d.expectationOwned[k] === true);
    return (owner ?? done[0]!).result.expectations[k]!;
  });
  r.ok = r.expectations.every((x) => x.ok);
  r.flowLogRecords = mergeFlowLogs(logs);

  const notes: string[] = [];
  const settings = resolveDataplaneSettings({ ...(scenario.dataplane ?? {}), ...(options.dataplane ?? {}) } as DataplaneSettingsInput);
  const tunnels = new Map<string, number>();
  const ports = new Map<string, number>();
  for (const d of done) {
    for (const h of d.hostPeaks) {
      tunnels.set(h.host, (tunnels.get(h.host) ?? 0) + h.tunnelsPeak);
      ports.set(h.host, (ports.get(h.host) ?? 0) + h.portsPeak);
    }
  }
  for (const [host, t] of tunnels) {
    if (t >= settings.tunnelsPerHost) notes.push(`host ${host}: up to ${t} tunnels counting every worker's, at or over tunnelsPerHost (${settings.tunnelsPerHost}): one thread may have evicted some`);
  }
  for (const [host, p] of ports) {
    if (p >= CLIENT_PORTS) notes.push(`host ${host}: up to ${p} client ports counting every worker's, at or over the ${CLIENT_PORTS} it has`);
  }
  if (r.flowLogOverflow.observations > 0) notes.push(`the flow tables refused ${r.flowLogOverflow.observations} observations: one thread's table fills differently`);
  r.parallel = { requested: n, workers: n, refused: null, exact: notes.length === 0, notes, flowsPerWorker: done.map((d) => d.owned.length) };
  return r;
}

/** Orders records as the flow table does (src/flowlog/records.ts RecordBuilder.build): time, MAC, flow log, target. */
function recordKey(r: FlowLogRecord): string {
  return `${r.time}|${r.macAddress}|${r.flowLogResourceID}|${r.targetResourceID}`;
}

const STATE_ORDER: Record<string, number> = { B: 0, D: 1, C: 2, E: 3 };

function compareTuples(a: string, b: string): number {
  // "timestampMs,srcIp,dstIp,srcPort,dstPort,protocol,direction,state,..." (schema.ts)
  const ta = Number(a.slice(0, a.indexOf(",")));
  const tb = Number(b.slice(0, b.indexOf(",")));
  if (ta !== tb) return ta - tb;
  const sa = STATE_ORDER[a.split(",", 8)[7]!] ?? 9;
  const sb = STATE_ORDER[b.split(",", 8)[7]!] ?? 9;
  if (sa !== sb) return sa - sb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every worker's drains merged: drains in time order (the final drain last), and within a drain
 * one record per key with the tuples of every worker, in FlowTable's order.
 */
export function mergeFlowLogs(logs: Map<number, FlowLogRecord[]>): FlowLogRecord[] {
  const out: FlowLogRecord[] = [];
  for (const atMs of [...logs.keys()].sort((a, b) => a - b)) {
    const byKey = new Map<string, FlowLogRecord[]>();
    for (const rec of logs.get(atMs)!) {
      const k = recordKey(rec);
      const list = byKey.get(k);
      if (list === undefined) byKey.set(k, [rec]);
      else list.push(rec);
    }
    for (const k of [...byKey.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const parts = byKey.get(k)!;
      if (parts.length === 1) {
        out.push(parts[0]!);
        continue;
      }
      const acls = new Map<string, Map<string, string[]>>();
      for (const p of parts) {
        for (const f of p.flowRecords.flows) {
          let groups = acls.get(f.aclID);
          if (groups === undefined) acls.set(f.aclID, (groups = new Map()));
          for (const g of f.flowGroups) {
            const list = groups.get(g.rule);
            if (list === undefined) groups.set(g.rule, [...g.flowTuples]);
            else for (const t of g.flowTuples) list.push(t);
          }
        }
      }
      const byStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
      out.push({
        ...parts[0]!,
        flowRecords: {
          flows: [...acls.keys()].sort(byStr).map((aclID) => {
            const groups = acls.get(aclID)!;
            return { aclID, flowGroups: [...groups.keys()].sort(byStr).map((rule) => ({ rule, flowTuples: groups.get(rule)!.sort(compareTuples) })) };
          }),
        },
      });
    }
  }
  return out;
}
