/**
 * Measuring one synchronous operation three ways:
 * - rate: a tinybench task runs a batch of calls per iteration (a single 1400 B seal is 1-4 µs,
 *   close to tinybench's per-iteration overhead); records/s = calls per CPU-second of the process
 *   over the measured iterations (see ratePerSecond);
 * - latency: single calls timed with process.hrtime.bigint(), minus the timer's own median cost,
 *   for p50/p99/p99.9;
 * - allocation: bytes of JS heap plus ArrayBuffer memory per call over a large batch, after gc(),
 *   counting only windows in which no garbage collection ran (a GC in a window would hide
 *   allocation), with the cost of sampling memoryUsage() itself subtracted; the median window,
 *   because one-off growth (optimized code lands in the heap, a table grows) is not per-record
 *   allocation and a steady per-record cost shows in every window alike.
 */
import { PerformanceObserver, performance } from "node:perf_hooks";
import { Bench } from "tinybench";

export interface MeasureConfig {
  /** tinybench time budget per task. */
  timeMs: number;
  warmupMs: number;
  /** Single-call latency samples (capped by latencyBudgetMs). */
  latencySamples: number;
  latencyBudgetMs: number;
  /** Calls measured for allocation (capped by allocBudgetMs). */
  allocOps: number;
  allocBudgetMs: number;
}

export interface OpFigures {
  perSecond: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  allocBytesPerOp: number | null;
}

/** A batch aims at this much time so tinybench's per-iteration overhead stays below ~1%. */
export const BATCH_TARGET_US = 200;
export const BATCH_MAX = 10_000;
/** Allocation windows: fewer clean ones than this and the window is halved and the run repeated. */
export const ALLOC_CLEAN_WINDOWS_MIN = 3;
export const ALLOC_WINDOW_MIN = 16;
/** Time for all allocation attempts of one operation, in multiples of its budget. */
export const ALLOC_ATTEMPTS_BUDGETS = 3;

/** Nearest-rank percentile of an ascending array (q in [0, 1]). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new Error(`percentile: "sorted" expected at least one value, got none`);
  if (!(q >= 0 && q <= 1)) throw new Error(`percentile: "q" expected a number in [0, 1], got ${q}`);
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Mean µs of one call over `n` calls (also JIT warm-up). */
export function meanCallUs(op: () => void, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) op();
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}

export function batchSizeFor(callUs: number): number {
  if (!(callUs > 0)) return BATCH_MAX;
  return Math.max(1, Math.min(BATCH_MAX, Math.round(BATCH_TARGET_US / callUs)));
}

/** CPU time (user + system, all threads) this process has used, in seconds. */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Calls per CPU-second over tinybench's measured iterations: the batches it ran times the batch
 * size, over the CPU time this process used meanwhile (process.cpuUsage, every thread, so garbage
 * collection counts). CPU time rather than elapsed time because these machines are shared: a
 * neighbour's burst stretches the elapsed time of a run but not its CPU time. openssl's figure
 * is put on the same footing (lib/openssl.ts).
 */
export async function ratePerSecond(name: string, op: () => void, batch: number, cfg: MeasureConfig): Promise<number> {
  const bench = new Bench({ time: cfg.timeMs, warmupTime: cfg.warmupMs, warmupIterations: 2, iterations: 5, throws: true });
  let cpu0 = 0;
  let cpu1 = 0;
  bench.add(
    name,
    () => {
      for (let i = 0; i < batch; i++) op();
    },
    {
      beforeAll(mode) {
        if (mode === "run") cpu0 = cpuSeconds();
      },
      afterAll(mode) {
        if (mode === "run") cpu1 = cpuSeconds();
      },
    },
  );
  await bench.run();
  const task = bench.tasks[0]!;
  const r = task.result;
  if (r.state !== "completed") throw new Error(`tinybench task ${name} ended in state ${r.state}`);
  const cpu = cpu1 - cpu0;
  // Below the CPU clock's resolution fall back to tinybench's own (elapsed) figure.
  return cpu > 0.005 ? (batch * task.runs) / cpu : (batch * 1000) / r.period;
}

/** Median cost in ns of two back-to-back hrtime.bigint() calls. */
export function timerOverheadNs(samples = 2001): number {
  const xs = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const a = process.hrtime.bigint();
    const b = process.hrtime.bigint();
    xs[i] = Number(b - a);
  }
  xs.sort();
  return percentile(xs, 0.5);
}

export interface Latencies {
  p50Us: number;
  p99Us: number;
  p999Us: number;
  samples: number;
}

/** Percentiles of single-call latency; `n` calls or fewer when budgetMs runs out first. */
export function latencies(op: () => void, n: number, budgetMs: number, overheadNs: number): Latencies {
  const xs = new Float64Array(n);
  const deadline = process.hrtime.bigint() + BigInt(Math.round(budgetMs * 1e6));
  let count = 0;
  for (; count < n; count++) {
    const a = process.hrtime.bigint();
    op();
    const b = process.hrtime.bigint();
    xs[count] = Math.max(0, Number(b - a) - overheadNs) / 1000;
    if ((count & 63) === 63 && b > deadline) {
      count++;
      break;
    }
  }
  const sorted = xs.subarray(0, count).sort();
  return { p50Us: percentile(sorted, 0.5), p99Us: percentile(sorted, 0.99), p999Us: percentile(sorted, 0.999), samples: count };
}

function gcNow(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") throw new Error("allocation is measured with --expose-gc; run through `npm run bench`");
  gc();
}

export function gcAvailable(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === "function";
}

/** Total of the two places a record's bytes can land: JS heap objects and ArrayBuffer backing stores. */
function usedBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

interface GcSpan {
  start: number;
  end: number;
}

async function collectGcSpans(run: () => void): Promise<GcSpan[]> {
  const spans: GcSpan[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) spans.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  obs.observe({ entryTypes: ["gc"] });
  run();
  // GC entries are delivered asynchronously: let them arrive.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 5));
  obs.disconnect();
  return spans;
}

/**
 * Bytes allocated per call (heap + ArrayBuffers): the median over GC-free windows of `totalOps`
 * calls in all, or null if too few GC-free windows could be found.
 */
export async function allocBytesPerOp(op: () => void, totalOps: number, budgetMs: number, callUs: number): Promise<number | null> {
  if (!gcAvailable()) return null;
  const ops = Math.max(ALLOC_WINDOW_MIN, Math.min(totalOps, Math.floor((budgetMs * 1000) / Math.max(callUs, 0.01))));
  // Each attempt costs about budgetMs; smaller windows are tried until ALLOC_ATTEMPTS_BUDGETS of them are spent.
  const deadline = performance.now() + budgetMs * ALLOC_ATTEMPTS_BUDGETS;
  for (let window = Math.min(1000, ops); window >= ALLOC_WINDOW_MIN && performance.now() < deadline; window = Math.floor(window / 2)) {
    const windows = Math.max(ALLOC_CLEAN_WINDOWS_MIN, Math.floor(ops / window));
    const starts = new Float64Array(windows);
    const ends = new Float64Array(windows);
    const deltas = new Float64Array(windows);
    const baselines = new Float64Array(windows);
    gcNow();
    const spans = await collectGcSpans(() => {
      for (let w = 0; w < windows; w++) {
        // The cost of sampling itself, measured right beside each window.
        const z0 = usedBytes();
        const z1 = usedBytes();
        baselines[w] = z1 - z0;
        starts[w] = performance.now();
        const m0 = usedBytes();
        for (let i = 0; i < window; i++) op();
        const m1 = usedBytes();
        ends[w] = performance.now();
        deltas[w] = m1 - m0;
      }
    });
    const perOp: number[] = [];
    for (let w = 0; w < windows; w++) {
      const hit = spans.some((s) => s.start <= ends[w]! && s.end >= starts[w]!);
      if (hit || deltas[w]! < 0) continue;
      perOp.push((deltas[w]! - baselines[w]!) / window);
    }
    if (perOp.length >= ALLOC_CLEAN_WINDOWS_MIN) {
      perOp.sort((a, b) => a - b);
      return Math.max(0, percentile(perOp, 0.5));
    }
  }
  return null;
}

/** All figures for one operation. `op` must be safe to call any number of times. */
export async function measureOp(name: string, op: () => void, cfg: MeasureConfig, overheadNs: number): Promise<OpFigures> {
  // One call first: a slow operation (a handshake is ~1 ms) must not get 200 calls of calibration.
  const firstUs = meanCallUs(op, 1);
  const callUs = meanCallUs(op, Math.max(1, Math.min(200, Math.round(20_000 / Math.max(firstUs, 0.1)))));
  const warmCallUs = meanCallUs(op, Math.max(5, Math.min(5000, Math.round(20_000 / Math.max(callUs, 0.1)))));
  const batch = batchSizeFor(warmCallUs);
  const perSecond = await ratePerSecond(name, op, batch, cfg);
  const lat = latencies(op, cfg.latencySamples, cfg.latencyBudgetMs, overheadNs);
  const alloc = await allocBytesPerOp(op, cfg.allocOps, cfg.allocBudgetMs, warmCallUs);
  return { perSecond, p50Us: lat.p50Us, p99Us: lat.p99Us, p999Us: lat.p999Us, allocBytesPerOp: alloc };
}
