import { describe, expect, it } from "vitest";
import {
  DATAPLANE_ONLY_NOTE,
  evaluateScenario,
  LINT_SNAPSHOTS_LIMIT_CODE,
  LINT_SNAPSHOTS_MAX,
  lintScenario,
} from "../../src/cli/evaluate.js";
import { renderLint, renderRun } from "../../src/cli/render.js";
import { FLOW_ENCRYPTION_VALUES } from "../../src/policy/index.js";
import { parseScenario } from "../../src/scenario/index.js";

/** Two supported VMs on two hosts; encryption enabled by an event at 5m, restart at 10m. */
const BASE = `name: inline
hosts:
  - { name: h1, region: westeurope }
  - { name: h2, region: westeurope }
vnets:
  - name: v
    region: westeurope
    addressSpace: [10.0.0.0/16]
    encryption: { enabled: false }
    subnets: [{ name: s, prefix: 10.0.1.0/24 }]
vms:
  - { name: a, size: Standard_D4s_v5, host: h1, subnet: v/s, ip: 10.0.1.4, startedAt: -2d }
  - { name: b, size: Standard_D4s_v5, host: h2, subnet: v/s, ip: 10.0.1.5, startedAt: -2d }
events:
  - { at: 5m, action: enable-encryption, vnet: v }
  - { at: 10m, action: restart, vm: a }
  - { at: 10m, action: restart, vm: b }
traffic:
  - { name: a-to-b, from: a, to: b, start: 1m }
  - { name: b-to-a, from: b, to: a, start: 11m }
`;

function scenario(extra = ""): ReturnType<typeof parseScenario> {
  return parseScenario(BASE + extra, "inline.yaml");
}

describe("evaluateScenario", () => {
  it("decides each flow at its start, on the topology after the events up to then", () => {
    const result = evaluateScenario(scenario());
    expect(result.atMs).toBeNull();
    expect(result.flows.map((f) => [f.name, f.atMs, f.encryption, f.reason])).toEqual([
      ["a-to-b", 60_000, "NX", "vnet-encryption-off"],
      ["b-to-a", 660_000, "X", "encrypted"],
    ]);
    expect(result.flows[0]).toMatchObject({ from: "a", to: "b", srcIp: "10.0.1.4", dstIp: "10.0.1.5", protocol: "tcp", dstPort: 443 });
  });

  it("decides every flow at --at when given", () => {
    const result = evaluateScenario(scenario(), { atMs: 6 * 60_000 });
    expect(result.atMs).toBe(360_000);
    expect(result.flows.map((f) => [f.atMs, f.reason])).toEqual([
      [360_000, "not-restarted-since-enabling"],
      [360_000, "not-restarted-since-enabling"],
    ]);
    expect(evaluateScenario(scenario(), { atMs: 605_000 }).flows.map((f) => f.encryption)).toEqual([
      "NX_SW_NOT_READY",
      "NX_SW_NOT_READY",
    ]);
  });

  it("counts every encryption value, zeros included", () => {
    const { totals, flows } = evaluateScenario(scenario());
    expect(Object.keys(totals)).toEqual([...FLOW_ENCRYPTION_VALUES]);
    expect(totals.NX).toBe(1);
    expect(totals.X).toBe(1);
    expect(Object.values(totals).reduce((a, b) => a + b, 0)).toBe(flows.length);
  });

  it("checks expectations at their own time (not --at) and lists each mismatching field", () => {
    const s = scenario(`expect:
  - { flow: a-to-b, encryption: NX, action: deliver, reason: vnet-encryption-off }
  - { flow: a-to-b, at: 11m, encryption: X, action: deliver }
  - { flow: a-to-b, at: 11m, encryption: NX, action: drop, reason: same-host }
  - { flow: b-to-a, encryption: X, action: deliver, reason: encrypted }
`);
    const result = evaluateScenario(s, { atMs: 0 });
    expect(result.expectations.map((c) => [c.flow, c.atMs, c.ok])).toEqual([
      ["a-to-b", 60_000, true],
      ["a-to-b", 660_000, true],
      ["a-to-b", 660_000, false],
      ["b-to-a", 660_000, true],
    ]);
    expect(result.expectations[2]?.mismatches).toEqual([
      "encryption: expected NX, got X",
      "action: expected drop, got deliver",
      "reason: expected same-host, got encrypted",
    ]);
    expect(result.expectations[2]?.actual).toMatchObject({ encryption: "X", action: "deliver", reason: "encrypted" });
    expect(result.ok).toBe(false);
  });

  it("skips (does not fail) expectations of a failed tunnel set-up, which only the data plane decides", () => {
    const s = scenario(`expect:
  - { flow: a-to-b, at: 11m, encryption: NX_FALLBACK, action: deliver, reason: handshake-failed }
  - { flow: a-to-b, at: 11m, encryption: NX_FALLBACK, action: deliver }
  - { flow: b-to-a, encryption: NX_NOT_ACCEPTED, action: drop, reason: handshake-failed }
  - { flow: b-to-a, encryption: X, action: deliver, reason: encrypted }
  - { flow: b-to-a, encryption: NX, action: deliver, reason: encrypted }
`);
    const result = evaluateScenario(s);
    expect(result.expectations.map((c) => [c.status, c.ok, c.note])).toEqual([
      ["skipped", true, DATAPLANE_ONLY_NOTE],
      ["skipped", true, DATAPLANE_ONLY_NOTE],
      ["skipped", true, DATAPLANE_ONLY_NOTE],
      ["passed", true, null],
      ["failed", false, null],
    ]);
    // A skipped check still reports what the policy predicts (a successful set-up), with no mismatches.
    expect(result.expectations[0]?.actual).toMatchObject({ encryption: "X", action: "deliver", reason: "encrypted" });
    expect(result.expectations[0]?.mismatches).toEqual([]);
    // Only the real mismatch fails the run.
    expect(result.ok).toBe(false);
    const withoutFailure = scenario(`expect:
  - { flow: a-to-b, at: 11m, encryption: NX_FALLBACK, action: deliver, reason: handshake-failed }
`);
    expect(evaluateScenario(withoutFailure).ok).toBe(true);
    const text = renderRun(evaluateScenario(withoutFailure));
    expect(text).toMatch(new RegExp(`^SKIP a-to-b at 11m: NX_FALLBACK deliver \\(handshake-failed\\) \\(${DATAPLANE_ONLY_NOTE}\\)$`, "m"));
    expect(text).not.toMatch(/^FAIL/m);
    expect(text.trimEnd().endsWith("2 flows, 0/0 expectations passed, 1 skipped")).toBe(true);
    // --json prints the evaluation as is: the status and the note are in it.
    const json = JSON.parse(JSON.stringify(evaluateScenario(withoutFailure))) as { ok: boolean; expectations: { status: string; note: string }[] };
    expect(json.ok).toBe(true);
    expect(json.expectations[0]).toMatchObject({ status: "skipped", note: DATAPLANE_ONLY_NOTE });
  });

  it("is ok when there are no expectations", () => {
    expect(evaluateScenario(scenario()).ok).toBe(true);
  });
});

describe("lintScenario", () => {
  it("lints at time 0 and after each event, reporting a finding at the first time it appears", () => {
    const result = lintScenario(scenario());
    // Encryption is off at time 0; enabling it at 5m makes the running VMs need a restart (VNE006).
    const restart = result.diagnostics.filter((d) => d.code === "VNE006");
    expect(restart.length).toBeGreaterThan(0);
    expect(restart.every((d) => d.atMs === 300_000)).toBe(true);
    const keys = result.diagnostics.map((d) => `${d.code}|${d.resource}|${d.message}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(result.counts.warning).toBe(result.diagnostics.filter((d) => d.severity === "warning").length);
    expect(result.ok).toBe(result.counts.error === 0);
  });

  it("stops after snapshotsMax instants and says so", () => {
    const result = lintScenario(scenario(), { snapshotsMax: 2 });
    const limit = result.diagnostics.find((d) => d.code === LINT_SNAPSHOTS_LIMIT_CODE);
    expect(limit?.severity).toBe("info");
    expect(limit?.message).toContain("3 distinct event times");
    expect(result.diagnostics.some((d) => d.code === "VNE006")).toBe(true);
    expect(lintScenario(scenario(), { snapshotsMax: 1 }).diagnostics.some((d) => d.code === "VNE006")).toBe(false);
  });

  it("rejects a snapshotsMax outside 1 .. LINT_SNAPSHOTS_MAX", () => {
    expect(() => lintScenario(scenario(), { snapshotsMax: 0 })).toThrow(RangeError);
    expect(() => lintScenario(scenario(), { snapshotsMax: LINT_SNAPSHOTS_MAX + 1 })).toThrow(/snapshotsMax/);
  });
});

describe("renderRun / renderLint", () => {
  it("prints the flow table, why-not lines, totals, expectations and a summary", () => {
    const s = scenario(`expect:
  - { flow: a-to-b, encryption: X, action: deliver }
`);
    const text = renderRun(evaluateScenario(s));
    expect(text).toMatch(/^FLOW +AT +SOURCE +DESTINATION +PROTO\/PORT +ENCRYPTION +ACTION +REASON$/m);
    expect(text).toMatch(/^a-to-b +1m +a 10\.0\.1\.4 +b 10\.0\.1\.5 +tcp\/443 +NX +deliver +vnet-encryption-off$/m);
    expect(text).toContain("Why not encrypted");
    expect(text).toMatch(/^NX_FALLBACK +0$/m);
    expect(text).toMatch(/^FAIL a-to-b at 1m: expected X deliver$/m);
    expect(text).toContain("encryption: expected X, got NX");
    expect(text.trimEnd().endsWith("2 flows, 0/1 expectations passed")).toBe(true);
  });

  it("prints each diagnostic with severity, code, resource, message and fix", () => {
    const text = renderLint(lintScenario(scenario()));
    expect(text).toMatch(/^warning +VNE006 a \(from 5m\)$/m);
    expect(text).toContain("fix: ");
    expect(text).toMatch(/^0 errors, \d+ warnings?, \d+ info$/m);
  });
});

describe("renderRun with a load balancer", () => {
  it("shows the backend the policy chose after the frontend", () => {
    const s = parseScenario(
      `name: ilb
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
  - { name: c, size: Standard_D4s_v5, host: h1, subnet: v/s, ip: 10.0.1.4 }
  - { name: b, size: Standard_D4s_v5, host: h2, subnet: v/s, ip: 10.0.1.5 }
loadBalancers:
  - { name: lb, vnet: v, frontendIp: 10.0.1.100, backends: [b] }
traffic:
  - { name: c-to-lb, from: c, to: lb }
`,
      "ilb.yaml",
    );
    expect(renderRun(evaluateScenario(s))).toMatch(/^c-to-lb +0 +c 10\.0\.1\.4 +lb 10\.0\.1\.100 -> b +tcp\/443 +X +deliver +encrypted$/m);
  });
});
