/**
 * `vnetsim run SCENARIO`: simulates the scenario through the data plane (sim/runner.ts), prints
 * the summary, writes DIR/summary.json, DIR/vms.json and the flow logs, and checks the `expect:`
 * entries against what the wire carried. `--policy-only` keeps the policy-only evaluation (every
 * flow decided at an instant, no packets), which was `vnetsim run` before the simulator existed.
 *
 * Output is all or nothing: the files of DIR are written into a staging directory beside DIR and
 * moved into place only after the run succeeded; the pcap and the key log go to temporary files
 * renamed at the end. A failed run leaves no half-written file under any of the final names.
 */
import * as fs from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import { runScenario } from "../../sim/runner.js";
import { PARALLEL_WORKERS_MAX } from "../../sim/shard.js";
import { FLOW_LOG_CONTAINER } from "../flowlog/ids.js";
import { VMS_JSON_FILE, writeVmMap } from "../flowlog/vmmap.js";
import { writeFlowLogs } from "../flowlog/writer.js";
import { KeyLogWriter } from "../report/keylog.js";
import { PCAP_FILE_BYTES_MAX, PcapWriter, pcapWireTap } from "../report/pcap.js";
import { createProgress } from "../report/progress.js";
import { buildRunSummary, renderSummary, summaryJsonChunks, writeSummaryJson, type RunSummary, type SummaryOutputs } from "../report/summary.js";
import type { Scenario } from "../scenario/index.js";
import type { Enforcement } from "../topology/model.js";
import { parseAtOption, parseDurationMs, parseSeedOption } from "./args.js";
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./errors.js";
import { evaluateScenario } from "./evaluate.js";
import { setExitCode, stdoutColors, writeErr, writeOut } from "./io.js";
import { loadScenarioForCli } from "./load.js";
import { renderRun } from "./render.js";

/** File name of the run summary inside the output directory. */
export const SUMMARY_FILE = "summary.json";
/** Where a run writes when --out is not given: ./out/<scenario name>. */
export const OUT_ROOT_DEFAULT = "out";
/** `--json` output is handed to stdout in pieces of about this many characters. */
export const JSON_STDOUT_CHUNK_CHARS = 64 * 1024;
/** Longest accepted --duration: one year of virtual time. */
export const RUN_DURATION_MS_MAX = 365 * 24 * 3_600_000;

export const ENFORCEMENT_CHOICES: readonly Enforcement[] = ["AllowUnencrypted", "DropUnencrypted"];
export const WIRE_CHOICES = ["memory", "udp"] as const;
export type WireKind = (typeof WIRE_CHOICES)[number];

interface RunCliOptions {
  json?: boolean;
  seed?: number;
  at?: number;
  policyOnly?: boolean;
  out?: string;
  duration?: number;
  enforcement?: Enforcement;
  wire?: WireKind;
  pcap?: string;
  keylog?: string;
  workers?: number;
}

/** `--workers`: threads to split the simulation over (sim/shard.ts). */
export function parseWorkersOption(value: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > PARALLEL_WORKERS_MAX) {
    throw new InvalidArgumentError(`Expected an integer from 1 to ${PARALLEL_WORKERS_MAX} (worker threads), got "${value}".`);
  }
  return n;
}

/** `--duration`: a positive virtual time in the scenario duration syntax (90s, 10m, 2h; a plain number is ms). */
export function parseRunDurationOption(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === null || ms <= 0 || ms > RUN_DURATION_MS_MAX) {
    throw new InvalidArgumentError(`Expected a positive virtual time such as 90s, 10m or 2h (at most 365d), got "${value}".`);
  }
  return ms;
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("simulate a scenario through the DTLS data plane: summary, flow logs, pcap; check its expectations on the wire")
    .argument("<scenario>", "scenario file (YAML)")
    .option("--out <dir>", `output directory for summary.json, vms.json and the flow logs (default ./${OUT_ROOT_DEFAULT}/<scenario name>)`)
    .option("--seed <n>", "override the scenario's seed (placement, source ports, every random choice of the run)", parseSeedOption)
    .option("--duration <time>", "virtual time to simulate, e.g. 90s, 10m, 2h (default: until the traffic is done)", parseRunDurationOption)
    .addOption(new Option("--enforcement <mode>", "force this enforcement on every VNet").choices(ENFORCEMENT_CHOICES))
    .addOption(
      new Option("--wire <kind>", "memory: virtual time, deterministic (default); udp: real datagrams on 127.0.0.1, real time").choices(WIRE_CHOICES),
    )
    .option("--pcap <file>", "write the wire as a classic pcap (Ethernet/IPv4/UDP between the hosts' underlay addresses)")
    .option("--keylog <file>", "write the DTLS session secrets as an NSS key log (tshark -o tls.keylog_file:FILE decrypts the pcap)")
    .option("--workers <n>", "split the simulation by tunnel over n worker threads (memory wire, no --pcap); the summary says if it could not", parseWorkersOption)
    .option("--json", "print the summary as one JSON document (summary.json plus the output paths) instead of text")
    .option("--policy-only", "do not simulate: decide every flow with the policy at an instant and print the table (writes no files)")
    .option("--at <time>", "with --policy-only: decide every flow at this virtual time (0, 90s, 5m, -1h) instead of at its start", parseAtOption)
    .addHelpText(
      "after",
      `
Exit codes: 0 all expectations hold, 1 an expectation failed, 2 bad usage or invalid scenario.

Examples:
  $ vnetsim run scenarios/default.yaml
  $ vnetsim run scenarios/default.yaml --out /tmp/run --pcap /tmp/run/wire.pcap --keylog /tmp/run/keys.log
  $ vnetsim run scenarios/drop-unencrypted-preview.yaml --enforcement DropUnencrypted --duration 10m
  $ vnetsim run scenarios/restart-required.yaml --policy-only --at 5m
  $ vnetsim run scenarios/ilb-supported.yaml --seed 7 --json | jq '.totals'`,
    )
    .action(async (file: string, options: RunCliOptions) => {
      if (options.policyOnly === true) {
        policyOnly(file, options);
        return;
      }
      if (options.at !== undefined) {
        throw new CliError(
          "vnetsim run: --at decides flows at an instant and needs --policy-only (a simulation runs through time; --duration bounds it)",
          EXIT_USAGE,
        );
      }
      await simulate(file, options);
    });
}

/** `--policy-only`: the policy's table, as `vnetsim run` printed it before the simulator. */
function policyOnly(file: string, options: RunCliOptions): void {
  const simulationOnly: [keyof RunCliOptions, string][] = [
    ["out", "--out"],
    ["duration", "--duration"],
    ["enforcement", "--enforcement"],
    ["wire", "--wire"],
    ["pcap", "--pcap"],
    ["keylog", "--keylog"],
    ["workers", "--workers"],
  ];
  const given = simulationOnly.filter(([key]) => options[key] !== undefined).map(([, flag]) => flag);
  if (given.length > 0) {
    throw new CliError(`vnetsim run: ${given.join(", ")} ${given.length === 1 ? "needs" : "need"} a simulation; remove --policy-only`, EXIT_USAGE);
  }
  const scenario = loadScenarioForCli(file, { seed: options.seed });
  const result = evaluateScenario(scenario, { atMs: options.at ?? null });
  writeOut(options.json === true ? `${JSON.stringify(result, null, 2)}\n` : renderRun(result, stdoutColors()));
  setExitCode(result.ok ? EXIT_OK : EXIT_FAILED);
}

/** MAC address -> VM name of every NIC in the scenario (vms.json, for `vnetsim flows --vm`). */
export function macToVm(scenario: Scenario): Map<string, string> {
  const map = new Map<string, string>();
  for (const vm of scenario.topology.vms) for (const nic of vm.nics) map.set(nic.macAddress, vm.name);
  return map;
}

/** Creates `dir` (and parents) and records the directories that did not exist, outermost first. */
function makeDir(dir: string, created: string[]): void {
  const target = resolve(dir);
  const first = fs.mkdirSync(target, { recursive: true });
  if (first === undefined) return;
  // mkdirSync returns the first directory it created; everything from there down to `dir` is new.
  const chain: string[] = [];
  for (let d = target; ; d = dirname(d)) {
    chain.unshift(d);
    if (d === resolve(first) || d === dirname(d)) break;
  }
  created.push(...chain);
}

/** Removes directories this run created, innermost first, if they are (still) empty. */
function removeCreatedDirs(created: readonly string[]): void {
  for (const dir of [...created].reverse()) {
    try {
      fs.rmdirSync(dir);
    } catch {
      // not empty (something else lives there now) or already gone: leave it
    }
  }
}

/** Attempts at a fresh staging directory name before giving up. */
export const STAGING_DIR_ATTEMPTS_MAX = 100;
let stagingCounter = 0;

/**
 * A new empty directory beside `outDir` for the run's files. Not mkdtemp: its 0700 mode would
 * become the output directory's mode when the staging directory is renamed into place; mkdir
 * applies the user's umask like any other directory the user creates.
 */
function makeStagingDir(outDir: string): string {
  for (let attempt = 0; attempt < STAGING_DIR_ATTEMPTS_MAX; attempt += 1) {
    stagingCounter += 1;
    const dir = join(dirname(outDir), `.${basename(outDir)}.vnetsim-${process.pid}-${stagingCounter}`);
    try {
      fs.mkdirSync(dir, { mode: 0o777 });
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  throw new Error(`vnetsim run: no free staging directory name beside ${outDir} after ${STAGING_DIR_ATTEMPTS_MAX} attempts`);
}

/** --pcap / --keylog: must name a file, in a directory that exists or can be created. */
function prepareOutputFile(path: string, flag: string, created: string[]): void {
  const stats = fs.statSync(path, { throwIfNoEntry: false });
  if (stats?.isDirectory() === true) throw new CliError(`vnetsim run: ${flag} ${path} is a directory, expected a file name`, EXIT_USAGE);
  const parent = dirname(resolve(path));
  const parentStats = fs.statSync(parent, { throwIfNoEntry: false });
  if (parentStats !== undefined && !parentStats.isDirectory()) {
    throw new CliError(`vnetsim run: ${flag} ${path}: ${parent} is not a directory`, EXIT_USAGE);
  }
  makeDir(parent, created);
}

/**
 * Moves the staged files into `outDir`. A fresh directory is one rename; otherwise each staged
 * entry replaces its namesake, and a previous run's flow-log tree is swapped out whole (or removed
 * when this run logged nothing), so the blobs of two runs never mix (the flow-log writer appends to
 * an existing PT1H.json, as Azure does within an hour). Other files in `outDir` are left alone.
 */
function publish(staging: string, outDir: string): void {
  if (!fs.existsSync(outDir)) {
    fs.renameSync(staging, outDir);
    return;
  }
  const staged = fs.readdirSync(staging).sort();
  // A run without flow-log records has no container folder: an older run's blobs must still go.
  const oldLogs = join(outDir, FLOW_LOG_CONTAINER);
  if (!staged.includes(FLOW_LOG_CONTAINER) && fs.existsSync(oldLogs)) {
    fs.renameSync(oldLogs, `${staging}.old`);
    fs.rmSync(`${staging}.old`, { recursive: true, force: true });
  }
  for (const name of staged) {
    const from = join(staging, name);
    const to = join(outDir, name);
    if (fs.statSync(to, { throwIfNoEntry: false })?.isDirectory() === true) {
      const old = `${staging}.old`;
      fs.renameSync(to, old);
      fs.renameSync(from, to);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(from, to);
    }
  }
  fs.rmdirSync(staging);
}

interface Completed {
  summary: RunSummary;
  outputs: SummaryOutputs;
  pcapFramesDropped: number;
}

async function simulate(file: string, options: RunCliOptions): Promise<void> {
  const scenario = loadScenarioForCli(file, { seed: options.seed });
  const outShown = options.out ?? join(OUT_ROOT_DEFAULT, scenario.name);
  const outDir = resolve(outShown);
  if (fs.statSync(outDir, { throwIfNoEntry: false })?.isDirectory() === false) {
    throw new CliError(`vnetsim run: --out ${outShown} exists and is not a directory`, EXIT_USAGE);
  }
  if (options.pcap !== undefined && options.keylog !== undefined && resolve(options.pcap) === resolve(options.keylog)) {
    throw new CliError(`vnetsim run: --pcap and --keylog name the same file (${options.pcap}); give them different names`, EXIT_USAGE);
  }
  const wire: WireKind = options.wire ?? "memory";
  if (options.workers !== undefined && options.workers > 1) {
    if (wire !== "memory") throw new CliError(`vnetsim run: --workers ${options.workers} needs the memory wire (got --wire ${wire}); use --workers 1`, EXIT_USAGE);
    if (options.pcap !== undefined) throw new CliError(`vnetsim run: --workers ${options.workers} cannot write --pcap (a pcap is one thread's wire); use --workers 1`, EXIT_USAGE);
  }
  const created: string[] = [];
  let staging: string | null = null;
  let pcap: PcapWriter | null = null;
  let keylog: KeyLogWriter | null = null;
  const progress = createProgress({ stream: process.stderr, enabled: options.json !== true, label: scenario.name });
  let done: Completed;
  try {
    if (options.pcap !== undefined) prepareOutputFile(options.pcap, "--pcap", created);
    if (options.keylog !== undefined) prepareOutputFile(options.keylog, "--keylog", created);
    makeDir(dirname(outDir), created);
    staging = makeStagingDir(outDir);
    if (options.pcap !== undefined) pcap = new PcapWriter(options.pcap, { epochMs: Date.parse(scenario.topology.epochIso) });
    if (options.keylog !== undefined) keylog = new KeyLogWriter(options.keylog);

    const result = await runScenario(scenario, {
      seed: scenario.topology.settings.seed,
      wire,
      ...(options.duration !== undefined ? { durationMs: options.duration } : {}),
      ...(options.enforcement !== undefined ? { enforcement: options.enforcement } : {}),
      ...(pcap !== null ? { tap: pcapWireTap(pcap) } : {}),
      ...(keylog !== null ? { keyLog: keylog.sink() } : {}),
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      onProgress: (count: number, total: number) => progress.update(count, total),
    });
    progress.finish();

    const summary = buildRunSummary(scenario, result, { wire, durationMs: options.duration ?? null, enforcement: options.enforcement ?? null });
    writeSummaryJson(join(staging, SUMMARY_FILE), summary);
    writeVmMap(staging, macToVm(scenario));
    const blobs = writeFlowLogs(staging, result.flowLogRecords);
    const pcapStats = pcap?.close() ?? null;
    const keyStats = keylog?.close() ?? null;
    publish(staging, outDir);
    staging = null;
    done = {
      summary,
      pcapFramesDropped: pcapStats?.framesDropped ?? 0,
      outputs: {
        dir: outShown,
        summaryFile: join(outShown, SUMMARY_FILE),
        flowLogBlobs: blobs.length,
        flowLogDir: join(outShown, FLOW_LOG_CONTAINER),
        vmsFile: join(outShown, VMS_JSON_FILE),
        pcapFile: options.pcap ?? null,
        pcapFrames: pcapStats?.frames ?? null,
        keylogFile: options.keylog ?? null,
        keylogLines: keyStats?.lines ?? null,
      },
    };
  } catch (error) {
    progress.finish();
    pcap?.abort();
    keylog?.abort();
    if (staging !== null) fs.rmSync(staging, { recursive: true, force: true });
    removeCreatedDirs(created);
    throw error;
  }
  if (done.pcapFramesDropped > 0) {
    writeErr(`vnetsim run: warning: ${done.pcapFramesDropped} frames were not written to ${options.pcap ?? ""}: it reached PCAP_FILE_BYTES_MAX (${PCAP_FILE_BYTES_MAX} bytes)`);
  }
  if (options.json === true) {
    // Streamed in bounded pieces: a run with a million flows does not fit in one string.
    let pending = "";
    for (const chunk of summaryJsonChunks(done.summary, { outputs: done.outputs })) {
      pending += chunk;
      if (pending.length >= JSON_STDOUT_CHUNK_CHARS) {
        writeOut(pending);
        pending = "";
      }
    }
    writeOut(pending);
  } else {
    writeOut(renderSummary(done.summary, done.outputs, stdoutColors()));
  }
  setExitCode(done.summary.ok ? EXIT_OK : EXIT_FAILED);
}
