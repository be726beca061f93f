/** Simulator.post: scheduleCall without a handle; the same checks and the same (time, insertion) order. */
import { describe, expect, it } from "vitest";
import { Simulator } from "../../sim/engine.js";

describe("Simulator.post", () => {
  it("runs in (time, insertion) order among scheduleCall events", () => {
    const sim = new Simulator();
    const seen: string[] = [];
    const log = (s: string): void => void seen.push(`${sim.nowMs}:${s}`);
    sim.post(5, log, "p1");
    sim.scheduleCall(5, log, "s1");
    sim.post(5, log, "p2");
    sim.post(2, log, "p0");
    sim.scheduleCall(2, (s: string) => {
      log(s);
      sim.post(2, log, "p-same-instant");
    }, "s0");
    expect(sim.pending).toBe(5);
    sim.run();
    expect(seen).toEqual(["2:p0", "2:s0", "2:p-same-instant", "5:p1", "5:s1", "5:p2"]);
  });

  it("refuses a time in the past or infinite, and a non-function", () => {
    const sim = new Simulator();
    sim.post(10, () => {}, undefined);
    sim.run();
    expect(() => sim.post(9, () => {}, undefined)).toThrow(/"atMs" expected a finite time >= nowMs \(10\), got 9/);
    expect(() => sim.post(Infinity, () => {}, undefined)).toThrow(/got Infinity/);
    expect(() => sim.post(11, 3 as unknown as () => void, undefined)).toThrow(/"fn" expected a function, got number/);
  });
});

describe("Simulator.reserveOrder / postReserved", () => {
  it("events posted later into reserved places run as if scheduled at reservation time", () => {
    const sim = new Simulator();
    const seen: string[] = [];
    const log = (s: string): void => void seen.push(`${sim.nowMs}:${s}`);
    sim.post(5, log, "before");
    const first = sim.reserveOrder(3);
    sim.post(5, log, "after");
    sim.post(1, () => {
      // Filled in reverse, from inside an event: the places, not the posting order, decide.
      sim.postReserved(5, first + 2, log, "r2");
      sim.postReserved(5, first + 0, log, "r0");
      sim.postReserved(3, first + 1, log, "r1");
      sim.post(5, log, "late");
    }, undefined);
    sim.run();
    expect(seen).toEqual(["3:r1", "5:before", "5:r0", "5:r2", "5:after", "5:late"]);
  });

  it("refuses a place that was never reserved, and a past time", () => {
    const sim = new Simulator();
    const first = sim.reserveOrder(2);
    expect(() => sim.postReserved(1, first + 2, () => {}, undefined)).toThrow(/"seq" expected a reserved insertion id in \[0, 2\), got 2/);
    expect(() => sim.reserveOrder(-1)).toThrow(/"n" expected an integer >= 0, got -1/);
    sim.post(4, () => {}, undefined);
    sim.run();
    expect(() => sim.postReserved(3, first, () => {}, undefined)).toThrow(/"atMs" expected a finite time >= nowMs \(4\), got 3/);
  });
});
