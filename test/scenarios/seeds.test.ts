/**
 * The bundled scenarios demonstrate facts of the feature, not lucky draws: their expectations
 * must hold whatever the seed (the seed moves auto-placed VMs, source ports and load-balancer
 * backend choices), and evaluating the same file with the same seed twice gives the same result.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateScenario } from "../../src/cli/evaluate.js";
import { loadScenarioForCli } from "../../src/cli/load.js";
import { SEED_MAX } from "../../src/cli/args.js";

const SCENARIO_DIR = "scenarios";
const files = readdirSync(SCENARIO_DIR)
  .filter((name) => name.endsWith(".yaml"))
  .sort();

/** Seeds tried per scenario: a few, so the whole file stays a few seconds on two cores. */
const RUNS_PER_SCENARIO = 3;

describe.each(files)("%s under other seeds", (file) => {
  const path = join(SCENARIO_DIR, file);
  it("every expectation holds, and the evaluation is deterministic", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SEED_MAX }), (seed) => {
        const first = evaluateScenario(loadScenarioForCli(path, { seed }));
        expect(first.scenario.seed).toBe(seed);
        expect(first.expectations.filter((c) => !c.ok).map((c) => `${c.flow}@${c.atMs}: ${c.mismatches.join("; ")}`)).toEqual([]);
        expect(evaluateScenario(loadScenarioForCli(path, { seed }))).toEqual(first);
      }),
      { numRuns: RUNS_PER_SCENARIO },
    );
  });
});
