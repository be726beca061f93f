/**
 * Shared views of byte ranges: subarray() makes a new object each call (~80 B and a builtin call),
 * while a handshake views the same ranges of the same long-lived buffers again and again (the
 * memory link's pooled buffers, the shared flight buffer, the shared open scratch): the datagram
 * and message sizes of a handshake repeat from one handshake to the next. A view only exposes its
 * range (its offset and length cannot change), so handing the same view object to several users
 * is the same as handing each its own.
 *
 * Set-associative: VIEW_TABLE_SETS sets chosen by (start, length), VIEW_TABLE_WAYS entries each
 * (several buffers see the same range), replaced round-robin on a miss: the table never grows and
 * holds references to at most VIEW_TABLE_SETS * VIEW_TABLE_WAYS buffers.
 */

/** Sets of a ViewTable (a power of two). */
export const VIEW_TABLE_SETS = 32;
/** Entries per set. */
export const VIEW_TABLE_WAYS = 8;

const ENTRIES = VIEW_TABLE_SETS * VIEW_TABLE_WAYS;

export class ViewTable {
  private readonly bufs: (Uint8Array | null)[] = new Array<Uint8Array | null>(ENTRIES).fill(null);
  private readonly starts = new Int32Array(ENTRIES);
  private readonly views: (Uint8Array | null)[] = new Array<Uint8Array | null>(ENTRIES).fill(null);
  /** Next way to replace, per set. */
  private readonly next = new Uint8Array(VIEW_TABLE_SETS);
  private hitCount = 0;
  private missCount = 0;

  /** Lookups answered from the table / with a new view (for tests and profiling). */
  get hits(): number {
    return this.hitCount;
  }
  get misses(): number {
    return this.missCount;
  }

  /** buf[start..end) (0 <= start <= end <= buf.length, as for subarray), the same object while it stays cached. */
  get(buf: Uint8Array, start: number, end: number): Uint8Array {
    const set = ((Math.imul(start, 0x9e3779b1) ^ Math.imul(end - start, 0x85ebca6b)) >>> 27) & (VIEW_TABLE_SETS - 1);
    const base = set * VIEW_TABLE_WAYS;
    const length = end - start;
    for (let i = base; i < base + VIEW_TABLE_WAYS; i++) {
      const v = this.views[i];
      if (v !== null && v !== undefined && this.bufs[i] === buf && this.starts[i] === start && v.length === length) {
        this.hitCount++;
        return v;
      }
    }
    this.missCount++;
    const view = buf.subarray(start, end);
    // Only exact ranges are cached (subarray clamps out-of-range arguments: those are not kept).
    if (view.length === length && start >= 0) {
      const i = base + this.next[set]!;
      this.next[set] = (this.next[set]! + 1) % VIEW_TABLE_WAYS;
      this.bufs[i] = buf;
      this.starts[i] = start;
      this.views[i] = view;
    }
    return view;
  }

  /** Forgets every view of `buf` (it is about to be dropped or replaced). */
  forget(buf: Uint8Array): void {
    for (let i = 0; i < ENTRIES; i++) {
      if (this.bufs[i] === buf) {
        this.bufs[i] = null;
        this.views[i] = null;
      }
    }
  }
}

/** The table shared by the DTLS record and handshake paths of this thread. */
export const SHARED_VIEWS = new ViewTable();
