/**
 * The per-flow shortcuts of the data plane: endFlowLog(fs) (flow-table handles) ends exactly what
 * the runner's keyed end does, also with stale handles; the IPv4 and outcome-key caches stay
 * within their limits and give the parsed values.
 */
import { describe, expect, it } from "vitest";
import { DataPlane, DATAPLANE_IP_CACHE_MAX } from "../../src/dataplane/dataplane.js";
import { KeyService } from "../../src/dataplane/keys.js";
import { resolveDataplaneSettings } from "../../src/dataplane/settings.js";
import { MemoryWire } from "../../src/dataplane/wire.js";
import { IP_PROTOCOL } from "../../src/dataplane/packet.js";
import { cachedOutcomeKeys, flowResult, OUTCOME_KEY_CACHE_MAX } from "../../src/dataplane/results.js";
import { NO_COUNTS, countIn, type FlowState } from "../../src/dataplane/flow-state.js";
import { FlowTable } from "../../src/flowlog/table.js";
import { parseIpv4 } from "../../src/topology/cidr.js";
import type { FlowSpec } from "../../src/scenario/types.js";
import { FaultModel } from "../../sim/faults.js";
import { Simulator } from "../../sim/engine.js";
import { SeededRng } from "../../sim/rng.js";
import { pairScenario } from "./fixtures.js";

function harness(): { sim: Simulator; dp: DataPlane; table: FlowTable } {
  const scenario = pairScenario({ vms: 3, pattern: "request-response", packets: 3 });
  const root = new SeededRng(11);
  const sim = new Simulator();
  const faults = new FaultModel({}, [], root.fork("faults"));
  const secret = new Uint8Array(32);
  root.fork("keys/root").fill(secret);
  const table = new FlowTable({ epochMs: Date.parse(scenario.topology.epochIso) });
  const dp = new DataPlane({
    sim, topology: scenario.topology, tunnelScope: scenario.settings.tunnelScope, settings: resolveDataplaneSettings({}), faults,
    rng: root.fork("dataplane"), keyService: new KeyService(secret), flowTable: table,
  });
  dp.attachWire(new MemoryWire(sim, faults, dp, undefined));
  return { sim, dp, table };
}

/** The runner's keyed end of a flow (sim/runner.ts endFlowInTable), without handles. */
function keyedEnd(table: FlowTable, fs: FlowState): void {
  if (fs.lastActivityMs < 0) return;
  const f = fs.spec.flow;
  const d = fs.dirs[0];
  const protocol = IP_PROTOCOL[fs.protocol];
  if (d.senderNic !== null) table.end(fs.lastActivityMs, { mac: d.senderNic.mac, direction: "O", srcIp: f.srcIp, dstIp: f.dstIp, srcPort: f.srcPort, dstPort: f.dstPort, protocol });
  if (d.receiverNic !== null) table.end(fs.lastActivityMs, { mac: d.receiverNic.mac, direction: "I", srcIp: f.srcIp, dstIp: f.dstIp, srcPort: f.srcPort, dstPort: f.dstPort, protocol });
}

function spec(name: string, srcIp: string, dstIp: string, srcPort: number): FlowSpec {
  return { name, from: "vm-0", to: "vm-1", flow: { srcIp, dstIp, protocol: "tcp", srcPort, dstPort: 443 }, startMs: 0, packets: 1, sizeBytes: 200, rate: null, pattern: "request-response" };
}

/**
 * Flows a and b share a 5-tuple (b is added after a's entries were drained away), c is plain
 * another flow; every flow sends a request and a response; `end` ends each when it is done.
 */
function scenarioRun(end: (dp: DataPlane, table: FlowTable, fs: FlowState) => void): string {
  const { sim, dp, table } = harness();
  const out: unknown[] = [];
  const a = dp.addFlow(spec("a", "10.0.1.4", "10.0.1.5", 40_000));
  const c = dp.addFlow(spec("c", "10.0.1.4", "10.0.1.6", 40_001));
  sim.schedule(10, () => dp.emit(a, 0, 0));
  sim.schedule(20, () => dp.emit(c, 0, 0));
  sim.schedule(500, () => dp.emit(a, 1, 0));
  sim.schedule(30_000, () => dp.emit(c, 1, 0));
  sim.schedule(59_000, () => {
    end(dp, table, a);
    end(dp, table, c);
  });
  sim.schedule(61_000, () => out.push(table.drain()));
  // b: the same 5-tuple as a, after a left the table; a's handles are stale now. Ending a again
  // (stale handles) must end b's entries, as the keyed end does.
  let b: FlowState | null = null;
  sim.schedule(62_000, () => {
    b = dp.addFlow(spec("b", "10.0.1.4", "10.0.1.5", 40_000));
    dp.emit(b, 0, 0);
  });
  sim.schedule(63_000, () => end(dp, table, a));
  sim.schedule(125_000, () => out.push(table.drain()));
  sim.schedule(126_000, () => {
    dp.emit(b!, 1, 0);
  });
  sim.schedule(127_000, () => end(dp, table, b!));
  sim.run();
  table.closeAll(sim.nowMs);
  out.push(table.drain());
  out.push([a, b, c].map((fs) => flowResult(fs!)));
  return JSON.stringify(out);
}

describe("per-flow shortcuts", () => {
  it("endFlowLog writes the same flow logs as the runner's keyed end, also with stale handles", () => {
    const handles = scenarioRun((dp, _t, fs) => dp.endFlowLog(fs));
    const keyed = scenarioRun((_dp, table, fs) => keyedEnd(table, fs));
    expect(handles).toBe(keyed);
    // The run is not vacuous: E tuples at two NICs each for a, c, b (ended through a's stale handles) and b again after its response.
    const tuples = (JSON.parse(handles) as { flowRecords: { flows: { flowGroups: { flowTuples: string[] }[] }[] } }[][])
      .slice(0, 3)
      .flat()
      .flatMap((r) => r.flowRecords.flows.flatMap((f) => f.flowGroups.flatMap((g) => g.flowTuples)));
    expect(tuples.filter((t) => t.split(",")[7] === "E")).toHaveLength(8);
    // Without any end, the flows would end only at closeAll: a different log.
    expect(scenarioRun(() => {})).not.toBe(keyed);
  });

  it(`the IPv4 cache stays within DATAPLANE_IP_CACHE_MAX (${DATAPLANE_IP_CACHE_MAX}) and gives the parsed numbers`, () => {
    const { dp } = harness();
    const n = DATAPLANE_IP_CACHE_MAX + 100;
    let checked = 0;
    for (let i = 0; i < n; i++) {
      const ip = `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
      const fs = dp.addFlow(spec(`f${i}`, ip, "10.0.1.5", 1000));
      expect(dp.cachedIps).toBeLessThanOrEqual(DATAPLANE_IP_CACHE_MAX);
      if (i % 997 === 0 || i >= n - 3) {
        expect(fs.srcIpN).toBe(parseIpv4(ip));
        expect(fs.dstIpN).toBe(parseIpv4("10.0.1.5"));
        checked++;
      }
      dp.releaseFlow(fs);
    }
    expect(checked).toBeGreaterThan(60);
    expect(dp.cachedIps).toBeGreaterThan(0);
    expect(() => dp.addFlow(spec("bad", "10.0.0.256", "10.0.1.5", 1))).toThrow(/srcIp.*10\.0\.0\.256/);
  });

  it(`the outcome-key cache stays within OUTCOME_KEY_CACHE_MAX (${OUTCOME_KEY_CACHE_MAX}); verdicts keep their parsed values and order`, () => {
    const { dp } = harness();
    const fs = dp.addFlow(spec("v", "10.0.1.4", "10.0.1.5", 1000));
    for (let i = 0; i < OUTCOME_KEY_CACHE_MAX + 50; i++) {
      fs.outcome1 = `NX|drop|reason-${i}`;
      fs.outcome1Packets = 1;
      fs.outcomes = new Map([[`X|deliver|reason-${i}`, 2]]);
      const r = flowResult(fs);
      expect(cachedOutcomeKeys()).toBeLessThanOrEqual(OUTCOME_KEY_CACHE_MAX);
      if (i % 1000 === 0) {
        expect(r.verdicts).toEqual([
          { encryption: "X", action: "deliver", reason: `reason-${i}`, packets: 2 },
          { encryption: "NX", action: "drop", reason: `reason-${i}`, packets: 1 },
        ]);
      }
    }
  });

  it("flows share one frozen empty count record until their first count; results get records of their own", () => {
    const { sim, dp } = harness();
    const a = dp.addFlow(spec("a", "10.0.1.4", "10.0.1.5", 40_000));
    const b = dp.addFlow(spec("b", "10.0.1.4", "10.0.1.6", 40_001));
    expect(a.dirs[0].counters.byEncryption).toBe(NO_COUNTS);
    expect(b.dirs[1].counters.dropReasons).toBe(NO_COUNTS);
    expect(() => {
      (NO_COUNTS as Record<string, number>).x = 1;
    }).toThrow(TypeError);
    sim.schedule(10, () => dp.emit(a, 0, 0));
    sim.run();
    expect(a.dirs[0].counters.byEncryption).toEqual({ X: 1 });
    expect(NO_COUNTS).toEqual({});
    expect(b.dirs[0].counters.byEncryption).toBe(NO_COUNTS);
    const r = flowResult(a);
    expect(r.forward.byEncryption).toEqual({ X: 1 });
    expect(r.reverse.dropReasons).not.toBe(NO_COUNTS);
    expect(Object.isFrozen(r.reverse.dropReasons)).toBe(false);
    // countIn keeps a record it owns and replaces the shared one.
    const own: Record<string, number> = { a: 1 };
    expect(countIn(own, "a")).toBe(own);
    expect(own).toEqual({ a: 2 });
    expect(countIn(NO_COUNTS, "b", 3)).toEqual({ b: 3 });
  });
});
