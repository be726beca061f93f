/**
 * Handshakes per second, client and server in one process: ours (PSK and ECDHE-PSK with x25519,
 * with the HelloVerifyRequest cookie exchange, over the memory link on a ManualClock; building
 * both endpoints counts) and werift-dtls (ECDHE with an ECDSA certificate, over its memory
 * transport) in the same run.
 */
import type { AeadBackendName, CipherSuiteName } from "../../src/dtls/api.js";
import type { BenchContext } from "../lib/context.js";
import { availableBackends } from "../../src/dtls/suites/aead.js";
import { cpuSeconds, measureOp, percentile } from "../lib/measure.js";
import { emptyRow } from "../lib/report.js";
import { WERIFT_BACKEND } from "../lib/targets.js";
import { connectedPair } from "./tunnel.js";
import { loadWerift, weriftConnect, WERIFT_SUITE, type Werift } from "./werift.js";

const OUR_HANDSHAKES: [CipherSuiteName, AeadBackendName][] = [
  ["TLS_PSK_WITH_AES_128_GCM_SHA256", "node"],
  ["TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "node"],
  ["TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", "node"],
  // The same ChaCha20 suites with their Finished records on sodium-native (skipped when it is not installed).
  ["TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "sodium"],
  ["TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", "sodium"],
];

/**
 * Untimed handshakes before measuring, per stack (ours per suite, werift-dtls once): a handshake
 * runs through a few thousand lines of code, and with the shared measure settings (100 ms of
 * warm-up) the first suite measured still paid for compiling them (the first row came out well
 * below the others). Both stacks get the same warm-up budget.
 */
const HANDSHAKE_WARMUP_MS = 600;
const HANDSHAKE_WARMUP_MS_QUICK = 60;
/** Measured time per handshake row: longer than the shared setting, so a neighbour's burst averages out. */
const HANDSHAKE_TIME_MS = 1500;

/** Runs `op` until `budgetMs` of wall time has passed (at least once). */
function warmUp(op: () => void, budgetMs: number): void {
  const t0 = performance.now();
  do op();
  while (performance.now() - t0 < budgetMs);
}

/** Async twin of warmUp for werift-dtls. */
async function warmUpAsync(op: () => Promise<void>, budgetMs: number): Promise<void> {
  const t0 = performance.now();
  do await op();
  while (performance.now() - t0 < budgetMs);
}

export interface Timed {
  perSecond: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  count: number;
}

/** Sequential async operations for budgetMs (after `warmup` untimed ones): rate per CPU-second and latency percentiles. */
export async function timeAsync(op: () => Promise<void>, budgetMs: number, warmup: number, countMax: number): Promise<Timed> {
  for (let i = 0; i < warmup; i++) await op();
  const durations: number[] = [];
  const t0 = performance.now();
  const cpu0 = cpuSeconds();
  while (durations.length < countMax && (durations.length === 0 || performance.now() - t0 < budgetMs)) {
    const a = performance.now();
    await op();
    durations.push((performance.now() - a) * 1000);
  }
  const cpu = cpuSeconds() - cpu0;
  const elapsedMs = performance.now() - t0;
  durations.sort((x, y) => x - y);
  return {
    // Per CPU-second like ours (lib/measure.ts); the elapsed rate when the CPU clock saw too little.
    perSecond: cpu > 0.005 ? durations.length / cpu : (durations.length * 1000) / elapsedMs,
    p50Us: percentile(durations, 0.5),
    p99Us: percentile(durations, 0.99),
    p999Us: percentile(durations, 0.999),
    count: durations.length,
  };
}

async function weriftHandshakes(ctx: BenchContext, w: Werift): Promise<void> {
  const connect = async (): Promise<void> => {
    const pair = await weriftConnect(w);
    pair.close();
  };
  await warmUpAsync(connect, ctx.settings.quick ? HANDSHAKE_WARMUP_MS_QUICK : HANDSHAKE_WARMUP_MS);
  const t = await timeAsync(
    connect,
    ctx.settings.quick ? 500 : 4000,
    ctx.settings.quick ? 1 : 10,
    ctx.settings.quick ? 20 : 2000,
  );
  ctx.rows.push({ ...emptyRow("handshake", "handshake"), suite: WERIFT_SUITE, backend: WERIFT_BACKEND, perSecond: t.perSecond, p50Us: t.p50Us, p99Us: t.p99Us, p999Us: t.p999Us });
  ctx.log(`handshake/${WERIFT_SUITE}/${WERIFT_BACKEND}: ${t.perSecond.toFixed(1)}/s over ${t.count}, p50 ${(t.p50Us / 1000).toFixed(1)} ms`);
}

export async function runHandshakeSuite(ctx: BenchContext): Promise<void> {
  let seed = ctx.settings.seed;
  const installed = availableBackends();
  for (const [suite, backend] of OUR_HANDSHAKES) {
    const id = `handshake/${suite}/${backend}`;
    if (!ctx.selected(id)) continue;
    if (!installed.includes(backend)) {
      ctx.log(`${id}: skipped, the ${backend} backend is not available`);
      continue;
    }
    const op = (): void => {
      // A fresh seed per handshake: distinct randoms (and x25519 keys) every time, still replayable.
      const p = connectedPair(suite, backend, seed++);
      p.client.close();
      p.server.close();
    };
    warmUp(op, ctx.settings.quick ? HANDSHAKE_WARMUP_MS_QUICK : HANDSHAKE_WARMUP_MS);
    const timeMs = ctx.settings.quick ? ctx.settings.measure.timeMs : Math.max(ctx.settings.measure.timeMs, HANDSHAKE_TIME_MS);
    const f = await measureOp(id, op, { ...ctx.settings.measure, timeMs, latencySamples: ctx.settings.quick ? 200 : 3000 }, ctx.timerOverheadNs);
    ctx.rows.push({ ...emptyRow("handshake", "handshake"), suite, backend, ...f });
    ctx.log(`${id}: ${Math.round(f.perSecond)}/s p50 ${f.p50Us.toFixed(0)} µs p99 ${f.p99Us.toFixed(0)} µs`);
  }
  if (!ctx.selected(`handshake/${WERIFT_SUITE}/${WERIFT_BACKEND}`)) return;
  const w = await loadWerift();
  if (w instanceof Error) {
    ctx.notes.push(`werift-dtls could not be loaded (${w.message}): no peer reference for handshakes.`);
    return;
  }
  await weriftHandshakes(ctx, w);
}
