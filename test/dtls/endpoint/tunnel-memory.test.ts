/**
 * JS heap retained by an established tunnel (two DtlsEndpoints after their handshake, nothing
 * outstanding), the simulator's case: PSK, AES-128-GCM on node:crypto, no cookie exchange,
 * ManualClock, a direct transport with its methods on the prototype (so the heap measured is the
 * endpoints'). The simulator holds ~50,000 of these at once; see measure-tunnel.mjs for the figures.
 * Before the compaction (the server kept its handshake machine, Maps per epoch table, per-key
 * scratch): ~18.3 KB after the handshake, ~13.7 KB after one record each way. After: ~5.2-5.9 / ~5.3 KB
 * (measured here, with the ManualClock holding the server's final-flight timer).
 * The bounds are generous (GC, JIT code made during the run and V8 layout vary) but fail on the old
 * code; 1000 tunnels after 200 untimed ones dilute the code the JIT adds meanwhile.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import type { Transport } from "../../../src/dtls/api.js";
import { ManualClock } from "../../../src/dtls/clock.js";
import { DtlsEndpoint } from "../../../src/dtls/endpoint.js";
import { seededRng } from "../../../src/dtls/transport/seeded.js";

const TUNNELS = 1000;
const WARMUP_TUNNELS = 200;
/** Per tunnel (both endpoints), bytes. */
const AFTER_HANDSHAKE_BYTES_MAX = 8 * 1024;
const AFTER_DATA_BYTES_MAX = 7 * 1024;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const queue: [(d: Uint8Array) => void, Uint8Array][] = [];
function pump(): void {
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) item[0](item[1]);
}

class DirectTransport implements Transport {
  handler: ((d: Uint8Array) => void) | null = null;
  peer: DirectTransport | null = null;
  send(d: Uint8Array): void {
    queue.push([this.peer!.handler!, d.slice()]);
  }
  onReceive(h: (d: Uint8Array) => void): void {
    this.handler = h;
  }
  close(): void {}
}

const KEY = new Uint8Array(16).fill(5);

function tunnel(clock: ManualClock, i: number): [DtlsEndpoint, DtlsEndpoint] {
  const a = new DirectTransport();
  const b = new DirectTransport();
  a.peer = b;
  b.peer = a;
  const common = { clock, suites: ["TLS_PSK_WITH_AES_128_GCM_SHA256" as const], limits: { retransmitCountMax: 6 } };
  const client = new DtlsEndpoint({ ...common, role: "client", transport: a, rng: seededRng(2 * i + 1), psk: { identity: "id", key: KEY } });
  const server = new DtlsEndpoint({
    ...common,
    role: "server",
    transport: b,
    rng: seededRng(2 * i + 2),
    psk: { lookup: () => KEY },
    cookieExchange: false,
  });
  client.start();
  pump();
  if (client.state !== "connected" || server.state !== "connected") throw new Error(`tunnel ${i} did not connect`);
  return [client, server];
}

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe("memory of an established tunnel", () => {
  it(`stays under ${AFTER_HANDSHAKE_BYTES_MAX} B after the handshake and ${AFTER_DATA_BYTES_MAX} B once data flowed both ways`, () => {
    const clock = new ManualClock();
    for (let i = 0; i < WARMUP_TUNNELS; i++) tunnel(clock, i);
    const held: [DtlsEndpoint, DtlsEndpoint][] = [];
    const before = heapUsed();
    for (let i = 0; i < TUNNELS; i++) held.push(tunnel(clock, WARMUP_TUNNELS + i));
    const afterHandshake = (heapUsed() - before) / TUNNELS;
    let got = 0;
    for (const [c, s] of held) {
      c.on("data", () => got++);
      s.on("data", () => got++);
      c.send(Uint8Array.of(1));
      s.send(Uint8Array.of(2));
    }
    pump();
    expect(got).toBe(2 * TUNNELS);
    const afterData = (heapUsed() - before) / TUNNELS;
    console.log(`heap per tunnel: ${afterHandshake.toFixed(0)} B after the handshake, ${afterData.toFixed(0)} B after data both ways`);
    expect(afterHandshake).toBeGreaterThan(1000); // the measurement sees the tunnels at all
    expect(afterHandshake).toBeLessThan(AFTER_HANDSHAKE_BYTES_MAX);
    expect(afterData).toBeLessThan(AFTER_DATA_BYTES_MAX);
    expect(held.every(([c, s]) => c.state === "connected" && s.state === "connected")).toBe(true);
  });
});
