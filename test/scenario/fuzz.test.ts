import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { parseScenario, ScenarioError } from "../../src/scenario/index.js";

const full = readFileSync(fileURLToPath(new URL("./fixtures/full.yaml", import.meta.url)), "utf8");
const lines = full.split("\n");

// Line-level mutations of a valid file: the loader must either load the result or throw a
// ScenarioError whose issues are all located inside the file; never any other exception.
const TOKENS = ["vm-1", "vm-9", "vnet-a", "vnet-z", "10.0.1.4", "10.0.300.1", "0s", "-1h", "5x", "true", "[]", "{}", "null", "host-1",
  "Standard_B2s", "Standard_Q1", "all-pairs", "aks-1/web-0", "99999", "-1", "\"\"", "ipconfig2", "vm-3-nic1", ":", "- x"];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), line: fc.nat(lines.length - 1) }),
  fc.record({ kind: fc.constant("duplicate" as const), line: fc.nat(lines.length - 1) }),
  fc.record({ kind: fc.constant("replace" as const), line: fc.nat(lines.length - 1), token: fc.constantFrom(...TOKENS), at: fc.nat(200) }),
);

function apply(ms: { kind: "delete" | "duplicate" | "replace"; line: number; token?: string; at?: number }[]): string {
  const out = [...lines];
  for (const m of ms) {
    const i = Math.min(m.line, out.length - 1);
    const l = out[i] ?? "";
    if (m.kind === "delete") out.splice(i, 1);
    else if (m.kind === "duplicate") out.splice(i, 0, l);
    else {
      // Replace the word that starts at or after `at` with the token.
      const words = [...l.matchAll(/[A-Za-z0-9_./:-]+/g)];
      const w = words.find((x) => (x.index ?? 0) >= (m.at ?? 0) % Math.max(1, l.length)) ?? words[0];
      if (w !== undefined) out[i] = l.slice(0, w.index) + (m.token ?? "") + l.slice((w.index ?? 0) + w[0].length);
    }
  }
  return out.join("\n");
}

describe("loader robustness (property)", () => {
  it("a mutated file loads or fails with located ScenarioError issues only", () => {
    let loaded = 0;
    let failed = 0;
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
      const text = apply(ms);
      try {
        parseScenario(text, "m.yaml");
        loaded++;
      } catch (e) {
        if (!(e instanceof ScenarioError)) throw e;
        failed++;
        expect(e.issues.length).toBeGreaterThan(0);
        const lineCount = text.split("\n").length;
        for (const issue of e.issues) {
          expect(issue.line).toBeGreaterThanOrEqual(1);
          expect(issue.line).toBeLessThanOrEqual(lineCount);
          expect(issue.message.length).toBeGreaterThan(0);
        }
      }
    }), { numRuns: 100 });
    // Both outcomes occur, so the property is not vacuous.
    expect(loaded).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
  });
});
