#!/usr/bin/env node
/* global process, console -- a Node script */
/**
 * Quick measurement (not a test, not a benchmark): bytes allocated per record and seal rate at
 * 1400 B for CipherState on every backend and suite. Run against compiled JS:
 *
 *   npm run build   (or compile src/dtls to some dir)
 *   node --expose-gc --max-semi-space-size=128 test/dtls/suites/measure-alloc.mjs [buildDir=dist]
 *
 * Allocation: gc(), then ALLOC_RECORDS seals/opens with a young generation large enough that no
 * scavenge runs (checked: a window in which heapUsed went down is flagged), and the growth of heapUsed (JS objects) and arrayBuffers (Buffer backing stores,
 * e.g. node:crypto's update() results) divided by the record count. Rate: seals for ~RATE_MS.
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";


const build = resolve(process.argv[2] ?? "dist");
const load = (p) => import(pathToFileURL(join(build, p)).href);
const { CipherState } = await load("src/dtls/record/cipher-state.js");
const { availableBackends, getBackend } = await load("src/dtls/suites/aead.js");
const { SUITES } = await load("src/dtls/suites/registry.js");
const { emptyRecordHeader, readRecordHeader } = await load("src/dtls/record/header.js");

const PAYLOAD_BYTES = 1400;
const ALLOC_RECORDS = 2000;
const RATE_MS = 1000;
/** Sampling costs ~2 B per record (one memoryUsage() object per SAMPLE_EVERY records). */
const SAMPLE_EVERY = 100;
/** heapUsed going down inside a window means a GC ran there and the delta undercounts. */
function sample(gcSeen, last) {
  const now = process.memoryUsage().heapUsed;
  return [gcSeen || now < last, now];
}
if (typeof globalThis.gc !== "function") throw new Error("run with --expose-gc");

function states(suite, backend, epoch) {
  const key = new Uint8Array(suite.encKeyBytes).fill(7);
  const iv = new Uint8Array(suite.fixedIvBytes).fill(9);
  const b = getBackend(backend);
  return [new CipherState(suite, b.importKey(suite.aead, key), iv, epoch), new CipherState(suite, b.importKey(suite.aead, key), iv, epoch)];
}

const rows = [];
for (const suite of SUITES.filter((s) => s.keyExchange === "psk")) {
  for (const backend of availableBackends()) {
    if (!getBackend(backend).supports(suite.aead)) continue;
    const [tx, rx] = states(suite, backend, 1);
    const payload = new Uint8Array(PAYLOAD_BYTES).fill(1);
    const rec = new Uint8Array(PAYLOAD_BYTES + tx.overheadBytes);
    const plain = new Uint8Array(PAYLOAD_BYTES);
    const h = emptyRecordHeader();
    let seq = 0;
    for (let i = 0; i < 20000; i++) tx.seal(23, seq++, payload, rec, 0); // warm up (JIT)
    readRecordHeader(rec, 0, h);
    for (let i = 0; i < 20000; i++) rx.open(h, rec, 0, plain, 0);

    globalThis.gc();
    let m0 = process.memoryUsage();
    let gcSeen = false;
    let last = m0.heapUsed;
    for (let i = 0; i < ALLOC_RECORDS; i++) {
      tx.seal(23, seq++, payload, rec, 0);
      if (i % SAMPLE_EVERY === 0) [gcSeen, last] = sample(gcSeen, last);
    }
    let m1 = process.memoryUsage();
    const sealHeap = (m1.heapUsed - m0.heapUsed) / ALLOC_RECORDS;
    const sealAb = (m1.arrayBuffers - m0.arrayBuffers) / ALLOC_RECORDS;
    readRecordHeader(rec, 0, h);
    globalThis.gc();
    m0 = process.memoryUsage();
    last = m0.heapUsed;
    for (let i = 0; i < ALLOC_RECORDS; i++) {
      if (rx.open(h, rec, 0, plain, 0) !== PAYLOAD_BYTES) throw new Error("open failed");
      if (i % SAMPLE_EVERY === 0) [gcSeen, last] = sample(gcSeen, last);
    }
    m1 = process.memoryUsage();
    const openHeap = (m1.heapUsed - m0.heapUsed) / ALLOC_RECORDS;
    const openAb = (m1.arrayBuffers - m0.arrayBuffers) / ALLOC_RECORDS;

    // Rate per CPU second of this process (user + system), which a loaded shared machine distorts
    // far less than wall time; the wall-clock rate is shown beside it.
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    let n = 0;
    while (Number(process.hrtime.bigint() - t0) / 1e6 < RATE_MS) {
      for (let i = 0; i < 200; i++) tx.seal(23, seq++, payload, rec, 0);
      n += 200;
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(c0);
    const cpuSecs = (cpu.user + cpu.system) / 1e6;
    rows.push({
      suite: suite.name.replace("TLS_PSK_WITH_", ""),
      backend,
      "seal k rec/CPU-s": Math.round(n / cpuSecs / 1000),
      "seal k rec/s wall": Math.round(n / secs / 1000),
      "seal heap B/rec": Math.round(sealHeap),
      "seal ArrayBuffer B/rec": Math.round(sealAb),
      "open heap B/rec": Math.round(openHeap),
      "open ArrayBuffer B/rec": Math.round(openAb),
      "GC in window (invalid if yes)": gcSeen ? "yes" : "no",
    });
  }
}
console.log(`node ${process.version}, ${PAYLOAD_BYTES} B payload`);
console.table(rows);
