/**
 * Timed scenario events (enable/disable encryption, set enforcement, VM start/stop/restart,
 * accelerated networking, host hardware) on the simulator's clock. The scenario already sorts
 * them by time keeping file order at equal times; scheduling them in that order keeps it, because
 * the queue runs equal times in insertion order. What an event does is the caller's `apply`
 * (typically applyEvent from src/scenario plus the data plane's reaction).
 */
import type { TimedEvent } from "../src/scenario/types.js";
import type { EventHandle, Simulator } from "./engine.js";

export function scheduleTimedEvents(sim: Simulator, events: readonly TimedEvent[], apply: (e: TimedEvent) => void): EventHandle[] {
  return events.map((e, i) => {
    if (!(e.atMs >= sim.nowMs) || e.atMs === Infinity) {
      throw new RangeError(`scheduleTimedEvents: events[${i}] (${e.action}) "atMs" expected a finite time >= nowMs (${sim.nowMs}), got ${e.atMs}`);
    }
    return sim.scheduleCall(e.atMs, apply, e);
  });
}
