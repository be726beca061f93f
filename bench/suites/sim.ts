/**
 * The simulator at scale (issue 5 §2): the generated topology of bench/lib/sim-topology.ts through
 * sim/runner.ts runScenario, in a child process so its peak RSS (getrusage maxRSS) is measured
 * alone. Full runs use 1/10 and then the full scale (10,000 VMs, 1,000,000 flows), --quick 1/100.
 * Rows per scale: flows/s and handshakes/s end to end, and the whole run (perSecond = 1 / wall
 * seconds, allocBytesPerOp = peak RSS in bytes), named with the scale. The runs are split by
 * tunnel over SIM_WORKERS worker threads (runScenario's workers option); the 1/10 scale also runs
 * on one thread, its rows marked "one thread", to show what the split buys.
 */
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BenchContext } from "../lib/context.js";
import { SIM_STOPPED_SUFFIX } from "../lib/targets.js";
import { emptyRow } from "../lib/report.js";
import { FULL_SCALE, QUICK_SCALE, simRunOperation, TENTH_SCALE, type SimScale } from "../lib/sim-topology.js";
import type { SimChildResult } from "./sim-child.js";

/**
 * The child's V8 heap limit (--max-old-space-size), the setting we recommend for large runs. The
 * full scale's live heap peaks at ~1.1-1.4 GB (the open tunnels); without a limit V8 lets the heap
 * grow to ~2.5x that before collecting (4.4 GiB peak RSS in a trial), with 1536 MB it collects
 * sooner (1,872 MiB peak RSS, 241 s, in a trial on 2026-11-29). A run that needs more fails with
 * V8's out-of-memory error and is reported as failed with the memory it reached.
 */
export const SIM_CHILD_HEAP_MB = 1536;
/** Worker threads of the simulator runs: one per core, at most 8. */
export const SIM_WORKERS = Math.min(8, Math.max(1, availableParallelism()));
/**
 * V8 flag of the split runs' child: each worker collects its own garbage on its own thread. With
 * one worker per core, V8's helper threads for parallel and concurrent collection only compete
 * with the workers (1/10 scale, 2 workers, in a trial: 15.0 s of CPU with it, 15.9-16.7 s without).
 */
export const SIM_SPLIT_GC_FLAG = "--single-threaded-gc";
/** Appended to the rows of the one-thread run. */
export const SIM_ONE_THREAD_SUFFIX = ", one thread";
/**
 * A run that takes longer than this is stopped; what it reached so far is reported. The full scale
 * took ~330 s of CPU in a trial (2026-11-29, sim-child's runCpuMs), so 10 minutes let it finish on
 * a machine that is not too busy: a measured time instead of a lower bound.
 */
export const SIM_CHILD_TIMEOUT_MS_FULL = 10 * 60_000;
export const SIM_CHILD_TIMEOUT_MS_QUICK = 2 * 60_000;
/** How often the child's peak RSS (VmHWM) is read from /proc while it runs. */
export const SIM_RSS_POLL_MS = 500;

type ChildOutcome =
  | { done: true; result: SimChildResult }
  | { done: false; timedOut: boolean; elapsedMs: number; peakRssBytes: number | null; why: string };

/** Peak resident set of a live process in bytes (Linux /proc VmHWM), or null where unavailable. */
function peakRss(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? null : Number(m[1]) * 1024;
  } catch {
    return null;
  }
}

function runChild(scale: SimScale, seed: number, timeoutMs: number, workers: number): Promise<ChildOutcome> {
  const script = fileURLToPath(new URL("./sim-child.js", import.meta.url));
  const args = [
    `--max-old-space-size=${SIM_CHILD_HEAP_MB}`,
    ...(workers > 1 ? [SIM_SPLIT_GC_FLAG] : []),
    script,
    ...[scale.vms, scale.hosts, scale.vnets, scale.pairs, scale.flowsPerPair, seed, workers, SIM_CHILD_HEAP_MB].map(String),
  ];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let peak: number | null = null;
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
    const poll = setInterval(() => {
      const p = child.pid === undefined ? null : peakRss(child.pid);
      if (p !== null) peak = Math.max(peak ?? 0, p);
    }, SIM_RSS_POLL_MS);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      const elapsedMs = performance.now() - t0;
      const line = out.trim().split("\n").pop() ?? "";
      if (code === 0 && line !== "") {
        resolve({ done: true, result: JSON.parse(line) as SimChildResult });
        return;
      }
      const why = timedOut
        ? `stopped after ${(timeoutMs / 60_000).toFixed(0)} minutes without finishing`
        : `exited with ${code ?? signal}: ${err.trim().split("\n").slice(-3).join(" / ")}`;
      resolve({ done: false, timedOut, elapsedMs, peakRssBytes: peak, why });
    });
  });
}

async function runScale(ctx: BenchContext, scale: SimScale, label: string, timeoutMs: number, workers: number = SIM_WORKERS): Promise<void> {
  const suffix = workers === 1 && SIM_WORKERS > 1 ? SIM_ONE_THREAD_SUFFIX : "";
  const op = simRunOperation(scale) + suffix;
  if (!ctx.selected(`simulator/${op}`)) return;
  ctx.log(`simulator: ${op} (child process, ${workers} thread${workers === 1 ? "" : "s"}) started`);
  const outcome = await runChild(scale, ctx.settings.seed, timeoutMs, workers);
  const base = { ...emptyRow("simulator", ""), suite: null, backend: "node" };
  if (!outcome.done) {
    // Stopped at the limit: lower bounds of time and memory. Crashed: no time figure, the memory it reached.
    ctx.rows.push(
      outcome.timedOut
        ? { ...base, operation: op + SIM_STOPPED_SUFFIX, perSecond: 1000 / outcome.elapsedMs, allocBytesPerOp: outcome.peakRssBytes }
        : { ...base, operation: `${op} (failed)`, allocBytesPerOp: outcome.peakRssBytes },
    );
    ctx.notes.push(
      `Simulator ${label} (${op}): ${outcome.why}, after ${(outcome.elapsedMs / 1000).toFixed(0)} s; ` +
        `peak RSS until then ${outcome.peakRssBytes === null ? "unknown" : `${(outcome.peakRssBytes / 2 ** 20).toFixed(0)} MiB`}. No flows/s figure at this scale.`,
    );
    ctx.log(`simulator ${op}: ${outcome.why}`);
    return;
  }
  const r = outcome.result;
  const seconds = r.runMs / 1000;
  const flows = r.scale.pairs * r.scale.flowsPerPair;
  ctx.rows.push({ ...base, operation: `flows end to end, ${r.scale.vms} VMs / ${flows} flows${suffix}`, perSecond: r.flows / seconds });
  ctx.rows.push({ ...base, operation: `tunnel handshakes, ${r.scale.vms} VMs / ${flows} flows${suffix}`, perSecond: r.handshakes / seconds });
  ctx.rows.push({ ...base, operation: op, perSecond: 1 / seconds, allocBytesPerOp: r.maxRssBytes });
  ctx.notes.push(
    `Simulator ${label}${suffix}, child run with --max-old-space-size=${SIM_CHILD_HEAP_MB}` +
      (r.workers > 1
        ? ` ${SIM_SPLIT_GC_FLAG}, split by tunnel over ${r.workers} worker threads (flows ${r.flowsPerWorker.join(" / ")}, each worker's heap limited to ${Math.floor(SIM_CHILD_HEAP_MB / r.workers)} MB)`
        : ", on one thread") +
      `: ${r.scale.vms} VMs on ${r.scale.hosts} hosts in ${r.scale.vnets} VNets, ${r.flows} flows between ${r.scale.pairs} VM pairs; ` +
      `generating the scenario took ${(r.buildMs / 1000).toFixed(1)} s, runScenario ${seconds.toFixed(1)} s (${r.stoppedBy}), ` +
      `${(r.runCpuMs / 1000).toFixed(1)} s of CPU (${Math.round((r.runCpuMs * 1000) / r.flows)} µs per flow); ` +
      `${r.handshakes} handshakes, ${r.tunnelsEstablished} tunnels established, ${r.tunnelsFailed} failed; ` +
      `${r.packetsDelivered} of ${r.packetsSent} packets delivered, ${r.encryptedPackets} out of a DTLS record; peak RSS ${(r.maxRssBytes / 2 ** 20).toFixed(0)} MiB.`,
  );
  if (r.encryptedFlows < r.flows) {
    ctx.notes.push(`Simulator ${label}: only ${r.encryptedFlows} of ${r.flows} flows had a packet delivered through a tunnel.`);
  }
  ctx.log(`simulator ${op}: ${seconds.toFixed(1)} s, ${Math.round(r.flows / seconds)} flows/s, ${Math.round(r.handshakes / seconds)} handshakes/s, peak RSS ${(r.maxRssBytes / 2 ** 20).toFixed(0)} MiB`);
}

/**
 * Runs the simulator children, one after the other, and adds their rows. A full run does 1/10
 * scale first (a complete figure even when the full scale cannot finish), then the full scale;
 * --quick does 1/100 only.
 */
export async function runSimSuite(ctx: BenchContext): Promise<void> {
  if (!ctx.selected("simulator/")) return;
  if (ctx.settings.quick) {
    await runScale(ctx, QUICK_SCALE, "at 1/100 scale (--quick)", SIM_CHILD_TIMEOUT_MS_QUICK);
    return;
  }
  await runScale(ctx, TENTH_SCALE, "at 1/10 scale", SIM_CHILD_TIMEOUT_MS_FULL);
  if (SIM_WORKERS > 1) await runScale(ctx, TENTH_SCALE, "at 1/10 scale", SIM_CHILD_TIMEOUT_MS_FULL, 1);
  await runScale(ctx, FULL_SCALE, "at full scale", SIM_CHILD_TIMEOUT_MS_FULL);
}
