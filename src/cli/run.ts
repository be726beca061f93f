/** `vnetsim run SCENARIO`: decide every flow, print the table and check the expectations. */
import type { Command } from "commander";
import { parseAtOption, parseSeedOption } from "./args.js";
import { EXIT_FAILED, EXIT_OK } from "./errors.js";
import { evaluateScenario } from "./evaluate.js";
import { setExitCode, stdoutColors, writeOut } from "./io.js";
import { loadScenarioForCli } from "./load.js";
import { renderRun } from "./render.js";

interface RunOptions {
  json?: boolean;
  seed?: number;
  at?: number;
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("decide every flow of a scenario (encryption value, action, reason) and check its expectations")
    .argument("<scenario>", "scenario file (YAML)")
    .option("--json", "print one JSON document (flows, totals, expectations, ok) instead of tables")
    .option("--seed <n>", "override the scenario's seed (placement, source ports, load-balancer choices)", parseSeedOption)
    .option(
      "--at <time>",
      "decide every flow at this virtual time instead of at its start (e.g. 0, 90s, 5m, -1h); expectations keep their own times",
      parseAtOption,
    )
    .addHelpText(
      "after",
      `
Exit codes: 0 all expectations hold, 1 an expectation failed, 2 bad usage or invalid scenario.

Examples:
  $ vnetsim run scenarios/default.yaml
  $ vnetsim run scenarios/restart-required.yaml --at 5m
  $ vnetsim run scenarios/ilb-supported.yaml --seed 7 --json | jq '.totals'`,
    )
    .action((file: string, options: RunOptions) => {
      const scenario = loadScenarioForCli(file, { seed: options.seed });
      const result = evaluateScenario(scenario, { atMs: options.at ?? null });
      writeOut(options.json === true ? `${JSON.stringify(result, null, 2)}\n` : renderRun(result, stdoutColors()));
      setExitCode(result.ok ? EXIT_OK : EXIT_FAILED);
    });
}
