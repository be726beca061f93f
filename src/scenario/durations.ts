/**
 * Durations and rates as written in scenario files (scenario-format.md): a number is
 * milliseconds; a string is "<number><unit>" with unit ms|s|m|h|d and an optional leading "-"
 * (before time 0). A rate is "<number>/<unit>" with unit s|m|h.
 */
import { DURATION_MAX_MS, RATE_MAX_PER_SECOND } from "./limits.js";

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^(-?)([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)$/;
const RATE_RE = /^([0-9]+(?:\.[0-9]+)?)\/(s|m|h)$/;

export const DURATION_EXPECTED = 'milliseconds as a number, or "<number><unit>" with unit ms, s, m, h or d, e.g. "30s" or "-1h"';
export const RATE_EXPECTED = '"<number>/<unit>" with unit s, m or h, e.g. "100/s"';

/** Result of parsing: the value, or why it is not one (the text completes `<value> ...`). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Parses a duration to whole milliseconds. */
export function parseDuration(input: unknown): Parsed<number> {
  let ms: number;
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return { ok: false, message: `is not a duration (expected ${DURATION_EXPECTED})` };
    ms = input;
  } else if (typeof input === "string") {
    const m = DURATION_RE.exec(input.trim());
    if (m === null) return { ok: false, message: `is not a duration (expected ${DURATION_EXPECTED})` };
    const [, sign = "", amount = "", unit = "ms"] = m;
    ms = Number(amount) * (UNIT_MS[unit] ?? 1) * (sign === "-" ? -1 : 1);
    // 0.1s is 100 ms exactly, but binary floating point makes it 100.00000000000001.
    ms = Math.round(ms * 1e6) / 1e6;
  } else {
    return { ok: false, message: `is not a duration (expected ${DURATION_EXPECTED})` };
  }
  if (!Number.isInteger(ms)) return { ok: false, message: "is not a whole number of milliseconds" };
  if (Math.abs(ms) > DURATION_MAX_MS) {
    return { ok: false, message: `is longer than the limit of ${DURATION_MAX_MS} ms (DURATION_MAX_MS, one year)` };
  }
  return { ok: true, value: ms === 0 ? 0 : ms };
}

/** Like parseDuration, but throws a TypeError naming the input: for callers that have already validated. */
export function durationMs(input: unknown, label = "duration"): number {
  const r = parseDuration(input);
  if (!r.ok) throw new TypeError(`${label}: ${JSON.stringify(input)} ${r.message}`);
  return r.value;
}

/** Parses a rate such as "100/s" to packets per second. */
export function parseRate(input: unknown): Parsed<number> {
  if (typeof input !== "string") return { ok: false, message: `is not a rate (expected ${RATE_EXPECTED})` };
  const m = RATE_RE.exec(input.trim());
  if (m === null) return { ok: false, message: `is not a rate (expected ${RATE_EXPECTED})` };
  const [, amount = "", unit = "s"] = m;
  const perSecond = (Number(amount) * 1000) / (UNIT_MS[unit] ?? 1000);
  if (perSecond <= 0) return { ok: false, message: "is not a positive rate" };
  if (perSecond > RATE_MAX_PER_SECOND) {
    return { ok: false, message: `is faster than the limit of ${RATE_MAX_PER_SECOND}/s (RATE_MAX_PER_SECOND)` };
  }
  return { ok: true, value: perSecond };
}
