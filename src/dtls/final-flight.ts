/**
 * What a server keeps after its handshake completes, to answer a retransmitted final flight of the
 * client (RFC 6347 §4.2.4: in the FINISHED state, "read retransmit" -> resend our last flight).
 * The handshake machine (transcript, reassembler, timer, closures: ~4-5 KB) is dropped at
 * completion; this keeps only the flight's messages (ChangeCipherSpec + Finished, a few dozen bytes,
 * encoded in one string) and the message_seq numbers needed to recognise the peer's retransmission. Resending re-seals the
 * messages under the epochs they name with fresh record sequence numbers (the endpoint does that).
 *
 * How long: until the peer's authenticated data under the new epoch shows our flight arrived, or at
 * most finalFlightRetainMs(limits) of the endpoint's clock: the peer's whole retransmission budget,
 * after which it has given up and will not ask again (limits.ts).
 */
import { HandshakeType } from "./constants.js";
import type { FlightItem } from "./handshake/flight.js";
import type { HandshakeFragment } from "./handshake/header.js";

/** What a handshake fragment means to a kept final flight. */
export type FinalFlightVerdict =
  /** The first fragment of the peer's retransmitted last flight: resend ours. */
  | "resend"
  /** Another fragment of a message we already have (the rest of that retransmission): ignore. */
  | "old"
  /** Not part of the finished handshake (wrong epoch for its type, or a message after it). */
  | "unexpected";

/** Bytes per item header in the encoded flight: kind, epoch (2), msg_type, message_seq (2), body length (3). */
const ITEM_HEADER_BYTES = 9;
const KIND_CCS = 0;
const KIND_HANDSHAKE = 1;

export class FinalFlight {
  /**
   * The flight, one char per byte (a flat binary string: ~20 B of header plus the bytes, where the
   * FlightItem objects and a Uint8Array per body cost ~450 B), decoded again only to resend. Per
   * item: kind, epoch, msg_type, message_seq, body length (ITEM_HEADER_BYTES), then the body.
   */
  private readonly encoded: string;

  constructor(
    items: readonly FlightItem[],
    /** Epoch the finished handshake ran in; its Finished messages are in oldEpoch + 1. */
    readonly oldEpoch: number,
    /** message_seq of the first message of the peer's last flight. */
    readonly peerFlightFirstSeq: number,
    /** The first message_seq after the finished handshake's messages from the peer. */
    readonly peerNextMessageSeq: number,
  ) {
    let total = 0;
    for (const item of items) total += ITEM_HEADER_BYTES + (item.kind === "handshake" ? item.body.length : 0);
    // Exact size, filled in place (no growth), then one String.fromCharCode.
    const bytes = new Array<number>(total).fill(0);
    let at = 0;
    for (const item of items) {
      const body = item.kind === "handshake" ? item.body : null;
      const msgType = item.kind === "handshake" ? item.msgType : 0;
      const messageSeq = item.kind === "handshake" ? item.messageSeq : 0;
      const n = body === null ? 0 : body.length;
      bytes[at] = body === null ? KIND_CCS : KIND_HANDSHAKE;
      bytes[at + 1] = item.epoch >>> 8;
      bytes[at + 2] = item.epoch & 0xff;
      bytes[at + 3] = msgType;
      bytes[at + 4] = messageSeq >>> 8;
      bytes[at + 5] = messageSeq & 0xff;
      bytes[at + 6] = n >>> 16;
      bytes[at + 7] = (n >>> 8) & 0xff;
      bytes[at + 8] = n & 0xff;
      at += ITEM_HEADER_BYTES;
      if (body !== null) for (let i = 0; i < n; i++) bytes[at++] = body[i]!;
    }
    // apply, not a spread: spreading walks an iterator.
    this.encoded = String.fromCharCode.apply(null, bytes);
  }

  /** Our final flight, in order (each item names its epoch): new objects on every call. */
  get items(): FlightItem[] {
    const e = this.encoded;
    const items: FlightItem[] = [];
    for (let at = 0; at < e.length; ) {
      const b = (i: number): number => e.charCodeAt(at + i);
      const epoch = (b(1) << 8) | b(2);
      const n = (b(6) << 16) | (b(7) << 8) | b(8);
      if (b(0) === KIND_CCS) {
        items.push({ kind: "ccs", epoch });
      } else {
        const body = new Uint8Array(n);
        for (let i = 0; i < n; i++) body[i] = e.charCodeAt(at + ITEM_HEADER_BYTES + i);
        items.push({ kind: "handshake", epoch, msgType: b(3), messageSeq: (b(4) << 8) | b(5), body });
      }
      at += ITEM_HEADER_BYTES + n;
    }
    return items;
  }

  /** The handshake machine's rules for a fragment in the FINISHED state (handshake/machine.ts onFragment). */
  classify(f: HandshakeFragment, recordEpoch: number): FinalFlightVerdict {
    // Finished is the only message protected by the new epoch (RFC 5246 §7.4.9, RFC 6347 §4.1).
    const wantEpoch = f.msgType === HandshakeType.Finished ? this.oldEpoch + 1 : this.oldEpoch;
    if (recordEpoch !== wantEpoch || f.messageSeq >= this.peerNextMessageSeq) return "unexpected";
    // One resend per peer retransmission: the first fragment of its flight's first message.
    return f.messageSeq === this.peerFlightFirstSeq && f.fragmentOffset === 0 ? "resend" : "old";
  }
}
