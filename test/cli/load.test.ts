import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CliError, EXIT_USAGE } from "../../src/cli/errors.js";
import { loadScenarioForCli, SCENARIO_FILE_BYTES_MAX } from "../../src/cli/load.js";

const dir = mkdtempSync(join(tmpdir(), "vnetsim-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cliError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error("expected a CliError");
}

const MINIMAL = `name: minimal
vnets:
  - { name: v, region: westeurope, addressSpace: [10.0.0.0/16], subnets: [{ name: s, prefix: 10.0.1.0/24 }] }
`;

describe("loadScenarioForCli", () => {
  it("loads a scenario and applies --seed before parsing", () => {
    const file = join(dir, "minimal.yaml");
    writeFileSync(file, MINIMAL);
    expect(loadScenarioForCli(file).topology.settings.seed).toBe(1);
    expect(loadScenarioForCli(file, { seed: 99 }).topology.settings.seed).toBe(99);
  });

  it("reports a missing file with its name and the system error, exit 2", () => {
    const error = cliError(() => loadScenarioForCli(join(dir, "absent.yaml")));
    expect(error.exitCode).toBe(EXIT_USAGE);
    expect(error.message).toBe(
      `vnetsim: cannot read scenario ${join(dir, "absent.yaml")}: ENOENT: no such file or directory, stat '${join(dir, "absent.yaml")}'`,
    );
  });

  it("refuses a directory", () => {
    expect(cliError(() => loadScenarioForCli(dir)).message).toContain("is a directory");
  });

  it("refuses a file over SCENARIO_FILE_BYTES_MAX without reading it", () => {
    const file = join(dir, "huge.yaml");
    writeFileSync(file, `# ${"x".repeat(SCENARIO_FILE_BYTES_MAX)}\n`);
    const error = cliError(() => loadScenarioForCli(file));
    expect(error.exitCode).toBe(EXIT_USAGE);
    expect(error.message).toContain(`the limit is ${SCENARIO_FILE_BYTES_MAX} bytes`);
  });

  it("turns a ScenarioError into its file:line:col lines", () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, MINIMAL.replace("10.0.1.0/24", "10.0.1.0/33"));
    const error = cliError(() => loadScenarioForCli(file));
    expect(error.exitCode).toBe(EXIT_USAGE);
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:\\d+ vnets\\[0\\]\\.subnets\\[0\\]\\.prefix: `));
  });
});
