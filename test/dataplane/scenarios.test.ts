/**
 * Every bundled scenario through runScenario on the memory wire: its expectations hold on what the
 * wire carried (an X expectation needs its packet to come out of a DTLS record), conservation holds
 * for every flow and direction, and the flow logs count exactly what the data plane counted.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile } from "../../src/scenario/index.js";
import { runScenario } from "../../sim/runner.js";
import { conservationViolations } from "../../src/dataplane/results.js";
import { changedFlows, flowLogTotals, expectedLogTotals } from "./helpers.js";

const SCENARIO_DIR = "scenarios";
const files = readdirSync(SCENARIO_DIR).filter((n) => n.endsWith(".yaml")).sort();

describe("bundled scenarios on the memory wire", () => {
  it("finds the scenarios", () => {
    expect(files.length).toBeGreaterThan(20);
  });
  for (const file of files) {
    it(`${file}: expectations hold on the wire; conservation; flow logs match`, async () => {
      const scenario = loadScenarioFile(join(SCENARIO_DIR, file));
      const result = await runScenario(scenario);
      const failed = result.expectations.filter((e) => !e.ok).map((e) => `${e.flow}@${e.atMs}: ${e.mismatches.join("; ")}`);
      expect(failed).toEqual([]);
      expect(result.ok).toBe(true);
      for (const f of result.flows) {
        expect(conservationViolations(`${f.name} forward`, f.forward)).toEqual([]);
        expect(conservationViolations(`${f.name} reverse`, f.reverse)).toEqual([]);
        expect(f.sent).toBe(f.delivered + f.dropped);
      }
      expect(result.packets.plaintextLeaks).toBe(0);
      expect(result.packets.strayDatagrams).toBe(0);
      expect(result.packets.sent).toBe(result.packets.delivered + result.packets.dropped);
      expect(flowLogTotals(result.flowLogRecords, changedFlows(result))).toEqual(expectedLogTotals(scenario, result));
    });
  }
});
