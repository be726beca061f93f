/**
 * Handshake message reassembly (RFC 6347 §4.2.3): fragments may arrive out of order, overlap and
 * repeat. Messages are released strictly in message_seq order (RFC 6347 §4.2.2: "queue ... future
 * messages", "discard ... previous messages"). All buffered bytes together stay under
 * `bytesMax`; a message further than `aheadMax` beyond the next expected one is not buffered.
 */
import type { HandshakeFragment } from "./header.js";

export interface ReassembledMessage {
  msgType: number;
  messageSeq: number;
  body: Uint8Array;
}

export type AddResult =
  | "buffered" // accepted (possibly completing a message)
  | "duplicate" // all its bytes were already held
  | "old" // message_seq below the next expected: a retransmission of something already processed
  | "too-far" // message_seq beyond the look-ahead window
  | "over-limit" // would exceed bytesMax
  | "inconsistent"; // msg_type or length disagree with earlier fragments of the same message

interface Partial {
  messageSeq: number;
  msgType: number;
  body: Uint8Array;
  /** One flag per body byte; simple and bounded by bytesMax. null: the message came whole at once. */
  have: Uint8Array | null;
  missing: number;
}

export class Reassembler {
  private nextSeq = 0;
  /**
   * Messages held, in no order: at most aheadMax + 1 (message_seq in [nextSeq, nextSeq + aheadMax]),
   * usually one, so a short array searched linearly (a Map costs a hash table per handshake and
   * reallocates it on delete).
   */
  private readonly partials: Partial[] = [];
  private heldBytes = 0;

  constructor(
    private readonly bytesMax: number,
    private readonly aheadMax: number,
    private readonly messageBytesMax: number,
  ) {}

  get nextMessageSeq(): number {
    return this.nextSeq;
  }
  get bufferedBytes(): number {
    return this.heldBytes;
  }

  /** Forgets everything and expects `nextSeq` next (a new handshake, or a stateless cookie restart). */
  reset(nextSeq: number): void {
    if (this.partials.length !== 0) this.partials.length = 0; // setting length is slow even when unchanged
    this.heldBytes = 0;
    this.nextSeq = nextSeq;
  }

  add(f: HandshakeFragment): AddResult {
    if (f.messageSeq < this.nextSeq) return "old";
    if (f.messageSeq > this.nextSeq + this.aheadMax) return "too-far";
    if (f.length > this.messageBytesMax) return "over-limit";
    const at = this.indexOf(f.messageSeq);
    let p = at < 0 ? undefined : this.partials[at]!;
    if (p === undefined) {
      if (this.heldBytes + f.length > this.bytesMax) return "over-limit";
      if (f.fragmentOffset === 0 && f.fragmentLength === f.length) {
        // The usual case, a whole message in one fragment: no per-byte bookkeeping needed.
        this.partials.push({ messageSeq: f.messageSeq, msgType: f.msgType, body: f.body.slice(), have: null, missing: 0 });
        this.heldBytes += f.length;
        return "buffered";
      }
      p = { messageSeq: f.messageSeq, msgType: f.msgType, body: new Uint8Array(f.length), have: new Uint8Array(f.length), missing: f.length };
      this.partials.push(p);
      this.heldBytes += f.length;
    } else if (p.msgType !== f.msgType || p.body.length !== f.length) {
      // A whole message in one fragment replaces a partial one that disagrees with it: otherwise a
      // single forged fragment (unprotected, epoch 0) could block this message_seq for good.
      if (f.fragmentOffset !== 0 || f.fragmentLength !== f.length) return "inconsistent";
      this.heldBytes -= p.body.length;
      if (this.heldBytes + f.length > this.bytesMax) {
        this.removeAt(at);
        return "over-limit";
      }
      p = { messageSeq: f.messageSeq, msgType: f.msgType, body: new Uint8Array(f.length), have: new Uint8Array(f.length), missing: f.length };
      this.partials[at] = p;
      this.heldBytes += f.length;
    }
    if (p.have === null) return f.fragmentLength > 0 ? "duplicate" : "buffered"; // all its bytes are held
    let fresh = 0;
    for (let i = 0; i < f.fragmentLength; i++) {
      const at = f.fragmentOffset + i;
      if (p.have[at] === 0) {
        p.have[at] = 1;
        p.body[at] = f.body[i]!;
        fresh++;
      }
    }
    p.missing -= fresh;
    return fresh === 0 && f.fragmentLength > 0 ? "duplicate" : "buffered";
  }

  /**
   * The usual case without a copy: `f` is the next expected message, whole, with nothing held for
   * it and within the limits. Then it is taken at once (as add() then take() would) and returned
   * with `body` a view of the fragment's bytes, valid only as long as they are; otherwise undefined
   * and nothing changes (use add()).
   */
  takeWhole(f: HandshakeFragment): ReassembledMessage | undefined {
    if (f.messageSeq !== this.nextSeq || f.fragmentOffset !== 0 || f.fragmentLength !== f.length) return undefined;
    if (f.length > this.messageBytesMax || this.heldBytes + f.length > this.bytesMax) return undefined;
    if (this.indexOf(f.messageSeq) >= 0) return undefined;
    this.nextSeq++;
    return { msgType: f.msgType, messageSeq: f.messageSeq, body: f.body };
  }

  /** The next message in order if it is complete; advances the expected message_seq. */
  take(): ReassembledMessage | undefined {
    const at = this.indexOf(this.nextSeq);
    if (at < 0) return undefined;
    const p = this.partials[at]!;
    if (p.missing > 0) return undefined;
    this.removeAt(at);
    this.heldBytes -= p.body.length;
    const m = { msgType: p.msgType, messageSeq: this.nextSeq, body: p.body };
    this.nextSeq++;
    return m;
  }

  private indexOf(messageSeq: number): number {
    const ps = this.partials;
    for (let i = 0; i < ps.length; i++) if (ps[i]!.messageSeq === messageSeq) return i;
    return -1;
  }

  /** Removes partials[i] (order does not matter: the last one takes its place). */
  private removeAt(i: number): void {
    const ps = this.partials;
    const last = ps.pop()!;
    if (i < ps.length) ps[i] = last;
  }
}
