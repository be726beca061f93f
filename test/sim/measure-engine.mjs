#!/usr/bin/env node
/* global process, console -- a Node script */
/**
 * Quick measurement (not a test, not a benchmark): events per second through the sim/ engine.
 * Run against compiled JS:
 *
 *   npx tsc --outDir /tmp/simbuild --rootDir . --module NodeNext --moduleResolution NodeNext \
 *     --target ES2022 --skipLibCheck --types node sim/index.ts
 *   node --expose-gc test/sim/measure-engine.mjs [/tmp/simbuild]
 *
 * Cases: the "hold" model (a queue of P pending events; each event run schedules one more at a
 * random future time, so the heap stays at P: the steady state of a large run), with a shared
 * function + argument (scheduleCall) and with a closure per event (schedule); bulk schedule then
 * drain; a workload of many constant-rate flows; FaultModel.plan; rng draws and forks.
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const build = resolve(process.argv[2] ?? "/tmp/simbuild");
const { Simulator, SeededRng, FaultModel, schedulePackets } = await import(pathToFileURL(join(build, "sim/index.js")).href);

const rate = (n, ms) => `${(n / (ms / 1000) / 1e6).toFixed(2)} M/s`;
const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;
function time(label, n, fn) {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  const extra = fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  globalThis.gc?.();
  const after = process.memoryUsage().heapUsed;
  console.log(`${label.padEnd(58)} ${String(n).padStart(9)} in ${ms.toFixed(0).padStart(5)} ms  ${rate(n, ms).padStart(10)}  retained ${mb(after - before)}${extra ? `  ${extra}` : ""}`);
}

// Machine reference, to read the numbers below on a loaded or slow machine: sort 1,000,000 doubles.
{
  const a = Array.from({ length: 1_000_000 }, (_, i) => ((i * 2654435761) % 1_000_003) / 7);
  time("reference: Array.prototype.sort of 1,000,000 doubles", a.length, () => void a.sort((x, y) => x - y));
}

function hold(pendingCount, events, useClosure) {
  const sim = new Simulator({ eventsMax: Math.max(pendingCount * 2, 1024) });
  const rng = new SeededRng(1);
  let left = events;
  const step = (state) => {
    state.count++;
    if (--left > 0) sim.scheduleCall(sim.nowMs + rng.nextFloat() * 100, step, state);
  };
  const state = { count: 0 };
  const stepClosure = () => {
    state.count++;
    if (--left > 0) sim.schedule(sim.nowMs + rng.nextFloat() * 100, stepClosure);
  };
  for (let i = 0; i < pendingCount; i++) {
    if (useClosure) sim.schedule(rng.nextFloat() * 100, stepClosure);
    else sim.scheduleCall(rng.nextFloat() * 100, step, state);
  }
  left -= pendingCount;
  return () => sim.run().events;
}

for (const p of [1_000, 100_000, 1_000_000]) {
  const n = 1_000_000;
  let run = hold(p, n, false);
  time(`hold, ${p} pending, scheduleCall (fn + arg)`, n, () => void run());
  run = hold(p, n, true);
  time(`hold, ${p} pending, schedule (closure per event)`, n, () => void run());
}

{
  const n = 1_000_000;
  const sim = new Simulator();
  const rng = new SeededRng(2);
  const noop = () => {};
  time("bulk schedule 1,000,000 random times (closure shared)", n, () => {
    for (let i = 0; i < n; i++) sim.schedule(rng.nextFloat() * 1e6, noop);
  });
  time("drain those 1,000,000", n, () => void sim.run());
}

{
  const flows = 20_000;
  const packets = 30;
  const sim = new Simulator();
  const rng = new SeededRng(3);
  let emitted = 0;
  const emit = () => void emitted++;
  const base = { from: "a", to: "b", flow: { srcIp: "10.0.0.4", dstIp: "10.0.0.5", protocol: "tcp", srcPort: 1, dstPort: 2 }, sizeBytes: 100 };
  time(`workload: schedule ${flows} flows (half Poisson, forks)`, flows, () => {
    for (let i = 0; i < flows; i++) {
      schedulePackets(sim, { ...base, name: `f${i}`, startMs: i % 1000, packets, pattern: i % 3 === 0 ? "request-response" : "one-way",
        rate: i % 2 ? { kind: "poisson", perSecond: 100 } : { kind: "constant", perSecond: 100 } }, rng, emit);
    }
  });
  time(`workload: run them (${flows} x ${packets} packets + responses)`, flows * packets * 4 / 3, () => {
    sim.run();
    return `emitted ${emitted}`;
  });
}

{
  const m = new FaultModel({ lossRate: 0.01, duplicateRate: 0.01, reorderRate: 0.01, jitterMs: 0.1 }, [{ a: "h1", b: "h9", faults: { lossRate: 0.5 } }], new SeededRng(4));
  const out = [];
  const hosts = Array.from({ length: 64 }, (_, i) => `h${i}`);
  const n = 5_000_000;
  time("FaultModel.plan (64 hosts, global + one per-link)", n, () => {
    let s = 0;
    for (let i = 0; i < n; i++) s += m.plan(hosts[i & 63], hosts[(i >> 6) & 63], out);
    return `copies ${s}`;
  });
}

{
  const r = new SeededRng(5);
  const n = 10_000_000;
  time("SeededRng.nextFloat", n, () => {
    let s = 0;
    for (let i = 0; i < n; i++) s += r.nextFloat();
    return `mean ${(s / n).toFixed(4)}`;
  });
  const f = 1_000_000;
  time("SeededRng.fork (label ~20 chars)", f, () => {
    let s = 0;
    for (let i = 0; i < f; i++) s ^= r.fork(`workload/vm-${i}->vm-x`).nextU32();
    return `x ${s}`;
  });
}
