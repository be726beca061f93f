/**
 * Where commands write. Output goes through here so that the exit code is set (not forced
 * with process.exit, which can cut off piped output) and colour is decided per stream.
 */
import { colorsFor, type Colors } from "../report/table.js";

export function stdoutColors(): Colors {
  return colorsFor({ isTTY: process.stdout.isTTY, env: process.env });
}

export function writeOut(text: string): void {
  process.stdout.write(text);
}

export function writeErr(text: string): void {
  process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** Records the exit code; a higher code (a worse outcome) wins over a lower one. */
export function setExitCode(code: number): void {
  const current = typeof process.exitCode === "number" ? process.exitCode : 0;
  process.exitCode = Math.max(current, code);
}
