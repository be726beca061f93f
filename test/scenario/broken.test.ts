import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { loadScenarioFile, parseScenario, ScenarioError } from "../../src/scenario/index.js";

// Each broken/<case>.yaml has broken/<case>.expected: the exact error text, one line per issue
// (reviewed by hand when the case was written).
const dir = fileURLToPath(new URL("./broken/", import.meta.url));
const cases = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();

function errorOf(f: () => unknown): ScenarioError {
  try {
    f();
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error("expected a ScenarioError, but the scenario loaded");
}

describe("broken scenario corpus", () => {
  it("has at least 20 cases, each with an .expected file", () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    for (const c of cases) expect(readdirSync(dir)).toContain(c.replace(/\.yaml$/, ".expected"));
  });

  it.each(cases)("%s", (file) => {
    const text = readFileSync(join(dir, file), "utf8");
    const expected = readFileSync(join(dir, file.replace(/\.yaml$/, ".expected")), "utf8").trimEnd();
    const err = errorOf(() => parseScenario(text, file));
    expect(err.message).toBe(expected);
    expect(err.issues.length).toBe(expected.split("\n").length);
    for (const issue of err.issues) {
      expect(issue.file).toBe(file);
      expect(issue.line).toBeGreaterThanOrEqual(1);
      expect(issue.column).toBeGreaterThanOrEqual(1);
      expect(issue.line).toBeLessThanOrEqual(Math.max(1, text.split("\n").length));
    }
  });

  it("loadScenarioFile names the file as given", () => {
    const err = errorOf(() => loadScenarioFile(join(dir, "bad-cidr.yaml")));
    expect(err.message).toBe(`${join(dir, "bad-cidr.yaml")}:10:17 vnets[0].subnets[1].prefix: "10.0.300.0/24" is not an IPv4 CIDR (expected e.g. "10.0.0.0/16")`);
  });
});
