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
import { FLOW_ENCRYPTION_VALUES } from "../../src/policy/index.js";

const SCENARIO_DIR = "scenarios";
const files = readdirSync(SCENARIO_DIR)
  .filter((name) => name.endsWith(".yaml"))
  .sort();

/**
 * The lint ERROR codes each scenario demonstrates. Scenarios not listed must lint without
 * errors (warnings are allowed: several scenarios exist to show one).
 */
const EXPECTED_LINT_ERRORS: Record<string, readonly string[]> = {
  "ilb-mixed-sizes.yaml": ["ILB_MIXED_SIZES"],
  "ilb-secondary-ipconfig.yaml": ["ILB_SECONDARY_IP_CONFIG"],
  "dns-private-resolver.yaml": ["DNS_PRIVATE_RESOLVER"],
};

/** Lint codes (any severity) a scenario must produce because it exists to show them. */
const EXPECTED_LINT_CODES: Record<string, readonly string[]> = {
  "private-link.yaml": ["PRIVATE_LINK"],
  "confidential-skus.yaml": ["CONFIDENTIAL_SKU"],
  "drop-unencrypted-preview.yaml": ["DROP_UNENCRYPTED_PREVIEW"],
  "drop-unencrypted-what-would-break.yaml": ["DROP_UNENCRYPTED_PREVIEW"],
};

/** One scenario per row of domain.md §2, per seed limitation, and per extra case of the brief. */
const REQUIRED = [
  "default.yaml",
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
      expect(text).toMatch(/^expect:\s*$/m);
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
      const codes = new Set(lint.diagnostics.map((d) => d.code));
      for (const code of EXPECTED_LINT_CODES[file] ?? []) expect(codes).toContain(code);
    });
  });

  it("the default scenario shows every value the policy produces (all but NX_FALLBACK)", () => {
    const result = evaluateScenario(loadScenarioForCli(join(SCENARIO_DIR, "default.yaml")));
    const shown = FLOW_ENCRYPTION_VALUES.filter((value) => result.totals[value] > 0);
    expect(shown).toEqual(FLOW_ENCRYPTION_VALUES.filter((value) => value !== "NX_FALLBACK"));
  });
});
