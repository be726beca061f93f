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
import { ContentType, RECORD_HEADER_BYTES } from "../constants.js";
import { fragmentMessage, HANDSHAKE_HEADER_BYTES, writeHandshakeHeader } from "./header.js";
import { SHARED_VIEWS } from "../record/view-table.js";

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

/** Where a flight's datagrams go (the endpoint): its record layer and its transport. */
export interface FlightOutput {
  overheadBytes(epoch: number): number;
  /** Seals like RecordSealer.sealInto and returns the record's length (payload + overheadBytes). */
  sealInto(epoch: number, type: ContentType, payload: Uint8Array, out: Uint8Array, offset: number): number;
  /**
   * Optional: when `epoch` has no keys (DTLSPlaintext, RFC 6347 §4.1), takes its next sequence
   * number and writes the record header at out[offset..] around the `payloadBytes` the caller has
   * already written at out[offset + RECORD_HEADER_BYTES..], and returns the record's length; -1,
   * taking nothing, when the epoch has keys (sealInto is used then). Saves a copy and a view per
   * plaintext record.
   */
  sealPlaintextInPlace?(epoch: number, type: ContentType, payloadBytes: number, out: Uint8Array, offset: number): number;
  /** Sends one datagram of the flight, in order. */
  send(datagram: Uint8Array): void;
  /**
   * True when send() does not keep the datagram after it returns (Transport.sendCopies): the flight
   * is then built in a buffer shared by every endpoint instead of a new one per flight.
   */
  readonly sendCopies: boolean;
}

/** Largest flight built in the shared scratch (a PSK flight is a few hundred bytes); a larger one gets its own buffer. */
export const FLIGHT_SCRATCH_BYTES_MAX = 16_384;

/** The shared flight buffer (grown on demand up to FLIGHT_SCRATCH_BYTES_MAX) and whether a flight is in it. */
let flightScratch = new Uint8Array(2048);
let flightScratchBusy = false;

/** Bytes of the shared flight buffer now (for tests of FLIGHT_SCRATCH_BYTES_MAX). */
export function flightScratchBytes(): number {
  return flightScratch.length;
}

/** Fragment payloads for sealInto (header + body), reused: sealing never re-enters. */
let fragmentScratch = new Uint8Array(2048);

/**
 * Total bytes of the flight's records, fragmenting handshake messages that do not fit in one record
 * (RFC 6347 §4.2.3). Throws RangeError when `mtuBytes` leaves no room for a fragment.
 */
function flightBytes(items: readonly FlightItem[], mtuBytes: number, out: Pick<FlightOutput, "overheadBytes">): number {
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const overhead = out.overheadBytes(item.epoch);
    if (item.kind === "ccs") {
      total += CHANGE_CIPHER_SPEC_BODY.length + overhead;
      continue;
    }
    const maxBody = mtuBytes - overhead - HANDSHAKE_HEADER_BYTES;
    if (maxBody < 1) {
      throw new RangeError(`packFlight: "mtuBytes" ${mtuBytes} leaves no room for a handshake fragment after ${overhead + HANDSHAKE_HEADER_BYTES} bytes of headers`);
    }
    const n = item.body.length;
    const fragments = n === 0 ? 1 : Math.ceil(n / maxBody);
    total += n + fragments * (HANDSHAKE_HEADER_BYTES + overhead);
  }
  return total;
}

/**
 * Seals every record of the flight, in order, back to back into buf[0..): the concatenation of its
 * datagrams (datagram boundaries fall between records). Returns the end of every datagram packed
 * greedily up to `mtuBytes` (RFC 6347 §4.1.1), as the last one's end when there is one datagram
 * (no array) or an array of ends.
 */
function sealFlight(items: readonly FlightItem[], mtuBytes: number, out: FlightOutput, buf: Uint8Array): number | number[] {
  let at = 0;
  let datagramStart = 0;
  let ends: number[] | null = null;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const overhead = out.overheadBytes(item.epoch);
    if (item.kind === "ccs") {
      // A record that does not fit in the current datagram starts the next one.
      if (at > datagramStart && at + CHANGE_CIPHER_SPEC_BODY.length + overhead - datagramStart > mtuBytes) {
        (ends ??= []).push(at);
        datagramStart = at;
      }
      const expect = CHANGE_CIPHER_SPEC_BODY.length + overhead;
      if (out.sealPlaintextInPlace !== undefined) {
        buf.set(CHANGE_CIPHER_SPEC_BODY, at + RECORD_HEADER_BYTES);
        const n = out.sealPlaintextInPlace(item.epoch, ContentType.ChangeCipherSpec, CHANGE_CIPHER_SPEC_BODY.length, buf, at);
        if (n >= 0) {
          at += checkedLength(n, item.epoch, expect);
          continue;
        }
      }
      at += checkedSeal(out, item.epoch, ContentType.ChangeCipherSpec, CHANGE_CIPHER_SPEC_BODY, buf, at, expect);
      continue;
    }
    const maxBody = mtuBytes - overhead - HANDSHAKE_HEADER_BYTES;
    const body = item.body;
    let off = 0;
    do {
      const n = Math.min(maxBody, body.length - off);
      const payloadBytes = HANDSHAKE_HEADER_BYTES + n;
      if (at > datagramStart && at + payloadBytes + overhead - datagramStart > mtuBytes) {
        (ends ??= []).push(at);
        datagramStart = at;
      }
      if (out.sealPlaintextInPlace !== undefined) {
        // The fragment straight into its place in the record (header, then body).
        const p = at + RECORD_HEADER_BYTES;
        writeHandshakeHeader(buf, p, item.msgType, body.length, item.messageSeq, off, n);
        if (n === body.length) buf.set(body, p + HANDSHAKE_HEADER_BYTES);
        else buf.set(body.subarray(off, off + n), p + HANDSHAKE_HEADER_BYTES);
        const sealed = out.sealPlaintextInPlace(item.epoch, ContentType.Handshake, payloadBytes, buf, at);
        if (sealed >= 0) {
          at += checkedLength(sealed, item.epoch, payloadBytes + overhead);
          off += n;
          continue;
        }
      }
      if (fragmentScratch.length < payloadBytes) fragmentScratch = new Uint8Array(Math.max(payloadBytes, 2 * fragmentScratch.length));
      writeHandshakeHeader(fragmentScratch, 0, item.msgType, body.length, item.messageSeq, off, n);
      // A whole message (the usual case) is copied without a subarray view of it.
      if (n === body.length) fragmentScratch.set(body, HANDSHAKE_HEADER_BYTES);
      else fragmentScratch.set(body.subarray(off, off + n), HANDSHAKE_HEADER_BYTES);
      at += checkedSeal(out, item.epoch, ContentType.Handshake, fragmentScratch.subarray(0, payloadBytes), buf, at, payloadBytes + overhead);
      off += n;
    } while (off < body.length);
  }
  if (ends === null) return at;
  ends.push(at);
  return ends;
}

function checkedSeal(out: FlightOutput, epoch: number, type: ContentType, payload: Uint8Array, buf: Uint8Array, at: number, expectBytes: number): number {
  return checkedLength(out.sealInto(epoch, type, payload, buf, at), epoch, expectBytes);
}

function checkedLength(n: number, epoch: number, expectBytes: number): number {
  if (n !== expectBytes) throw new Error(`packFlight: sealInto returned ${n} bytes for a record of epoch ${epoch}, expected ${expectBytes} (payload + overheadBytes)`);
  return n;
}

/**
 * Seals a flight and sends its datagrams (at most `mtuBytes` each, several records per datagram,
 * RFC 6347 §4.1.1; handshake messages that do not fit are fragmented, RFC 6347 §4.2.3). Every record
 * is sealed before the first datagram is sent, so a transport that re-enters the endpoint finds the
 * flight's sequence numbers already taken, as when flights were packed into a list first.
 * The records go back to back into one buffer: the shared flight scratch when the transport
 * copies (nothing allocated but a view per datagram), else a new buffer of which each datagram is
 * a view (one allocation per flight).
 */
export function transmitFlight(items: readonly FlightItem[], mtuBytes: number, out: FlightOutput): void {
  const total = flightBytes(items, mtuBytes, out);
  const shared = out.sendCopies && !flightScratchBusy && total <= FLIGHT_SCRATCH_BYTES_MAX;
  if (!shared) {
    const buf = new Uint8Array(total);
    sendDatagrams(buf, sealFlight(items, mtuBytes, out, buf), out, total);
    return;
  }
  if (flightScratch.length < total) {
    SHARED_VIEWS.forget(flightScratch);
    flightScratch = new Uint8Array(Math.min(FLIGHT_SCRATCH_BYTES_MAX, Math.max(total, 2 * flightScratch.length)));
  }
  flightScratchBusy = true;
  try {
    const buf = flightScratch;
    sendDatagrams(buf, sealFlight(items, mtuBytes, out, buf), out, -1);
  } finally {
    flightScratchBusy = false;
  }
}

/**
 * Sends buf's datagrams, ending at `ends`; `whole` is buf's length when a datagram may be all of
 * buf (a buffer of its own), -1 for the shared scratch, whose views are shared (SHARED_VIEWS).
 */
function sendDatagrams(buf: Uint8Array, ends: number | number[], out: FlightOutput, whole: number): void {
  if (typeof ends === "number") {
    out.send(ends === whole ? buf : view(buf, 0, ends, whole));
    return;
  }
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    out.send(view(buf, start, ends[i]!, whole));
    start = ends[i]!;
  }
}

function view(buf: Uint8Array, start: number, end: number, whole: number): Uint8Array {
  return whole < 0 ? SHARED_VIEWS.get(buf, start, end) : buf.subarray(start, end);
}

/**
 * Turns a flight into datagrams of at most `mtuBytes` (several records per datagram, RFC 6347
 * §4.1.1), fragmenting handshake messages that do not fit (RFC 6347 §4.2.3).
 */
export function packFlight(items: readonly FlightItem[], mtuBytes: number, sealer: RecordSealer): Uint8Array[] {
  const sealInto = sealer.sealInto;
  if (sealInto === undefined) return packBySeal(items, mtuBytes, sealer);
  const datagrams: Uint8Array[] = [];
  transmitFlight(items, mtuBytes, {
    overheadBytes: (e) => sealer.overheadBytes(e),
    sealInto: (e, type, payload, buf, offset) => sealInto.call(sealer, e, type, payload, buf, offset),
    send: (d) => datagrams.push(d),
    sendCopies: false,
  });
  return datagrams;
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

  /** The clock callback, made once per timer rather than per arming. */
  private readonly fireFn = (): void => this.fire();

  private arm(): void {
    this.handle = this.clock.setTimer(this.timeoutMs, this.fireFn);
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
