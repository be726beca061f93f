/**
 * The memory link's pooled, closure-free delivery (src/dtls/transport/memory.ts): the same
 * delivery order as one timer closure per datagram (checked against a reference written that
 * way), the pool limit, the in-flight limit, and datagrams copied at send().
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/dtls/api.js";
import { ManualClock } from "../../src/dtls/clock.js";
import { MEMORY_LINK_IN_FLIGHT_MAX, MEMORY_LINK_POOL_MAX, createMemoryLink, type MemoryLinkOptions } from "../../src/dtls/transport/memory.js";
import { seededRandom } from "../../src/dtls/transport/seeded.js";

/** The link as it was before pooling: a copy and a timer closure per datagram (the reference). */
function referenceLink(o: MemoryLinkOptions & { rng: () => number }) {
  const latency = o.latencyMs ?? 1;
  const handlers: { a: ((d: Uint8Array) => void) | null; b: ((d: Uint8Array) => void) | null } = { a: null, b: null };
  const send = (to: "a" | "b") => (d: Uint8Array) => {
    if ((o.lossRate ?? 0) > 0 && o.rng() < o.lossRate!) return;
    const copies = (o.duplicateRate ?? 0) > 0 && o.rng() < o.duplicateRate! ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      let delay = latency + c * 0.5;
      if ((o.reorderRate ?? 0) > 0 && o.rng() < o.reorderRate!) delay += Math.max(latency, 1) * (1 + o.rng() * 2);
      const copy = d.slice();
      o.clock.setTimer(delay, () => handlers[to]?.(copy));
    }
  };
  return { sendA: send("b"), sendB: send("a"), handlers };
}

type Step = { kind: "a" | "b"; bytes: number } | { kind: "timer"; delayMs: number } | { kind: "advance"; ms: number };

/** Runs the same steps on a link and records every event (deliveries and unrelated timers) in order. */
function trace(steps: Step[], seed: number, rates: { loss: number; dup: number; reorder: number; latencyMs: number }, useReference: boolean): string[] {
  const clock = new ManualClock();
  const rng = seededRandom(seed);
  const events: string[] = [];
  const opts = { clock, rng, lossRate: rates.loss, duplicateRate: rates.dup, reorderRate: rates.reorder, latencyMs: rates.latencyMs };
  let sendA: (d: Uint8Array) => void;
  let sendB: (d: Uint8Array) => void;
  const onA = (d: Uint8Array) => events.push(`${clock.nowMs()} a<-${d[0]}.${d.length}`);
  const onB = (d: Uint8Array) => events.push(`${clock.nowMs()} b<-${d[0]}.${d.length}`);
  if (useReference) {
    const r = referenceLink(opts);
    r.handlers.a = onA;
    r.handlers.b = onB;
    sendA = r.sendA;
    sendB = r.sendB;
  } else {
    const [a, b] = createMemoryLink(opts);
    a.onReceive(onA);
    b.onReceive(onB);
    sendA = (d) => a.send(d);
    sendB = (d) => b.send(d);
  }
  let n = 0;
  for (const s of steps) {
    if (s.kind === "a" || s.kind === "b") {
      const d = new Uint8Array(s.bytes).fill(n++ & 0xff);
      (s.kind === "a" ? sendA : sendB)(d);
      d.fill(0xff); // the sender reuses its buffer at once: the link must have copied
    } else if (s.kind === "timer") {
      const id = n++;
      clock.setTimer(s.delayMs, () => events.push(`${clock.nowMs()} timer ${id}`));
    } else if (s.kind === "advance") {
      clock.advance(s.ms);
    }
  }
  clock.runUntilIdle();
  return events;
}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom("a" as const, "b" as const), bytes: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({ kind: fc.constant("timer" as const), delayMs: fc.constantFrom(0, 0.5, 1, 2, 3) }),
  fc.record({ kind: fc.constant("advance" as const), ms: fc.constantFrom(0, 0.5, 1, 2) }),
);

describe("memory link delivery order", () => {
  it("property: the same events in the same order as one timer closure per datagram (loss, duplicates, reordering, ties with other timers)", () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom(0, 0.2),
        fc.constantFrom(0, 0.3),
        fc.constantFrom(0, 0.4),
        fc.constantFrom(0, 1, 2),
        (steps, seed, loss, dup, reorder, latencyMs) => {
          const rates = { loss, dup, reorder, latencyMs };
          const ours = trace(steps, seed, rates, false);
          expect(ours).toEqual(trace(steps, seed, rates, true));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("a non-trivial case really reorders and interleaves (the property is not vacuous)", () => {
    const steps: Step[] = [];
    for (let i = 0; i < 40; i++) steps.push({ kind: i % 2 === 0 ? "a" : "b", bytes: 10 + i }, { kind: "timer", delayMs: 1 });
    const ev = trace(steps, 7, { loss: 0, dup: 0.3, reorder: 0.4, latencyMs: 1 }, false);
    expect(ev).toEqual(trace(steps, 7, { loss: 0, dup: 0.3, reorder: 0.4, latencyMs: 1 }, true));
    const firstBytes = ev.filter((e) => e.includes("b<-")).map((e) => Number(e.split("<-")[1]!.split(".")[0]));
    expect(firstBytes).not.toEqual([...firstBytes].sort((x, y) => x - y)); // reordered
    expect(new Set(firstBytes).size).toBeLessThan(firstBytes.length); // duplicated
  });
});

describe("memory link buffers", () => {
  it(`keeps at most ${MEMORY_LINK_POOL_MAX} free buffers per direction after a burst`, () => {
    const clock = new ManualClock();
    const [a, b] = createMemoryLink({ clock, latencyMs: 1 });
    let got = 0;
    b.onReceive(() => got++);
    for (let i = 0; i < 500; i++) a.send(new Uint8Array(100));
    expect(a.pooledBuffers).toBe(0);
    clock.runUntilIdle();
    expect(got).toBe(500);
    expect(a.pooledBuffers).toBe(MEMORY_LINK_POOL_MAX);
    expect(b.pooledBuffers).toBe(0);
    // Steady state: one datagram at a time reuses one buffer.
    for (let i = 0; i < 10; i++) {
      a.send(new Uint8Array(100));
      expect(a.pooledBuffers).toBe(MEMORY_LINK_POOL_MAX - 1);
      clock.runUntilIdle();
      expect(a.pooledBuffers).toBe(MEMORY_LINK_POOL_MAX);
    }
  });

  it("the handler sees the datagram as sent, whatever its size, and the same buffer serves the next datagram", () => {
    const clock = new ManualClock();
    const [a, b] = createMemoryLink({ clock, latencyMs: 0 });
    const views: Uint8Array[] = [];
    const seen: number[][] = [];
    b.onReceive((d) => {
      views.push(d);
      seen.push([d.length, d[0] ?? -1, d[d.length - 1] ?? -1]);
    });
    for (const n of [1, 5000, 0, 2048, 2049, 1]) {
      const d = new Uint8Array(n).fill(n & 0xff);
      if (n > 0) d[n - 1] = 0xab;
      a.send(d);
      d.fill(0); // changing the sent buffer afterwards changes nothing in flight
      clock.runUntilIdle();
    }
    expect(seen).toEqual([
      [1, 0xab, 0xab],
      [5000, 5000 & 0xff, 0xab],
      [0, -1, -1],
      [2048, 0, 0xab],
      [2049, 2049 & 0xff, 0xab],
      [1, 0xab, 0xab],
    ]);
    // The first and the last 1-byte datagram came in the same pooled buffer (valid only during the handler).
    expect(views[5]!.buffer).toBe(views[4]!.buffer);
  });

  it("in-flight limit: datagrams beyond it are lost, and the link carries traffic again once drained", () => {
    const clock = new ManualClock();
    const [a, b] = createMemoryLink({ clock, latencyMs: 3 });
    let got = 0;
    b.onReceive(() => got++);
    for (let i = 0; i < MEMORY_LINK_IN_FLIGHT_MAX + 5; i++) a.send(new Uint8Array(8));
    expect(a.stats.lost).toBe(5);
    clock.runUntilIdle();
    expect(got).toBe(MEMORY_LINK_IN_FLIGHT_MAX);
    a.send(new Uint8Array(8));
    clock.runUntilIdle();
    expect(got).toBe(MEMORY_LINK_IN_FLIGHT_MAX + 1);
    expect(a.stats.lost).toBe(5);
  });

  it("a handler that sends from inside delivery, a closed peer, and a handler that throws", () => {
    const clock = new ManualClock();
    const [a, b] = createMemoryLink({ clock, latencyMs: 1 });
    const atA: number[] = [];
    a.onReceive((d) => atA.push(d[0]!));
    b.onReceive((d) => {
      if (d[0]! < 3) b.send(Uint8Array.of(d[0]! + 100));
      if (d[0] === 9) throw new Error("handler bug");
    });
    a.send(Uint8Array.of(1));
    a.send(Uint8Array.of(2));
    clock.runUntilIdle();
    expect(atA).toEqual([101, 102]);
    a.send(Uint8Array.of(9));
    expect(() => clock.runUntilIdle()).toThrow(/handler bug/);
    expect(a.pooledBuffers).toBeGreaterThan(0); // the buffer came back despite the throw
    b.close();
    a.send(Uint8Array.of(1));
    clock.runUntilIdle();
    expect(a.stats.sent).toBe(4);
    expect(a.stats.delivered).toBe(3);
  });

  it("works on any Clock: timers that fire in another order still deliver the earliest due datagram first", () => {
    // A clock that fires its timers last-in first-out: each firing must still deliver the queue's head.
    const pending: (() => void)[] = [];
    let now = 0;
    const lifo: Clock = {
      nowMs: () => now,
      setTimer: (_d, fn) => {
        pending.push(fn);
        return { id: pending.length };
      },
      clearTimer: () => {},
    };
    const [a, b] = createMemoryLink({ clock: lifo, latencyMs: 1 });
    const got: number[] = [];
    b.onReceive((d) => got.push(d[0]!));
    for (let i = 0; i < 5; i++) a.send(Uint8Array.of(i));
    now = 10;
    while (pending.length > 0) pending.pop()!();
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });
});
