/**
 * The discrete-event simulator: a virtual clock and the event queue (queue.ts). Time only moves
 * when run() takes the next event; nothing here reads the wall clock, so a run is a pure function
 * of what was scheduled (design.md: "nothing in sim reads the wall clock").
 *
 * Semantics (ns-3 / turmoil style):
 * - schedule(atMs) with atMs < nowMs is a bug in the caller and throws; atMs === nowMs runs later
 *   in the same instant, after everything already scheduled for that instant.
 * - cancel() flags the event; a cancelled event never runs and is not counted. Cancelling an event
 *   that already ran (or was already cancelled) does nothing.
 * - run() takes events in (time, insertion id) order until the queue is empty ("idle"), the next
 *   event is after untilMs ("until") or eventsMax events have run ("events-max"). With untilMs the
 *   clock ends at untilMs whenever no event at or before it remains (a duration means "advance to
 *   here"), so callers can close minute buckets at the scenario's end.
 */
import type { Clock, TimerHandle } from "../src/dtls/api.js";
import { EventQueue, type EventFn } from "./queue.js";

export { SIM_EVENTS_MAX, SIM_EVENTS_CEILING } from "./queue.js";

/** What schedule() returns; compatible with the DTLS api.ts TimerHandle. `id` is the insertion id. */
export interface EventHandle extends TimerHandle {
  readonly id: number;
}

class Handle implements EventHandle {
  constructor(
    readonly id: number,
    readonly slot: number,
    readonly queue: EventQueue,
  ) {}
}

export interface SimulatorOptions {
  /** Bound on events held in the queue at once (default SIM_EVENTS_MAX); schedule() beyond it throws. */
  eventsMax?: number;
}

export interface RunOptions {
  /** Run events due at or before this virtual time, then set the clock to it. */
  untilMs?: number;
  /** Run at most this many events in this call. */
  eventsMax?: number;
}

export type StoppedBy = "idle" | "until" | "events-max";

export interface RunResult {
  /** Events run by this call (cancelled ones not counted). */
  events: number;
  nowMs: number;
  stoppedBy: StoppedBy;
}

export class Simulator {
  private readonly queue: EventQueue;
  private now = 0;
  private running = false;
  private clockAdapter: Clock | null = null;
  /** Events run over the simulator's lifetime. */
  private eventsRunTotal = 0;

  constructor(options: SimulatorOptions = {}) {
    this.queue = new EventQueue(options.eventsMax);
  }

  get nowMs(): number {
    return this.now;
  }

  /** Events that will still run. */
  get pending(): number {
    return this.queue.live;
  }

  /** Events run since construction. */
  get eventsRun(): number {
    return this.eventsRunTotal;
  }

  /** The queue bound (SimulatorOptions.eventsMax). */
  get eventsMax(): number {
    return this.queue.limit;
  }

  schedule(atMs: number, fn: () => void): EventHandle {
    return this.scheduleCall(atMs, fn as EventFn<undefined>, undefined);
  }

  /**
   * Schedules fn(arg). Hot paths pass one shared function and a per-flow state object instead of
   * a fresh closure per event.
   */
  scheduleCall<T>(atMs: number, fn: EventFn<T>, arg: T): EventHandle {
    if (!(atMs >= this.now) || atMs === Infinity) {
      throw new RangeError(`Simulator.schedule: "atMs" expected a finite time >= nowMs (${this.now}), got ${atMs}`);
    }
    if (typeof fn !== "function") {
      throw new TypeError(`Simulator.schedule: "fn" expected a function, got ${typeof fn}`);
    }
    const slot = this.queue.push(atMs, fn as EventFn<never>, arg);
    return new Handle(this.queue.seqOf(slot), slot, this.queue);
  }

  /**
   * scheduleCall() for events that are never cancelled: the same checks and order, no handle made
   * (hot paths: a datagram's arrival, a flow's next packet).
   */
  post<T>(atMs: number, fn: EventFn<T>, arg: T): void {
    if (!(atMs >= this.now) || atMs === Infinity) {
      throw new RangeError(`Simulator.schedule: "atMs" expected a finite time >= nowMs (${this.now}), got ${atMs}`);
    }
    if (typeof fn !== "function") {
      throw new TypeError(`Simulator.schedule: "fn" expected a function, got ${typeof fn}`);
    }
    this.queue.push(atMs, fn as EventFn<never>, arg);
  }

  /**
   * Reserves the next `n` places in the order of events scheduled at equal times, as if `n` events
   * were scheduled now; postReserved() later fills one. A caller that would schedule a million
   * events up front (one per flow) can keep one in the queue at a time and run them in exactly the
   * same order. Returns the first place.
   */
  reserveOrder(n: number): number {
    return this.queue.reserve(n);
  }

  /** post() into a place from reserveOrder() (each place used once). */
  postReserved<T>(atMs: number, place: number, fn: EventFn<T>, arg: T): void {
    if (!(atMs >= this.now) || atMs === Infinity) {
      throw new RangeError(`Simulator.schedule: "atMs" expected a finite time >= nowMs (${this.now}), got ${atMs}`);
    }
    if (typeof fn !== "function") {
      throw new TypeError(`Simulator.schedule: "fn" expected a function, got ${typeof fn}`);
    }
    this.queue.pushReserved(atMs, place, fn as EventFn<never>, arg);
  }

  after(delayMs: number, fn: () => void): EventHandle {
    if (!(delayMs >= 0) || delayMs === Infinity) {
      throw new RangeError(`Simulator.after: "delayMs" expected a finite number >= 0, got ${delayMs}`);
    }
    return this.schedule(this.now + delayMs, fn);
  }

  afterCall<T>(delayMs: number, fn: EventFn<T>, arg: T): EventHandle {
    if (!(delayMs >= 0) || delayMs === Infinity) {
      throw new RangeError(`Simulator.afterCall: "delayMs" expected a finite number >= 0, got ${delayMs}`);
    }
    return this.scheduleCall(this.now + delayMs, fn, arg);
  }

  /** Cancels a pending event; a handle whose event already ran or was cancelled is ignored. */
  cancel(h: EventHandle): void {
    if (!(h instanceof Handle) || h.queue !== this.queue) {
      const got = h instanceof Handle ? `the handle of event ${h.id} of another simulator` : JSON.stringify(h);
      throw new TypeError(`Simulator.cancel: "handle" expected a handle returned by this simulator's schedule(), got ${got}`);
    }
    this.queue.cancel(h.slot, h.id);
  }

  run(options: RunOptions = {}): RunResult {
    const untilMs = options.untilMs ?? Infinity;
    const eventsMax = options.eventsMax ?? Infinity;
    if (Number.isNaN(untilMs) || untilMs < this.now) {
      throw new RangeError(`Simulator.run: "untilMs" expected a time >= nowMs (${this.now}), got ${options.untilMs}`);
    }
    if (!(eventsMax >= 0) || (eventsMax !== Infinity && !Number.isInteger(eventsMax))) {
      throw new RangeError(`Simulator.run: "eventsMax" expected an integer >= 0, got ${options.eventsMax}`);
    }
    if (this.running) throw new Error("Simulator.run: called from inside an event; expected run() only from outside the simulation");
    this.running = true;
    const q = this.queue;
    let events = 0;
    let stoppedBy: StoppedBy;
    try {
      while (true) {
        q.skipCancelled();
        if (q.stored === 0) {
          stoppedBy = "idle";
          if (untilMs !== Infinity) this.now = untilMs;
          break;
        }
        const t = q.topTime();
        if (t > untilMs) {
          stoppedBy = "until";
          this.now = untilMs;
          break;
        }
        if (events >= eventsMax) {
          stoppedBy = "events-max";
          break;
        }
        q.popTop();
        const fn = q.poppedFn as EventFn<unknown>;
        const arg = q.poppedArg;
        q.poppedFn = null;
        q.poppedArg = undefined;
        this.now = t;
        events++;
        this.eventsRunTotal++;
        fn(arg);
      }
    } finally {
      this.running = false;
    }
    return { events, nowMs: this.now, stoppedBy };
  }

  /** The DTLS Clock (api.ts) on this simulator's virtual time; one object per simulator. */
  clock(): Clock {
    if (this.clockAdapter === null) {
      this.clockAdapter = {
        nowMs: () => this.now,
        setTimer: (delayMs: number, fn: () => void): TimerHandle => {
          if (!(delayMs >= 0) || delayMs === Infinity) {
            throw new RangeError(`Simulator clock setTimer: "delayMs" expected a finite number >= 0, got ${delayMs}`);
          }
          return this.schedule(this.now + delayMs, fn);
        },
        clearTimer: (handle: TimerHandle): void => this.cancel(handle),
      };
    }
    return this.clockAdapter;
  }
}
