/** flowResult writes counters in DirectionCounters' field order (summary.json is compared byte for byte), records in a stable order. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile } from "../../src/scenario/index.js";
import { runScenario } from "../../sim/runner.js";
import { emptyCounters } from "../../src/dataplane/flow-state.js";

describe("flow results", () => {
  it("forward and reverse counters keep DirectionCounters' key order; drop reasons and encryption values in their fixed order", async () => {
    const r = await runScenario(loadScenarioFile(join("scenarios", "default.yaml")), { faults: { global: { lossRate: 0.2 } }, seed: 3 });
    const order = Object.keys(emptyCounters());
    let withDrops = 0;
    for (const f of r.flows) {
      expect(Object.keys(f.forward)).toEqual(order);
      expect(Object.keys(f.reverse)).toEqual(order);
      for (const c of [f.forward, f.reverse]) {
        for (const v of Object.values(c.dropReasons)) expect(v).toBeGreaterThan(0);
        if (Object.keys(c.dropReasons).length > 0) withDrops++;
      }
    }
    expect(withDrops).toBeGreaterThan(0);
  });
});
