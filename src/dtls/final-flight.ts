/**
 * What a server keeps after its handshake completes, to answer a retransmitted final flight of the
 * client (RFC 6347 §4.2.4: in the FINISHED state, "read retransmit" -> resend our last flight).
 * The handshake machine (transcript, reassembler, timer, closures: ~4-5 KB) is dropped at
 * completion; this keeps only the flight's messages (ChangeCipherSpec + Finished, a few dozen bytes)
 * and the message_seq numbers needed to recognise the peer's retransmission. Resending re-seals the
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

export class FinalFlight {
  constructor(
    /** Our final flight, in order (each item names its epoch). */
    readonly items: readonly FlightItem[],
    /** Epoch the finished handshake ran in; its Finished messages are in oldEpoch + 1. */
    readonly oldEpoch: number,
    /** message_seq of the first message of the peer's last flight. */
    readonly peerFlightFirstSeq: number,
    /** The first message_seq after the finished handshake's messages from the peer. */
    readonly peerNextMessageSeq: number,
  ) {}

  /** The handshake machine's rules for a fragment in the FINISHED state (handshake/machine.ts onFragment). */
  classify(f: HandshakeFragment, recordEpoch: number): FinalFlightVerdict {
    // Finished is the only message protected by the new epoch (RFC 5246 §7.4.9, RFC 6347 §4.1).
    const wantEpoch = f.msgType === HandshakeType.Finished ? this.oldEpoch + 1 : this.oldEpoch;
    if (recordEpoch !== wantEpoch || f.messageSeq >= this.peerNextMessageSeq) return "unexpected";
    // One resend per peer retransmission: the first fragment of its flight's first message.
    return f.messageSeq === this.peerFlightFirstSeq && f.fragmentOffset === 0 ? "resend" : "old";
  }
}
