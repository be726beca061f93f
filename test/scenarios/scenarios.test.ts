/**
 * Every bundled scenario, run through the same library code as `vnetsim run` and `vnetsim lint`
 * (src/cli/load.ts, src/cli/evaluate.ts): it loads, every expectation holds, and lint finds
 * exactly the errors the scenario is meant to demonstrate (none for most).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateScenario, lintScenario } from "../../src/cli/evaluate.js";
import { loadScenarioForCli } from "../../src/cli/load.js";
import { FLOW_ENCRYPTION_VALUES, type LintCode } from "../../src/policy/index.js";

const SCENARIO_DIR = "scenarios";
const files = readdirSync(SCENARIO_DIR)
  .filter((name) => name.endsWith(".yaml"))
  .sort();

/**
 * The lint ERROR codes each scenario demonstrates (src/policy/lint-rules.ts). Scenarios not
 * listed must lint without errors; warnings are allowed (several scenarios exist to show one).
 */
const EXPECTED_LINT_ERRORS: Partial<Record<string, readonly LintCode[]>> = {
  "ilb-mixed-sizes.yaml": ["VNE004"],
  "ilb-secondary-ipconfig.yaml": ["VNE005"],
  "dns-private-resolver.yaml": ["VNE002"],
  "private-link.yaml": ["VNE001"],
  "no-peering.yaml": ["VNE010"],
  "reference.yaml": ["VNE010"],
};

/** Lint codes of any severity a scenario must produce because it exists to show them. */
const EXPECTED_LINT_CODES: Partial<Record<string, readonly LintCode[]>> = {
  "confidential-skus.yaml": ["VNE003"],
  "drop-unencrypted-preview.yaml": ["VNE009"],
  "drop-unencrypted-what-would-break.yaml": ["VNE009"],
  "restart-required.yaml": ["VNE006"],
  "global-peering.yaml": ["VNE011"],
  "aks-pod-subnet.yaml": ["VNE012"],
  "unsupported-size.yaml": ["VNE007"],
  "accelerated-networking-off.yaml": ["VNE008"],
  "application-gateway.yaml": ["VNE013"],
  "expressroute-gateway.yaml": ["VNE013"],
  "default.yaml": ["VNE009"],
};

/** One scenario per row of domain.md §2, per seed limitation, and per extra case of the brief. */
const REQUIRED = [
  "default.yaml",
  "reference.yaml",
  "same-vnet.yaml",
  "regional-peering.yaml",
  "global-peering.yaml",
  "ilb-supported.yaml",
  "ilb-mixed-sizes.yaml",
  "ilb-secondary-ipconfig.yaml",
  "aks-azure-cni.yaml",
  "aks-overlay.yaml",
  "aks-kubenet.yaml",
  "aks-byocni.yaml",
  "aks-pod-subnet.yaml",
  "aks-control-plane.yaml",
  "paas-host-size.yaml",
  "private-link.yaml",
  "dns-private-resolver.yaml",
  "confidential-skus.yaml",
  "expressroute-gateway.yaml",
  "application-gateway.yaml",
  "azure-firewall.yaml",
  "drop-unencrypted-preview.yaml",
  "restart-required.yaml",
  "same-host.yaml",
  "no-peering.yaml",
  "host-hardware-faulty.yaml",
  "host-discovery-unsupported.yaml",
  "unsupported-size.yaml",
  "accelerated-networking-off.yaml",
  "drop-unencrypted-what-would-break.yaml",
];

describe("bundled scenarios", () => {
  it("include one file per required case", () => {
    expect(files).toEqual(expect.arrayContaining(REQUIRED));
  });

  describe.each(files)("%s", (file) => {
    const path = join(SCENARIO_DIR, file);

    it("starts with a comment saying what it demonstrates and has an expect: block", () => {
      const text = readFileSync(path, "utf8");
      expect(text.startsWith("# ")).toBe(true);
      expect(text).toMatch(/^expect:(\s*#.*)?$/m);
    });

    it("loads and every expectation holds", () => {
      const scenario = loadScenarioForCli(path);
      expect(`${scenario.name}.yaml`).toBe(file);
      expect(scenario.flows.length).toBeGreaterThan(0);
      expect(scenario.expectations.length).toBeGreaterThan(0);
      const result = evaluateScenario(scenario);
      const failed = result.expectations.filter((check) => !check.ok).map((c) => `${c.flow}: ${c.mismatches.join("; ")}`);
      expect(failed).toEqual([]);
      expect(result.ok).toBe(true);
    });

    it("lints with exactly the errors it demonstrates", () => {
      const lint = lintScenario(loadScenarioForCli(path));
      const errors = [...new Set(lint.diagnostics.filter((d) => d.severity === "error").map((d) => d.code))].sort();
      expect(errors).toEqual([...(EXPECTED_LINT_ERRORS[file] ?? [])].sort());
      const codes = new Set<string>(lint.diagnostics.map((d) => d.code));
      for (const code of EXPECTED_LINT_CODES[file] ?? []) expect(codes).toContain(code);
      // Codes the header comment promises (e.g. "reports an error (VNE004)") must be reported.
      const header = readFileSync(path, "utf8").split("\n").filter((line) => line.startsWith("#")).join("\n");
      for (const code of header.match(/VNE\d{3}/g) ?? []) expect(codes, `header of ${file} mentions ${code}`).toContain(code);
    });
  });

  it("the default scenario shows every value the policy produces (all but NX_FALLBACK, whose expectation it skips)", () => {
    const result = evaluateScenario(loadScenarioForCli(join(SCENARIO_DIR, "default.yaml")));
    const shown = FLOW_ENCRYPTION_VALUES.filter((value) => result.totals[value] > 0);
    expect(shown).toEqual(FLOW_ENCRYPTION_VALUES.filter((value) => value !== "NX_FALLBACK"));
    // The NX_FALLBACK expectation (run-sim.test.ts checks it on the wire) is not checkable here.
    expect(result.expectations.filter((c) => c.status === "skipped").map((c) => [c.flow, c.expected.encryption])).toEqual([["app-to-logs", "NX_FALLBACK"]]);
  });
});
