/**
 * DTLS record header codec (RFC 6347 §4.1):
 *
 *   struct { ContentType type; ProtocolVersion version; uint16 epoch;
 *            uint48 sequence_number; uint16 length; } (13 bytes, big-endian)
 *
 * Pure byte handling: no validation of type/version/length policy here; the endpoint decides what
 * to reject (it counts the reasons). The 48-bit sequence number fits exactly in a JS number.
 */
import { RECORD_HEADER_BYTES, SEQ_MAX, EPOCH_MAX } from "../constants.js";

export interface RecordHeader {
  type: number;
  version: number;
  epoch: number;
  seq: number;
  length: number;
}

/** A fresh header object to reuse as the `out` argument of readRecordHeader. */
export function emptyRecordHeader(): RecordHeader {
  return { type: 0, version: 0, epoch: 0, seq: 0, length: 0 };
}

/** Decodes the header at `offset` into `out`; false (and `out` untouched) if fewer than 13 bytes remain. */
export function readRecordHeader(buf: Uint8Array, offset: number, out: RecordHeader): boolean {
  if (offset < 0 || buf.length - offset < RECORD_HEADER_BYTES) return false;
  const b = buf;
  const o = offset;
  out.type = b[o]!;
  out.version = (b[o + 1]! << 8) | b[o + 2]!;
  out.epoch = (b[o + 3]! << 8) | b[o + 4]!;
  // High 16 bits times 2^32 plus low 32 bits: exact for 48-bit values, no BigInt.
  const seqHi = (b[o + 5]! << 8) | b[o + 6]!;
  const seqLo = ((b[o + 7]! << 24) | (b[o + 8]! << 16) | (b[o + 9]! << 8) | b[o + 10]!) >>> 0;
  out.seq = seqHi * 0x1_0000_0000 + seqLo;
  out.length = (b[o + 11]! << 8) | b[o + 12]!;
  return true;
}

/** Writes epoch(2) || seq(6) big-endian at `offset`: the 64-bit DTLS sequence number (RFC 6347 §4.1.2.1). */
export function writeEpochSeq(out: Uint8Array, offset: number, epoch: number, seq: number): void {
  // No division below 2^32: seq / 2^32 is a fraction, which unoptimized code (before V8 optimizes
  // this function, or after a deoptimization) boxes as a 16-byte heap number on every record.
  const hi = seq > 0xffff_ffff ? Math.floor(seq / 0x1_0000_0000) : 0;
  const lo = seq >>> 0;
  out[offset] = epoch >>> 8;
  out[offset + 1] = epoch & 0xff;
  out[offset + 2] = hi >>> 8;
  out[offset + 3] = hi & 0xff;
  out[offset + 4] = lo >>> 24;
  out[offset + 5] = (lo >>> 16) & 0xff;
  out[offset + 6] = (lo >>> 8) & 0xff;
  out[offset + 7] = lo & 0xff;
}

/** Encodes a header at `offset`. Throws on values that do not fit their fields (a caller bug). */
export function writeRecordHeader(
  out: Uint8Array,
  offset: number,
  type: number,
  version: number,
  epoch: number,
  seq: number,
  length: number,
): void {
  if (out.length - offset < RECORD_HEADER_BYTES || offset < 0) {
    throw new Error(`writeRecordHeader: "out" expected ${RECORD_HEADER_BYTES} bytes at offset ${offset}, got ${out.length - offset}`);
  }
  checkField("type", type, 0xff);
  checkField("version", version, 0xffff);
  checkField("epoch", epoch, EPOCH_MAX);
  checkField("seq", seq, SEQ_MAX);
  checkField("length", length, 0xffff);
  out[offset] = type;
  out[offset + 1] = version >>> 8;
  out[offset + 2] = version & 0xff;
  writeEpochSeq(out, offset + 3, epoch, seq);
  out[offset + 11] = length >>> 8;
  out[offset + 12] = length & 0xff;
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`writeRecordHeader: "${name}" expected an integer in 0..${max}, got ${value}`);
  }
}
