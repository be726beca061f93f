/**
 * An in-memory datagram link between two Transports, driven by a Clock (ManualClock for virtual
 * time). Link faults follow the ns-3/turmoil vocabulary: loss, duplication, reordering, latency.
 * With a seeded `rng` a run is exactly reproducible: every decision draws from it in a fixed order.
 *
 * Per datagram the link allocates nothing in steady state (the tunnel benchmark's path): send()
 * copies the datagram into a pooled buffer (one memcpy; so it sets Transport.sendCopies), queues it
 * by due time and arms a clock timer whose callback is made once per direction, not per datagram.
 * Each firing delivers the head of the queue: a Clock fires timers in (due time, insertion) order,
 * the queue is kept in the same order, so the n-th firing is the n-th datagram, exactly as with one
 * closure per datagram. The handler gets a view of the pooled buffer, valid only while it runs (the
 * endpoint copies what it keeps); afterwards the buffer returns to the pool.
 */
import type { Clock, Transport } from "../api.js";
import { SHARED_VIEWS } from "../record/view-table.js";

export interface MemoryLinkOptions {
  lossRate?: number;
  duplicateRate?: number;
  /** Probability that a datagram is held back by an extra 1..3 x latency, overtaking order. */
  reorderRate?: number;
  latencyMs?: number;
  /** Float in [0, 1); required when any rate is non-zero. */
  rng?: () => number;
  clock: Clock;
  /**
   * Deterministic fault injection: return true to drop. `index` counts datagrams per direction
   * from 0. `datagram` is the sender's buffer, valid only during the call.
   */
  drop?: (direction: "a->b" | "b->a", index: number, datagram: Uint8Array) => boolean;
  /**
   * Observes every datagram handed to the link (before loss), e.g. for tests reading alerts.
   * `datagram` is the sender's buffer, valid only during the call (the endpoint reuses it): copy it to keep it.
   */
  tap?: (direction: "a->b" | "b->a", datagram: Uint8Array) => void;
}

export interface MemoryLinkStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
}

export type MemoryTransport = Transport & {
  readonly stats: MemoryLinkStats;
  /** Free datagram buffers this direction keeps for reuse (at most MEMORY_LINK_POOL_MAX). */
  readonly pooledBuffers: number;
};

/** Datagrams in flight on one link direction; beyond this new ones are dropped (a full queue). */
export const MEMORY_LINK_IN_FLIGHT_MAX = 10_000;

/** Free buffers kept per direction after delivery; beyond this a freed buffer is left to the GC. */
export const MEMORY_LINK_POOL_MAX = 64;

/**
 * Free buffers a closed link leaves for the next links of the process (at most this many): a
 * benchmark or simulation that opens link after link then allocates no buffer per link.
 */
export const MEMORY_LINK_SHARED_POOL_MAX = 64;

/** Free buffers left by closed links (module state: one per thread), taken when a direction has none of its own. */
const sharedFree: Slot[] = [];

/** Free buffers closed links have left for the next ones (at most MEMORY_LINK_SHARED_POOL_MAX). */
export function memoryLinkSharedPoolBuffers(): number {
  return sharedFree.length;
}

/** Smallest pooled buffer: a datagram of a 1500-byte MTU path fits, so typical sizes never regrow one. */
const POOL_BUFFER_MIN_BYTES = 2048;

/** Compact the queue array once this many delivered entries sit before its head. */
const QUEUE_COMPACT_AT = 1024;

function checkRate(name: string, v: number | undefined): number {
  const r = v ?? 0;
  if (!Number.isFinite(r) || r < 0 || r > 1) throw new RangeError(`memory link "${name}" expected a number in [0, 1], got ${v}`);
  return r;
}

/** One datagram copy in flight (or a free pooled buffer). */
interface Slot {
  buf: Uint8Array;
  /** buf[0..length of the datagram), kept while the length repeats. */
  view: Uint8Array;
  dueMs: number;
}

type Direction = "a->b" | "b->a";

interface LinkConfig {
  loss: number;
  dup: number;
  reorder: number;
  latency: number;
  rng: () => number;
  clock: Clock;
  options: MemoryLinkOptions;
}

/** One direction of the link: the sending end's state and the queue towards the other end. */
class LinkDirection {
  handler: ((d: Uint8Array) => void) | null = null;
  closed = false;
  peer!: LinkDirection;
  readonly stats: MemoryLinkStats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0 };
  private index = 0;
  /**
   * queue[head..tail) sorted by (dueMs, insertion). The array never shrinks (a shrink frees its
   * backing store, and the next push would allocate one again); delivered entries are cleared.
   */
  private readonly queue: (Slot | undefined)[] = [];
  private head = 0;
  private tail = 0;
  private readonly free: Slot[] = [];
  /** The clock callback, made once: delivers the queue's head. */
  private readonly deliverNext = (): void => this.deliverHead();

  constructor(
    private readonly dir: Direction,
    private readonly cfg: LinkConfig,
  ) {}

  get inFlight(): number {
    return this.tail - this.head;
  }

  get pooledBuffers(): number {
    return this.free.length;
  }

  send(datagram: Uint8Array): void {
    if (this.closed) return;
    const { cfg, stats } = this;
    const { options, rng } = cfg;
    stats.sent++;
    options.tap?.(this.dir, datagram);
    const i = this.index++;
    if (options.drop?.(this.dir, i, datagram) === true || (cfg.loss > 0 && rng() < cfg.loss) || this.inFlight >= MEMORY_LINK_IN_FLIGHT_MAX) {
      stats.lost++;
      return;
    }
    const copies = cfg.dup > 0 && rng() < cfg.dup ? 2 : 1;
    if (copies === 2) stats.duplicated++;
    for (let c = 0; c < copies; c++) {
      let delay = cfg.latency + c * 0.5;
      if (cfg.reorder > 0 && rng() < cfg.reorder) {
        stats.reordered++;
        delay += Math.max(cfg.latency, 1) * (1 + rng() * 2);
      }
      const slot = this.copyIn(datagram);
      // The same due time the clock computes for the timer below, so both orders agree.
      slot.dueMs = cfg.clock.nowMs() + delay;
      this.enqueue(slot);
      cfg.clock.setTimer(delay, this.deliverNext);
    }
  }

  private copyIn(datagram: Uint8Array): Slot {
    const n = datagram.length;
    let slot = this.free.pop() ?? sharedFree.pop();
    if (slot === undefined || slot.buf.length < n) {
      // None free, or too small for this datagram (the small one is dropped: the pool stays bounded).
      const buf = new Uint8Array(Math.max(n, POOL_BUFFER_MIN_BYTES));
      slot = { buf, view: SHARED_VIEWS.get(buf, 0, n), dueMs: 0 };
    } else if (slot.view.length !== n) {
      // Handshake datagram sizes repeat from one handshake to the next: shared views of the buffer.
      slot.view = SHARED_VIEWS.get(slot.buf, 0, n);
    }
    slot.buf.set(datagram, 0);
    return slot;
  }

  /** Inserts after every queued slot due at or before it (insertion order among equal due times). */
  private enqueue(slot: Slot): void {
    const q = this.queue;
    let lo = this.head;
    let hi = this.tail;
    // The common case (constant latency, no reordering) appends; otherwise binary search.
    if (hi > lo && q[hi - 1]!.dueMs > slot.dueMs) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (q[mid]!.dueMs <= slot.dueMs) lo = mid + 1;
        else hi = mid;
      }
    } else {
      lo = hi;
    }
    if (this.tail === q.length) q.push(undefined);
    for (let j = this.tail; j > lo; j--) q[j] = q[j - 1];
    q[lo] = slot;
    this.tail++;
  }

  /**
   * The sending end closed: its free buffers go to the shared pool for the next links. Once both
   * ends are closed nothing queued can be delivered any more (a closed end receives nothing), so
   * the queued buffers of both directions go there too; their timers then find an empty queue.
   */
  close(): void {
    this.closed = true;
    const free = this.free;
    while (free.length > 0 && sharedFree.length < MEMORY_LINK_SHARED_POOL_MAX) sharedFree.push(free.pop()!);
    if (this.peer.closed) {
      this.reclaimQueue();
      this.peer.reclaimQueue();
    }
  }

  private reclaimQueue(): void {
    const q = this.queue;
    for (let i = this.head; i < this.tail; i++) {
      if (sharedFree.length < MEMORY_LINK_SHARED_POOL_MAX) sharedFree.push(q[i]!);
      q[i] = undefined;
    }
    this.head = 0;
    this.tail = 0;
  }

  private deliverHead(): void {
    const q = this.queue;
    if (this.head >= this.tail) return; // both ends closed: the queue was reclaimed
    const slot = q[this.head]!;
    q[this.head++] = undefined;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    } else if (this.head >= QUEUE_COMPACT_AT && this.head * 2 >= this.tail) {
      q.copyWithin(0, this.head, this.tail);
      q.fill(undefined, this.tail - this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    try {
      const h = this.peer.handler;
      if (h === null || this.peer.closed) return;
      this.stats.delivered++;
      h(slot.view);
    } finally {
      // A closed end sends no more: its buffers serve the next links instead.
      if (!this.closed) {
        if (this.free.length < MEMORY_LINK_POOL_MAX) this.free.push(slot);
      } else if (sharedFree.length < MEMORY_LINK_SHARED_POOL_MAX) {
        sharedFree.push(slot);
      }
    }
  }
}

/** The rng of a link without faults (never drawn from). */
const NO_RNG = (): number => 0;

export function createMemoryLink(options: MemoryLinkOptions): [MemoryTransport, MemoryTransport] {
  const loss = checkRate("lossRate", options.lossRate);
  const dup = checkRate("duplicateRate", options.duplicateRate);
  const reorder = checkRate("reorderRate", options.reorderRate);
  const latency = options.latencyMs ?? 1;
  if (!Number.isFinite(latency) || latency < 0) throw new RangeError(`memory link "latencyMs" expected >= 0, got ${options.latencyMs}`);
  if ((loss > 0 || dup > 0 || reorder > 0) && options.rng === undefined) {
    throw new Error(`memory link: "rng" is required when lossRate, duplicateRate or reorderRate is non-zero`);
  }
  const cfg: LinkConfig = { loss, dup, reorder, latency, rng: options.rng ?? NO_RNG, clock: options.clock, options };
  const a = new LinkDirection("a->b", cfg);
  const b = new LinkDirection("b->a", cfg);
  a.peer = b;
  b.peer = a;
  return [new MemoryEnd(a), new MemoryEnd(b)];
}

/** One end of a link: a Transport sending on its direction (a class: no closures per link). */
class MemoryEnd implements MemoryTransport {
  readonly sendCopies = true;

  constructor(private readonly d: LinkDirection) {
    this.send = (datagram) => d.send(datagram);
  }

  get stats(): MemoryLinkStats {
    return this.d.stats;
  }

  get pooledBuffers(): number {
    return this.d.pooledBuffers;
  }

  /** Own property, bound: callers may take it off the transport and call it (or wrap it). */
  readonly send: (datagram: Uint8Array) => void;

  onReceive(h: (datagram: Uint8Array) => void): void {
    this.d.handler = h;
  }

  close(): void {
    this.d.close();
  }
}
