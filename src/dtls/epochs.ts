/**
 * The endpoint's keys per epoch, both directions (RFC 6347 §4.1: every record names its epoch,
 * and each epoch has its own sequence space). Like wireguard-go's current/previous/next keypairs:
 * - write: the epochs we seal with (the current one, the next one during a rekey, the previous
 *   one until retired so a final flight can still be resent);
 * - read: epoch 0 (plaintext), the current epoch and, after a rekey, the previous one until
 *   retired, each with its own replay window;
 * - pendingRead: the peer's next epoch between key derivation and its ChangeCipherSpec, with a
 *   bounded buffer of records that arrived early. Only records that authenticate under the pending
 *   keys are buffered (the endpoint checks before calling bufferEarly), at most one per sequence
 *   number, so forged records can neither fill the buffer nor shadow a genuine record.
 * Sequence numbers are only ever taken from WriteState.nextSeq, so none is reused.
 */
import type { CipherState } from "./record/cipher-state.js";
import { ReplayWindow } from "./record/replay.js";
import { ContentType, DTLS12_VERSION, RECORD_HEADER_BYTES, REPLAY_WINDOW_RECORDS } from "./constants.js";
import { writeRecordHeader } from "./record/header.js";
import { EARLY_RECORDS_MAX } from "./limits.js";
import { EpochSlots } from "./epoch-slots.js";

export interface ReadState {
  /** null for epoch 0 (DTLSPlaintext). */
  cipher: CipherState | null;
  replay: ReplayWindow;
  /** Application data is accepted only once this epoch's handshake finished. */
  verified: boolean;
}

export interface WriteState {
  cipher: CipherState | null;
  /** Records sealed under this epoch so far = the next sequence number. */
  nextSeq: number;
}

/**
 * Exact-duplicate filter for unauthenticated epoch-0 records: the last REPLAY_WINDOW_RECORDS
 * (sequence number, length, content digest) triples seen. Unlike a sliding window it never calls a
 * record "too old", and a forged record only shadows a record with the same bytes, so injected
 * records (a huge sequence number, or another session's record with the same number) cannot make
 * genuine handshake records look like replays. A handshake adds a handful of entries, so they are
 * numbers in one array searched linearly (no strings, no Set): a few dozen bytes per endpoint.
 */
export class PlaintextDuplicateFilter {
  /** (seq, length, digest) triples, oldest first; at most REPLAY_WINDOW_RECORDS of them. An exact-size
   * copy is made per record added (a few per handshake), so no spare capacity is kept. */
  private entries: readonly number[] = [];

  private static digest(bytes: Uint8Array, start: number, end: number): number {
    // FNV-1a over the record: a collision only costs a retransmission, never acceptance.
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    return h >>> 0;
  }

  /** Number of records remembered (at most REPLAY_WINDOW_RECORDS). */
  get size(): number {
    return this.entries.length / 3;
  }

  private find(seq: number, length: number, digest: number): boolean {
    const e = this.entries;
    for (let i = 0; i < e.length; i += 3) if (e[i] === seq && e[i + 1] === length && e[i + 2] === digest) return true;
    return false;
  }

  has(seq: number, record: Uint8Array): boolean {
    return this.hasRange(seq, record, 0, record.length);
  }

  /** has() for the record bytes[start..end) (no view of it needed). */
  hasRange(seq: number, bytes: Uint8Array, start: number, end: number): boolean {
    return this.find(seq, end - start, PlaintextDuplicateFilter.digest(bytes, start, end));
  }

  add(seq: number, record: Uint8Array): void {
    this.addRange(seq, record, 0, record.length);
  }

  /** add() for the record bytes[start..end) (no view of it needed). */
  addRange(seq: number, bytes: Uint8Array, start: number, end: number): void {
    const length = end - start;
    const digest = PlaintextDuplicateFilter.digest(bytes, start, end);
    if (this.find(seq, length, digest)) return;
    const e = this.entries;
    // Oldest triple dropped at REPLAY_WINDOW_RECORDS; one exact-size array per record added.
    const from = e.length >= 3 * REPLAY_WINDOW_RECORDS ? 3 : 0;
    const next = new Array<number>(e.length - from + 3);
    for (let i = from; i < e.length; i++) next[i - from] = e[i]!;
    next[e.length - from] = seq;
    next[e.length - from + 1] = length;
    next[e.length - from + 2] = digest;
    this.entries = next;
  }
}

/** Epoch 0's read state: no keys, never "verified" (application data is refused unprotected) and,
 * since epoch 0 uses the PlaintextDuplicateFilter instead, no replay window of its own (it is never
 * marked). Nothing in it changes, so one frozen object serves every table. */
const PLAINTEXT_READ: ReadState = Object.freeze({ cipher: null, replay: new ReplayWindow(), verified: false });

export class EpochTable {
  readonly read = new EpochSlots<ReadState>();
  readonly write = new EpochSlots<WriteState>();
  /** Epoch 0 has no replay window (see PlaintextDuplicateFilter); made on first use. */
  private duplicates: PlaintextDuplicateFilter | null = null;
  private pending: { epoch: number; cipher: CipherState } | null = null;
  /** Authenticated records of the pending epoch; null when none (the usual case). */
  private early: { seq: number; record: Uint8Array }[] | null = null;

  constructor(initialWriteSeq: number) {
    this.read.set(0, PLAINTEXT_READ);
    this.write.set(0, { cipher: null, nextSeq: initialWriteSeq });
  }

  /** The epoch-0 duplicate filter (created on first use). */
  get plaintextDuplicates(): PlaintextDuplicateFilter {
    return (this.duplicates ??= new PlaintextDuplicateFilter());
  }

  /** True if an epoch-0 record with these bytes and sequence number was seen (allocates nothing). */
  isPlaintextDuplicate(seq: number, record: Uint8Array, start = 0, end = record.length): boolean {
    return this.duplicates !== null && this.duplicates.hasRange(seq, record, start, end);
  }

  /** Records of the pending epoch held until its ChangeCipherSpec (read-only view). */
  get earlyRecords(): readonly Uint8Array[] {
    return this.early === null ? [] : this.early.map((e) => e.record);
  }

  /** Number of records held for the pending epoch (bounded by EARLY_RECORDS_MAX). */
  get earlyRecordCount(): number {
    return this.early === null ? 0 : this.early.length;
  }

  get pendingReadEpoch(): number | null {
    return this.pending?.epoch ?? null;
  }

  /** Read keys of the pending epoch: records that arrive before its ChangeCipherSpec are checked with them. */
  get pendingReadCipher(): CipherState | null {
    return this.pending?.cipher ?? null;
  }

  installWrite(epoch: number, cipher: CipherState): void {
    this.write.set(epoch, { cipher, nextSeq: 0 });
  }

  setPendingRead(epoch: number, cipher: CipherState): void {
    this.pending = { epoch, cipher };
    this.early = null;
  }

  /**
   * Keeps a copy of an AUTHENTICATED record of the pending epoch (the caller opened it with
   * pendingReadCipher). Two authentic records with the same sequence number are the same record,
   * so a second copy is a "duplicate"; "full" when EARLY_RECORDS_MAX are held.
   */
  bufferEarly(seq: number, record: Uint8Array): "buffered" | "duplicate" | "full" {
    const early = (this.early ??= []);
    if (early.some((e) => e.seq === seq)) return "duplicate";
    if (early.length >= EARLY_RECORDS_MAX) return "full";
    early.push({ seq, record: record.slice() });
    return "buffered";
  }

  /** The peer's ChangeCipherSpec: its next epoch becomes readable. Returns the early records. */
  activatePendingRead(): Uint8Array[] {
    const p = this.pending;
    if (p === null) return [];
    this.pending = null;
    this.read.set(p.epoch, { cipher: p.cipher, replay: new ReplayWindow(), verified: false });
    const early = this.early === null ? [] : this.early.map((e) => e.record);
    this.early = null;
    return early;
  }

  overheadBytes(epoch: number): number {
    return this.write.get(epoch)?.cipher?.overheadBytes ?? RECORD_HEADER_BYTES;
  }

  /** The newest epoch we have already sealed records with (the peer can read it), at least `min`. */
  newestUsedWriteEpoch(min: number): number {
    let epoch = min;
    for (let i = 0; i < this.write.size; i++) {
      const e = this.write.epochAt(i);
      if (e > epoch && this.write.valueAt(i).nextSeq > 0) epoch = e;
    }
    return epoch;
  }

  /**
   * Seals one record under `epoch` with its next sequence number into a new buffer of its exact
   * size (flights keep their records until they are packed, so each needs its own). Throws for a
   * missing epoch (a bug).
   */
  seal(epoch: number, type: ContentType, payload: Uint8Array): Uint8Array {
    const out = new Uint8Array(payload.length + this.overheadBytes(epoch));
    const n = this.sealInto(epoch, type, payload, out, 0);
    return n === out.length ? out : out.subarray(0, n);
  }

  /**
   * Seals one record under `epoch` with its next sequence number at out[outOffset..] and returns
   * its length (payload.length + overheadBytes(epoch)); nothing is allocated. Throws for a missing
   * epoch or too small an `out` (bugs); the sequence number is only taken once the record fits.
   */
  sealInto(epoch: number, type: ContentType, payload: Uint8Array, out: Uint8Array, outOffset: number): number {
    const ws = this.write.get(epoch);
    if (ws === undefined) throw new Error(`EpochTable.seal: no write state for epoch ${epoch}`);
    const total = payload.length + (ws.cipher?.overheadBytes ?? RECORD_HEADER_BYTES);
    if (!Number.isInteger(outOffset) || outOffset < 0 || out.length - outOffset < total) {
      throw new Error(`EpochTable.sealInto: "out" expected room for ${total} bytes at offset ${outOffset}, got ${out.length - outOffset}`);
    }
    const seq = ws.nextSeq++;
    if (ws.cipher === null) {
      writeRecordHeader(out, outOffset, type, DTLS12_VERSION, epoch, seq, payload.length);
      out.set(payload, outOffset + RECORD_HEADER_BYTES);
      return total;
    }
    return ws.cipher.seal(type, seq, payload, out, outOffset);
  }

  /**
   * For an epoch without keys (DTLSPlaintext): takes its next sequence number and writes the record
   * header at out[outOffset..] around the `payloadBytes` already at out[outOffset +
   * RECORD_HEADER_BYTES..]; returns the record's length. -1, taking nothing, when the epoch has keys
   * or is not held (the caller then seals with sealInto, which reports a missing epoch).
   */
  sealPlaintextInPlace(epoch: number, type: ContentType, payloadBytes: number, out: Uint8Array, outOffset: number): number {
    const ws = this.write.get(epoch);
    if (ws === undefined || ws.cipher !== null) return -1;
    const total = payloadBytes + RECORD_HEADER_BYTES;
    if (!Number.isInteger(outOffset) || outOffset < 0 || out.length - outOffset < total) {
      throw new Error(`EpochTable.sealPlaintextInPlace: "out" expected room for ${total} bytes at offset ${outOffset}, got ${out.length - outOffset}`);
    }
    writeRecordHeader(out, outOffset, type, DTLS12_VERSION, epoch, ws.nextSeq++, payloadBytes);
    return total;
  }

  /** True when `epoch` is held for writing without keys (DTLSPlaintext). */
  isPlaintextWrite(epoch: number): boolean {
    const ws = this.write.get(epoch);
    return ws !== undefined && ws.cipher === null;
  }

  /** Drops an old epoch's keys (epoch 0 stays readable for handshake retransmissions). */
  retire(epoch: number): void {
    if (epoch > 0) this.read.delete(epoch);
    this.write.delete(epoch);
  }

  clear(): void {
    this.pending = null;
    this.early = null;
    this.duplicates = null;
  }
}
