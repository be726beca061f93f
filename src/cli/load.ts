/**
 * Reading a scenario file for a command: file errors and scenario errors become CliErrors
 * (exit 2, no stack trace), and `--seed` is applied before the scenario is parsed, because
 * the seed drives choices the loader makes (placement on hosts, source ports).
 */
import { readFileSync, statSync } from "node:fs";
import { SCENARIO_MAX_BYTES } from "../scenario/limits.js";
import { parseScenario, ScenarioError, type Scenario } from "../scenario/index.js";
import { CliError, EXIT_USAGE } from "./errors.js";
import { withSeed } from "./seed.js";

/**
 * Largest scenario file the CLI reads: the loader's own limit. Checked with stat() before
 * reading, so pointing the CLI at a huge file (a log, a disk image) fails fast.
 */
export const SCENARIO_FILE_BYTES_MAX = SCENARIO_MAX_BYTES;

export interface LoadOptions {
  seed?: number | undefined;
}

function describeFsError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Node's message already starts with the code ("ENOENT: no such file or directory, open 'x'").
    return code !== undefined && !error.message.startsWith(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** Reads and parses a scenario file, turning every user error into a CliError (exit 2). */
export function loadScenarioForCli(file: string, options: LoadOptions = {}): Scenario {
  let text: string;
  try {
    const stats = statSync(file);
    if (stats.isDirectory()) {
      throw new CliError(`vnetsim: cannot read scenario ${file}: it is a directory, expected a YAML file`, EXIT_USAGE);
    }
    if (stats.size > SCENARIO_FILE_BYTES_MAX) {
      throw new CliError(
        `vnetsim: scenario ${file} is ${stats.size} bytes; the limit is ${SCENARIO_FILE_BYTES_MAX} bytes (SCENARIO_MAX_BYTES)`,
        EXIT_USAGE,
      );
    }
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`vnetsim: cannot read scenario ${file}: ${describeFsError(error)}`, EXIT_USAGE);
  }
  if (options.seed !== undefined) text = withSeed(text, options.seed);
  try {
    return parseScenario(text, file);
  } catch (error) {
    if (error instanceof ScenarioError) throw new CliError(error.message, EXIT_USAGE);
    throw error;
  }
}
