/**
 * Reading a scenario file for a command: file errors and scenario errors become CliErrors
 * (exit 2, no stack trace), and `--seed` is applied before the scenario is parsed, because
 * the seed drives choices the loader makes (placement on hosts, source ports).
 */
import { readFileSync } from "node:fs";
import { isMap, isScalar, parseDocument } from "yaml";
import { parseScenario, ScenarioError, type Scenario } from "../scenario/index.js";
import { CliError, EXIT_USAGE } from "./errors.js";

/** Largest scenario file the CLI reads; bigger files are almost certainly a mistake (a log, a binary). */
export const SCENARIO_FILE_BYTES_MAX = 16 * 1024 * 1024;

/**
 * Returns the scenario text with its top-level `seed` set to `seed`. The original text is kept
 * byte for byte except the seed's value (or one appended line), so the loader's line:column
 * positions in error messages still point into the file the user wrote. Text that is not a
 * YAML block mapping is returned unchanged: the loader will report what is wrong with it.
 */
export function withSeed(text: string, seed: number): string {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return text;
  if (doc.contents.flow === true) return text;
  const existing = doc.contents.get("seed", true);
  if (isScalar(existing) && existing.range) {
    const [start, valueEnd] = existing.range;
    return `${text.slice(0, start)}${seed}${text.slice(valueEnd)}`;
  }
  if (existing !== undefined) return text;
  const separator = text.endsWith("\n") || text.length === 0 ? "" : "\n";
  return `${text}${separator}seed: ${seed}\n`;
}

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
    const buffer = readFileSync(file);
    if (buffer.byteLength > SCENARIO_FILE_BYTES_MAX) {
      throw new CliError(
        `vnetsim: scenario ${file} is ${buffer.byteLength} bytes; the limit is ${SCENARIO_FILE_BYTES_MAX} bytes`,
        EXIT_USAGE,
      );
    }
    text = buffer.toString("utf8");
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
