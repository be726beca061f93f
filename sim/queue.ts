/**
 * The event queue: a binary min-heap ordered by (timeMs, insertion id), as ns-3's schedulers and
 * turmoil order events, so events due at the same time run in the order they were scheduled and
 * a run never depends on heap tie-breaking.
 *
 * Layout, chosen for millions of events (issue 5 drives 1,000,000 flows through this):
 * - The heap is three parallel typed arrays (time, insertion id, slot): comparisons read
 *   contiguous numbers, and moving an entry copies three numbers instead of chasing pointers.
 * - Each pending event owns a slot: a stable place for its callback, its argument and its
 *   insertion id. Slots are recycled through a free stack, so a steady-state run allocates no
 *   queue storage. A handle names (slot, insertion id); the id check makes a stale handle (its
 *   event already ran and the slot was reused) harmless.
 * - Cancellation is a flag (ns-3's approach): the callback is cleared and the entry is skipped
 *   when it reaches the top. Cancelled entries still occupy the heap until then; when the bound
 *   is reached they are compacted away before the queue reports itself full.
 *
 * Storage grows by doubling up to the bound given at construction (SIM_EVENTS_MAX by default).
 */

/** Default bound on events held by one queue (pending + cancelled-not-yet-skipped). 2^22 leaves
 * room for 1,000,000 flows with a next-packet event each plus in-flight datagrams and timers. */
export const SIM_EVENTS_MAX = 4_194_304;
/** Largest bound a caller may configure: 2^27 entries is ~4.5 GB of queue storage already. */
export const SIM_EVENTS_CEILING = 134_217_728;
/** First allocation; the arrays double from here. */
const INITIAL_CAPACITY = 1_024;

/** A callback with its argument; the argument lets hot paths reuse one function for many events. */
export type EventFn<T> = (arg: T) => void;

type AnyFn = EventFn<never>;

export class EventQueue {
  readonly limit: number;
  private capacity: number;
  /** Heap entries, parallel arrays; [0, size) is the heap. */
  private hTime: Float64Array;
  private hSeq: Float64Array;
  private hSlot: Int32Array;
  private size = 0;
  /** Slots: callback (null = free or cancelled), argument, insertion id (-1 = free). */
  private slotFn: (AnyFn | null)[] = [];
  private slotArg: unknown[] = [];
  private slotSeq: Float64Array;
  private freeStack: Int32Array;
  private freeTop = 0;
  /** Entries in the heap whose callback was cancelled. */
  private cancelledCount = 0;
  private nextSeq = 0;
  /** Set by popTop(): the callback and argument of the entry just removed. */
  poppedFn: AnyFn | null = null;
  poppedArg: unknown = undefined;

  constructor(limit: number = SIM_EVENTS_MAX) {
    if (!Number.isInteger(limit) || limit < 1 || limit > SIM_EVENTS_CEILING) {
      throw new RangeError(`EventQueue: "eventsMax" expected an integer in [1, ${SIM_EVENTS_CEILING}] (SIM_EVENTS_CEILING), got ${limit}`);
    }
    this.limit = limit;
    this.capacity = Math.min(INITIAL_CAPACITY, limit);
    this.hTime = new Float64Array(this.capacity);
    this.hSeq = new Float64Array(this.capacity);
    this.hSlot = new Int32Array(this.capacity);
    this.slotSeq = new Float64Array(this.capacity).fill(-1);
    this.freeStack = new Int32Array(this.capacity);
    this.initSlots(0, this.capacity);
  }

  /** Entries in the heap, cancelled ones included. */
  get stored(): number {
    return this.size;
  }

  /** Entries that will still run. */
  get live(): number {
    return this.size - this.cancelledCount;
  }

  /**
   * Adds an entry; returns its slot. The caller has checked timeMs. Throws when the bound is
   * reached even after dropping cancelled entries.
   */
  push(timeMs: number, fn: AnyFn, arg: unknown): number {
    return this.pushAt(timeMs, this.nextSeq++, fn, arg);
  }

  /**
   * Takes the next `n` insertion ids without adding entries: an entry pushed later with one of
   * them (pushReserved) runs as if it had been pushed now. Returns the first id.
   */
  reserve(n: number): number {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`EventQueue.reserve: "n" expected an integer >= 0, got ${n}`);
    const first = this.nextSeq;
    this.nextSeq += n;
    return first;
  }

  /** Adds an entry with an id from reserve() (the caller uses each id once). */
  pushReserved(timeMs: number, seq: number, fn: AnyFn, arg: unknown): number {
    if (!Number.isSafeInteger(seq) || seq < 0 || seq >= this.nextSeq) {
      throw new RangeError(`EventQueue.pushReserved: "seq" expected a reserved insertion id in [0, ${this.nextSeq}), got ${seq}`);
    }
    return this.pushAt(timeMs, seq, fn, arg);
  }

  private pushAt(timeMs: number, seq: number, fn: AnyFn, arg: unknown): number {
    if (this.size >= this.capacity) this.makeRoom();
    const slot = this.freeStack[--this.freeTop]!;
    this.slotFn[slot] = fn;
    this.slotArg[slot] = arg;
    this.slotSeq[slot] = seq;
    // Sift up by (time, insertion id). A pushed entry has the largest id, so it stops below any
    // equal time; a reserved id may be older than entries already in the heap.
    const hTime = this.hTime;
    const hSeq = this.hSeq;
    const hSlot = this.hSlot;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = hTime[p]!;
      if (pt < timeMs || (pt === timeMs && hSeq[p]! < seq)) break;
      hTime[i] = pt;
      hSeq[i] = hSeq[p]!;
      hSlot[i] = hSlot[p]!;
      i = p;
    }
    hTime[i] = timeMs;
    hSeq[i] = seq;
    hSlot[i] = slot;
    return slot;
  }

  /** Insertion id of the entry in `slot`, or -1 when the slot is free. */
  seqOf(slot: number): number {
    return this.slotSeq[slot] ?? -1;
  }

  /** Flags the entry (slot, seq) cancelled. False when it already ran or was cancelled. */
  cancel(slot: number, seq: number): boolean {
    if (this.slotSeq[slot] !== seq || this.slotFn[slot] === null) return false;
    this.slotFn[slot] = null;
    this.slotArg[slot] = undefined;
    this.cancelledCount++;
    return true;
  }

  /** Removes cancelled entries from the top, so topTime() is the time of an entry that will run. */
  skipCancelled(): void {
    while (this.size > 0 && this.slotFn[this.hSlot[0]!] === null) {
      const slot = this.hSlot[0]!;
      this.removeTop();
      this.freeSlot(slot);
      this.cancelledCount--;
    }
  }

  /** Time of the top entry; only meaningful when stored > 0. */
  topTime(): number {
    return this.hTime[0]!;
  }

  /** Removes the top entry into poppedFn/poppedArg and frees its slot. Call skipCancelled() first. */
  popTop(): void {
    const slot = this.hSlot[0]!;
    this.poppedFn = this.slotFn[slot] ?? null;
    this.poppedArg = this.slotArg[slot];
    this.removeTop();
    this.freeSlot(slot);
  }

  private freeSlot(slot: number): void {
    this.slotFn[slot] = null;
    this.slotArg[slot] = undefined;
    this.slotSeq[slot] = -1;
    this.freeStack[this.freeTop++] = slot;
  }

  private removeTop(): void {
    const hTime = this.hTime;
    const hSeq = this.hSeq;
    const hSlot = this.hSlot;
    const n = --this.size;
    if (n === 0) return;
    const t = hTime[n]!;
    const s = hSeq[n]!;
    const sl = hSlot[n]!;
    let i = 0;
    while (true) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n) {
        const rt = hTime[r]!;
        const ct = hTime[c]!;
        if (rt < ct || (rt === ct && hSeq[r]! < hSeq[c]!)) c = r;
      }
      const ct = hTime[c]!;
      if (ct > t || (ct === t && hSeq[c]! > s)) break;
      hTime[i] = ct;
      hSeq[i] = hSeq[c]!;
      hSlot[i] = hSlot[c]!;
      i = c;
    }
    hTime[i] = t;
    hSeq[i] = s;
    hSlot[i] = sl;
  }

  /** Grows the storage, or compacts cancelled entries, or throws at the bound. */
  private makeRoom(): void {
    if (this.capacity < this.limit) {
      this.grow(Math.min(this.capacity * 2, this.limit));
      return;
    }
    if (this.cancelledCount > 0) {
      this.compact();
      return;
    }
    throw new RangeError(
      `Simulator.schedule: the event queue already holds ${this.size} pending events, its limit "eventsMax" (default SIM_EVENTS_MAX = ${SIM_EVENTS_MAX}) is ${this.limit}; expected fewer pending events (schedule lazily, or raise eventsMax)`,
    );
  }

  private grow(capacity: number): void {
    const old = this.capacity;
    const t = new Float64Array(capacity);
    t.set(this.hTime);
    this.hTime = t;
    const q = new Float64Array(capacity);
    q.set(this.hSeq);
    this.hSeq = q;
    const h = new Int32Array(capacity);
    h.set(this.hSlot);
    this.hSlot = h;
    const ss = new Float64Array(capacity).fill(-1);
    ss.set(this.slotSeq);
    this.slotSeq = ss;
    const f = new Int32Array(capacity);
    f.set(this.freeStack.subarray(0, this.freeTop));
    this.freeStack = f;
    this.capacity = capacity;
    this.initSlots(old, capacity);
  }

  /** Marks slots [from, to) free; the lowest index is handed out first. */
  private initSlots(from: number, to: number): void {
    for (let s = from; s < to; s++) {
      this.slotFn.push(null);
      this.slotArg.push(undefined);
    }
    for (let s = to - 1; s >= from; s--) this.freeStack[this.freeTop++] = s;
  }

  /** Drops every cancelled entry and rebuilds the heap (Floyd's bottom-up heapify, O(n)). */
  private compact(): void {
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      const slot = this.hSlot[i]!;
      if (this.slotFn[slot] === null) {
        this.freeSlot(slot);
        continue;
      }
      this.hTime[n] = this.hTime[i]!;
      this.hSeq[n] = this.hSeq[i]!;
      this.hSlot[n] = slot;
      n++;
    }
    this.size = n;
    this.cancelledCount = 0;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(start: number): void {
    const n = this.size;
    const t = this.hTime[start]!;
    const s = this.hSeq[start]!;
    const sl = this.hSlot[start]!;
    let i = start;
    while (true) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (this.hTime[r]! < this.hTime[c]! || (this.hTime[r] === this.hTime[c] && this.hSeq[r]! < this.hSeq[c]!))) c = r;
      const ct = this.hTime[c]!;
      if (ct > t || (ct === t && this.hSeq[c]! > s)) break;
      this.hTime[i] = ct;
      this.hSeq[i] = this.hSeq[c]!;
      this.hSlot[i] = this.hSlot[c]!;
      i = c;
    }
    this.hTime[i] = t;
    this.hSeq[i] = s;
    this.hSlot[i] = sl;
  }
}
