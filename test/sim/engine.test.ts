import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Simulator, SIM_EVENTS_MAX, SIM_EVENTS_CEILING } from "../../sim/engine.js";
import type { EventHandle } from "../../sim/engine.js";
import { SeededRng } from "../../sim/rng.js";

describe("Simulator ordering", () => {
  it("runs events at equal times in the order they were scheduled", () => {
    const sim = new Simulator();
    const seen: string[] = [];
    sim.schedule(5, () => seen.push("a"));
    sim.schedule(3, () => seen.push("b"));
    sim.schedule(5, () => seen.push("c"));
    sim.schedule(3, () => seen.push("d"));
    sim.schedule(5, () => seen.push("e"));
    expect(sim.run()).toEqual({ events: 5, nowMs: 5, stoppedBy: "idle" });
    expect(seen).toEqual(["b", "d", "a", "c", "e"]);
  });

  it("an event scheduled for now from inside an event runs after those already due now", () => {
    const sim = new Simulator();
    const seen: string[] = [];
    sim.schedule(1, () => {
      seen.push("first");
      sim.schedule(1, () => seen.push("nested"));
      sim.after(0, () => seen.push("nested-after"));
    });
    sim.schedule(1, () => seen.push("second"));
    sim.run();
    expect(seen).toEqual(["first", "second", "nested", "nested-after"]);
  });

  it("property: any schedule (with ties and cancellations) runs in the order of a stable sort by time", () => {
    const entry = fc.record({ timeMs: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 1e6, noNaN: true })), cancel: fc.boolean() });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 300 }), (entries) => {
        const sim = new Simulator();
        const seen: number[] = [];
        const handles = entries.map((e, i) => sim.schedule(e.timeMs, () => seen.push(i)));
        entries.forEach((e, i) => {
          if (e.cancel) sim.cancel(handles[i]!);
        });
        const expected = entries
          .map((e, i) => ({ ...e, i }))
          .filter((e) => !e.cancel)
          .sort((a, b) => a.timeMs - b.timeMs || a.i - b.i)
          .map((e) => e.i);
        expect(sim.pending).toBe(expected.length);
        const r = sim.run();
        expect(seen).toEqual(expected);
        expect(r.events).toBe(expected.length);
        expect(sim.pending).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps order through growth past the initial storage and interleaved pops (10,000 events, seed 7)", () => {
    const rng = new SeededRng(7);
    const sim = new Simulator();
    const seen: { t: number; i: number }[] = [];
    let n = 0;
    // Each event schedules up to two more in its future: the heap is pushed and popped interleaved.
    const spawn = (): void => {
      const i = n++;
      const t = sim.nowMs + rng.nextInt(0, 50);
      sim.schedule(t, () => {
        seen.push({ t: sim.nowMs, i });
        if (n < 10_000) spawn();
        if (n < 10_000 && rng.nextFloat() < 0.5) spawn();
      });
    };
    for (let k = 0; k < 3_000; k++) spawn();
    sim.run();
    expect(seen.length).toBe(10_000);
    // Times never go backwards; at equal times insertion ids (i) increase.
    const outOfOrder = seen.filter((b, k) => k > 0 && !(seen[k - 1]!.t < b.t || (seen[k - 1]!.t === b.t && seen[k - 1]!.i < b.i)));
    expect(outOfOrder).toEqual([]);
  });

  it("rejects times in the past, NaN and infinity, naming the input", () => {
    const sim = new Simulator();
    sim.schedule(10, () => {});
    sim.run();
    expect(() => sim.schedule(9, () => {})).toThrow(/"atMs" expected a finite time >= nowMs \(10\), got 9/);
    expect(() => sim.schedule(Number.NaN, () => {})).toThrow(/got NaN/);
    expect(() => sim.schedule(Infinity, () => {})).toThrow(/got Infinity/);
    expect(() => sim.after(-1, () => {})).toThrow(/"delayMs" expected a finite number >= 0, got -1/);
    expect(() => sim.schedule(10, () => {})).not.toThrow();
  });
});

describe("Simulator cancellation", () => {
  it("skips cancelled events and does not count them", () => {
    const sim = new Simulator();
    const seen: number[] = [];
    const hs = [1, 2, 3, 4].map((t) => sim.schedule(t, () => seen.push(t)));
    sim.cancel(hs[1]!);
    sim.cancel(hs[3]!);
    sim.cancel(hs[3]!); // twice: still one cancellation
    expect(sim.pending).toBe(2);
    expect(sim.run()).toEqual({ events: 2, nowMs: 3, stoppedBy: "idle" });
    expect(seen).toEqual([1, 3]);
  });

  it("cancelling an event that already ran is harmless, also when its storage is reused", () => {
    const sim = new Simulator();
    const seen: string[] = [];
    const a = sim.schedule(1, () => seen.push("a"));
    sim.run();
    // b takes the storage slot a used; a's stale handle must not cancel b.
    sim.schedule(2, () => seen.push("b"));
    sim.cancel(a);
    expect(sim.pending).toBe(1);
    sim.run();
    expect(seen).toEqual(["a", "b"]);
  });

  it("an event can cancel a later event due at the same time", () => {
    const sim = new Simulator();
    const seen: string[] = [];
    let later: EventHandle | null = null;
    sim.schedule(5, () => {
      seen.push("canceller");
      sim.cancel(later!);
    });
    later = sim.schedule(5, () => seen.push("later"));
    expect(sim.run().events).toBe(1);
    expect(seen).toEqual(["canceller"]);
  });

  it("rejects a handle from another simulator", () => {
    const a = new Simulator();
    const b = new Simulator();
    const h = a.schedule(1, () => {});
    b.schedule(1, () => {});
    expect(() => b.cancel(h)).toThrow(/expected a handle returned by this simulator's schedule\(\), got the handle of event 0 of another simulator$/);
    expect(() => b.cancel({ id: 0 })).toThrow(TypeError);
    expect(b.pending).toBe(1);
  });
});

describe("Simulator queue limit", () => {
  it("defaults to SIM_EVENTS_MAX", () => {
    expect(new Simulator().eventsMax).toBe(SIM_EVENTS_MAX);
  });

  it("throws a clear error when scheduling beyond eventsMax, and accepts again after events run", () => {
    const sim = new Simulator({ eventsMax: 8 });
    for (let i = 0; i < 8; i++) sim.schedule(i, () => {});
    expect(() => sim.schedule(100, () => {})).toThrow(/already holds 8 pending events.*"eventsMax".*is 8; expected fewer pending events/);
    expect(sim.pending).toBe(8);
    sim.run({ eventsMax: 1 });
    expect(() => sim.schedule(100, () => {})).not.toThrow();
    expect(() => sim.schedule(100, () => {})).toThrow(/eventsMax/);
  });

  it("cancelled events give their room back before the limit is reported", () => {
    const sim = new Simulator({ eventsMax: 6 });
    const seen: number[] = [];
    const hs = [5, 4, 3, 2, 1, 0].map((t) => sim.schedule(t, () => seen.push(t)));
    sim.cancel(hs[0]!);
    sim.cancel(hs[2]!);
    sim.cancel(hs[4]!);
    sim.schedule(2, () => seen.push(20));
    sim.schedule(7, () => seen.push(7));
    sim.schedule(0, () => seen.push(0.5));
    expect(() => sim.schedule(9, () => {})).toThrow(/already holds 6 pending events/);
    sim.run();
    // Compaction rebuilt the heap without losing (time, insertion) order.
    expect(seen).toEqual([0, 0.5, 2, 20, 4, 7]);
  });

  it("grows storage up to the limit (limit above the initial allocation)", () => {
    const sim = new Simulator({ eventsMax: 3_000 });
    for (let i = 0; i < 3_000; i++) sim.schedule(3_000 - i, () => {});
    expect(() => sim.schedule(1, () => {})).toThrow(/is 3000/);
    expect(sim.run().events).toBe(3_000);
  });

  it("rejects a bad eventsMax option", () => {
    expect(() => new Simulator({ eventsMax: 0 })).toThrow(/"eventsMax" expected an integer in \[1, /);
    expect(() => new Simulator({ eventsMax: 2.5 })).toThrow(/got 2.5/);
    expect(() => new Simulator({ eventsMax: SIM_EVENTS_CEILING + 1 })).toThrow(/SIM_EVENTS_CEILING/);
  });
});

describe("Simulator.run", () => {
  const tenEvents = (): { sim: Simulator; seen: number[] } => {
    const sim = new Simulator();
    const seen: number[] = [];
    for (let t = 1; t <= 10; t++) sim.schedule(t, () => seen.push(t));
    return { sim, seen };
  };

  it("untilMs runs events at or before it, then leaves the clock at untilMs", () => {
    const { sim, seen } = tenEvents();
    expect(sim.run({ untilMs: 5 })).toEqual({ events: 5, nowMs: 5, stoppedBy: "until" });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(sim.run({ untilMs: 7.5 })).toEqual({ events: 2, nowMs: 7.5, stoppedBy: "until" });
    expect(sim.pending).toBe(3);
    expect(sim.run()).toEqual({ events: 3, nowMs: 10, stoppedBy: "idle" });
    expect(sim.run({ untilMs: 60_000 })).toEqual({ events: 0, nowMs: 60_000, stoppedBy: "idle" });
    expect(sim.nowMs).toBe(60_000);
  });

  it("eventsMax stops after that many events; the clock stays at the last event", () => {
    const { sim, seen } = tenEvents();
    expect(sim.run({ eventsMax: 3 })).toEqual({ events: 3, nowMs: 3, stoppedBy: "events-max" });
    expect(seen).toEqual([1, 2, 3]);
    expect(sim.run({ eventsMax: 0 })).toEqual({ events: 0, nowMs: 3, stoppedBy: "events-max" });
    expect(sim.run({ eventsMax: 7 })).toEqual({ events: 7, nowMs: 10, stoppedBy: "idle" });
    expect(sim.eventsRun).toBe(10);
  });

  it("eventsMax does not count cancelled events; until wins over eventsMax when both apply", () => {
    const { sim } = tenEvents();
    const h = sim.schedule(2, () => {});
    sim.cancel(h);
    expect(sim.run({ eventsMax: 2, untilMs: 2 })).toEqual({ events: 2, nowMs: 2, stoppedBy: "until" });
  });

  it("rejects bad options and re-entrant runs", () => {
    const { sim } = tenEvents();
    sim.run({ untilMs: 4 });
    expect(() => sim.run({ untilMs: 3 })).toThrow(/"untilMs" expected a time >= nowMs \(4\), got 3/);
    expect(() => sim.run({ eventsMax: -1 })).toThrow(/"eventsMax" expected an integer >= 0, got -1/);
    sim.schedule(20, () => sim.run());
    expect(() => sim.run()).toThrow(/called from inside an event/);
    // The simulator is still usable afterwards.
    sim.schedule(sim.nowMs + 1, () => {});
    expect(sim.run().stoppedBy).toBe("idle");
  });
});

describe("Simulator.clock (DTLS Clock adapter)", () => {
  it("drives a retransmission timer like the DTLS endpoint's (RFC 6347 §4.2.4.1 doubling)", () => {
    const sim = new Simulator();
    const clock = sim.clock();
    expect(sim.clock()).toBe(clock);
    const fired: number[] = [];
    let timeoutMs = 1_000;
    let timer = clock.setTimer(timeoutMs, function retransmit(): void {
      fired.push(clock.nowMs());
      timeoutMs *= 2;
      timer = clock.setTimer(timeoutMs, retransmit);
    });
    // The peer answers at 5.5 s: the pending timer is cleared.
    sim.schedule(5_500, () => clock.clearTimer(timer));
    const r = sim.run();
    expect(fired).toEqual([1_000, 3_000]);
    expect(r.nowMs).toBe(5_500);
    expect(r.stoppedBy).toBe("idle");
  });

  it("nowMs follows virtual time; clearing a fired timer is harmless; negative delays are rejected", () => {
    const sim = new Simulator();
    const clock = sim.clock();
    const seen: number[] = [];
    const t1 = clock.setTimer(0, () => seen.push(clock.nowMs()));
    sim.run({ untilMs: 250 });
    expect(clock.nowMs()).toBe(250);
    clock.setTimer(10, () => seen.push(clock.nowMs()));
    clock.clearTimer(t1);
    sim.run();
    expect(seen).toEqual([0, 260]);
    expect(() => clock.setTimer(-5, () => {})).toThrow(/"delayMs" expected a finite number >= 0, got -5/);
    expect(() => clock.setTimer(Number.NaN, () => {})).toThrow(/got NaN/);
  });
});

describe("Simulator when an event throws", () => {
  it("run() rethrows; the throwing event is consumed and the rest run on the next call", () => {
    const sim = new Simulator();
    const seen: number[] = [];
    sim.schedule(1, () => seen.push(1));
    sim.schedule(2, () => {
      throw new Error("boom in event");
    });
    sim.schedule(3, () => seen.push(3));
    expect(() => sim.run()).toThrow("boom in event");
    expect(sim.nowMs).toBe(2);
    expect(sim.pending).toBe(1);
    expect(sim.run()).toEqual({ events: 1, nowMs: 3, stoppedBy: "idle" });
    expect(seen).toEqual([1, 3]);
  });
});
