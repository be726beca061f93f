/**
 * runScenario with flowResults: false (flow states made when a flow starts, released when its
 * packets are resolved; results through onFlowResult) and with a flowSource gives the same run as
 * keeping every flow: the same flow log records byte for byte, the same counters, expectations and
 * end time, and per flow the same result (except duplicates arriving after a flow was released).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile } from "../../src/scenario/index.js";
import { runScenario, type FlowResult, type RunOptions, type RunResult } from "../../sim/runner.js";
import type { Scenario } from "../../src/scenario/types.js";
import { buildSimScenario, buildSimWorld } from "../../bench/lib/sim-topology.js";

const SCENARIO_DIR = "scenarios";
const files = readdirSync(SCENARIO_DIR).filter((n) => n.endsWith(".yaml")).sort();

async function both(scenario: Scenario, options: RunOptions = {}): Promise<{ kept: RunResult; streamed: RunResult; results: FlowResult[]; order: number[] }> {
  const kept = await runScenario(scenario, options);
  const byIndex = new Map<number, FlowResult>();
  const order: number[] = [];
  const streamed = await runScenario(scenario, {
    ...options,
    flowResults: false,
    onFlowResult: (r, i) => {
      expect(byIndex.has(i), `flow ${i} reported twice`).toBe(false);
      byIndex.set(i, r);
      order.push(i);
    },
  });
  const results = [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!);
  return { kept, streamed, results, order };
}

function sameRun(kept: RunResult, streamed: RunResult): void {
  expect(streamed.flows).toEqual([]);
  expect(JSON.stringify(streamed.flowLogRecords)).toBe(JSON.stringify(kept.flowLogRecords));
  expect(streamed.tunnels).toEqual(kept.tunnels);
  expect(streamed.packets).toEqual(kept.packets);
  expect(streamed.wireStats).toEqual(kept.wireStats);
  expect(streamed.expectations).toEqual(kept.expectations);
  expect(streamed.endedAtMs).toBe(kept.endedAtMs);
  expect(streamed.stoppedBy).toBe(kept.stoppedBy);
  expect(streamed.flowLogOverflow).toEqual(kept.flowLogOverflow);
}

describe("runScenario without keeping flow results", () => {
  it("finds the scenarios", () => {
    expect(files.length).toBeGreaterThan(20);
  });
  for (const file of files) {
    it(`${file}: same records, counters, expectations and per-flow results`, async () => {
      const scenario = loadScenarioFile(join(SCENARIO_DIR, file));
      const { kept, streamed, results } = await both(scenario);
      sameRun(kept, streamed);
      expect(results).toEqual(kept.flows);
    });
  }

  it("with loss, reordering and duplicates: same records and counters; per-flow results differ at most in late duplicates", async () => {
    const scenario = loadScenarioFile(join(SCENARIO_DIR, "default.yaml"));
    const faults = { global: { lossRate: 0.1, duplicateRate: 0.1, reorderRate: 0.2, jitterMs: 2, latencyMs: 0.5 } };
    const { kept, streamed, results } = await both(scenario, { faults, seed: 7 });
    sameRun(kept, streamed);
    expect(kept.packets.duplicates).toBeGreaterThan(0);
    const strip = (f: FlowResult) => ({ ...f, duplicates: 0, forward: { ...f.forward, duplicates: 0 }, reverse: { ...f.reverse, duplicates: 0 } });
    expect(results.map(strip)).toEqual(kept.flows.map(strip));
    for (let i = 0; i < results.length; i++) expect(results[i]!.duplicates).toBeLessThanOrEqual(kept.flows[i]!.duplicates);
  });

  it("reports each finished flow as it finishes, the rest at the end in flow order", async () => {
    const scenario = buildSimScenario({ vms: 20, hosts: 5, vnets: 2, pairs: 10, flowsPerPair: 3 }, 5);
    const { kept, streamed, results, order } = await both(scenario, { flowLogs: true });
    sameRun(kept, streamed);
    expect(results).toEqual(kept.flows);
    // Flows finish in the order of their start times, not their indices.
    const starts = order.map((i) => scenario.flows[i]!.startMs);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
  });

  it("a flowSource gives the same run as the same flows in scenario.flows", async () => {
    const scale = { vms: 20, hosts: 5, vnets: 2, pairs: 12, flowsPerPair: 2 };
    const listed = buildSimScenario(scale, 9);
    const world = buildSimWorld(scale, 9);
    const made: number[] = [];
    const source = { count: world.flows.count, startMsOf: (i: number) => world.flows.startMsOf(i), specOf: (i: number) => (made.push(i), world.flows.specOf(i)) };
    const a = await runScenario(listed, { flowResults: false });
    const b = await runScenario(world.scenario, { flowResults: false, flowSource: source });
    sameRun(a, b);
    expect([...made].sort((x, y) => x - y)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it("refuses a flowSource while keeping flow results, or beside scenario.flows", async () => {
    const scale = { vms: 20, hosts: 5, vnets: 2, pairs: 2, flowsPerPair: 1 };
    const world = buildSimWorld(scale, 1);
    await expect(runScenario(world.scenario, { flowSource: world.flows })).rejects.toThrow(/flowSource.*flowResults: false/);
    await expect(runScenario(buildSimScenario(scale, 1), { flowResults: false, flowSource: world.flows })).rejects.toThrow(/without flows, got 2/);
  });

  it("a source whose spec does not start at startMsOf is refused, naming the flow", async () => {
    const world = buildSimWorld({ vms: 20, hosts: 5, vnets: 2, pairs: 2, flowsPerPair: 1 }, 1);
    const bad = { count: 2, startMsOf: (i: number) => world.flows.startMsOf(i), specOf: (i: number) => ({ ...world.flows.specOf(i), startMs: world.flows.startMsOf(i) + 1 }) };
    await expect(runScenario(world.scenario, { flowResults: false, flowSource: bad })).rejects.toThrow(/flow \d \("f\d"\) "startMs" expected/);
  });

  it("the bench world's flow source: startMsOf matches each spec, names are unique, the same flows as buildSimScenario", () => {
    const scale = { vms: 40, hosts: 10, vnets: 4, pairs: 30, flowsPerPair: 4 };
    const world = buildSimWorld(scale, 11);
    const listed = buildSimScenario(scale, 11);
    expect(world.flows.count).toBe(120);
    expect(world.scenario.flows).toEqual([]);
    const specs = Array.from({ length: world.flows.count }, (_, i) => world.flows.specOf(i));
    specs.forEach((f, i) => expect(f.startMs).toBe(world.flows.startMsOf(i)));
    expect(new Set(specs.map((f) => f.name)).size).toBe(120);
    expect(specs).toEqual(listed.flows);
  });
});
