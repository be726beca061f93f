/**
 * Flights and their retransmission (RFC 6347 §4.2.4). A flight is the list of messages one side
 * sends before waiting for the peer; it is retransmitted whole, with fresh record sequence numbers
 * but the same epochs and message_seq values, until the peer's next flight arrives.
 *
 * Timer (RFC 6347 §4.2.4.1): start at `retransmitInitialMs`, double on each expiry up to
 * `retransmitMaxMs`; after `retransmitCountMax` retransmissions the handshake fails
 * ("retransmit-exhausted"). After a successful exchange the next flight starts again from the
 * initial value.
 */
import type { Clock, DtlsLimits, TimerHandle } from "../api.js";
import { ContentType } from "../constants.js";
import { fragmentMessage } from "./header.js";

export type FlightItem =
  | { kind: "handshake"; epoch: number; msgType: number; messageSeq: number; body: Uint8Array }
  | { kind: "ccs"; epoch: number };

/** The record layer as the flight sees it. */
export interface RecordSealer {
  /** Bytes a record of this epoch adds around its payload (header + explicit nonce + tag). */
  overheadBytes(epoch: number): number;
  /** Seals one record under `epoch`'s write state with its next sequence number. */
  seal(epoch: number, type: ContentType, payload: Uint8Array): Uint8Array;
}

/** ChangeCipherSpec body: a single byte of value 1 (RFC 5246 §7.1). */
export const CHANGE_CIPHER_SPEC_BODY = Uint8Array.of(1);

/**
 * Turns a flight into datagrams of at most `mtuBytes` (several records per datagram, RFC 6347
 * §4.1.1), fragmenting handshake messages that do not fit (RFC 6347 §4.2.3).
 */
export function packFlight(items: readonly FlightItem[], mtuBytes: number, sealer: RecordSealer): Uint8Array[] {
  const records: Uint8Array[] = [];
  for (const item of items) {
    if (item.kind === "ccs") {
      records.push(sealer.seal(item.epoch, ContentType.ChangeCipherSpec, CHANGE_CIPHER_SPEC_BODY));
      continue;
    }
    const room = mtuBytes - sealer.overheadBytes(item.epoch);
    for (const frag of fragmentMessage(item.msgType, item.messageSeq, item.body, room)) {
      records.push(sealer.seal(item.epoch, ContentType.Handshake, frag));
    }
  }
  const datagrams: Uint8Array[] = [];
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  const flush = () => {
    if (batch.length === 0) return;
    const d = new Uint8Array(batchBytes);
    let off = 0;
    for (const r of batch) {
      d.set(r, off);
      off += r.length;
    }
    datagrams.push(d);
    batch = [];
    batchBytes = 0;
  };
  for (const r of records) {
    if (batchBytes + r.length > mtuBytes) flush();
    batch.push(r);
    batchBytes += r.length;
  }
  flush();
  return datagrams;
}

export class RetransmitTimer {
  private handle: TimerHandle | null = null;
  private timeoutMs: number;
  private retransmits = 0;

  constructor(
    private readonly clock: Clock,
    private readonly limits: DtlsLimits,
    private readonly onRetransmit: () => void,
    private readonly onExhausted: () => void,
  ) {
    this.timeoutMs = limits.retransmitInitialMs;
  }

  /** Retransmissions of the current flight so far. */
  get count(): number {
    return this.retransmits;
  }
  get currentTimeoutMs(): number {
    return this.timeoutMs;
  }
  get armed(): boolean {
    return this.handle !== null;
  }

  /** A new flight was sent: arm with the current timeout, count from zero. */
  startFlight(): void {
    this.stop();
    this.retransmits = 0;
    this.arm();
  }

  /** The peer answered (RFC 6347 §4.2.4.1: reset the timer value after a successful exchange). */
  resetBackoff(): void {
    this.timeoutMs = this.limits.retransmitInitialMs;
  }

  stop(): void {
    if (this.handle !== null) {
      this.clock.clearTimer(this.handle);
      this.handle = null;
    }
  }

  private arm(): void {
    this.handle = this.clock.setTimer(this.timeoutMs, () => this.fire());
  }

  private fire(): void {
    this.handle = null;
    if (this.retransmits >= this.limits.retransmitCountMax) {
      this.onExhausted();
      return;
    }
    this.retransmits++;
    this.timeoutMs = Math.min(this.timeoutMs * 2, this.limits.retransmitMaxMs);
    this.arm();
    this.onRetransmit();
  }
}
