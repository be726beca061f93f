/**
 * The CLI as a user runs it: the built `vnetsim` binary (see build.ts), its stdout, stderr and
 * exit codes. Scenario outcomes themselves are checked in test/scenarios; here we check the
 * contract of the command line.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILD_TIMEOUT_MS, buildCli, vnetsim } from "./build.js";

const SEVEN = ["X", "NX", "NX_HW_NOT_SUPPORTED", "NX_SW_NOT_READY", "NX_NOT_ACCEPTED", "NX_NOT_SUPPORTED", "NX_LOCAL_DST"];
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/;

let tmp = "";

beforeAll(() => {
  buildCli();
  tmp = mkdtempSync(join(tmpdir(), "vnetsim-e2e-"));
}, BUILD_TIMEOUT_MS);

afterAll(() => {
  if (tmp !== "") rmSync(tmp, { recursive: true, force: true });
});

function scenarioFile(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

const TWO_VMS = `# two VMs
name: two-vms
hosts:
  - { name: h1, region: westeurope }
  - { name: h2, region: westeurope }
vnets:
  - name: v
    region: westeurope
    addressSpace: [10.0.0.0/16]
    encryption: { enabled: true }
    subnets: [{ name: s, prefix: 10.0.1.0/24 }]
vms:
  - { name: a, size: Standard_D4s_v5, host: h1, subnet: v/s, ip: 10.0.1.4 }
  - { name: b, size: Standard_D4s_v5, host: h2, subnet: v/s, ip: 10.0.1.5 }
traffic:
  - { name: a-to-b, from: a, to: b }
`;

describe("vnetsim run --policy-only (the policy table; the simulation is tested in run-sim.test.ts)", () => {
  it("runs the default scenario: exit 0, a table with the seven policy values, all expectations PASS", () => {
    const result = vnetsim(["run", "scenarios/default.yaml", "--policy-only"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const flowTable = result.stdout.split("Totals by flow-log encryption value")[0] ?? "";
    expect(flowTable).toMatch(/^FLOW +AT +SOURCE +DESTINATION +PROTO\/PORT +ENCRYPTION +ACTION +REASON$/m);
    for (const value of SEVEN) expect(flowTable).toMatch(new RegExp(`\\s${value}\\s+(deliver|drop)\\s`));
    expect(result.stdout).toMatch(/^NX_FALLBACK +0$/m);
    expect(result.stdout).toContain("PASS ");
    expect(result.stdout).not.toContain("FAIL ");
    // NX_FALLBACK needs a failed tunnel set-up, which only the simulation decides: skipped, not failed.
    expect(result.stdout).toMatch(/^SKIP app-to-logs at 0: NX_FALLBACK deliver \(handshake-failed\) \(decided by the data plane: run without --policy-only\)$/m);
    expect(result.stdout).toMatch(/expectations passed, 1 skipped$/m);
    expect(result.stdout).not.toMatch(ANSI);
  });

  it("--json prints one JSON document with flows, totals, expectations and ok", () => {
    const result = vnetsim(["run", "scenarios/default.yaml", "--json", "--policy-only"]);
    expect(result.status).toBe(0);
    const doc = JSON.parse(result.stdout) as {
      scenario: { name: string; seed: number };
      flows: { name: string; encryption: string; action: string; reason: string }[];
      totals: Record<string, number>;
      expectations: { flow: string; ok: boolean; status: string; note: string | null }[];
      ok: boolean;
    };
    expect(doc.scenario.name).toBe("default");
    expect(doc.ok).toBe(true);
    expect(doc.flows.length).toBeGreaterThan(10);
    expect(Object.keys(doc.totals)).toHaveLength(8);
    for (const value of SEVEN) expect(doc.totals[value]).toBeGreaterThan(0);
    expect(doc.totals["NX_FALLBACK"]).toBe(0);
    expect(Object.values(doc.totals).reduce((a, b) => a + b, 0)).toBe(doc.flows.length);
    expect(doc.expectations.every((e) => e.ok)).toBe(true);
    expect(doc.expectations.filter((e) => e.status === "skipped")).toEqual([
      expect.objectContaining({ flow: "app-to-logs", status: "skipped", note: "decided by the data plane: run without --policy-only" }),
    ]);
    expect(doc.expectations.filter((e) => e.status !== "skipped").every((e) => e.status === "passed")).toBe(true);
  });

  it("--seed overrides the scenario's seed", () => {
    const doc = JSON.parse(vnetsim(["run", "scenarios/same-vnet.yaml", "--json", "--seed", "4242", "--policy-only"]).stdout) as {
      scenario: { seed: number };
    };
    expect(doc.scenario.seed).toBe(4242);
  });

  it("--at decides every flow at the given time", () => {
    const inWindow = JSON.parse(vnetsim(["run", "scenarios/restart-required.yaml", "--json", "--at", "610s", "--policy-only"]).stdout) as {
      atMs: number;
      flows: { encryption: string; atMs: number }[];
    };
    expect(inWindow.atMs).toBe(610_000);
    expect(inWindow.flows.map((f) => [f.encryption, f.atMs])).toEqual([["NX_SW_NOT_READY", 610_000]]);
    const after = JSON.parse(vnetsim(["run", "scenarios/restart-required.yaml", "--json", "--at", "11m", "--policy-only"]).stdout) as {
      flows: { encryption: string }[];
    };
    expect(after.flows.map((f) => f.encryption)).toEqual(["X"]);
  });

  it("exits 1 and prints FAIL when an expectation does not hold", () => {
    const file = scenarioFile("failing.yaml", `${TWO_VMS}expect:\n  - { flow: a-to-b, encryption: NX, action: deliver }\n`);
    const result = vnetsim(["run", file, "--policy-only"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^FAIL a-to-b at 0: expected NX deliver$/m);
    expect(result.stdout).toContain("encryption: expected NX, got X");
    const json = vnetsim(["run", file, "--json", "--policy-only"]);
    expect(json.status).toBe(1);
    expect((JSON.parse(json.stdout) as { ok: boolean }).ok).toBe(false);
  });

  it("exits 2 with file:line:col messages and no stack trace for an invalid scenario", () => {
    const file = scenarioFile("broken.yaml", TWO_VMS.replace("prefix: 10.0.1.0/24", "prefix: 10.0.300.0/24"));
    const result = vnetsim(["run", file, "--policy-only"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:11:\\d+ `));
    expect(result.stderr).toContain("10.0.300.0/24");
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it("exits 2 naming the file when it cannot be read", () => {
    const result = vnetsim(["run", "scenarios/no-such-file.yaml", "--policy-only"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^vnetsim: cannot read scenario scenarios\/no-such-file\.yaml: ENOENT/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it("exits 2 naming an unknown flag or a bad option value", () => {
    const unknown = vnetsim(["run", "scenarios/default.yaml", "--frobnicate", "--policy-only"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("--frobnicate");
    const badSeed = vnetsim(["run", "scenarios/default.yaml", "--seed", "minus-one", "--policy-only"]);
    expect(badSeed.status).toBe(2);
    expect(badSeed.stderr).toContain("minus-one");
    const badAt = vnetsim(["run", "scenarios/default.yaml", "--at", "soon", "--policy-only"]);
    expect(badAt.status).toBe(2);
    expect(badAt.stderr).toContain("soon");
    const missing = vnetsim(["run"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("scenario");
  });

  it("colours only when asked: FORCE_COLOR on, NO_COLOR wins", () => {
    expect(vnetsim(["run", "scenarios/same-host.yaml", "--policy-only"], { FORCE_COLOR: "1" }).stdout).toMatch(ANSI);
    expect(vnetsim(["run", "scenarios/same-host.yaml", "--policy-only"], { FORCE_COLOR: "1", NO_COLOR: "1" }).stdout).not.toMatch(ANSI);
  });
});

describe("vnetsim lint", () => {
  it("exits 1 when the scenario has a lint error, with code, resource, message and fix", () => {
    const result = vnetsim(["lint", "scenarios/ilb-mixed-sizes.yaml"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^error +\S+ ilb-mixed/m);
    expect(result.stdout).toContain("fix: ");
    const json = vnetsim(["lint", "scenarios/ilb-mixed-sizes.yaml", "--json"]);
    expect(json.status).toBe(1);
    const doc = JSON.parse(json.stdout) as {
      ok: boolean;
      diagnostics: { severity: string; code: string; resource: string; message: string; fix: string }[];
    };
    expect(doc.ok).toBe(false);
    expect(doc.diagnostics.some((d) => d.severity === "error" && d.code !== "" && d.fix !== "")).toBe(true);
  });

  it("exits 0 when there are no errors", () => {
    const result = vnetsim(["lint", "scenarios/same-vnet.yaml"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^0 errors/m);
  });

  it("exits 2 for an invalid scenario", () => {
    expect(vnetsim(["lint", "scenarios/no-such-file.yaml"]).status).toBe(2);
  });
});

describe("vnetsim schema", () => {
  it("prints a JSON Schema", () => {
    const result = vnetsim(["schema"]);
    expect(result.status).toBe(0);
    const schema = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(String(schema["$schema"])).toContain("json-schema.org");
    expect(schema["type"]).toBe("object");
  });
});

describe("help and usage", () => {
  it.each([["run"], ["lint"], ["schema"]])("vnetsim %s --help shows usage and examples, exit 0", (command) => {
    const result = vnetsim([command, "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Usage: vnetsim ${command}`);
    expect(result.stdout).toContain("Examples:");
  });

  it("vnetsim help run prints the run help, exit 0", () => {
    const result = vnetsim(["help", "run"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Usage: vnetsim run");
  });

  it("vnetsim --help lists every command", () => {
    const result = vnetsim(["--help"]);
    expect(result.status).toBe(0);
    for (const command of ["run", "lint", "schema", "flows", "dtls"]) expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
  });

  it("vnetsim with no command prints help on stderr and exits 2; an unknown command exits 2", () => {
    const bare = vnetsim([]);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toContain("Usage: vnetsim");
    const unknown = vnetsim(["frobnicate"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("frobnicate");
  });

  it("--version prints the package version", () => {
    const result = vnetsim(["--version"]);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
