/**
 * Clocks for the DTLS endpoint. The protocol code never reads the wall clock: it asks a Clock.
 * - ManualClock: virtual time for tests and the simulator. Timers fire in (due time, insertion id)
 *   order so equal due times are deterministic (as in ns-3 / turmoil event queues).
 * - realClock(): the only real-time code in src/dtls, used by the UDP tools.
 */
import type { Clock, TimerHandle } from "./api.js";

interface ManualTimer {
  readonly id: number;
  readonly dueMs: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Upper bound on timers fired by one runUntilIdle() call unless the caller passes another. */
export const RUN_UNTIL_IDLE_TIMERS_MAX = 1_000_000;

export class ManualClock implements Clock {
  private now: number;
  private nextId = 1;
  /** Kept sorted by (dueMs, id); cancelled timers are removed eagerly. */
  private timers: ManualTimer[] = [];

  constructor(startMs = 0) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      throw new RangeError(`ManualClock.setTimer: "delayMs" expected a finite number >= 0, got ${delayMs}`);
    }
    const timer: ManualTimer = { id: this.nextId++, dueMs: this.now + delayMs, fn, cancelled: false };
    // Binary search for the insertion point: after every timer with dueMs <= this one (ids grow).
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timers[mid]!.dueMs <= timer.dueMs) lo = mid + 1;
      else hi = mid;
    }
    // push when it goes last (the common case): splice allocates the (empty) array it returns.
    if (lo === this.timers.length) this.timers.push(timer);
    else this.timers.splice(lo, 0, timer);
    return { id: timer.id };
  }

  clearTimer(handle: TimerHandle): void {
    const i = this.timers.findIndex((t) => t.id === handle.id);
    if (i >= 0) {
      this.timers[i]!.cancelled = true;
      this.timers.splice(i, 1);
    }
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Due time of the next timer, or undefined when idle. */
  get nextDueMs(): number | undefined {
    return this.timers[0]?.dueMs;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ManualClock.advance: "ms" expected a finite number >= 0, got ${ms}`);
    }
    const target = this.now + ms;
    let fired = 0;
    while (this.timers.length > 0 && this.timers[0]!.dueMs <= target) {
      this.fireNext();
      fired++;
    }
    this.now = target;
    return fired;
  }

  /**
   * Fires timers (jumping time to each due time) until none is left. Throws if more than
   * `timersMax` fire: that means something re-arms forever, which is a bug to surface, not hide.
   */
  runUntilIdle(timersMax = RUN_UNTIL_IDLE_TIMERS_MAX): number {
    let fired = 0;
    while (this.timers.length > 0) {
      if (fired >= timersMax) {
        throw new Error(`ManualClock.runUntilIdle: still busy after ${timersMax} timers ("timersMax")`);
      }
      this.fireNext();
      fired++;
    }
    return fired;
  }

  /** Fires timers until `done()` is true or the clock is idle; returns whether `done()` held. */
  runUntil(done: () => boolean, timersMax = RUN_UNTIL_IDLE_TIMERS_MAX): boolean {
    let fired = 0;
    while (!done()) {
      if (this.timers.length === 0) return false;
      if (fired >= timersMax) {
        throw new Error(`ManualClock.runUntil: condition still false after ${timersMax} timers ("timersMax")`);
      }
      this.fireNext();
      fired++;
    }
    return true;
  }

  private fireNext(): void {
    const t = this.timers.shift()!;
    if (t.dueMs > this.now) this.now = t.dueMs;
    t.fn();
  }
}

/** Real time (monotonic, via performance.now) and setTimeout; for the UDP transport and tools only. */
export function realClock(): Clock {
  let nextId = 1;
  const live = new Map<number, ReturnType<typeof setTimeout>>();
  return {
    nowMs: () => performance.now(),
    setTimer(delayMs, fn) {
      const id = nextId++;
      const t = setTimeout(() => {
        live.delete(id);
        fn();
      }, delayMs);
      live.set(id, t);
      return { id };
    },
    clearTimer(handle) {
      const t = live.get(handle.id);
      if (t !== undefined) {
        clearTimeout(t);
        live.delete(handle.id);
      }
    },
  };
}
