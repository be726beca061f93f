/**
 * tshark for the report tests: is it installed, and run it on a file with a hard deadline.
 * Tests that need it skip with a message naming tshark when it is missing (CI installs it).
 */
import { spawnSync } from "node:child_process";

/** One tshark run reads a capture of a few thousand frames; on 2 loaded cores that takes seconds. */
export const TSHARK_TIMEOUT_MS = 60_000;
/** Output kept from one tshark run. */
export const TSHARK_OUTPUT_BYTES_MAX = 64 * 1024 * 1024;

function probe(): string | null {
  const result = spawnSync("tshark", ["--version"], { encoding: "utf8", timeout: TSHARK_TIMEOUT_MS });
  if (result.error !== undefined || result.status !== 0) return "tshark is not installed (apt-get install tshark); skipping the tshark checks";
  return null;
}

/** null when tshark runs; otherwise why the tshark tests are skipped. */
export const TSHARK_MISSING: string | null = probe();
if (TSHARK_MISSING !== null) console.warn(TSHARK_MISSING);

/** Runs `tshark -r FILE ARGS...` and returns stdout; throws with stderr when tshark fails. */
export function tshark(file: string, args: readonly string[] = []): string {
  const result = spawnSync("tshark", ["-n", "-r", file, ...args], {
    encoding: "utf8",
    timeout: TSHARK_TIMEOUT_MS,
    maxBuffer: TSHARK_OUTPUT_BYTES_MAX,
  });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) throw new Error(`tshark -r ${file} ${args.join(" ")} exited ${result.status}:\n${result.stderr}`);
  return result.stdout;
}
