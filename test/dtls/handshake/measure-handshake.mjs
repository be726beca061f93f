#!/usr/bin/env node
/* global process, console */
/**
 * Quick measurement (not a test, not a benchmark): CPU per handshake, client and server in one
 * process over the bench's in-memory pair (bench/suites/tunnel.ts connectedPair: cookie exchange
 * and extended master secret on, a ManualClock), and SHA-256 compressions per handshake. Run
 * against compiled JS:
 *
 *   npx tsc -p tsconfig.build.json --outDir /tmp/build
 *   node test/dtls/handshake/measure-handshake.mjs /tmp/build [/tmp/build-other] [batch=200] [rounds=20]
 *
 * With two builds, batches of `batch` handshakes alternate between them `rounds` times per case,
 * so both see the same machine load; printed per case: the smallest and the median batch (µs of
 * process CPU per handshake) and the median of each adjacent pair's new/base ratio. On a shared
 * machine compare the medians and the paired ratio, not single runs.
 *
 * Compressions are counted by loading each build's crypto/sha256.js through a module hook that
 * adds a counter to its per-block function (the files on disk are not touched); the counter costs
 * a little time in both builds alike.
 */
import { register } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const builds = process.argv.slice(2).filter((a) => !/^\d+$/.test(a)).map((d) => resolve(d));
const [batch = 200, rounds = 20] = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
if (builds.length === 0 || builds.length > 2) throw new Error("usage: measure-handshake.mjs <build> [<other build>] [batch] [rounds]");

// A load hook: in every crypto/sha256.js, count calls of compressW (one per 64-byte block).
const hook = `
export async function load(url, context, next) {
  const r = await next(url, context);
  if (!url.endsWith("/src/dtls/crypto/sha256.js")) return r;
  const text = String(r.source);
  // The one function that runs once per block: compressW, or compress in builds before it existed.
  const fn = text.includes("function compressW(") ? /function compressW\\([^)]*\\) \\{/ : /function compress\\([^)]*\\) \\{/;
  const src = text.replace(fn, "$& globalThis.__compressions = (globalThis.__compressions ?? 0) + 1;");
  return { ...r, source: src };
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);

const CASES = [
  ["TLS_PSK_WITH_AES_128_GCM_SHA256", "node"],
  ["TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "sodium"],
  ["TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", "node"],
  ["TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", "sodium"],
];
const WARMUP_HANDSHAKES = 400;

const mods = [];
for (const b of builds) mods.push(await import(pathToFileURL(join(b, "bench/suites/tunnel.js")).href));

let seed = 1;
function handshakes(m, suite, backend, n) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const p = m.connectedPair(suite, backend, seed++);
    p.client.close();
    p.server.close();
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

for (const [suite, backend] of CASES) {
  const name = `${suite}/${backend}`;
  const counts = mods.map((m) => {
    globalThis.__compressions = 0;
    handshakes(m, suite, backend, 1);
    return globalThis.__compressions;
  });
  for (const m of mods) handshakes(m, suite, backend, WARMUP_HANDSHAKES);
  const us = mods.map(() => []);
  for (let r = 0; r < rounds; r++) mods.forEach((m, i) => us[i].push(handshakes(m, suite, backend, batch)));
  const parts = us.map((u, i) => `${builds.length > 1 ? ["base", "new"][i] + " " : ""}min ${Math.min(...u).toFixed(0)} med ${median(u).toFixed(0)} µs, ${counts[i]} compressions`);
  const paired = us.length === 2 ? `; paired new/base ${median(us[1].map((x, i) => x / us[0][i])).toFixed(3)}` : "";
  console.log(`${name.padEnd(50)} ${parts.join(" | ")}${paired}`);
}
