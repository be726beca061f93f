import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Simulator } from "../../sim/engine.js";
import type { EventHandle } from "../../sim/engine.js";

/**
 * Model-based test of the queue: random interleavings of schedule, cancel (of pending, fired and
 * already-cancelled events alike), run by count and run by time, on a small queue bound so that
 * storage reuse, compaction of cancelled entries and the limit error all happen, checked against
 * a plain list kept sorted by (time, insertion order).
 */
const LIMIT = 12;

type Op =
  | { kind: "schedule"; deltaMs: number }
  | { kind: "cancel"; pick: number }
  | { kind: "step"; events: number }
  | { kind: "until"; deltaMs: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("schedule" as const), deltaMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 }), fc.double({ min: 0, max: 50, noNaN: true })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("step" as const), events: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("until" as const), deltaMs: fc.double({ min: 0, max: 20, noNaN: true }) }) },
);

describe("event queue against a sorted-list model", () => {
  it("property: schedule/cancel/run interleavings match the model (bound 12)", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const sim = new Simulator({ eventsMax: LIMIT });
        const fired: number[] = [];
        const handles: { h: EventHandle; label: number }[] = [];
        let model: { t: number; label: number }[] = [];
        let modelFired: number[] = [];
        let now = 0;
        let label = 0;
        const take = (n: number): void => {
          const batch = model.slice(0, n);
          model = model.slice(n);
          modelFired = modelFired.concat(batch.map((e) => e.label));
          if (batch.length > 0) now = batch[batch.length - 1]!.t;
        };
        for (const o of ops) {
          if (o.kind === "schedule") {
            const t = now + o.deltaMs;
            const l = label++;
            if (model.length >= LIMIT) {
              expect(() => sim.schedule(t, () => fired.push(l))).toThrow(/eventsMax/);
              continue;
            }
            handles.push({ h: sim.schedule(t, () => fired.push(l)), label: l });
            // Insert after every entry with time <= t: equal times keep insertion order.
            let i = model.length;
            while (i > 0 && model[i - 1]!.t > t) i--;
            model.splice(i, 0, { t, label: l });
          } else if (o.kind === "cancel") {
            if (handles.length === 0) continue;
            const { h, label: l } = handles[o.pick % handles.length]!;
            sim.cancel(h);
            model = model.filter((e) => e.label !== l);
          } else if (o.kind === "step") {
            const r = sim.run({ eventsMax: o.events });
            const n = Math.min(o.events, model.length);
            take(n);
            expect(r.events).toBe(n);
            expect(r.stoppedBy).toBe(model.length === 0 ? "idle" : "events-max");
          } else {
            const untilMs = now + o.deltaMs;
            const r = sim.run({ untilMs });
            let n = 0;
            while (n < model.length && model[n]!.t <= untilMs) n++;
            take(n);
            now = untilMs;
            expect(r.events).toBe(n);
            expect(r.stoppedBy).toBe(model.length === 0 ? "idle" : "until");
          }
          expect(sim.nowMs).toBe(now);
          expect(sim.pending).toBe(model.length);
          expect(fired).toEqual(modelFired);
        }
      }),
      { numRuns: 300 },
    );
  });
});
