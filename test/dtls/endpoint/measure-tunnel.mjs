#!/usr/bin/env node
/* global process, console, performance, gc -- a Node script run with --expose-gc */
/**
 * Quick measurement (not a test, not a benchmark): per-tunnel set-up + handshake CPU and the JS
 * heap an established tunnel retains, the simulator's case (PSK, AES-128-GCM on node:crypto, no
 * cookie exchange, virtual time). Run against compiled JS:
 *
 *   npx tsc -p tsconfig.build.json --outDir /tmp/build
 *   node --expose-gc test/dtls/endpoint/measure-tunnel.mjs /tmp/build [tunnels=2000] [snapshotFile]
 *
 * A tunnel is two DtlsEndpoints joined by a direct transport (one shared queue, no pools), one
 * handshake run to completion at a time, so the clock holds no timers of other tunnels.
 * CPU: total time to construct and connect `tunnels` tunnels (after WARMUP_TUNNELS untimed ones)
 * divided by the count; and, separately, constructing the two endpoints only (best of a few rounds:
 * the part of set-up that is the endpoint's own, before the handshake). Heap: heapUsed after gc() with the tunnels held, minus before, divided by
 * the count; first right after the handshakes (the server may keep its final flight), then after
 * one application record each way (nothing left to resend).
 */
import { join, resolve } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { pathToFileURL } from "node:url";

const build = resolve(process.argv[2] ?? "dist");
const TUNNELS = Number(process.argv[3] ?? 2000);
const WARMUP_TUNNELS = 500;
const load = (p) => import(pathToFileURL(join(build, p)).href);
const { DtlsEndpoint } = await load("src/dtls/endpoint.js");
const { seededRng } = await load("src/dtls/transport/seeded.js");
if (typeof globalThis.gc !== "function") throw new Error("run with --expose-gc");

/**
 * A clock whose timers never fire (the direct link loses nothing, so no handshake needs one) and
 * cost O(1) to set and clear, like the simulator's event queue: ManualClock's sorted array would
 * make every timer operation O(pending timers) once thousands of servers hold a final-flight timer.
 */
class LosslessClock {
  now = 0;
  nextId = 1;
  timers = new Map();
  nowMs() {
    return this.now;
  }
  setTimer(delayMs, fn) {
    const id = this.nextId++;
    this.timers.set(id, fn);
    return { id };
  }
  clearTimer(handle) {
    this.timers.delete(handle.id);
  }
  get pendingTimers() {
    return this.timers.size;
  }
}
const clock = new LosslessClock();
/** Datagrams waiting for delivery: [handler, copy] pairs. */
const queue = [];
function pump() {
  while (queue.length > 0) {
    const [deliver, d] = queue.shift();
    deliver(d);
  }
}
/** The smallest transport: methods on the prototype, so a tunnel's heap is nearly all endpoint. */
class DirectTransport {
  handler = null;
  peer = null;
  send(d) {
    queue.push([this.peer.handler, d.slice()]);
  }
  onReceive(h) {
    this.handler = h;
  }
  close() {}
}
const transport = () => new DirectTransport();

const KEY = new Uint8Array(16).fill(5);
function tunnel(i) {
  const a = transport();
  const b = transport();
  a.peer = b;
  b.peer = a;
  const common = { clock, suites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"], limits: { retransmitCountMax: 6 }, mtuBytes: 1232 };
  const client = new DtlsEndpoint({ ...common, role: "client", transport: a, rng: seededRng(2 * i + 1), psk: { identity: `id-${i}`, key: KEY } });
  const server = new DtlsEndpoint({
    ...common,
    role: "server",
    transport: b,
    rng: seededRng(2 * i + 2),
    psk: { lookup: () => KEY.slice() },
    cookieExchange: false,
    peerAddress: `10.0.${i >> 8}.${i & 255}:4000`,
  });
  let got = 0;
  client.on("data", () => got++);
  server.on("data", () => got++);
  client.start();
  pump();
  if (client.state !== "connected" || server.state !== "connected") throw new Error(`tunnel ${i} did not connect`);
  return { client, server, got: () => got };
}

/** The endpoints of a tunnel constructed, not started (the part of set-up before any handshake message). */
function constructOnly(i) {
  const a = transport();
  const b = transport();
  a.peer = b;
  b.peer = a;
  const common = { clock, suites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"], limits: { retransmitCountMax: 6 }, mtuBytes: 1232 };
  new DtlsEndpoint({ ...common, role: "client", transport: a, rng: seededRng(2 * i + 1), psk: { identity: `id-${i}`, key: KEY } });
  new DtlsEndpoint({ ...common, role: "server", transport: b, rng: seededRng(2 * i + 2), psk: { lookup: () => KEY.slice() }, cookieExchange: false, peerAddress: `10.0.${i >> 8}.${i & 255}:4000` });
}
const CONSTRUCT_TUNNELS = 20_000;
const CONSTRUCT_ROUNDS = 5;
let constructBestUs = Infinity;
for (let r = 0; r < CONSTRUCT_ROUNDS; r++) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < CONSTRUCT_TUNNELS; i++) constructOnly(i);
  const c = process.cpuUsage(c0);
  constructBestUs = Math.min(constructBestUs, (c.user + c.system) / CONSTRUCT_TUNNELS);
}

for (let i = 0; i < WARMUP_TUNNELS; i++) tunnel(i);
const held = [];
gc();
gc();
const before = process.memoryUsage().heapUsed;
const t0 = process.cpuUsage();
const w0 = performance.now();
for (let i = 0; i < TUNNELS; i++) held.push(tunnel(WARMUP_TUNNELS + i));
const wallMs = performance.now() - w0;
const cpu = process.cpuUsage(t0);
gc();
gc();
const afterHandshake = process.memoryUsage().heapUsed;
// A heap snapshot of the held tunnels right after their handshakes (the server may keep its final flight).
if (process.argv[4] !== undefined) console.log(`snapshot: ${writeHeapSnapshot(process.argv[4])}`);
const one = new Uint8Array([1]);
for (const t of held) {
  t.client.send(one);
  t.server.send(one);
}
pump();
for (const t of held) if (t.got() !== 2) throw new Error("data was not delivered");
gc();
gc();
const afterData = process.memoryUsage().heapUsed;
const perTunnel = (x) => ((x - before) / TUNNELS).toFixed(0);
console.log(`tunnels ${TUNNELS}: set-up + handshake ${((1000 * wallMs) / TUNNELS).toFixed(1)} us wall, ${((cpu.user + cpu.system) / TUNNELS).toFixed(1)} us CPU per tunnel`);
console.log(`construction only (two endpoints, no handshake): ${constructBestUs.toFixed(2)} us CPU per tunnel, best of ${CONSTRUCT_ROUNDS} x ${CONSTRUCT_TUNNELS}`);
console.log(`heap per tunnel: ${perTunnel(afterHandshake)} B after the handshake, ${perTunnel(afterData)} B after one record each way`);
console.log(`(timers pending on the clock: ${clock.pendingTimers}; tunnels held: ${held.length})`);
