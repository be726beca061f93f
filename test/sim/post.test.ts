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
