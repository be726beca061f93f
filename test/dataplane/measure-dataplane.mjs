#!/usr/bin/env node
/* global process, console, performance, setInterval, clearInterval -- a Node script */
/**
 * Quick measurement (not a test, not a benchmark): flows per second through runScenario on the
 * memory wire for a generated scenario of V VMs (4 per host, one VNet with encryption on) and F
 * one-packet flows between random VM pairs, and peak memory. Run against compiled JS:
 *
 *   npx tsc --outDir /tmp/dpbuild --rootDir . --module NodeNext --moduleResolution NodeNext \
 *     --target ES2022 --skipLibCheck --types node --resolveJsonModule sim/runner.ts src/scenario/index.ts
 *   ln -sfn "$PWD/node_modules" /tmp/dpbuild/node_modules
 *   node --expose-gc test/dataplane/measure-dataplane.mjs [/tmp/dpbuild] [VMS=1000] [FLOWS=10000] [PAIRS=F] [scope=vm-pair]
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const build = resolve(process.argv[2] ?? "/tmp/dpbuild");
const vmsN = Number(process.argv[3] ?? 1000);
const flowsN = Number(process.argv[4] ?? 10000);
const pairsN = Number(process.argv[5] ?? flowsN);
const scope = process.argv[6] ?? "vm-pair";
const { runScenario } = await import(pathToFileURL(join(build, "sim/runner.js")).href);
const { parseScenario } = await import(pathToFileURL(join(build, "src/scenario/index.js")).href);

// A deterministic generator (no Math.random: the run must be replayable).
let s = 12345;
const rnd = (n) => {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  return s % n;
};
const hostsN = Math.ceil(vmsN / 4);
const lines = [`name: measure`, `seed: 3`, `settings: { tunnelScope: ${scope} }`, `hosts:`];
for (let h = 0; h < hostsN; h++) lines.push(`  - { name: h${h}, region: westeurope }`);
lines.push(`vnets:`, `  - name: vnet`, `    region: westeurope`, `    addressSpace: [10.0.0.0/8]`, `    encryption: { enabled: true }`, `    subnets: [{ name: s, prefix: 10.0.0.0/16 }]`, `vms:`);
const ips = [];
for (let i = 0; i < vmsN; i++) {
  const a = 4 + i;
  const addr = `10.0.${a >> 8}.${a & 255}`;
  ips.push(addr);
  lines.push(`  - { name: vm${i}, size: Standard_D4s_v5, host: h${i % hostsN}, subnet: vnet/s, ip: ${addr} }`);
}
const pairs = [];
for (let p = 0; p < pairsN; p++) {
  let a = rnd(vmsN);
  let b = rnd(vmsN);
  if (b % hostsN === a % hostsN) b = (b + 1) % vmsN;
  pairs.push([a, b]);
}
// Flows are built as FlowSpec values (a million flows would not fit a scenario file's size limit).
const t0 = performance.now();
const scenario = parseScenario(lines.join("\n"), "measure.yaml");
scenario.flows = [];
for (let f = 0; f < flowsN; f++) {
  const [a, b] = pairs[f % pairsN];
  scenario.flows.push({
    name: `f${f}`, from: `vm${a}`, to: `vm${b}`,
    flow: { srcIp: ips[a], dstIp: ips[b], protocol: "tcp", srcPort: 1024 + (f % 60000), dstPort: 443 + Math.floor(f / 60000) },
    startMs: f % 1000, packets: 1, sizeBytes: 500, rate: null, pattern: "one-way",
  });
}
const t1 = performance.now();
const cpu0 = process.cpuUsage();
let peak = 0;
let live = 0;
const sample = () => {
  const m = process.memoryUsage();
  peak = Math.max(peak, m.heapUsed + m.external + m.arrayBuffers);
};
// Live memory: after a full collection at each progress report (every RUN_SLICE_EVENTS events).
const sampleLive = () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  live = Math.max(live, m.heapUsed + m.external + m.arrayBuffers);
};
const timer = setInterval(sample, 50);
const r = await runScenario(scenario, { onProgress: process.env.LIVE === "1" ? sampleLive : sample });
clearInterval(timer);
sample();
const t2 = performance.now();
const cpu = process.cpuUsage(cpu0);
const runMs = t2 - t1;
// CPU time counts what this process used; on a shared machine (load > cores) wall time overstates the cost.
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(JSON.stringify({
  vms: vmsN, hosts: hostsN, flows: flowsN, pairs: pairsN, scope,
  loadMs: Math.round(t1 - t0), runMs: Math.round(runMs), flowsPerSecond: Math.round(flowsN / (runMs / 1000)),
  cpuMs: Math.round(cpuMs), flowsPerCpuSecond: Math.round(flowsN / (cpuMs / 1000)),
  packets: r.packets, tunnels: r.tunnels, flowLogRecords: r.flowLogRecords.length,
  rssMB: Math.round(process.memoryUsage().rss / 1048576), peakHeapMB: Math.round(peak / 1048576), liveHeapMB: Math.round(live / 1048576),
}, null, 1));
