/**
 * Outputs stay byte-identical across performance work on the data plane and the flow table: the
 * SHA-256 of each run's JSON (flow-log records, flow results, counters, expectations) must equal
 * the value recorded in golden-outputs.json before that work. Runs cover every bundled scenario
 * (results kept, and streamed through onFlowResult), a lossy/duplicating/reordering wire, a
 * small-tunnel-table run (evictions, idle closes) and a generated world streamed from a flow source.
 *
 * A deliberate change of outputs re-records the file: GOLDEN_WRITE=1 npx vitest run test/dataplane/golden-outputs.test.ts
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile } from "../../src/scenario/index.js";
import { runScenario, type RunOptions, type RunResult } from "../../sim/runner.js";
import type { FlowResult } from "../../src/dataplane/results.js";
import { buildSimWorld } from "../../bench/lib/sim-topology.js";

const GOLDEN_FILE = join("test", "dataplane", "golden-outputs.json");
const WRITE = process.env.GOLDEN_WRITE === "1";
const golden: Record<string, string> = WRITE ? {} : (JSON.parse(readFileSync(GOLDEN_FILE, "utf8")) as Record<string, string>);
const recorded: Record<string, string> = {};

function digest(r: RunResult, streamed: { index: number; result: FlowResult }[]): string {
  const body = JSON.stringify({
    flows: r.flows,
    streamed,
    tunnels: r.tunnels,
    // packets.encrypted came after these hashes were recorded; it is checked against the flows below.
    packets: { ...r.packets, encrypted: undefined },
    dtlsOverheadBytes: r.dtlsOverheadBytes,
    wireStats: r.wireStats,
    flowLogRecords: r.flowLogRecords,
    flowLogOverflow: r.flowLogOverflow,
    expectations: r.expectations,
    ok: r.ok,
    endedAtMs: r.endedAtMs,
    stoppedBy: r.stoppedBy,
  });
  return createHash("sha256").update(body).digest("hex");
}

async function check(name: string, run: (opts: Pick<RunOptions, "onFlowResult">) => Promise<RunResult>): Promise<void> {
  const streamed: { index: number; result: FlowResult }[] = [];
  const r = await run({ onFlowResult: (result, index) => streamed.push({ index, result }) });
  const h = digest(r, streamed);
  recorded[name] = h;
  if (WRITE) {
    writeFileSync(GOLDEN_FILE, `${JSON.stringify(recorded, null, 1)}\n`);
    return;
  }
  expect(r.flowLogRecords.length + r.flows.length + streamed.length).toBeGreaterThan(0);
  // Every flow's result reaches onFlowResult (kept or not): their encrypted packets sum to the run's.
  expect(r.packets.encrypted, `${name}: packets.encrypted`).toBe(streamed.reduce((a, x) => a + x.result.encryptedPackets, 0));
  expect(h, `${name}: outputs changed`).toBe(golden[name]);
}

const SCENARIO_DIR = "scenarios";
const files = readdirSync(SCENARIO_DIR).filter((n) => n.endsWith(".yaml")).sort();

describe("golden outputs", () => {
  for (const file of files) {
    it(`${file}: kept and streamed results hash as recorded`, async () => {
      const scenario = loadScenarioFile(join(SCENARIO_DIR, file));
      await check(`${file}/kept`, (o) => runScenario(scenario, o));
      await check(`${file}/streamed`, (o) => runScenario(scenario, { ...o, flowResults: false }));
    });
  }

  it("default.yaml on a lossy, duplicating, reordering wire", async () => {
    const scenario = loadScenarioFile(join(SCENARIO_DIR, "default.yaml"));
    await check("default.yaml/faulty", (o) =>
      runScenario(scenario, { ...o, seed: 3, faults: { global: { lossRate: 0.1, duplicateRate: 0.1, reorderRate: 0.2, jitterMs: 2 } } }),
    );
  });

  it("reference.yaml with two tunnels per host and a short idle timeout (evictions, idle closes)", async () => {
    const scenario = loadScenarioFile(join(SCENARIO_DIR, "reference.yaml"));
    await check("reference.yaml/small-table", (o) => runScenario(scenario, { ...o, seed: 5, dataplane: { tunnelsPerHost: 2, tunnelIdleMs: 50 } }));
  });

  it("a generated world streamed from a flow source, flow logs kept", async () => {
    const world = buildSimWorld({ vms: 40, hosts: 10, vnets: 2, pairs: 150, flowsPerPair: 3 }, 7);
    await check("sim-world/40vms", (o) => runScenario(world.scenario, { ...o, seed: 7, flowResults: false, flowSource: world.flows }));
  });
});
