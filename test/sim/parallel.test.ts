/**
 * Parallel runs (sim/parallel.ts): runScenario({ workers: N }) against the same run on one thread.
 *
 * Worker threads load built JavaScript, so this file compiles sim/, src/ and bench/lib into a
 * private directory first (like test/e2e/run-sim.test.ts) and runs the compiled runner in-process.
 * What must hold: a split run's RunResult (every counter, per-flow result, expectation and every
 * flow-log record, byte for byte) equals the one-thread run's; a run that cannot be split says why
 * and equals it too; bad options are refused before any thread starts.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as RunnerModule from "../../sim/runner.js";
import type * as TopologyModule from "../../bench/lib/sim-topology.js";
import type * as ScenarioModule from "../../src/scenario/index.js";
import type { RunResult } from "../../sim/runner.js";
import type { Scenario, TimedEvent, ScenarioFaultEvent } from "../../src/scenario/types.js";
import { BUILD_TIMEOUT_MS, REPO_ROOT } from "../e2e/build.js";

let root = "";
let runner: typeof RunnerModule;
let topo: typeof TopologyModule;
let scenarios: typeof ScenarioModule;
let topoUrl = "";

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "vnetsim-parallel-build-"));
  const tsconfig = join(root, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(REPO_ROOT, "tsconfig.json"),
      compilerOptions: { noEmit: false, rootDir: REPO_ROOT, typeRoots: [join(REPO_ROOT, "node_modules/@types")], outDir: join(root, "dist"), declaration: false, sourceMap: false },
      files: [join(REPO_ROOT, "sim/parallel-worker.ts"), join(REPO_ROOT, "bench/lib/sim-topology.ts"), join(REPO_ROOT, "src/scenario/index.ts")],
      include: [],
    }),
  );
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", tsconfig], { cwd: REPO_ROOT, encoding: "utf8", timeout: BUILD_TIMEOUT_MS });
  const worker = join(root, "dist/sim/parallel-worker.js");
  if (!existsSync(worker)) throw new Error(`building sim/ for the parallel tests failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  if (result.status !== 0) console.warn(`parallel build: tsc reported errors elsewhere (exit ${result.status}):\n${result.stdout}`);
  symlinkSync(join(REPO_ROOT, "node_modules"), join(root, "node_modules"), "dir");
  copyFileSync(join(REPO_ROOT, "package.json"), join(root, "package.json"));
  runner = (await import(pathToFileURL(join(root, "dist/sim/runner.js")).href)) as typeof RunnerModule;
  topoUrl = pathToFileURL(join(root, "dist/bench/lib/sim-topology.js")).href;
  topo = (await import(topoUrl)) as typeof TopologyModule;
  scenarios = (await import(pathToFileURL(join(root, "dist/src/scenario/index.js")).href)) as typeof ScenarioModule;
}, BUILD_TIMEOUT_MS);

afterAll(() => {
  if (root !== "") rmSync(root, { recursive: true, force: true });
});

/** RunResult without the parallel field, and droppedBy with sorted keys (its order is insertion order). */
function comparable(r: RunResult): unknown {
  const { parallel: _p, ...rest } = r;
  return { ...rest, packets: { ...rest.packets, droppedBy: Object.fromEntries(Object.entries(rest.packets.droppedBy).sort()) } };
}

const SMALL = { vms: 40, hosts: 10, vnets: 4, pairs: 60, flowsPerPair: 3 };

describe("runScenario({ workers })", () => {
  it("splits the generated world over 2 and 3 workers and gets exactly the one-thread result", async () => {
    const scenario = topo.buildSimScenario(SMALL, 5);
    const one = await runner.runScenario(scenario, { seed: 5 });
    expect(one.flows.length).toBe(180);
    expect(one.flowLogRecords.length).toBeGreaterThan(0);
    for (const workers of [2, 3]) {
      const many = await runner.runScenario(scenario, { seed: 5, workers });
      expect(many.parallel).toMatchObject({ requested: workers, workers, refused: null, exact: true, notes: [] });
      expect(many.parallel!.flowsPerWorker.reduce((a, b) => a + b, 0)).toBe(180);
      expect(many.parallel!.flowsPerWorker.every((n) => n > 0)).toBe(true);
      expect(comparable(many)).toEqual(comparable(one));
      expect(JSON.stringify(many.flowLogRecords)).toBe(JSON.stringify(one.flowLogRecords));
    }
  }, 60_000);

  it("takes a flowSourceModule, calls onFlowResult once per flow, and forwards progress and key-log lines", async () => {
    const world = topo.buildSimWorld(SMALL, 9);
    const flowSourceModule = { url: topoUrl, exportName: "simFlowSourceOf", args: [SMALL, 9] };
    const collect = async (workers: number | undefined) => {
      const results = new Map<number, unknown>();
      const keys: string[] = [];
      let lastProgress = [0, 0];
      const r = await runner.runScenario(world.scenario, {
        seed: 9, flowResults: false, flowSourceModule, workers,
        onFlowResult: (f, i) => {
          expect(results.has(i)).toBe(false);
          results.set(i, f);
        },
        keyLog: (l) => keys.push(l),
        onProgress: (a, b) => (lastProgress = [a, b]),
      });
      return { r, results, keys: keys.sort(), lastProgress };
    };
    const one = await collect(undefined);
    const two = await collect(2);
    expect(two.r.parallel?.workers).toBe(2);
    expect(two.results.size).toBe(180);
    expect([...two.results.keys()].sort((a, b) => a - b)).toEqual([...one.results.keys()].sort((a, b) => a - b));
    for (const [i, f] of one.results) expect(two.results.get(i)).toEqual(f);
    expect(two.keys).toEqual(one.keys);
    expect(two.keys.length).toBe(one.r.tunnels.handshakes);
    expect(two.lastProgress).toEqual(one.lastProgress);
    expect(comparable(two.r)).toEqual(comparable(one.r));
  }, 60_000);

  it("equals the one-thread run under timed events, host crashes, partitions, short idle timeouts and cut runs (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 1_000 }),
          workers: fc.integer({ min: 2, max: 4 }),
          idleMs: fc.constantFrom(200, 5_000, 300_000),
          events: fc.array(fc.record({ atMs: fc.integer({ min: 0, max: 600_000 }), vm: fc.integer({ min: 0, max: 39 }), action: fc.constantFrom("restart", "stop", "start", "deallocate", "redeploy") }), { maxLength: 4 }),
          faults: fc.array(fc.record({ atMs: fc.integer({ min: 0, max: 600_000 }), a: fc.integer({ min: 0, max: 9 }), b: fc.integer({ min: 0, max: 9 }), kind: fc.constantFrom("partition", "repair", "host-crash", "host-recover") }), { maxLength: 4 }),
          enforcement: fc.constantFrom(undefined, "AllowUnencrypted", "DropUnencrypted"),
          durationMs: fc.option(fc.integer({ min: 1, max: 700_000 }), { nil: undefined }),
        }),
        async (c) => {
          const scenario: Scenario = topo.buildSimScenario(SMALL, c.seed);
          scenario.events = c.events
            .map((e): TimedEvent => ({ atMs: e.atMs, action: e.action, vm: `vm-${e.vm}` }) as TimedEvent)
            .sort((a, b) => a.atMs - b.atMs);
          const faultEvents = c.faults
            .filter((f) => f.a !== f.b || f.kind.startsWith("host"))
            .map((f): ScenarioFaultEvent => (f.kind.startsWith("host") ? { atMs: f.atMs, action: f.kind as "host-crash", host: `host-${f.a}` } : { atMs: f.atMs, action: f.kind as "partition", a: `host-${f.a}`, b: `host-${f.b}` }));
          const options = {
            seed: c.seed, dataplane: { tunnelIdleMs: c.idleMs }, faults: { events: faultEvents },
            ...(c.enforcement !== undefined ? { enforcement: c.enforcement as "DropUnencrypted" } : {}),
            ...(c.durationMs !== undefined ? { durationMs: c.durationMs } : {}),
          };
          const one = await runner.runScenario(scenario, options);
          const many = await runner.runScenario(scenario, { ...options, workers: c.workers });
          expect(many.parallel?.workers).toBe(c.workers);
          expect(many.parallel?.exact).toBe(true);
          expect(comparable(many)).toEqual(comparable(one));
        },
      ),
      { numRuns: 8 },
    );
  }, 180_000);

  it("runs every bundled scenario with workers: 2 and gets the one-thread result, split or not", async () => {
    const dir = join(REPO_ROOT, "scenarios");
    let split = 0;
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".yaml")).sort()) {
      const scenario = scenarios.loadScenarioFile(join(dir, f));
      const one = await runner.runScenario(scenario, {});
      const two = await runner.runScenario(scenario, { workers: 2 });
      expect(two.parallel, f).toBeDefined();
      if (two.parallel!.refused === null) split++;
      else expect(two.parallel!.refused, f).toMatch(/no fixed VM behind it|random faults|redeployed/);
      expect(comparable(two), f).toEqual(comparable(one));
    }
    expect(split).toBeGreaterThan(0);
  }, 180_000);

  it("stays on one thread, and says why, when the wire draws random faults", async () => {
    const scenario = topo.buildSimScenario(SMALL, 3);
    const faults = { global: { lossRate: 0.1 } };
    const one = await runner.runScenario(scenario, { seed: 3, faults });
    const two = await runner.runScenario(scenario, { seed: 3, faults, workers: 2 });
    expect(two.parallel).toMatchObject({ requested: 2, workers: 1, exact: true });
    expect(two.parallel!.refused).toMatch(/random faults/);
    expect(comparable(two)).toEqual(comparable(one));
  }, 60_000);

  it("says the result may differ when a host's tunnels across workers reach tunnelsPerHost", async () => {
    const scenario = topo.buildSimScenario(SMALL, 4);
    const r = await runner.runScenario(scenario, { seed: 4, workers: 2, dataplane: { tunnelsPerHost: 3 } });
    expect(r.parallel!.workers).toBe(2);
    expect(r.parallel!.exact).toBe(false);
    expect(r.parallel!.notes.join("\n")).toMatch(/tunnelsPerHost \(3\)/);
  }, 60_000);

  it("refuses bad options before any thread starts, naming the option", async () => {
    const scenario = topo.buildSimScenario(SMALL, 1);
    await expect(runner.runScenario(scenario, { workers: 0 })).rejects.toThrow(/"workers" expected an integer in \[1, 64\], got 0/);
    await expect(runner.runScenario(scenario, { workers: 1.5 })).rejects.toThrow(/"workers"/);
    await expect(runner.runScenario(scenario, { workers: 2, wire: "udp" })).rejects.toThrow(/memory wire/);
    await expect(runner.runScenario(scenario, { workers: 2, tap: { datagram: () => {} } as never })).rejects.toThrow(/"tap"/);
    await expect(runner.runScenario(scenario, { workers: 2, workerHeapMb: 1 })).rejects.toThrow(/"workerHeapMb"/);
    const world = topo.buildSimWorld(SMALL, 1);
    await expect(runner.runScenario(world.scenario, { workers: 2, flowResults: false, flowSource: world.flows })).rejects.toThrow(/flowSourceModule/);
    await expect(runner.runScenario(world.scenario, { workers: 2, flowResults: false, flowSourceModule: { url: topoUrl, exportName: "nope" } })).rejects.toThrow(/exports no function "nope"/);
    await expect(runner.runScenario(world.scenario, { flowResults: false, flowSourceModule: { url: "./relative.js" } })).rejects.toThrow(/absolute file: URL/);
  }, 60_000);
});
