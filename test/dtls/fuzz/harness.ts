/**
 * A hand-driven wire for fuzzing DtlsEndpoint: both endpoints run on one ManualClock, every
 * datagram they send waits in an outbox until the test delivers it, so a test can stop a handshake
 * after any flight, inject hostile datagrams into either side, and then let the clean traffic
 * continue. Everything is seeded: the same seed gives the same bytes on the wire.
 */
import type { CipherSuiteName, DtlsLimits, EndpointOptions, RejectReason, Transport } from "../../../src/dtls/api.js";
import { ManualClock } from "../../../src/dtls/clock.js";
import { DtlsEndpoint } from "../../../src/dtls/endpoint.js";
import { resolveLimits } from "../../../src/dtls/limits.js";
import { seededRng } from "../../../src/dtls/transport/seeded.js";

export type Side = "client" | "server";

/** Seed of every fuzz property (printed in test titles); override with FUZZ_SEED=<n> to explore. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261129);
/** Multiplies every property's fixed numRuns (default 1); FUZZ_RUNS_SCALE=20 for a long exploration. */
export const FUZZ_RUNS_SCALE = Math.max(1, Number(process.env.FUZZ_RUNS_SCALE ?? 1));
export const runs = (n: number): number => Math.round(n * FUZZ_RUNS_SCALE);

export interface Pair {
  clock: ManualClock;
  client: DtlsEndpoint;
  server: DtlsEndpoint;
  /** Datagrams each side has sent and nobody has delivered yet. */
  outbox: Record<Side, Uint8Array[]>;
  /** Every datagram each side ever sent, in order (the recording). */
  sent: Record<Side, Uint8Array[]>;
  /** Application data each side received. */
  received: Record<Side, Uint8Array[]>;
  limits: DtlsLimits;
}

export const PSK = Uint8Array.from(Buffer.from("000102030405060708090a0b0c0d0e0f", "hex"));
export const IDENTITY = "fuzz-client";

export const other = (s: Side): Side => (s === "client" ? "server" : "client");

function wireTransport(side: Side, outbox: Record<Side, Uint8Array[]>, sent: Record<Side, Uint8Array[]>): Transport {
  return {
    send(d) {
      const copy = Uint8Array.from(d); // the endpoint never retains `d`; neither may we share it
      outbox[side].push(copy);
      sent[side].push(copy);
    },
    onReceive() {
      // The test calls endpoint.handleDatagram itself.
    },
    close() {},
  };
}

export interface PairOptions {
  seed: number;
  suite?: CipherSuiteName;
  mtuBytes?: number;
  limits?: Partial<DtlsLimits>;
}

export function makePair(o: PairOptions): Pair {
  const clock = new ManualClock(0);
  const outbox: Record<Side, Uint8Array[]> = { client: [], server: [] };
  const sent: Record<Side, Uint8Array[]> = { client: [], server: [] };
  const received: Record<Side, Uint8Array[]> = { client: [], server: [] };
  const common: Omit<EndpointOptions, "role" | "transport" | "psk" | "rng"> = {
    clock,
    ...(o.suite !== undefined ? { suites: [o.suite] } : {}),
    ...(o.mtuBytes !== undefined ? { mtuBytes: o.mtuBytes } : {}),
    ...(o.limits !== undefined ? { limits: o.limits } : {}),
  };
  const client = new DtlsEndpoint({
    ...common,
    role: "client",
    transport: wireTransport("client", outbox, sent),
    rng: seededRng(o.seed),
    psk: { identity: IDENTITY, key: PSK },
  });
  const server = new DtlsEndpoint({
    ...common,
    role: "server",
    transport: wireTransport("server", outbox, sent),
    rng: seededRng(o.seed ^ 0x5eed),
    psk: { lookup: (id) => (id === IDENTITY ? PSK : undefined) },
    peerAddress: "127.0.0.1:40000",
  });
  client.on("data", (d) => received.client.push(Uint8Array.from(d)));
  server.on("data", (d) => received.server.push(Uint8Array.from(d)));
  return { clock, client, server, outbox, sent, received, limits: resolveLimits(o.limits) };
}

export const endpoint = (p: Pair, s: Side): DtlsEndpoint => (s === "client" ? p.client : p.server);

/** Delivers everything `from` has queued to the other side; returns how many datagrams. */
export function deliver(p: Pair, from: Side): number {
  const batch = p.outbox[from].splice(0);
  const to = endpoint(p, other(from));
  for (const d of batch) to.handleDatagram(d);
  return batch.length;
}

/**
 * One flight step: delivers the queue of whichever side has something (client first). Returns false
 * when both queues are empty.
 */
export function step(p: Pair): boolean {
  if (p.outbox.client.length > 0) return deliver(p, "client") > 0;
  if (p.outbox.server.length > 0) return deliver(p, "server") > 0;
  return false;
}

/** Iterations of (deliver, advance to next timer) before settle() gives up: a livelock is a bug. */
export const SETTLE_ITERATIONS_MAX = 2_000;

/**
 * Delivers all traffic and fires timers (retransmissions) until nothing is queued and no timer is
 * pending, or `done()` holds. Throws if it does not settle: that would be a hang in real life.
 */
export function settle(p: Pair, done: () => boolean = () => false): void {
  for (let i = 0; i < SETTLE_ITERATIONS_MAX; i++) {
    while (step(p)) {
      if (done()) return;
    }
    if (done()) return;
    const next = p.clock.nextDueMs;
    if (next === undefined) return;
    p.clock.advance(Math.max(0, next - p.clock.nowMs()));
  }
  throw new Error(`settle: still busy after ${SETTLE_ITERATIONS_MAX} iterations (client ${p.client.state}, server ${p.server.state})`);
}

export const bothConnected = (p: Pair): boolean => p.client.state === "connected" && p.server.state === "connected";

/** Starts the client and runs the clean handshake to the end. */
export function handshake(p: Pair): void {
  p.server.start();
  p.client.start();
  settle(p, () => bothConnected(p) && p.outbox.client.length === 0 && p.outbox.server.length === 0);
}

/** Flight steps of a clean handshake (CH1, HVR, CH2, server flight, client flight, server Finished). */
export const HANDSHAKE_STEPS = 6;

/** A fresh pair stopped after `steps` clean flight steps (0 = client started, nothing delivered). */
export function pairAtStep(o: PairOptions, steps: number): Pair {
  const p = makePair(o);
  p.server.start();
  p.client.start();
  for (let i = 0; i < steps; i++) if (!step(p)) break;
  return p;
}

/** Sends `text` each way and settles; true when both arrived intact. */
export function exchange(p: Pair, tag: string): boolean {
  const up = new TextEncoder().encode(`up-${tag}`);
  const down = new TextEncoder().encode(`down-${tag}`);
  const beforeServer = p.received.server.length;
  const beforeClient = p.received.client.length;
  if (!p.client.send(up) || !p.server.send(down)) return false;
  settle(p);
  const gotUp = p.received.server.slice(beforeServer).some((d) => Buffer.from(d).equals(Buffer.from(up)));
  const gotDown = p.received.client.slice(beforeClient).some((d) => Buffer.from(d).equals(Buffer.from(down)));
  return gotUp && gotDown;
}

export const rejectedTotal = (ep: DtlsEndpoint): number =>
  Object.values(ep.stats.rejected).reduce((a: number, b: number) => a + b, 0);

export const rejectedBy = (ep: DtlsEndpoint, r: RejectReason): number => ep.stats.rejected[r];

/** A recording of a clean session: handshake plus one exchange each way. */
export function recordSession(o: PairOptions): { client: Uint8Array[]; server: Uint8Array[] } {
  const p = makePair(o);
  handshake(p);
  if (!exchange(p, "recording")) throw new Error("recordSession: the clean session did not exchange data");
  return { client: [...p.sent.client], server: [...p.sent.server] };
}
