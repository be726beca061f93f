/**
 * Parsers for option values. They throw commander's InvalidArgumentError so that commander
 * prints "error: option '--seed <n>' argument 'x' is invalid. <our message>" and we exit 2.
 */
import { InvalidArgumentError } from "commander";
import { parseDuration } from "../scenario/durations.js";

/** Largest seed accepted on the command line: the scenario schema's limit for `seed` (src/scenario/schema.ts). */
export const SEED_MAX = 2 ** 31 - 1;

/** Longest duration string we try to parse; anything longer is not a duration. */
export const DURATION_CHARS_MAX = 32;

export function parseSeedOption(value: string): number {
  if (!/^\d+$/.test(value)) {
    throw new InvalidArgumentError(`Expected a whole number from 0 to ${SEED_MAX}, got "${value}".`);
  }
  const seed = Number(value);
  if (!Number.isSafeInteger(seed) || seed > SEED_MAX) {
    throw new InvalidArgumentError(`Expected a whole number from 0 to ${SEED_MAX}, got "${value}".`);
  }
  return seed;
}

/**
 * A duration exactly as in scenario files (src/scenario/durations.ts): a plain number is
 * milliseconds, otherwise `<number><unit>` with unit ms|s|m|h|d and an optional leading "-".
 */
export function parseDurationMs(value: string): number | null {
  const text = value.trim();
  if (text.length === 0 || text.length > DURATION_CHARS_MAX) return null;
  const parsed = parseDuration(/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text);
  return parsed.ok ? parsed.value : null;
}

export function parseAtOption(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === null) {
    throw new InvalidArgumentError(
      `Expected a time such as 0, 1500 (ms), 30s, 5m, 1h or -1h (relative to the scenario's epoch), got "${value}".`,
    );
  }
  return ms;
}
