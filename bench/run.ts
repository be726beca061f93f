/**
 * The benchmark runner: `npm run bench` (full) or `npm run bench -- --quick` (smoke, under a
 * minute). Runs the suites in order, then writes bench/results/run-<time>-seed<seed>.json, the same
 * as bench/results/latest.json, and bench/RESULTS.md. Progress goes to stderr.
 *
 * Never part of `npm test`: tests assert behaviour (test/bench tests this harness's parsing and
 * reporting), this measures.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, USAGE } from "./lib/args.js";
import { makeContext, type BenchContext, type RunSettings } from "./lib/context.js";
import { loadPerCore, machineInfo } from "./lib/machine.js";
import { SIM_SPLIT_GC_FLAG as SINGLE_THREADED_GC_FLAG } from "./suites/sim.js";
import { renderResultsMd } from "./lib/markdown.js";
import { gcAvailable, timerOverheadNs } from "./lib/measure.js";
import { LIMITS } from "./lib/limits.js";
import { validateReport, type BenchReport } from "./lib/report.js";
import { computeTargets } from "./lib/targets.js";
import { runRecordSuite } from "./suites/record.js";
import { runTunnelSuite } from "./suites/tunnel.js";
import { runHandshakeSuite } from "./suites/handshake.js";
import { runWorkersSuite } from "./suites/workers.js";
import { runUdpSuite } from "./suites/udp.js";
import { runSimSuite } from "./suites/sim.js";

/** Sizes of issue 5 §2; --quick keeps only 1400 B, the size the targets are about. */
export const FULL_SIZES = [64, 256, 1400, 8192];
export const QUICK_SIZES = [1400];

export function settingsFor(quick: boolean, seed: number, only: RegExp | null): RunSettings {
  return {
    quick,
    seed,
    only,
    sizes: quick ? QUICK_SIZES : FULL_SIZES,
    opensslSeconds: 1,
    measure: quick
      ? { timeMs: 60, warmupMs: 20, latencySamples: 3_000, latencyBudgetMs: 40, allocOps: 2_000, allocBudgetMs: 40 }
      : { timeMs: 300, warmupMs: 100, latencySamples: 20_000, latencyBudgetMs: 250, allocOps: 20_000, allocBudgetMs: 250 },
  };
}

/** Repository root, from dist/bench/run.js or bench/run.ts. */
function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${"dist"}`) ? resolve(here, "..", "..") : resolve(here, "..");
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (!gcAvailable()) process.stderr.write(`bench: run with --expose-gc (npm run bench does) to measure allocation; ${USAGE}\n`);
  if (!process.execArgv.includes(SINGLE_THREADED_GC_FLAG)) {
    process.stderr.write(`bench: running without ${SINGLE_THREADED_GC_FLAG} (npm run bench passes it): garbage collection on helper threads adds CPU time to every allocating row\n`);
  }
  const startedAt = new Date();
  const loadStart = loadPerCore();
  const settings = settingsFor(args.quick, args.seed, args.only);
  const t0 = performance.now();
  const log = (m: string): void => {
    process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${m}\n`);
  };
  const ctx: BenchContext = makeContext(settings, timerOverheadNs(), log);
  const machine = machineInfo();
  if (machine.openssl === null) ctx.notes.push("openssl was not found on this machine: no native reference and no ratios in this run.");
  log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.openssl ?? "no openssl"}; load/core ${loadStart.toFixed(2)}`);

  const failed = (name: string, e: unknown): void => {
    const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
    log(`${name} suite failed: ${msg}`);
    ctx.notes.push(`The ${name} benchmark failed in this run: ${e instanceof Error ? e.message : String(e)}`);
  };
  // One benchmark at a time: the simulator's child (gigabytes of heap at full scale) would disturb
  // the record figures through memory bandwidth and its collector's threads if it ran beside them.
  const suites: [string, (c: BenchContext) => Promise<void>][] = [
    ["record", runRecordSuite],
    ["tunnel", runTunnelSuite],
    ["udp", runUdpSuite],
    ["handshake", runHandshakeSuite],
    ["workers", runWorkersSuite],
    ["simulator", runSimSuite],
  ];
  for (const [name, run] of suites) {
    try {
      await run(ctx);
    } catch (e) {
      failed(name, e);
    }
  }

  const report: BenchReport = { machine, seed: settings.seed, rows: ctx.rows, targets: computeTargets(ctx.rows) };
  const problems = validateReport(report);
  if (problems.length > 0) throw new Error(`bench: the report does not match its schema: ${problems.join("; ")}`);
  if (report.targets.some((t) => !t.met)) {
    ctx.notes.push("Beside each missed target is what limits it; the CPU and heap profiles behind those sentences, and how to take them, are in bench/PROFILES.md.");
  }
  const loadEnd = loadPerCore();
  if (Math.max(loadStart, loadEnd) > 1) {
    ctx.notes.push(
      `The machine was busy (load average per core ${loadStart.toFixed(2)} at the start, ${loadEnd.toFixed(2)} at the end): absolute figures are low; ratios to references measured in the same run are the figures to read.`,
    );
  }
  const md = renderResultsMd(report, {
    generatedAt: startedAt.toISOString(),
    mode: settings.quick ? "quick" : "full",
    loadPerCore: { start: loadStart, end: loadEnd },
    nodeFlags: process.execArgv,
    notes: ctx.notes,
    limits: LIMITS,
  });
  for (const t of report.targets) log(`target ${t.met ? "met   " : "MISSED"} ${t.name}: ${t.measured === null ? "n/a" : t.measured.toFixed(3)} (${t.target})`);
  if (!args.write) {
    log("--no-write: results not written");
    return;
  }
  const root = repoRoot();
  const dir = join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  const runFile = join(dir, `run-${stamp}-seed${settings.seed}${settings.quick ? "-quick" : ""}.json`);
  writeFileSync(runFile, json, { flag: "wx" });
  writeFileSync(join(dir, "latest.json"), json);
  writeFileSync(join(root, "bench", "RESULTS.md"), md);
  log(`wrote ${runFile}, bench/results/latest.json, bench/RESULTS.md in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

await main();
