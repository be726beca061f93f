/**
 * The native reference: `openssl speed -elapsed -seconds S -bytes N -aead -evp CIPHER`, run by the
 * benchmark itself so our figures are ratios to a number measured on the same machine in the same
 * run (shared/docs/benchmarks.md). `-aead` makes OpenSSL do one TLS-style record per call (set the
 * IV, 13 bytes of AAD, update, final, tag), the same unit of work as one CipherState.seal.
 *
 * Output format (OpenSSL 3.0 apps/speed.c): stdout ends with a table
 *     type             64 bytes
 *     AES-128-GCM      18114.47k
 * whose figures are 1000s of bytes per second with a "k" suffix, or plain bytes per second without
 * it when the rate is at most 10,000 B/s; stderr has one line per size
 *     Doing AES-128-GCM for 1s on 64 size blocks: 285869 AES-128-GCM's in 1.01s
 * The parser reads the table and falls back to the "Doing" lines when the table is missing.
 *
 * Our rates are per CPU-second (lib/measure.ts), so openssl's is too: the bytes it reports over
 * the CPU time its process used, read from this process's children times in /proc/self/stat.
 * On an idle machine that equals the -elapsed figure; on a busy one it is what openssl does with
 * the CPU it gets, as ours is.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** The AEAD algorithm names of src/dtls mapped to openssl's -evp cipher names. */
export const OPENSSL_CIPHER_FOR: Readonly<Record<string, string>> = Object.freeze({
  "aes-128-gcm": "aes-128-gcm",
  "aes-256-gcm": "aes-256-gcm",
  // OpenSSL's speed uses a 16-byte CCM tag; the suite's CCM_8 tag is 8 bytes (RFC 6655 §4).
  // The tag length does not change the work per block, so the reference holds.
  "aes-128-ccm-8": "aes-128-ccm",
  "chacha20-poly1305": "chacha20-poly1305",
});

/** One openssl run must not hang the benchmark: seconds of measuring plus this much slack. */
export const OPENSSL_TIMEOUT_SLACK_MS = 20_000;

export interface SpeedResult {
  /** openssl's own label of the cipher, e.g. "AES-128-GCM". */
  label: string;
  /** Block (record) size in bytes -> bytes per second. */
  bytesPerSecond: Map<number, number>;
}

const VALUE = /^(\d+(?:\.\d+)?)(k?)$/;
const DOING =
  /^Doing (\S+) for (\d+(?:\.\d+)?)s on (\d+) size blocks: (\d+) \S+ in (\d+(?:\.\d+)?)s/;

/** Parses the table on openssl speed's stdout. Returns null when there is none. */
export function parseSpeedTable(stdout: string): SpeedResult | null {
  const lines = stdout.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => /^type\s+\d+ bytes/.test(l));
  if (headerAt < 0) return null;
  const sizes = [...lines[headerAt]!.matchAll(/(\d+) bytes/g)].map((m) => Number(m[1]));
  for (const line of lines.slice(headerAt + 1)) {
    const tokens = line.trim().split(/\s+/);
    if (tokens.length < sizes.length + 1) continue;
    const values = tokens.slice(tokens.length - sizes.length);
    const parsed = values.map((v) => VALUE.exec(v));
    if (parsed.some((m) => m === null)) continue;
    const bytesPerSecond = new Map<number, number>();
    parsed.forEach((m, i) => bytesPerSecond.set(sizes[i]!, Number(m![1]) * (m![2] === "k" ? 1000 : 1)));
    return { label: tokens.slice(0, tokens.length - sizes.length).join(" "), bytesPerSecond };
  }
  return null;
}

/** Parses the "Doing ..." progress lines on stderr. Returns null when there are none. */
export function parseSpeedProgress(stderr: string): SpeedResult | null {
  let label = "";
  const bytesPerSecond = new Map<number, number>();
  for (const line of stderr.split(/\r?\n/)) {
    const m = DOING.exec(line.trim());
    if (m === null) continue;
    label = m[1]!;
    const size = Number(m[3]);
    const ops = Number(m[4]);
    const seconds = Number(m[5]);
    if (seconds > 0) bytesPerSecond.set(size, (ops * size) / seconds);
  }
  return bytesPerSecond.size > 0 ? { label, bytesPerSecond } : null;
}

/** The seconds openssl measured for one block size ("... in 1.01s"), or null. */
export function parseSpeedElapsedSeconds(stderr: string, sizeBytes: number): number | null {
  for (const line of stderr.split(/\r?\n/)) {
    const m = DOING.exec(line.trim());
    if (m !== null && Number(m[3]) === sizeBytes) return Number(m[5]);
  }
  return null;
}

/** Table first, progress lines as the fallback. */
export function parseSpeedOutput(stdout: string, stderr: string): SpeedResult | null {
  return parseSpeedTable(stdout) ?? parseSpeedProgress(stderr);
}

/** `openssl version`, or null when openssl cannot be run. */
export function opensslVersion(): string | null {
  const r = spawnSync("openssl", ["version"], { encoding: "utf8", timeout: 10_000 });
  if (r.error !== undefined || r.status !== 0) return null;
  return r.stdout.trim();
}

export type SpeedOutcome =
  | { ok: true; bytesPerSecond: number; elapsedBytesPerSecond: number; cpuSeconds: number | null }
  | { ok: false; reason: string };

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux for all common builds). */
export const USER_HZ = 100;

/**
 * CPU seconds used by this process's waited-for children so far (cutime + cstime of
 * /proc/self/stat, proc(5)), or null where /proc is not available.
 */
export function childrenCpuSeconds(): number | null {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the parenthesised command name (which may contain spaces): state is field 3.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cutime = Number(rest[16 - 3]);
    const cstime = Number(rest[17 - 3]);
    return Number.isFinite(cutime) && Number.isFinite(cstime) ? (cutime + cstime) / USER_HZ : null;
  } catch {
    return null;
  }
}

/**
 * openssl's bytes per CPU-second from its elapsed figure: the bytes it processed (elapsed rate x
 * elapsed seconds) over the CPU time the child used (which includes its start-up, a few ms, so
 * this slightly understates openssl). With CPU time unknown, the elapsed figure.
 */
export function perCpuSecond(elapsedBytesPerSecond: number, elapsedSeconds: number, cpuSeconds: number | null): number {
  if (cpuSeconds === null || !(cpuSeconds > 0) || !(elapsedSeconds > 0)) return elapsedBytesPerSecond;
  return (elapsedBytesPerSecond * elapsedSeconds) / cpuSeconds;
}

/** Runs openssl speed for one cipher and size; the reason says why there is no figure. */
export function runOpensslSpeed(cipher: string, sizeBytes: number, seconds: number): SpeedOutcome {
  const args = ["speed", "-elapsed", "-seconds", String(seconds), "-bytes", String(sizeBytes), "-aead", "-evp", cipher];
  const cpu0 = childrenCpuSeconds();
  const r = spawnSync("openssl", args, { encoding: "utf8", timeout: seconds * 1000 + OPENSSL_TIMEOUT_SLACK_MS });
  const cpu1 = childrenCpuSeconds();
  if (r.error !== undefined) return { ok: false, reason: `openssl could not be run (${r.error.message})` };
  if (r.status !== 0) {
    const first = (r.stderr ?? "").split("\n").find((l) => l.trim() !== "") ?? "";
    return { ok: false, reason: `openssl speed ${cipher} exited with ${r.status}: ${first.trim()}` };
  }
  const parsed = parseSpeedOutput(r.stdout, r.stderr);
  const value = parsed?.bytesPerSecond.get(sizeBytes);
  if (value === undefined || !(value > 0)) {
    return { ok: false, reason: `openssl speed ${cipher} printed no figure for ${sizeBytes} B` };
  }
  const elapsed = parseSpeedElapsedSeconds(r.stderr, sizeBytes) ?? seconds;
  const cpu = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
  return { ok: true, bytesPerSecond: perCpuSecond(value, elapsed, cpu), elapsedBytesPerSecond: value, cpuSeconds: cpu };
}
