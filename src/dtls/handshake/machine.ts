/**
 * The part of the DTLS handshake shared by client and server (RFC 6347 §4.2.4 state machine):
 *
 *                 +-----------+
 *                 | PREPARING | <---------------------+
 *                 +-----------+                       |
 *                       |  send flight                |
 *                 +-----------+                       |
 *                 |  SENDING  | <-------------+       |
 *                 +-----------+               |       |
 *      last flight /     \ set retransmit     |       |
 *                 /       \ timer             |       |
 *   +-----------+   +-----------+   timer expires /   |
 *   | FINISHED  |   |  WAITING  |---- read retransmit-+
 *   +-----------+   +-----------+                     |
 *         read retransmit ^   \ read a flight --------+
 *         -> resend last  |
 *
 * Here: `transmit()` is SENDING; a RetransmitTimer armed = WAITING; `finalFlight` = FINISHED,
 * which only resends when the peer's previous flight shows up again.
 * Subclasses (client.ts, server.ts) implement onMessage() for their flights.
 */
import { AlertDescription, HandshakeType } from "../constants.js";
import { fatal } from "../errors.js";
import type { SuiteInfo } from "../suites/registry.js";
import type { FlightItem } from "./flight.js";
import { RetransmitTimer } from "./flight.js";
import type { HandshakeFragment } from "./header.js";
import type { HandshakeHost, HandshakeResult } from "./host.js";
import { Reassembler, type ReassembledMessage } from "./reassembly.js";
import { HANDSHAKE_MESSAGE_BYTES_MAX, HANDSHAKE_MESSAGES_AHEAD_MAX } from "../limits.js";
import { Transcript } from "./transcript.js";

export interface PreviousHandshake {
  clientVerifyData: Uint8Array;
  serverVerifyData: Uint8Array;
  secureRenegotiation: boolean;
  /** Client: the server's cookie from the first handshake. */
  cookie: Uint8Array;
}

/** The empty flight, shared by every machine that has sent nothing yet. */
export const NO_FLIGHT: readonly FlightItem[] = Object.freeze([]);

export abstract class HandshakeMachine {
  protected readonly reassembler: Reassembler;
  protected readonly transcript = new Transcript();
  protected readonly timer: RetransmitTimer;
  /** Our last flight (never written to: replaced whole); NO_FLIGHT when none. */
  protected flight: readonly FlightItem[] = NO_FLIGHT;
  /** True once our last flight went out (FINISHED state): resend only on the peer's retransmission. */
  protected finalFlight = false;
  /** message_seq of the first message of the peer's latest complete flight (for "read retransmit"). */
  protected peerFlightFirstSeq = -1;
  protected nextSendSeq = 0;
  protected suite: SuiteInfo | null = null;
  /** Between our ChangeCipherSpec/keys and the peer's: true while the peer's Finished is awaited. */
  protected awaitingCcs = false;
  protected awaitingFinished = false;
  private completed = false;
  private stopped = false;

  constructor(
    protected readonly host: HandshakeHost,
    /** Epoch of the connection this handshake runs in (0 for the first handshake). */
    readonly oldEpoch: number,
    /** Previous handshake of this connection when renegotiating (RFC 5746), else null. */
    protected readonly previous: PreviousHandshake | null,
  ) {
    const { limits, clock } = host.config;
    this.reassembler = new Reassembler(limits.reassemblyBytesMax, HANDSHAKE_MESSAGES_AHEAD_MAX, HANDSHAKE_MESSAGE_BYTES_MAX);
    this.timer = new RetransmitTimer(
      clock,
      limits,
      () => {
        host.countRetransmission();
        this.transmit();
      },
      () => host.exhausted(),
    );
  }

  get newEpoch(): number {
    return this.oldEpoch + 1;
  }
  get isRenegotiation(): boolean {
    return this.previous !== null;
  }
  get isComplete(): boolean {
    return this.completed;
  }
  /** True while a record of the new epoch that fails authentication means a wrong key. */
  get verifyingNewEpoch(): boolean {
    return this.awaitingFinished || this.awaitingCcs;
  }
  /** Bytes held for reassembly (bounded by limits.reassemblyBytesMax). */
  get reassemblyBytes(): number {
    return this.reassembler.bufferedBytes;
  }
  get retransmitTimeoutMs(): number {
    return this.timer.currentTimeoutMs;
  }

  abstract start(): void;
  protected abstract onMessage(m: ReassembledMessage, recordEpoch: number): void;

  /** Handles one handshake fragment from a record of `recordEpoch` that authenticated. */
  onFragment(f: HandshakeFragment, recordEpoch: number): void {
    if (this.stopped) return;
    // Finished is the only message protected by the new epoch (RFC 5246 §7.4.9, RFC 6347 §4.1).
    const wantEpoch = f.msgType === HandshakeType.Finished ? this.newEpoch : this.oldEpoch;
    if (recordEpoch !== wantEpoch) {
      this.host.reject("unexpected");
      return;
    }
    if (!this.acceptFragment(f)) {
      this.host.reject("unexpected");
      return;
    }
    this.beforeAdd(f);
    // The usual case, the next message whole in one fragment: handed on as a view of the record,
    // not copied. Handlers do not keep message bodies (they copy what they keep, and the transcript
    // hashes received messages at once: Transcript.useHash).
    const whole = this.reassembler.takeWhole(f);
    if (whole !== undefined) {
      this.onMessage(whole, recordEpoch);
      if (this.stopped) return;
      for (let m = this.reassembler.take(); m !== undefined; m = this.reassembler.take()) {
        this.onMessage(m, recordEpoch);
        if (this.stopped) return;
      }
      return;
    }
    const r = this.reassembler.add(f);
    if (r === "old") {
      this.onOldFragment(f);
      return;
    }
    if (r === "over-limit") {
      throw fatal("reassembly-limit", AlertDescription.InternalError, `handshake reassembly would exceed ${this.host.config.limits.reassemblyBytesMax} bytes (message_seq ${f.messageSeq}, length ${f.length})`);
    }
    if (r === "too-far" || r === "inconsistent") {
      this.host.reject("bad-handshake");
      return;
    }
    for (let m = this.reassembler.take(); m !== undefined; m = this.reassembler.take()) {
      this.onMessage(m, recordEpoch);
      if (this.stopped) return;
    }
  }

  /** Hook: the server resynchronises message_seq on a new ClientHello. */
  protected beforeAdd(_f: HandshakeFragment): void {}

  /** Hook: false drops the fragment (counted "unexpected") before it reaches reassembly. */
  protected acceptFragment(_f: HandshakeFragment): boolean {
    return true;
  }

  /** A ChangeCipherSpec record arrived in `recordEpoch`; returns false if unexpected. */
  onChangeCipherSpec(recordEpoch: number): boolean {
    if (this.stopped || !this.awaitingCcs || recordEpoch !== this.oldEpoch) return false;
    this.awaitingCcs = false;
    this.awaitingFinished = true;
    this.host.activatePendingRead();
    return true;
  }

  /** "Read retransmit": the peer resent its previous flight, so ours was lost; resend it. */
  private onOldFragment(f: HandshakeFragment): void {
    if (this.flight.length === 0) return;
    // One trigger per peer retransmission: the first fragment of its flight's first message.
    if (f.messageSeq === this.peerFlightFirstSeq && f.fragmentOffset === 0) {
      this.host.countRetransmission();
      this.transmit();
      if (!this.finalFlight && !this.stopped) this.timer.startFlight();
    }
  }

  protected sendFlight(items: readonly FlightItem[], final: boolean, peerFlightFirstSeq: number): void {
    this.flight = items;
    this.finalFlight = final;
    this.peerFlightFirstSeq = peerFlightFirstSeq;
    this.timer.resetBackoff();
    this.transmit();
    // Sending can end the session (e.g. the records-per-key hard stop): then arm nothing.
    if (this.stopped) return;
    if (final) this.timer.stop();
    else this.timer.startFlight();
  }

  protected transmit(): void {
    if (this.stopped || this.flight.length === 0) return;
    this.host.transmitFlight(this.flight);
  }

  /** A handshake message we send: next message_seq, into the transcript unless excluded. */
  protected ownMessage(msgType: HandshakeType, body: Uint8Array, epoch: number, inTranscript = true): FlightItem {
    const messageSeq = this.nextSendSeq++;
    if (inTranscript) this.transcript.add(msgType, messageSeq, body);
    return { kind: "handshake", epoch, msgType, messageSeq, body };
  }

  protected finish(result: Omit<HandshakeResult, "epoch">): void {
    this.completed = true;
    this.awaitingFinished = false;
    this.host.complete({
      suite: result.suite,
      epoch: this.newEpoch,
      identity: result.identity,
      clientVerifyData: result.clientVerifyData,
      serverVerifyData: result.serverVerifyData,
      secureRenegotiation: result.secureRenegotiation,
      extendedMasterSecret: result.extendedMasterSecret,
      cookie: result.cookie,
    });
  }

  /**
   * FINISHED state (RFC 6347 §4.2.4) as plain data, so the endpoint can keep it instead of this
   * machine: our final flight, the message_seq of the first message of the peer's last flight (its
   * retransmission triggers a resend) and the next message_seq we would accept from the peer.
   * null unless our last flight was the final one.
   */
  finishedFlight(): { items: readonly FlightItem[]; peerFlightFirstSeq: number; peerNextMessageSeq: number } | null {
    if (!this.finalFlight || this.stopped || this.flight.length === 0) return null;
    return { items: this.flight, peerFlightFirstSeq: this.peerFlightFirstSeq, peerNextMessageSeq: this.reassembler.nextMessageSeq };
  }

  /** Stops timers; the machine may still answer retransmissions if `keepFinal` (FINISHED state). */
  stop(keepFinal = false): void {
    this.timer.stop();
    if (!keepFinal) {
      this.stopped = true;
      this.flight = NO_FLIGHT;
    }
  }

  /** Stops waiting (the final flight was answered by data or a new handshake began). */
  get transcriptMessages(): number {
    return this.transcript.messageCount;
  }
}
