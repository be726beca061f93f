/**
 * Anti-replay window for one epoch of received records (RFC 6347 §4.1.2.6, which takes the
 * algorithm of IPsec ESP, RFC 4303 §3.4.3; wireguard-go's replay filter follows the same idea).
 *
 * State: the highest sequence number accepted so far and a 64-bit bitmap of which of the 64
 * numbers ending at it were seen (bit d = highest - d). The bitmap is two 32-bit halves so a
 * 48-bit sequence number never needs BigInt on the receive path.
 *
 * Order of use per record (the RFC's rule: the window is updated only for authenticated records):
 *   if (window.isReplay(seq)) drop; else if (cipher.open(...) < 0) drop; else window.mark(seq).
 */
import { REPLAY_WINDOW_RECORDS, SEQ_MAX } from "../constants.js";

export type ReplayVerdict = "fresh" | "duplicate" | "too-old";

function checkSeq(method: string, seq: number): void {
  if (!Number.isInteger(seq) || seq < 0 || seq > SEQ_MAX) {
    throw new Error(`ReplayWindow.${method}: "seq" expected an integer in 0..${SEQ_MAX}, got ${seq}`);
  }
}

export class ReplayWindow {
  /** Window size in records; a named limit (RFC 6347 §4.1.2.6 default 64). */
  static readonly sizeRecords = REPLAY_WINDOW_RECORDS;

  private top = -1; // highest accepted seq, -1 before the first record
  private bitsLo = 0; // bits 0..31: seqs top..top-31
  private bitsHi = 0; // bits 32..63: seqs top-32..top-63

  /** The highest sequence number marked so far, or -1 if none. */
  get highest(): number {
    return this.top;
  }

  /** True if `seq` was already marked, or is too far below the highest to be tracked. */
  isReplay(seq: number): boolean {
    return this.classify(seq) !== "fresh";
  }

  /** Like isReplay, but tells a duplicate from a record older than the window (two reject reasons). */
  classify(seq: number): ReplayVerdict {
    checkSeq("classify", seq);
    if (this.top < 0 || seq > this.top) return "fresh";
    const d = this.top - seq;
    if (d >= REPLAY_WINDOW_RECORDS) return "too-old";
    const bit = d < 32 ? (this.bitsLo >>> d) & 1 : (this.bitsHi >>> (d - 32)) & 1;
    return bit === 1 ? "duplicate" : "fresh";
  }

  /** Records `seq` as received. Call only after the record authenticated. */
  mark(seq: number): void {
    checkSeq("mark", seq);
    if (this.top < 0) {
      this.top = seq;
      this.bitsLo = 1;
      this.bitsHi = 0;
      return;
    }
    if (seq > this.top) {
      const shift = seq - this.top;
      if (shift >= REPLAY_WINDOW_RECORDS) {
        this.bitsLo = 1;
        this.bitsHi = 0;
      } else if (shift >= 32) {
        this.bitsHi = shift === 32 ? this.bitsLo : this.bitsLo << (shift - 32);
        this.bitsLo = 1;
      } else {
        this.bitsHi = (this.bitsHi << shift) | (this.bitsLo >>> (32 - shift));
        this.bitsLo = (this.bitsLo << shift) | 1;
      }
      this.top = seq;
      return;
    }
    const d = this.top - seq;
    if (d >= REPLAY_WINDOW_RECORDS) return; // older than the window: nothing to remember
    if (d < 32) this.bitsLo |= 1 << d;
    else this.bitsHi |= 1 << (d - 32);
  }

  /** Forget everything (new epoch). */
  reset(): void {
    this.top = -1;
    this.bitsLo = 0;
    this.bitsHi = 0;
  }
}
