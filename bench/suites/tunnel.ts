/**
 * A whole tunnel: two endpoints connected over the in-memory wire (after the handshake), 1400 B
 * records one way, each delivered and decrypted by the peer before it counts. Ours on a ManualClock
 * (a send, then virtual time runs until the datagram is delivered), werift-dtls on its own async
 * path (await send, delivered in a microtask) in the same run as the peer reference.
 */
import { ManualClock } from "../../src/dtls/clock.js";
import { DtlsEndpoint } from "../../src/dtls/endpoint.js";
import { createMemoryLink } from "../../src/dtls/transport/memory.js";
import { seededRng } from "../../src/dtls/transport/seeded.js";
import type { AeadBackendName, CipherSuiteName } from "../../src/dtls/api.js";
import { suiteByName } from "../../src/dtls/suites/registry.js";
import { getBackend, availableBackends } from "../../src/dtls/suites/aead.js";
import type { BenchContext } from "../lib/context.js";
import { cpuSeconds, measureOp } from "../lib/measure.js";
import { emptyRow } from "../lib/report.js";
import { WERIFT_BACKEND } from "../lib/targets.js";
import { loadWerift, weriftConnect, WERIFT_SUITE, type Werift } from "./werift.js";

export const TUNNEL_PAYLOAD_BYTES = 1400;
export const BENCH_IDENTITY = "vnetsim-bench";
/** Records sent by werift per measurement round (then the round's delivery is awaited). */
export const WERIFT_ROUND_RECORDS = 200;

/**
 * Warm-up and measured time of every tunnel, ours and werift's alike (full run / --quick): the
 * ratio compares like with like. CPU time counts every thread, so a short window right after a
 * short warm-up also bills V8's background compilation of the code being measured.
 */
export const TUNNEL_WARMUP_MS = { full: 1000, quick: 200 } as const;
export const TUNNEL_MEASURE_MS = { full: 3000, quick: 500 } as const;

export interface OurPair {
  clock: ManualClock;
  client: DtlsEndpoint;
  server: DtlsEndpoint;
}

/** A client and a server endpoint over a zero-latency memory link, connected. */
export function connectedPair(suite: CipherSuiteName, backend: AeadBackendName, seed: number): OurPair {
  const clock = new ManualClock();
  const [ct, st] = createMemoryLink({ clock, latencyMs: 0 });
  const psk = new Uint8Array(32);
  seededRng(seed)(psk);
  const client = new DtlsEndpoint({
    role: "client",
    transport: ct,
    clock,
    rng: seededRng(seed + 2),
    psk: { identity: BENCH_IDENTITY, key: psk },
    suites: [suite],
    backend,
  });
  const server = new DtlsEndpoint({
    role: "server",
    transport: st,
    clock,
    rng: seededRng(seed + 3),
    psk: { lookup: (id) => (id === BENCH_IDENTITY ? psk : undefined) },
    suites: [suite],
    backend,
    peerAddress: "127.0.0.1:5000",
  });
  server.start();
  client.start();
  const ok = clock.runUntil(() => client.state === "connected" && server.state === "connected");
  if (!ok) throw new Error(`tunnel bench: ${suite} on ${backend} did not connect (client ${client.state}, server ${server.state})`);
  return { clock, client, server };
}

async function ourTunnel(ctx: BenchContext, suite: CipherSuiteName, backend: AeadBackendName): Promise<void> {
  const id = `tunnel/${suite}/${backend}/${TUNNEL_PAYLOAD_BYTES}`;
  if (!ctx.selected(id)) return;
  const p = connectedPair(suite, backend, ctx.settings.seed);
  let delivered = 0;
  p.server.on("data", () => {
    delivered++;
  });
  const payload = new Uint8Array(TUNNEL_PAYLOAD_BYTES);
  seededRng(ctx.settings.seed + 5)(payload);
  const op = (): void => {
    const before = delivered;
    if (!p.client.send(payload)) throw new Error(`tunnel bench: send refused on ${suite}/${backend} (state ${p.client.state})`);
    p.clock.runUntilIdle();
    if (delivered !== before + 1) throw new Error(`tunnel bench: record not delivered on ${suite}/${backend}`);
  };
  const mode = ctx.settings.quick ? "quick" : "full";
  const w0 = performance.now();
  do for (let i = 0; i < 100; i++) op();
  while (performance.now() - w0 < TUNNEL_WARMUP_MS[mode]);
  const f = await measureOp(id, op, { ...ctx.settings.measure, timeMs: TUNNEL_MEASURE_MS[mode] }, ctx.timerOverheadNs);
  ctx.rows.push({ ...emptyRow("tunnel", "records one way"), suite, backend, sizeBytes: TUNNEL_PAYLOAD_BYTES, ...f });
  ctx.log(`${id}: ${Math.round(f.perSecond)} rec/s p99 ${f.p99Us.toFixed(1)} µs alloc ${f.allocBytesPerOp?.toFixed(0) ?? "n/a"} B`);
}

/** werift records per CPU-second: rounds of awaited sends, each round waiting until the server got every record. */
export async function weriftRecordsPerSecond(w: Werift, budgetMs: number, warmupMs: number, payloadBytes: number): Promise<number> {
  const pair = await weriftConnect(w);
  try {
    let received = 0;
    pair.server.onData.subscribe(() => {
      received++;
    });
    const payload = Buffer.alloc(payloadBytes, 0x5a);
    const round = async (): Promise<void> => {
      const target = received + WERIFT_ROUND_RECORDS;
      for (let i = 0; i < WERIFT_ROUND_RECORDS; i++) await pair.client.send(payload);
      while (received < target) await new Promise((r) => setImmediate(r));
    };
    // Warm-up long enough for werift's record path to be optimized, as ours is before it is measured.
    const w0 = performance.now();
    do await round();
    while (performance.now() - w0 < warmupMs);
    const t0 = performance.now();
    const cpu0 = cpuSeconds();
    let sent = 0;
    while (performance.now() - t0 < budgetMs) {
      await round();
      sent += WERIFT_ROUND_RECORDS;
    }
    // Per CPU-second like ours (lib/measure.ts).
    const cpu = cpuSeconds() - cpu0;
    return cpu > 0.005 ? sent / cpu : (sent * 1000) / (performance.now() - t0);
  } finally {
    pair.close();
  }
}

export async function runTunnelSuite(ctx: BenchContext): Promise<void> {
  const backends = availableBackends();
  const combos: [CipherSuiteName, AeadBackendName][] = [
    ["TLS_PSK_WITH_AES_128_GCM_SHA256", "node"],
    ["TLS_PSK_WITH_AES_256_GCM_SHA384", "node"],
    ["TLS_PSK_WITH_AES_128_CCM_8", "node"],
    ["TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "node"],
    ["TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", "node"],
  ];
  if (backends.includes("sodium")) combos.push(["TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", "sodium"]);
  for (const [suite, backend] of ctx.settings.quick ? combos.slice(0, 1) : combos) {
    if (!getBackend(backend).supports(suiteByName(suite).aead)) continue;
    await ourTunnel(ctx, suite, backend);
  }
  const wid = `tunnel/${WERIFT_SUITE}/${WERIFT_BACKEND}/${TUNNEL_PAYLOAD_BYTES}`;
  if (!ctx.selected(wid)) return;
  const w = await loadWerift();
  if (w instanceof Error) {
    ctx.notes.push(`werift-dtls could not be loaded (${w.message}): no peer reference for the tunnel.`);
    return;
  }
  const mode = ctx.settings.quick ? "quick" : "full";
  const perSecond = await weriftRecordsPerSecond(w, TUNNEL_MEASURE_MS[mode], TUNNEL_WARMUP_MS[mode], TUNNEL_PAYLOAD_BYTES);
  ctx.rows.push({ ...emptyRow("tunnel", "records one way"), suite: WERIFT_SUITE, backend: WERIFT_BACKEND, sizeBytes: TUNNEL_PAYLOAD_BYTES, perSecond });
  ctx.log(`${wid}: ${Math.round(perSecond)} rec/s`);
}
