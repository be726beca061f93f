/** `vnetsim lint SCENARIO`: the documented limitations that the scenario runs into. */
import type { Command } from "commander";
import { EXIT_FAILED, EXIT_OK } from "./errors.js";
import { lintScenario } from "./evaluate.js";
import { setExitCode, stdoutColors, writeOut } from "./io.js";
import { loadScenarioForCli } from "./load.js";
import { renderLint } from "./render.js";

interface LintOptions {
  json?: boolean;
}

export function registerLint(program: Command): void {
  program
    .command("lint")
    .description(
      "check a scenario against Azure's documented limitations (mixed ILB sizes, Private Link, DNS resolver, confidential SKUs, ...)",
    )
    .argument("<scenario>", "scenario file (YAML)")
    .option("--json", "print one JSON document (diagnostics, counts, ok)")
    .addHelpText(
      "after",
      `
Each diagnostic has a severity (error, warning, info), a code, the resource, a message and a fix.
The topology is linted as written and again after each event (e.g. a later switch to DropUnencrypted).

Exit codes: 0 no errors (warnings allowed), 1 at least one error, 2 bad usage or invalid scenario.

Examples:
  $ vnetsim lint scenarios/ilb-mixed-sizes.yaml
  $ vnetsim lint scenarios/default.yaml --json | jq '.diagnostics[].code'`,
    )
    .action((file: string, options: LintOptions) => {
      const scenario = loadScenarioForCli(file);
      const result = lintScenario(scenario);
      writeOut(options.json === true ? `${JSON.stringify(result, null, 2)}\n` : renderLint(result, stdoutColors()));
      setExitCode(result.ok ? EXIT_OK : EXIT_FAILED);
    });
}
