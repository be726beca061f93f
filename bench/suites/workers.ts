/**
 * Two worker threads sealing in parallel against one: 1400 B records through CipherState on
 * node:crypto AES-128-GCM (the target) and, in full runs, sodium-native ChaCha20-Poly1305, each
 * thread with its own keys and buffers. Rounds alternate one thread
 * and two threads so both see the same machine; the rows are the medians over rounds.
 */
import { Worker } from "node:worker_threads";
import type { AeadBackendName, CipherSuiteName } from "../../src/dtls/api.js";
import { availableBackends } from "../../src/dtls/suites/aead.js";
import type { BenchContext } from "../lib/context.js";
import { percentile } from "../lib/measure.js";
import { emptyRow } from "../lib/report.js";
import type { SealWorkerData, SealWorkerResult } from "./seal-worker.js";

export const WORKERS_SUITE: CipherSuiteName = "TLS_PSK_WITH_AES_128_GCM_SHA256";
export const WORKERS_BACKEND: AeadBackendName = "node";
export const WORKERS_SIZE_BYTES = 1400;

function startWorker(data: SealWorkerData): Promise<Worker> {
  const w = new Worker(new URL("./seal-worker.js", import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    w.once("error", reject);
    w.once("message", (m) => {
      if (m === "ready") resolve(w);
      else reject(new Error(`seal worker: expected "ready", got ${JSON.stringify(m)}`));
    });
  });
}

function go(w: Worker, durationMs: number): Promise<SealWorkerResult> {
  return new Promise((resolve, reject) => {
    w.once("error", reject);
    w.once("message", (m: SealWorkerResult) => resolve(m));
    w.postMessage({ durationMs });
  });
}

/** Records/s of `threads` workers sealing at the same time (sum over threads). */
async function round(threads: number, data: SealWorkerData, durationMs: number): Promise<number> {
  const workers = await Promise.all(Array.from({ length: threads }, (_, i) => startWorker({ ...data, seed: data.seed + i })));
  try {
    const results = await Promise.all(workers.map((w) => go(w, durationMs)));
    return results.reduce((s, r) => s + (r.records * 1000) / r.elapsedMs, 0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function runWorkers(ctx: BenchContext, suite: CipherSuiteName, backend: AeadBackendName): Promise<void> {
  if (!ctx.selected(`workers/${suite}/${backend}/${WORKERS_SIZE_BYTES}`)) return;
  const rounds = ctx.settings.quick ? 1 : 3;
  const durationMs = ctx.settings.quick ? 300 : 1000;
  const data: SealWorkerData = { suite, backend, sizeBytes: WORKERS_SIZE_BYTES, seed: ctx.settings.seed, warmupMs: ctx.settings.quick ? 100 : 300 };
  const one: number[] = [];
  const two: number[] = [];
  for (let r = 0; r < rounds; r++) {
    one.push(await round(1, data, durationMs));
    two.push(await round(2, data, durationMs));
  }
  one.sort((a, b) => a - b);
  two.sort((a, b) => a - b);
  const base = { ...emptyRow("workers", ""), suite, backend, sizeBytes: WORKERS_SIZE_BYTES };
  const m1 = percentile(one, 0.5);
  const m2 = percentile(two, 0.5);
  ctx.rows.push({ ...base, operation: "seal, 1 thread", perSecond: m1 });
  ctx.rows.push({ ...base, operation: "seal, 2 threads", perSecond: m2 });
  ctx.log(`workers/${suite}/${backend}: 1 thread ${Math.round(m1)} rec/s, 2 threads ${Math.round(m2)} rec/s, ratio ${(m2 / m1).toFixed(2)}`);
}

export async function runWorkersSuite(ctx: BenchContext): Promise<void> {
  await runWorkers(ctx, WORKERS_SUITE, WORKERS_BACKEND);
  // Beside it, a backend that allocates nothing per record (no per-thread garbage collection).
  if (!ctx.settings.quick && availableBackends().includes("sodium")) await runWorkers(ctx, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "sodium");
}
