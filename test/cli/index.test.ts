import { describe, expect, it } from "vitest";
import * as vnetsim from "../../src/index.js";

describe("public API (src/index.ts)", () => {
  it("exports the topology, scenario, policy and evaluation functions", () => {
    for (const name of [
      "parseCidr",
      "lookupSize",
      "parseScenario",
      "loadScenarioFile",
      "topologyAt",
      "scenarioJsonSchema",
      "decide",
      "lint",
      "outcomeFor",
      "evaluateScenario",
      "lintScenario",
    ] as const) {
      expect(typeof vnetsim[name], name).toBe("function");
    }
    expect(vnetsim.FLOW_ENCRYPTION_VALUES).toHaveLength(8);
  });

  it("runs a scenario end to end through the public API", () => {
    const scenario = vnetsim.loadScenarioFile("scenarios/same-host.yaml");
    const result = vnetsim.evaluateScenario(scenario);
    expect(result.ok).toBe(true);
    expect(result.totals.NX_LOCAL_DST).toBe(1);
  });
});
