/**
 * Loopback UDP tunnels to our DtlsServer (127.0.0.1 only): node-dtls-client (an independent
 * DTLS 1.2 PSK client in TypeScript, AES-128-GCM) as the peer reference, and our own client on the
 * UDP transport beside it. Records of 1400 B one way, in windows of WINDOW_RECORDS sends followed
 * by a wait for their delivery so the socket buffers never overflow; records/s = delivered / time.
 * Real sockets and real time: this is the only suite that uses the wall clock for the protocol.
 */
import { randomFillSync } from "node:crypto";
import { createRequire } from "node:module";
import { realClock } from "../../src/dtls/clock.js";
import { DtlsEndpoint } from "../../src/dtls/endpoint.js";
import { DtlsServer } from "../../src/dtls/server.js";
import { listenUdp, udpClientTransport } from "../../src/dtls/transport/udp.js";
import type { CipherSuiteName } from "../../src/dtls/api.js";
import type { BenchContext } from "../lib/context.js";
import { emptyRow } from "../lib/report.js";
import { BENCH_IDENTITY, TUNNEL_PAYLOAD_BYTES } from "./tunnel.js";

export const UDP_SUITE: CipherSuiteName = "TLS_PSK_WITH_AES_128_GCM_SHA256";
/** Sends in flight before waiting for delivery (well below the default loopback socket buffer). */
export const WINDOW_RECORDS = 64;
/** A window that is not delivered within this long counts its missing records as lost and moves on. */
export const WINDOW_TIMEOUT_MS = 200;
export const CONNECT_TIMEOUT_MS = 5_000;

interface NdcSocket {
  on(event: "connected", fn: () => void): void;
  on(event: "error", fn: (e: Error) => void): void;
  send(data: Buffer): void;
  close(): void;
}
interface NdcModule {
  dtls: { createSocket(o: { type: "udp4"; address: string; port: number; psk: Record<string, Buffer>; ciphers: string[]; timeout: number }): NdcSocket };
}

const rng = (out: Uint8Array): void => {
  randomFillSync(out);
};

interface Server {
  port: number;
  delivered(): number;
  close(): Promise<void>;
}

async function startServer(psk: Uint8Array): Promise<Server> {
  let server: DtlsServer | null = null;
  let delivered = 0;
  const listener = await listenUdp("127.0.0.1", 0, (peer, d) => server?.handleDatagram(peer, d));
  server = new DtlsServer({
    clock: realClock(),
    rng,
    psk: { lookup: (id) => (id === BENCH_IDENTITY ? psk : undefined) },
    suites: [UDP_SUITE],
    send: (peer, d) => listener.send(peer, d),
    sendCopies: true, // listenUdp's send copies before socket.send
  });
  server.on("session", (_peer, ep) => {
    ep.on("data", () => {
      delivered++;
    });
  });
  const s = server;
  return {
    port: listener.port,
    delivered: () => delivered,
    async close() {
      s.close();
      await listener.close();
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Windows of sends for budgetMs; returns delivered records/s and the count lost. */
async function pump(send: () => void, delivered: () => number, budgetMs: number): Promise<{ perSecond: number; lost: number }> {
  const t0 = performance.now();
  const start = delivered();
  let sent = 0;
  let lost = 0;
  while (performance.now() - t0 < budgetMs) {
    const target = delivered() + WINDOW_RECORDS;
    for (let i = 0; i < WINDOW_RECORDS; i++) send();
    sent += WINDOW_RECORDS;
    const w0 = performance.now();
    while (delivered() < target && performance.now() - w0 < WINDOW_TIMEOUT_MS) await new Promise((r) => setImmediate(r));
    if (delivered() < target) lost += target - delivered();
  }
  const got = delivered() - start;
  return { perSecond: (got * 1000) / (performance.now() - t0), lost: Math.max(lost, sent - got) };
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function ndcRun(ctx: BenchContext, budgetMs: number): Promise<void> {
  const id = `tunnel-udp/${UDP_SUITE}/node-dtls-client/${TUNNEL_PAYLOAD_BYTES}`;
  if (!ctx.selected(id)) return;
  let ndc: NdcModule;
  try {
    ndc = createRequire(import.meta.url)("node-dtls-client") as NdcModule;
  } catch (e) {
    ctx.notes.push(`node-dtls-client could not be loaded (${(e as Error).message}): no loopback peer reference.`);
    return;
  }
  const psk = new Uint8Array(32);
  rng(psk);
  const server = await startServer(psk);
  try {
    const socket = ndc.dtls.createSocket({
      type: "udp4",
      address: "127.0.0.1",
      port: server.port,
      psk: { [BENCH_IDENTITY]: Buffer.from(psk) },
      ciphers: [UDP_SUITE],
      timeout: CONNECT_TIMEOUT_MS,
    });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.on("connected", resolve);
        socket.on("error", reject);
      }),
      CONNECT_TIMEOUT_MS,
      "node-dtls-client handshake",
    );
    const payload = Buffer.alloc(TUNNEL_PAYLOAD_BYTES, 0x5a);
    const r = await pump(() => socket.send(payload), server.delivered, budgetMs);
    socket.close();
    ctx.rows.push({ ...emptyRow("tunnel-udp", "records one way"), suite: UDP_SUITE, backend: "node-dtls-client", sizeBytes: TUNNEL_PAYLOAD_BYTES, perSecond: r.perSecond });
    if (r.lost > 0) ctx.notes.push(`node-dtls-client over loopback UDP: ${r.lost} records were not delivered within ${WINDOW_TIMEOUT_MS} ms (counted as lost).`);
    ctx.log(`${id}: ${Math.round(r.perSecond)} rec/s, lost ${r.lost}`);
  } finally {
    await sleep(20);
    await server.close();
  }
}

async function ourUdpRun(ctx: BenchContext, budgetMs: number): Promise<void> {
  const id = `tunnel-udp/${UDP_SUITE}/node/${TUNNEL_PAYLOAD_BYTES}`;
  if (!ctx.selected(id)) return;
  const psk = new Uint8Array(32);
  rng(psk);
  const server = await startServer(psk);
  const transport = await udpClientTransport("127.0.0.1", server.port);
  const client = new DtlsEndpoint({
    role: "client",
    transport,
    clock: realClock(),
    rng,
    psk: { identity: BENCH_IDENTITY, key: psk },
    suites: [UDP_SUITE],
    backend: "node",
  });
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        client.on("connected", () => resolve());
        client.on("failed", (f) => reject(new Error(`our client failed: ${f.reason} ${f.detail}`)));
        client.start();
      }),
      CONNECT_TIMEOUT_MS,
      "our UDP handshake",
    );
    const payload = new Uint8Array(TUNNEL_PAYLOAD_BYTES).fill(0x5a);
    const r = await pump(() => void client.send(payload), server.delivered, budgetMs);
    ctx.rows.push({ ...emptyRow("tunnel-udp", "records one way"), suite: UDP_SUITE, backend: "node", sizeBytes: TUNNEL_PAYLOAD_BYTES, perSecond: r.perSecond });
    if (r.lost > 0) ctx.notes.push(`Our client over loopback UDP: ${r.lost} records were not delivered within ${WINDOW_TIMEOUT_MS} ms (counted as lost).`);
    ctx.log(`${id}: ${Math.round(r.perSecond)} rec/s, lost ${r.lost}`);
  } finally {
    client.close();
    transport.close();
    await sleep(20);
    await server.close();
  }
}

export async function runUdpSuite(ctx: BenchContext): Promise<void> {
  const budgetMs = ctx.settings.quick ? 400 : 2000;
  await ndcRun(ctx, budgetMs);
  await ourUdpRun(ctx, budgetMs);
}
