/**
 * Parsers for option values. They throw commander's InvalidArgumentError so that commander
 * prints "error: option '--seed <n>' argument 'x' is invalid. <our message>" and we exit 2.
 */
import { InvalidArgumentError } from "commander";

/** Largest seed accepted on the command line: seeds are unsigned 32-bit (pure-rand's input). */
export const SEED_MAX = 0xffff_ffff;

/** Longest duration string we try to parse; anything longer is not a duration. */
export const DURATION_CHARS_MAX = 32;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

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
 * A duration as in scenario files: a plain number is milliseconds, otherwise
 * `<number><unit>` with unit ms|s|m|h|d and an optional leading "-" (e.g. "90s", "-1h", "1.5m").
 */
export function parseDurationMs(value: string): number | null {
  const text = value.trim();
  if (text.length === 0 || text.length > DURATION_CHARS_MAX) return null;
  const match = /^(-?)(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text);
  if (match === null) return null;
  const sign = match[1] === "-" ? -1 : 1;
  const unit = UNIT_MS[match[3] ?? "ms"] ?? 1;
  const ms = Math.round(sign * Number(match[2]) * unit);
  return Number.isSafeInteger(ms) ? ms : null;
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
