/**
 * The README's generated tables match their sources: the reason table (REASON_TABLE), the lint
 * codes (LINT_RULES) and the bundled scenarios (each file's name and description). To refresh
 * them after a change: UPDATE_README=1 npx vitest run test/scenarios/readme.test.ts
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { LINT_RULES, reasonTableMarkdown } from "../../src/policy/index.js";
import { scenarioJsonSchema } from "../../src/scenario/index.js";
import { evaluateScenario } from "../../src/cli/evaluate.js";
import { loadScenarioForCli } from "../../src/cli/load.js";
import { renderRun } from "../../src/cli/render.js";
import { buildProgram } from "../../src/cli/program.js";

const README = "README.md";
const SCENARIO_DIR = "scenarios";

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** The policy renders its own table (src/policy/reason-table-markdown.ts); the README carries it verbatim. */
function reasonsTable(): string {
  return reasonTableMarkdown().trimEnd();
}

function lintTable(): string {
  const lines = ["| code | id | severity | rule |", "|---|---|---|---|"];
  for (const rule of Object.values(LINT_RULES)) {
    lines.push(`| \`${rule.code}\` | ${rule.id} | ${rule.severity} | ${escapeCell(rule.summary)} |`);
  }
  return lines.join("\n");
}

function scenariosList(): string {
  const files = readdirSync(SCENARIO_DIR)
    .filter((name) => name.endsWith(".yaml"))
    .sort();
  return files
    .map((file) => {
      const doc = parse(readFileSync(join(SCENARIO_DIR, file), "utf8")) as { description?: unknown };
      const description = typeof doc.description === "string" ? doc.description : "";
      return `- [\`${file}\`](scenarios/${file}) — ${description}`;
    })
    .join("\n");
}

function referenceScenario(): string {
  return `\`\`\`yaml\n${readFileSync(join(SCENARIO_DIR, "reference.yaml"), "utf8").trimEnd()}\n\`\`\``;
}

const BLOCKS: Record<string, () => string> = {
  reasons: reasonsTable,
  lint: lintTable,
  scenarios: scenariosList,
  reference: referenceScenario,
};

/** Every property name anywhere in a JSON Schema (objects nested through items, anyOf, oneOf, ...). */
function propertyNames(schema: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) propertyNames(item, out);
  } else if (typeof schema === "object" && schema !== null) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === "properties" && typeof value === "object" && value !== null) {
        for (const name of Object.keys(value)) out.add(name);
      }
      propertyNames(value, out);
    }
  }
  return out;
}

function blockPattern(name: string): RegExp {
  return new RegExp(`(<!-- ${name}:begin -->\\n)([\\s\\S]*?)(<!-- ${name}:end -->)`);
}

function currentBlock(text: string, name: string): string | null {
  const match = blockPattern(name).exec(text);
  return match === null ? null : (match[2] ?? "").trimEnd();
}

if (process.env["UPDATE_README"] === "1") {
  let text = readFileSync(README, "utf8");
  for (const [name, render] of Object.entries(BLOCKS)) {
    text = text.replace(blockPattern(name), (_all, begin: string, _body: string, end: string) => `${begin}${render()}\n${end}`);
  }
  writeFileSync(README, text);
}

describe("README generated sections", () => {
  const text = readFileSync(README, "utf8");
  it.each(Object.keys(BLOCKS))("the %s block matches its source", (name) => {
    expect(currentBlock(text, name), `README block "${name}" (refresh: UPDATE_README=1 npx vitest run test/scenarios/readme.test.ts)`).toBe(
      BLOCKS[name]?.(),
    );
  });

  it("the reference scenario uses every field of the scenario JSON Schema", () => {
    const reference = readFileSync(join(SCENARIO_DIR, "reference.yaml"), "utf8");
    const names = [...propertyNames(scenarioJsonSchema())];
    expect(names.length).toBeGreaterThan(50);
    const missing = names.filter((name) => !new RegExp(`(^|[\\s{,])${name}:`, "m").test(reference));
    expect(missing).toEqual([]);
  });

  it("the sample output in Quick start is what `vnetsim run --policy-only` prints (lines elided with ... aside)", () => {
    const sample = /```text\n\$ npx vnetsim run (\S+) --policy-only\n([\s\S]*?)```/.exec(text);
    expect(sample).not.toBeNull();
    const actual = renderRun(evaluateScenario(loadScenarioForCli(sample?.[1] ?? ""))).split("\n");
    let at = 0;
    for (const line of (sample?.[2] ?? "").trimEnd().split("\n")) {
      if (line === "...") continue;
      const found = actual.indexOf(line, at);
      expect(found, `README sample line not in the output (in order): ${JSON.stringify(line)}`).toBeGreaterThanOrEqual(at);
      at = found + 1;
    }
  });

  it("documents every CLI command, the exit codes and the DTLS endpoint section with the OpenSSL commands", () => {
    const commands = buildProgram().commands.map((command) => command.name());
    expect(commands).toEqual(expect.arrayContaining(["run", "lint", "schema", "dtls"]));
    for (const command of commands) expect(text, `README documents vnetsim ${command}`).toContain(`**\`vnetsim ${command}`);
    for (const option of ["--json", "--seed", "--at", "NO_COLOR"]) expect(text).toContain(option);
    expect(text).toMatch(/^## DTLS 1\.2 endpoint/m);
    expect(text).toMatch(/openssl s_client -dtls1_2/);
    expect(text).toMatch(/openssl s_server -dtls1_2/);
    expect(text).toMatch(/^## Limitations and choices$/m);
  });
});
