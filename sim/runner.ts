/**
 * runScenario: a scenario through the simulator and the data plane (issue 4 §4).
 *
 * Set-up order matters, because equal times run in insertion order: the scenario's timed events
 * and fault events first (so a packet at time t sees every event at or before t, as topologyAt
 * does), then the expectation probes, then the workloads.
 *
 * Expectations are checked on what the wire carried. Each expectation is bound to one forward
 * packet of its flow: the workload's packet sent exactly at the expectation's time (by default the
 * flow's start, i.e. its first packet) or, when the workload sends none then, a probe: one extra
 * packet of the flow sent at that time. The observed value is X only when that packet came out of
 * a DTLS record opened by the peer host; a plaintext delivery shows the sender's value; a drop shows
 * the verdict's value and why. Probes are real packets and appear in the counters and flow logs.
 *
 * The memory wire runs on virtual time until nothing is left to do (tunnels close after their idle
 * timeout) or durationMs; the udp wire runs on real time until every packet is resolved, bounded by
 * udpTimeoutMs. All randomness derives from the seed, so memory-wire runs are byte-identical.
 */
import type { Enforcement } from "../src/topology/model.js";
import type { Expectation, FlowSpec, Scenario, ScenarioFaultEvent, TimedEvent } from "../src/scenario/types.js";
import { applyEvent } from "../src/scenario/events.js";
import type { FlowEncryption } from "../src/policy/index.js";
import { FlowTable, FLOW_TABLE_FLOWS_MAX, FLOW_TABLE_BUCKETS_MAX, FLOW_LOG_INTERVAL_MS } from "../src/flowlog/table.js";
import type { FlowLogRecord } from "../src/flowlog/schema.js";
import { DataPlane, DATAPLANE_FLOWS_MAX } from "../src/dataplane/dataplane.js";
import type { FlowState, ExpectationProbe, PacketDropReason } from "../src/dataplane/flow-state.js";
import { KeyService } from "../src/dataplane/keys.js";
import { MemoryWire, type WireTap } from "../src/dataplane/wire.js";
import { UdpWire, UDP_RUN_TIMEOUT_MS_DEFAULT } from "../src/dataplane/udp-wire.js";
import { resolveDataplaneSettings, type DataplaneSettingsInput } from "../src/dataplane/settings.js";
import { flowResult, type FlowResult } from "../src/dataplane/results.js";
import { Simulator } from "./engine.js";
import { SeededRng } from "./rng.js";
import { FaultModel, type LinkFaults } from "./faults.js";
import { BACK_TO_BACK_GAP_MS, checkFlowSpec, schedulePackets, startPacketsNow, type FlowSource } from "./workload.js";
import { scheduleTimedEvents } from "./events.js";
import { unplacedFlow, type ShardOwner } from "./shard.js";
import { runParallel, type ParallelInfo } from "./parallel.js";

export type { WireTap } from "../src/dataplane/wire.js";
export type { FlowResult } from "../src/dataplane/results.js";
export type { FlowSource } from "./workload.js";
export type { ParallelInfo } from "./parallel.js";

/** Events one memory-wire run may take before it stops ("events-max"). */
export const RUN_EVENTS_MAX = 200_000_000;
/** Events per slice between progress reports. */
export const RUN_SLICE_EVENTS = 200_000;
/** Ceiling on the flow table the runner builds (flows and buckets). */
export const RUN_FLOW_TABLE_MAX = 8_000_000;
/** Fault events a run accepts. */
export const FAULT_EVENTS_MAX = 100_000;

/** A timed fault: partition/repair of a host-to-host link, crash/recovery of a host. */
export type FaultEvent = ScenarioFaultEvent;

export interface FaultsConfig {
  /** Faults of every link without its own. */
  global?: Partial<LinkFaults>;
  /** Per host pair (sorted, so a-b and b-a are one link). */
  links?: { a: string; b: string; faults: Partial<LinkFaults> }[];
  /** Hosts whose key service view is stale: every tunnel handshake with them fails (bad_record_mac). */
  staleKeyHosts?: string[];
  events?: FaultEvent[];
}

export interface RunOptions {
  seed?: number;
  durationMs?: number;
  /** Override of every VNet's enforcement. */
  enforcement?: Enforcement;
  wire?: "memory" | "udp";
  tap?: WireTap;
  keyLog?: (line: string) => void;
  onProgress?: (done: number, total: number) => void;
  /** Data-plane settings over the scenario's (mtuBytes, tunnelIdleMs, tunnelsPerHost, rekey, ...). */
  dataplane?: DataplaneSettingsInput;
  /** Link and host faults over the scenario's (memory wire only). */
  faults?: FaultsConfig;
  /** Real-time bound of a udp-wire run (default UDP_RUN_TIMEOUT_MS_DEFAULT). */
  udpTimeoutMs?: number;
  /** Keep flow log records in RunResult (default true); false for very large runs. */
  flowLogs?: boolean;
  /**
   * Keep every flow's result in RunResult.flows (default true). false, for very large runs: flows
   * is empty, a flow's state is made when its first packet is due (expectations' flows: at the
   * start) and released as soon as its packets are all resolved; results go to onFlowResult.
   * Outputs are otherwise the same, except that a duplicate arriving after its flow was released
   * counts in packets.duplicates only.
   */
  flowResults?: boolean;
  /** Called once per flow: when its last packet is resolved, or at the end of the run (in flow order) for the rest. */
  onFlowResult?: (result: FlowResult, index: number) => void;
  /** Flows made as the run goes, instead of scenario.flows (which must then be empty); requires flowResults: false. */
  flowSource?: FlowSource;
  /**
   * flowSource from a module: `(await import(url))[exportName ?? "default"](...args)` must return a
   * FlowSource. Unlike a FlowSource, it can cross to worker threads, so parallel runs take it.
   */
  flowSourceModule?: FlowSourceModule;
  /**
   * Worker threads to split the run over (default 1: this thread). The flows are split by tunnel
   * (sim/shard.ts), one shard per worker, and the results merged: RunResult.parallel says how many
   * ran, and why the run went on one thread when it could not be split. Memory wire only, no tap.
   */
  workers?: number;
  /** V8 old-space limit of each worker thread, MB (default: V8's). */
  workerHeapMb?: number;
  /** @internal One shard of a parallel run (sim/parallel-worker.ts). */
  shard?: ShardRun;
}

/** A flow source a worker thread can load: see RunOptions.flowSourceModule. */
export interface FlowSourceModule {
  /** An absolute file: URL (import.meta.resolve or pathToFileURL of a built .js file). */
  url: string;
  exportName?: string;
  /** Structured-cloneable arguments. */
  args?: unknown[];
}

/** @internal What one shard runs and reports back (sim/parallel-worker.ts). */
export interface ShardRun {
  index: number;
  count: number;
  owner: ShardOwner;
  /** Each drain's flow-log records and the drain's virtual time (Infinity: the final drain). */
  onFlowLogs?: (atMs: number, records: FlowLogRecord[]) => void;
  /** Filled by the run: the global indices of the flows this shard ran, ascending. */
  owned: number[];
  /** Filled by the run: whether each expectation's flow is this shard's. */
  expectationOwned: boolean[];
  /** Filled by the run: each host's peak tunnels and client ports in use (the edge host excluded). */
  hostPeaks: { host: string; tunnelsPeak: number; portsPeak: number }[];
}

/** Thrown by a shard that meets a flow it cannot place; the parallel run then goes on one thread. */
export class ShardRefusedError extends Error {
  constructor(readonly why: string) {
    super(`parallel run: cannot split by tunnel: ${why}`);
    this.name = "ShardRefusedError";
  }
}

export interface ExpectationResult {
  flow: string;
  atMs: number;
  expected: { encryption: FlowEncryption; action: "deliver" | "drop"; reason: string | null };
  observed: { encryption: FlowEncryption; action: "deliver" | "drop"; reason: string; via: "tunnel" | "plaintext" | "local" | "none"; atMs: number } | null;
  /** The forward packet the check looked at, and whether it was a probe. */
  packetIndex: number;
  probe: boolean;
  ok: boolean;
  mismatches: string[];
}

export interface RunResult {
  scenario: { name: string; seed: number };
  wire: "memory" | "udp";
  flows: FlowResult[];
  tunnels: { opened: number; established: number; failed: number; rekeys: number; evicted: number; idleClosed: number; eventClosed: number; handshakes: number; retransmissions: number; fallbackPackets: number };
  packets: {
    sent: number;
    delivered: number;
    /** Of delivered: out of a DTLS record opened by the peer host (the flows' encryptedPackets, summed). */
    encrypted: number;
    dropped: number;
    duplicates: number;
    droppedBy: Partial<Record<PacketDropReason, number>>;
    strayDatagrams: number;
    lateAlerts: number;
    plaintextLeaks: number;
  };
  /** Bytes the DTLS layer added on the wire beyond the inner packets it carried. */
  dtlsOverheadBytes: number;
  wireStats: { datagrams: number; bytes: number };
  flowLogRecords: FlowLogRecord[];
  flowLogOverflow: { observations: number; packets: number; bytes: number };
  expectations: ExpectationResult[];
  /** Every expectation holds. */
  ok: boolean;
  endedAtMs: number;
  stoppedBy: "idle" | "until" | "events-max" | "done" | "timeout";
  /** Present when options.workers was given: how the run was split. */
  parallel?: ParallelInfo;
}

function bindExpectation(sim: Simulator, dp: DataPlane, fs: FlowState, e: Expectation, k: number): ExpectationProbe {
  const spec = fs.spec;
  const atMs = Math.max(0, e.atMs ?? spec.startMs);
  let index = -1;
  if (atMs === spec.startMs) index = 0;
  else if (spec.rate === null || spec.rate.kind === "constant") {
    const perSecond = spec.rate === null ? 1000 / BACK_TO_BACK_GAP_MS : spec.rate.perSecond;
    const i = Math.round(((atMs - spec.startMs) * perSecond) / 1000);
    if (i >= 0 && i < spec.packets && spec.startMs + (i * 1000) / perSecond === atMs) index = i;
  }
  const probe = index < 0;
  if (probe) {
    index = spec.packets + fs.probes++;
    const at = Math.max(atMs, sim.nowMs);
    const pi = index;
    sim.schedule(at, () => dp.emit(fs, 0, pi));
  }
  const p: ExpectationProbe = { expectation: k, atMs, packetIndex: index, probe, observed: null };
  if (fs.expect === null) fs.expect = new Map();
  const list = fs.expect.get(index);
  if (list === undefined) fs.expect.set(index, [p]);
  else list.push(p);
  return p;
}

function affectedBy(e: TimedEvent): { vm?: string; host?: string } {
  if ("vm" in e) return { vm: e.vm };
  if ("host" in e) return { host: e.host };
  return {};
}

function checkExpectation(e: Expectation, p: ExpectationProbe): ExpectationResult {
  const expected = { encryption: e.encryption, action: e.action, reason: e.reason };
  const o = p.observed;
  const mismatches: string[] = [];
  if (o === null) mismatches.push("observed: the packet was never resolved");
  else {
    if (o.encryption !== e.encryption) mismatches.push(`encryption: expected ${e.encryption}, got ${o.encryption}`);
    if (o.action !== e.action) mismatches.push(`action: expected ${e.action}, got ${o.action}`);
    if (e.reason !== null && o.reason !== e.reason) mismatches.push(`reason: expected ${e.reason}, got ${o.reason}`);
    if (e.encryption === "X" && e.action === "deliver" && o.via !== "tunnel") mismatches.push(`wire: expected the packet to come out of a DTLS record, it came ${o.via}`);
  }
  return { flow: e.flow, atMs: p.atMs, expected, observed: o, packetIndex: p.packetIndex, probe: p.probe, ok: mismatches.length === 0, mismatches };
}

/** scenario.flows as a FlowSource. */
function arraySource(flows: readonly FlowSpec[]): FlowSource {
  return { count: flows.length, startMsOf: (i) => flows[i]!.startMs, specOf: (i) => flows[i]! };
}

/** Loads a FlowSourceModule (see RunOptions.flowSourceModule). */
export async function loadFlowSource(m: FlowSourceModule): Promise<FlowSource> {
  if (typeof m?.url !== "string" || !m.url.startsWith("file:")) {
    throw new TypeError(`runScenario: "flowSourceModule.url" expected an absolute file: URL, got ${JSON.stringify(m?.url)}`);
  }
  const name = m.exportName ?? "default";
  const mod = (await import(m.url)) as Record<string, unknown>;
  const make = mod[name];
  if (typeof make !== "function") throw new TypeError(`runScenario: "flowSourceModule": ${m.url} exports no function ${JSON.stringify(name)}`);
  const src = (make as (...a: unknown[]) => unknown)(...(m.args ?? [])) as FlowSource;
  if (src === null || typeof src !== "object" || typeof src.specOf !== "function" || typeof src.startMsOf !== "function" || !Number.isSafeInteger(src.count)) {
    throw new TypeError(`runScenario: "flowSourceModule": ${name}() of ${m.url} expected to return a FlowSource { count, startMsOf, specOf }`);
  }
  return src;
}

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunResult> {
  if (options.workers !== undefined && options.shard === undefined) return runParallel(scenario, options, runScenario);
  if (options.flowSourceModule !== undefined) {
    if (options.flowSource !== undefined) throw new TypeError(`runScenario: expected "flowSource" or "flowSourceModule", got both`);
    const { flowSourceModule, ...rest } = options;
    return runScenario(scenario, { ...rest, flowSource: await loadFlowSource(flowSourceModule) });
  }
  const shard = options.shard;
  const seed = options.seed ?? scenario.topology.settings.seed;
  const wireKind = options.wire ?? "memory";
  if (wireKind !== "memory" && wireKind !== "udp") throw new TypeError(`runScenario: "wire" expected "memory" or "udp", got ${JSON.stringify(wireKind)}`);
  if (options.durationMs !== undefined && !(options.durationMs >= 0 && Number.isFinite(options.durationMs))) {
    throw new RangeError(`runScenario: "durationMs" expected a finite number >= 0, got ${options.durationMs}`);
  }
  // Options override the scenario's settings.dataplane and faults sections, field by field.
  const sd: DataplaneSettingsInput = scenario.dataplane ?? {};
  const od: DataplaneSettingsInput = options.dataplane ?? {};
  const settings = resolveDataplaneSettings({ ...sd, ...od, rekey: { ...(sd.rekey ?? {}), ...(od.rekey ?? {}) } });
  const faultsCfg: FaultsConfig = { ...(scenario.faults ?? {}), ...(options.faults ?? {}) };
  const faultEvents = faultsCfg.events ?? [];
  if (faultEvents.length > FAULT_EVENTS_MAX) throw new RangeError(`runScenario: ${faultEvents.length} fault events, over FAULT_EVENTS_MAX (${FAULT_EVENTS_MAX})`);

  const root = new SeededRng(seed);
  const sim = new Simulator();
  const faults = new FaultModel(faultsCfg.global ?? {}, faultsCfg.links ?? [], root.fork("faults"));
  const rootSecret = new Uint8Array(32);
  root.fork("keys/root").fill(rootSecret);
  const flows = scenario.flows;
  const retain = options.flowResults !== false;
  if (options.flowSource !== undefined) {
    if (retain) throw new TypeError(`runScenario: "flowSource" expected together with "flowResults: false", got flowResults ${String(options.flowResults)}`);
    if (flows.length > 0) throw new TypeError(`runScenario: "flowSource" expected a scenario without flows, got ${flows.length} in scenario.flows`);
  }
  const source = options.flowSource ?? arraySource(flows);
  const flowCount = source.count;
  if (!Number.isSafeInteger(flowCount) || flowCount < 0 || flowCount > DATAPLANE_FLOWS_MAX) {
    throw new RangeError(`runScenario: flow count expected an integer in [0, ${DATAPLANE_FLOWS_MAX}] (DATAPLANE_FLOWS_MAX), got ${flowCount}`);
  }
  const tableMax = Math.min(RUN_FLOW_TABLE_MAX, Math.max(FLOW_TABLE_FLOWS_MAX, flowCount * 2 + 16));
  const keepLogs = options.flowLogs !== false;
  const epochMs = Date.parse(scenario.topology.epochIso);
  const table = new FlowTable({ epochMs, flowsMax: tableMax, bucketsMax: Math.max(FLOW_TABLE_BUCKETS_MAX, Math.min(RUN_FLOW_TABLE_MAX, tableMax * 2)) });
  const dp = new DataPlane({
    sim, topology: scenario.topology, tunnelScope: scenario.settings.tunnelScope, settings, faults,
    rng: root.fork("dataplane"), keyService: new KeyService(rootSecret), staleKeyHosts: faultsCfg.staleKeyHosts,
    flowTable: table, keyLog: options.keyLog, enforcement: options.enforcement,
  });

  let udp: UdpWire<(typeof dp.hostOffloads)[number]> | null = null;
  let memory: MemoryWire<(typeof dp.hostOffloads)[number]> | null = null;
  if (wireKind === "memory") {
    memory = new MemoryWire(sim, faults, dp, options.tap);
    dp.attachWire(memory);
  } else {
    udp = await UdpWire.open(sim, dp.hostOffloads, dp, options.tap);
    dp.attachWire(udp);
  }

  // 1. timed events (topology) and fault events
  let raw = scenario.topology;
  scheduleTimedEvents(sim, scenario.events, (e) => {
    raw = applyEvent(raw, e);
    dp.setTopology(raw, affectedBy(e));
    if (udp !== null) for (const h of dp.hostOffloads) void udp.bind(h);
  });
  for (const fe of [...faultEvents].sort((a, b) => a.atMs - b.atMs)) {
    sim.schedule(Math.max(0, fe.atMs), () => {
      switch (fe.action) {
        case "partition":
          return dp.partition(fe.a, fe.b);
        case "repair":
          return dp.repair(fe.a, fe.b);
        case "host-crash":
          return dp.crashHost(fe.host);
        case "host-recover":
          return dp.recoverHost(fe.host);
      }
    });
  }

  // 2. flows and expectation probes. Keeping results: every flow's state now. Otherwise only the
  // flows an expectation names; the others when their first packet is due (step 3).
  // A shard runs only its own flows, under their indices in the whole run.
  const mine = (spec: FlowSpec): boolean => {
    if (shard === undefined) return true;
    const o = shard.owner(spec);
    if (o < 0) throw new ShardRefusedError(unplacedFlow(spec));
    return o === shard.index;
  };
  const states: FlowState[] = [];
  if (retain) flows.forEach((spec, i) => mine(spec) && states.push(dp.addFlow(spec, i)));
  const byName = new Map<string, number>();
  {
    const named = new Set(scenario.expectations.map((e) => e.flow));
    flows.forEach((spec, i) => {
      if (named.has(spec.name)) byName.set(spec.name, i);
    });
  }
  const probes = scenario.expectations.map((e, k) => {
    const i = byName.get(e.flow);
    if (shard !== undefined) shard.expectationOwned[k] = i !== undefined && mine(flows[i]!);
    if (i === undefined || (shard !== undefined && !shard.expectationOwned[k])) return null;
    const fs = dp.flowAt(i) ?? dp.addFlow(flows[i]!, i);
    return bindExpectation(sim, dp, fs, e, k);
  });

  // 3. workloads (one emit function per flow, none per packet)
  const wl = root.fork("workload");
  let total = 0;
  let started = retain ? flowCount : 0;
  // Flows this run starts: all, or a shard's own.
  let runCount = flowCount;
  let ownedFlags: Uint8Array | null = null;
  // Packets each flow resolves in all (known from its start); 0 until then.
  const expected = new Float64Array(flowCount);
  const done = new Uint8Array(flowCount);
  // A flow whose every packet is resolved ends in the flow log now, so the drain of its last
  // minute writes its E tuple with that minute's counters (Azure: E when the flow ends).
  // Packets delivered out of a DTLS record, summed over the flows as they end (no FlowResult needed).
  let encryptedDelivered = 0;
  const finishFlow = (fs: FlowState): void => {
    done[fs.index] = 1;
    encryptedDelivered += fs.dirs[0].counters.encrypted + fs.dirs[1].counters.encrypted;
    dp.endFlowLog(fs);
    options.onFlowResult?.(flowResult(fs), fs.index);
    if (!retain) dp.releaseFlow(fs);
  };
  dp.onResolved = (fs) => {
    if (fs.resolved === expected[fs.index] && done[fs.index] === 0) finishFlow(fs);
  };
  const expectedOf = (spec: FlowSpec, fs: FlowState): number => spec.packets * (spec.pattern === "request-response" ? 2 : 1) + fs.probes;
  if (retain) {
    for (const fs of states) {
      const spec: FlowSpec = fs.spec;
      expected[fs.index] = expectedOf(spec, fs);
      total += expected[fs.index]!;
      schedulePackets(sim, spec, wl, (_s, index, direction) => dp.emit(fs, direction === "fwd" ? 0 : 1, index));
    }
  } else {
    // One start event per flow, in flow order, where schedulePackets would put its first packet:
    // events run in the same order as when every flow is set up front.
    if (options.flowSource === undefined) for (const spec of flows) checkFlowSpec(sim.nowMs, spec);
    if (shard !== undefined) {
      ownedFlags = new Uint8Array(flowCount);
      runCount = 0;
      for (let i = 0; i < flowCount; i++) {
        if (mine(source.specOf(i))) {
          ownedFlags[i] = 1;
          runCount++;
        }
      }
    }
    const startFlow = (i: number): void => {
      const spec = source.specOf(i);
      if (spec.startMs !== sim.nowMs) {
        throw new RangeError(`runScenario: flow ${i} (${JSON.stringify(spec.name)}) "startMs" expected ${sim.nowMs} (the source's startMsOf), got ${spec.startMs}`);
      }
      checkFlowSpec(sim.nowMs, spec);
      const fs = dp.flowAt(i) ?? dp.addFlow(spec, i);
      started++;
      expected[i] = expectedOf(spec, fs);
      total += expected[i]!;
      if (fs.resolved === expected[i]) {
        finishFlow(fs);
        return;
      }
      startPacketsNow(sim, spec, wl, (_s, index, direction) => dp.emit(fs, direction === "fwd" ? 0 : 1, index));
    };
    // The start events hold their places in the order (one reserved per flow) but only the next
    // one to run is in the queue: flows in (start, index) order, one feeder event at a time.
    const starts = new Float64Array(flowCount);
    for (let i = 0; i < flowCount; i++) {
      const at = source.startMsOf(i);
      if (!(at >= 0) || at === Infinity) throw new RangeError(`runScenario: flow ${i} start expected a finite time >= 0, got ${at}`);
      starts[i] = at;
    }
    const byStart = new Uint32Array(runCount);
    for (let i = 0, k = 0; i < flowCount; i++) if (ownedFlags === null || ownedFlags[i] === 1) byStart[k++] = i;
    byStart.sort((a, b) => starts[a]! - starts[b]! || a - b);
    const firstPlace = sim.reserveOrder(flowCount);
    const feed = (k: number): void => {
      if (k + 1 < runCount) {
        const next = byStart[k + 1]!;
        sim.postReserved(starts[next]!, firstPlace + next, feed, k + 1);
      }
      startFlow(byStart[k]!);
    };
    if (runCount > 0) sim.postReserved(starts[byStart[0]!]!, firstPlace + byStart[0]!, feed, 0);
  }

  const resolved = (): number => dp.packetStats.delivered + dp.packetStats.dropped;
  // Flow logs are drained at every minute boundary while traffic remains (Azure collects them
  // per minute), so the table holds at most one minute of buckets. The drain event was scheduled
  // a minute earlier, so it runs before the packets of the new minute's first instant.
  const records: FlowLogRecord[] = [];
  const collect = (drained: FlowLogRecord[], atMs: number): void => {
    if (!keepLogs) return;
    if (shard?.onFlowLogs !== undefined) {
      if (drained.length > 0) shard.onFlowLogs(atMs, drained);
    } else for (const r of drained) records.push(r);
  };
  const drainEvent = (): void => {
    // Without records to keep, the drain does its bookkeeping (buckets, ended flows) and builds none.
    collect(table.drain(keepLogs ? {} : { records: false }), sim.nowMs);
    if (started < runCount || resolved() < total || dp.unresolved > 0) sim.schedule(sim.nowMs + FLOW_LOG_INTERVAL_MS, drainEvent);
  };
  if (total > 0 || started < runCount) sim.schedule(FLOW_LOG_INTERVAL_MS - (epochMs % FLOW_LOG_INTERVAL_MS), drainEvent);

  let stoppedBy: RunResult["stoppedBy"];
  if (memory !== null) {
    const untilMs = options.durationMs ?? Infinity;
    let events = 0;
    while (true) {
      const r = sim.run({ untilMs, eventsMax: RUN_SLICE_EVENTS });
      events += r.events;
      options.onProgress?.(resolved(), total);
      if (r.stoppedBy !== "events-max") {
        stoppedBy = r.stoppedBy;
        break;
      }
      if (events >= RUN_EVENTS_MAX) {
        stoppedBy = "events-max";
        break;
      }
    }
    const cut = stoppedBy !== "idle";
    dp.closeAllTunnels();
    dp.finish(cut ? "cut" : "complete");
  } else {
    const timeoutMs = options.udpTimeoutMs ?? UDP_RUN_TIMEOUT_MS_DEFAULT;
    const limitMs = options.durationMs;
    stoppedBy = await udp!.pump(() => (resolved() >= total && dp.unresolved === 0) || (limitMs !== undefined && sim.nowMs >= limitMs), timeoutMs);
    options.onProgress?.(resolved(), total);
    dp.closeAllTunnels();
    // Let the close_notify alerts cross the loopback before the sockets close.
    await udp!.pump(() => false, 20);
    dp.finish(stoppedBy === "done" ? "complete" : "cut");
    await udp!.close();
  }

  // Flow logs: each flow not finished yet ends at its last activity (finished ones did); then
  // everything left is drained.
  const rest = retain ? states.filter((fs) => done[fs.index] === 0) : dp.heldFlows().sort((a, b) => a.index - b.index);
  for (const fs of rest) {
    encryptedDelivered += fs.dirs[0].counters.encrypted + fs.dirs[1].counters.encrypted;
    dp.endFlowLog(fs);
    options.onFlowResult?.(flowResult(fs), fs.index);
    if (!retain) dp.releaseFlow(fs);
  }
  table.closeAll(sim.nowMs);
  collect(table.drain(keepLogs ? {} : { records: false }), Infinity);

  const expectations: ExpectationResult[] = [];
  scenario.expectations.forEach((e, k) => {
    const p = probes[k];
    if (p === null || p === undefined) {
      expectations.push({ flow: e.flow, atMs: e.atMs ?? 0, expected: { encryption: e.encryption, action: e.action, reason: e.reason }, observed: null, packetIndex: -1, probe: false, ok: false, mismatches: [`flow: no flow named ${JSON.stringify(e.flow)}`] });
    } else expectations.push(checkExpectation(e, p));
  });

  if (shard !== undefined) {
    for (const h of dp.hostOffloads.slice(1)) shard.hostPeaks.push({ host: h.name, tunnelsPeak: h.stats.tunnelsPeak, portsPeak: h.stats.portsPeak });
    if (retain) for (const fs of states) shard.owned.push(fs.index);
    else if (ownedFlags !== null) for (let i = 0; i < flowCount; i++) if (ownedFlags[i] === 1) shard.owned.push(i);
  }
  const ps = dp.packetStats;
  const ws = memory?.stats ?? udp!.stats;
  return {
    scenario: { name: scenario.name, seed },
    wire: wireKind,
    flows: retain ? states.map(flowResult) : [],
    tunnels: { ...dp.tunnelStats },
    packets: { sent: ps.sent, delivered: ps.delivered, encrypted: encryptedDelivered, dropped: ps.dropped, duplicates: ps.duplicates, droppedBy: { ...ps.dropReasons }, strayDatagrams: ps.strayDatagrams, lateAlerts: ps.lateAlerts, plaintextLeaks: ps.plaintextLeaks },
    dtlsOverheadBytes: dp.dtlsWireBytes - dp.dtlsInnerBytes,
    wireStats: { datagrams: ws.datagrams, bytes: ws.bytes },
    flowLogRecords: records,
    flowLogOverflow: table.overflow,
    expectations,
    ok: expectations.every((x) => x.ok),
    endedAtMs: sim.nowMs,
    stoppedBy,
  };
}
