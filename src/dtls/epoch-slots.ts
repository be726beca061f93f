/**
 * A tiny map from epoch number to per-epoch state, for the EpochTable. An endpoint holds 1 to 4
 * epochs at a time (epoch 0, the current one, the next one during a rekey, the previous one until
 * retired), and the simulator holds two tables per tunnel for the tunnel's whole life: one small
 * array searched linearly takes a fraction of a Map's memory (a Map starts with a hash table of
 * several buckets) and is as fast at these sizes.
 *
 * Growth: one entry per epoch installed and not yet retired. Epochs are installed only by
 * handshakes and retired PREVIOUS_EPOCH_RETAIN_MS after the next one took over, so the count is
 * bounded by the rekey rate; EPOCH_SLOTS_MAX is the hard stop (reaching it is a bug: set() throws).
 */

/** Epochs held at once: far above the 3-4 of normal operation, for rekeys faster than retirement. */
export const EPOCH_SLOTS_MAX = 1024;

/** s[from..to) in a new exact-size array with `extra` more slots (plain loops: concat and slice are slow builtins). */
function copyOf<T>(s: readonly (number | T)[], from: number, to: number, extra: number): (number | T)[] {
  const out = new Array<number | T>(to - from + extra);
  for (let i = from; i < to; i++) out[i - from] = s[i]!;
  return out;
}

export class EpochSlots<T> {
  /**
   * epoch, state, epoch, state, ... in insertion order. Replaced by an exact-size copy on every
   * insertion or removal (a handful per handshake), so it never carries the spare capacity that
   * push() would leave.
   */
  private slots: readonly (number | T)[] = [];

  /** Number of epochs held. */
  get size(): number {
    return this.slots.length >> 1;
  }

  private indexOf(epoch: number): number {
    const s = this.slots;
    for (let i = 0; i < s.length; i += 2) if (s[i] === epoch) return i;
    return -1;
  }

  get(epoch: number): T | undefined {
    const i = this.indexOf(epoch);
    return i < 0 ? undefined : (this.slots[i + 1] as T);
  }

  has(epoch: number): boolean {
    return this.indexOf(epoch) >= 0;
  }

  set(epoch: number, value: T): void {
    const i = this.indexOf(epoch);
    if (i >= 0) {
      const copy = copyOf(this.slots, 0, this.slots.length, 0);
      copy[i + 1] = value;
      this.slots = copy;
      return;
    }
    if (this.size >= EPOCH_SLOTS_MAX) {
      throw new Error(`EpochSlots.set: epoch ${epoch} would exceed EPOCH_SLOTS_MAX (${EPOCH_SLOTS_MAX}) epochs held; expected old epochs to be retired`);
    }
    const next = copyOf(this.slots, 0, this.slots.length, 2);
    next[this.slots.length] = epoch;
    next[this.slots.length + 1] = value;
    this.slots = next;
  }

  delete(epoch: number): boolean {
    const i = this.indexOf(epoch);
    if (i < 0) return false;
    const s = this.slots;
    const next = copyOf(s, 0, i, s.length - i - 2);
    for (let j = i + 2; j < s.length; j++) next[j - 2] = s[j]!;
    this.slots = next;
    return true;
  }

  /** The i-th epoch held (0 <= i < size), in insertion order. */
  epochAt(i: number): number {
    return this.slots[2 * i] as number;
  }

  /** The state of the i-th epoch held (0 <= i < size). */
  valueAt(i: number): T {
    return this.slots[2 * i + 1] as T;
  }
}
