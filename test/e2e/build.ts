/**
 * Builds the CLI once for the end-to-end tests and runs it as a user would (`node main.js ...`).
 *
 * Why a build and not tsx or vitest's transformer: the e2e tests must exercise what ships,
 * i.e. tsc's ESM output run by plain Node with the package's dependencies. Only the CLI's
 * import graph is compiled (test/e2e/tsconfig.json), into dist/e2e, so the build is quick
 * and never clobbers dist/src.
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const OUT_DIR = resolve(REPO_ROOT, "dist/e2e");
export const CLI_MAIN = resolve(OUT_DIR, "src/cli/main.js");

/** The build is tsc over a few dozen files; on a loaded 2-core machine it takes tens of seconds. */
export const BUILD_TIMEOUT_MS = 240_000;
/** One CLI invocation decides at most a few hundred flows. */
export const RUN_TIMEOUT_MS = 30_000;

/**
 * Compiles the CLI from scratch (a stale dist/e2e must never be tested). tsc still emits when
 * some file has a type error; that is reported as a warning (the type check proper is
 * `npm run typecheck`), and only a missing entry point fails the build.
 */
export function buildCli(): void {
  rmSync(OUT_DIR, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", "test/e2e/tsconfig.json"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: BUILD_TIMEOUT_MS,
  });
  if (!existsSync(CLI_MAIN)) {
    throw new Error(`building the CLI for e2e tests failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
  if (result.status !== 0) console.warn(`e2e build: tsc reported errors (exit ${result.status}):\n${result.stdout}`);
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `vnetsim ARGS` from the repository root, without a terminal (so without colour). */
export function vnetsim(args: readonly string[], env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI_MAIN, ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: RUN_TIMEOUT_MS,
    env: { ...process.env, NO_COLOR: "", FORCE_COLOR: "", ...env },
  });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
