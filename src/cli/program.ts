/**
 * The `vnetsim` command tree. Kept apart from main.ts (which only runs it) so that tests and
 * embedders can build the program without executing anything.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { registerDtls } from "./dtls.js";
import { registerFlows } from "./flows.js";
import { registerLint } from "./lint.js";
import { registerRun } from "./run.js";
import { registerSchema } from "./schema.js";

/** How many directories up we look for vnetsim's package.json (src/cli and dist/src/cli are 2 and 3 deep). */
export const PACKAGE_JSON_SEARCH_DEPTH_MAX = 5;

/** The version from vnetsim's own package.json, or "0.0.0" if it cannot be found. */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < PACKAGE_JSON_SEARCH_DEPTH_MAX; depth += 1) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "vnetsim" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
    dir = dirname(dir);
  }
  return "0.0.0";
}

export function buildProgram(): Command {
  const program = new Command("vnetsim");
  program
    .description("Simulator of Azure Virtual Network encryption: which flows are encrypted (X, NX, NX_*), and why")
    .version(packageVersion(), "-V, --version", "print the vnetsim version")
    .helpOption("-h, --help", "show help for a command")
    // exitOverride is inherited by the commands registered below: errors come back to main() as exceptions.
    .exitOverride()
    .showSuggestionAfterError(true)
    .showHelpAfterError("(add --help for usage)")
    .addHelpText(
      "after",
      `
Exit codes: 0 success, 1 a failed expectation or a lint error, 2 bad usage or invalid input, 3 internal error.

Examples:
  $ vnetsim run scenarios/default.yaml
  $ vnetsim run scenarios/restart-required.yaml --at 5m --json
  $ vnetsim lint scenarios/ilb-mixed-sizes.yaml
  $ vnetsim schema > vnetsim.schema.json
  $ vnetsim help run`,
    );
  registerRun(program);
  registerLint(program);
  registerSchema(program);
  registerDtls(program);
  registerFlows(program);
  return program;
}
