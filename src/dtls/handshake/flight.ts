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
import { fragmentMessage, HANDSHAKE_HEADER_BYTES, writeHandshakeHeader } from "./header.js";

export type FlightItem =
  | { kind: "handshake"; epoch: number; msgType: number; messageSeq: number; body: Uint8Array }
  | { kind: "ccs"; epoch: number };

/** The record layer as the flight sees it. */
export interface RecordSealer {
  /** Bytes a record of this epoch adds around its payload (header + explicit nonce + tag). */
  overheadBytes(epoch: number): number;
  /** Seals one record under `epoch`'s write state with its next sequence number. */
  seal(epoch: number, type: ContentType, payload: Uint8Array): Uint8Array;
  /**
   * Optional: seals like seal() straight into out[offset..] and returns the record's length
   * (payload.length + overheadBytes(epoch)). With it a flight is built with one allocation per
   * datagram and none per record or fragment.
   */
  sealInto?(epoch: number, type: ContentType, payload: Uint8Array, out: Uint8Array, offset: number): number;
}

/** ChangeCipherSpec body: a single byte of value 1 (RFC 5246 §7.1). */
export const CHANGE_CIPHER_SPEC_BODY = Uint8Array.of(1);

/** One record of a flight: a ChangeCipherSpec or one fragment of a handshake message. */
interface PlannedRecord {
  item: FlightItem;
  fragmentOffset: number;
  fragmentLength: number;
  recordBytes: number;
}

/** Fragment payloads for sealInto (header + body), reused: packFlight never re-enters. */
let fragmentScratch = new Uint8Array(2048);

/**
 * Turns a flight into datagrams of at most `mtuBytes` (several records per datagram, RFC 6347
 * §4.1.1), fragmenting handshake messages that do not fit (RFC 6347 §4.2.3).
 */
export function packFlight(items: readonly FlightItem[], mtuBytes: number, sealer: RecordSealer): Uint8Array[] {
  if (sealer.sealInto === undefined) return packBySeal(items, mtuBytes, sealer);
  // Plan the records and their sizes first, then seal each datagram's records into it.
  const plan: PlannedRecord[] = [];
  for (const item of items) {
    const overhead = sealer.overheadBytes(item.epoch);
    if (item.kind === "ccs") {
      plan.push({ item, fragmentOffset: 0, fragmentLength: 0, recordBytes: CHANGE_CIPHER_SPEC_BODY.length + overhead });
      continue;
    }
    const maxBody = mtuBytes - overhead - HANDSHAKE_HEADER_BYTES;
    if (maxBody < 1) {
      throw new RangeError(`packFlight: "mtuBytes" ${mtuBytes} leaves no room for a handshake fragment after ${overhead + HANDSHAKE_HEADER_BYTES} bytes of headers`);
    }
    let off = 0;
    do {
      const n = Math.min(maxBody, item.body.length - off);
      plan.push({ item, fragmentOffset: off, fragmentLength: n, recordBytes: HANDSHAKE_HEADER_BYTES + n + overhead });
      off += n;
    } while (off < item.body.length);
  }
  const datagrams: Uint8Array[] = [];
  let first = 0;
  while (first < plan.length) {
    let bytes = plan[first]!.recordBytes;
    let end = first + 1;
    while (end < plan.length && bytes + plan[end]!.recordBytes <= mtuBytes) bytes += plan[end++]!.recordBytes;
    const d = new Uint8Array(bytes);
    let at = 0;
    for (let i = first; i < end; i++) at += sealPlanned(plan[i]!, sealer, d, at);
    datagrams.push(at === bytes ? d : d.subarray(0, at));
    first = end;
  }
  return datagrams;
}

function sealPlanned(r: PlannedRecord, sealer: RecordSealer, out: Uint8Array, offset: number): number {
  const { item } = r;
  if (item.kind === "ccs") return sealer.sealInto!(item.epoch, ContentType.ChangeCipherSpec, CHANGE_CIPHER_SPEC_BODY, out, offset);
  const n = HANDSHAKE_HEADER_BYTES + r.fragmentLength;
  if (fragmentScratch.length < n) fragmentScratch = new Uint8Array(Math.max(n, 2 * fragmentScratch.length));
  writeHandshakeHeader(fragmentScratch, 0, item.msgType, item.body.length, item.messageSeq, r.fragmentOffset, r.fragmentLength);
  // A whole message (the usual case) is copied without a subarray view of it.
  if (r.fragmentLength === item.body.length) fragmentScratch.set(item.body, HANDSHAKE_HEADER_BYTES);
  else fragmentScratch.set(item.body.subarray(r.fragmentOffset, r.fragmentOffset + r.fragmentLength), HANDSHAKE_HEADER_BYTES);
  return sealer.sealInto!(item.epoch, ContentType.Handshake, fragmentScratch.subarray(0, n), out, offset);
}

/** packFlight for a sealer without sealInto: each record sealed on its own, then copied into its datagram. */
function packBySeal(items: readonly FlightItem[], mtuBytes: number, sealer: RecordSealer): Uint8Array[] {
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
  let first = 0;
  while (first < records.length) {
    let bytes = records[first]!.length;
    let end = first + 1;
    while (end < records.length && bytes + records[end]!.length <= mtuBytes) bytes += records[end++]!.length;
    const d = new Uint8Array(bytes);
    let at = 0;
    for (let i = first; i < end; i++) {
      d.set(records[i]!, at);
      at += records[i]!.length;
    }
    datagrams.push(d);
    first = end;
  }
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
