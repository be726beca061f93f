/**
 * Builds the vnetsim CLI once per test file into a private output directory, so e2e tests run the
 * same JavaScript a user runs (`node dist/src/cli/main.js`) without racing other test files or
 * helpers that rebuild ./dist. Node 20 cannot run the .ts sources. Only the CLI's import graph is
 * compiled (test/e2e/tsconfig.json, shared with the CLI's own e2e tests: tsconfig.json's options,
 * files = src/cli/main.ts), which is several times quicker than the whole tsconfig.build.json.
 * The private directory gets a node_modules link and a package.json copy so imports and
 * `vnetsim --version` resolve exactly as from ./dist.
 */
import { copyFileSync, existsSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runProc, spawnProc, type Proc, type ProcResult } from "./proc.js";

export const REPO_ROOT = resolve(import.meta.dirname, "../../..");
/** tsc on the whole project takes ~20-60 s on two shared cores. */
export const BUILD_TIMEOUT_MS = 240_000;

let built: Promise<string> | null = null;

/** Returns the path of the built main.js (building on first call). */
export function buildCli(): Promise<string> {
  built ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), "vnetsim-cli-"));
    const outDir = join(root, "dist");
    const tsc = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
    const cliOnly = join(REPO_ROOT, "test", "e2e", "tsconfig.json");
    const project = existsSync(cliOnly) ? cliOnly : join(REPO_ROOT, "tsconfig.build.json");
    const r = await runProc(process.execPath, [tsc, "-p", project, "--outDir", outDir], {
      cwd: REPO_ROOT,
      timeoutMs: BUILD_TIMEOUT_MS,
    });
    const main = join(outDir, "src", "cli", "main.js");
    // tsc emits despite type errors elsewhere in the tree (other work in progress); only a missing
    // entry point is fatal here.
    if (!existsSync(main)) throw new Error(`build failed (exit ${r.code}, timedOut=${r.timedOut}):\n${r.stdout}\n${r.stderr}`);
    symlinkSync(join(REPO_ROOT, "node_modules"), join(root, "node_modules"), "dir");
    copyFileSync(join(REPO_ROOT, "package.json"), join(root, "package.json"));
    return main;
  })();
  return built;
}

export function spawnCli(main: string, args: readonly string[], timeoutMs = 20_000): Proc {
  return spawnProc(process.execPath, [main, ...args], { timeoutMs, env: { ...process.env, NO_COLOR: "1" } });
}

export function runCli(main: string, args: readonly string[], input?: string, timeoutMs = 20_000): Promise<ProcResult> {
  return runProc(process.execPath, [main, ...args], { timeoutMs, env: { ...process.env, NO_COLOR: "1" }, ...(input !== undefined ? { input } : {}) });
}
