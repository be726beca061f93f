/**
 * Byte reader/writer for TLS presentation-language structures (RFC 5246 §4): big-endian integers
 * of 1, 2, 3 and 6 bytes and length-prefixed vectors. The reader throws DecodeError naming the
 * field that ran past the end, so codec errors say what was wrong.
 */
import { DecodeError } from "../errors.js";
import { SHARED_VIEWS } from "../record/view-table.js";

export class ByteReader {
  private pos: number;
  constructor(
    private readonly buf: Uint8Array,
    offset = 0,
    private readonly end = buf.length,
  ) {
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.end) {
      throw new DecodeError(`"${field}" needs ${n} bytes at offset ${this.pos}, only ${this.end - this.pos} left`);
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.buf[this.pos++]!;
  }
  u16(field: string): number {
    this.need(2, field);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u24(field: string): number {
    this.need(3, field);
    const v = (this.buf[this.pos]! << 16) | (this.buf[this.pos + 1]! << 8) | this.buf[this.pos + 2]!;
    this.pos += 3;
    return v;
  }
  bytes(n: number, field: string): Uint8Array {
    this.need(n, field);
    // Decoded fields are views; the same ranges of the same message repeat (record/view-table.ts).
    const v = SHARED_VIEWS.get(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** opaque field<min..2^8-1> */
  vec8(field: string, min = 0, max = 255): Uint8Array {
    const n = this.u8(`${field}.length`);
    if (n < min || n > max) throw new DecodeError(`"${field}" length ${n} outside [${min}, ${max}]`);
    return this.bytes(n, field);
  }
  /** opaque field<min..2^16-1> */
  vec16(field: string, min = 0, max = 65535): Uint8Array {
    const n = this.u16(`${field}.length`);
    if (n < min || n > max) throw new DecodeError(`"${field}" length ${n} outside [${min}, ${max}]`);
    return this.bytes(n, field);
  }
  /** Throws if bytes are left over: every message must be consumed exactly (RFC 5246 §7.4.1.2). */
  expectEnd(what: string): void {
    if (this.pos !== this.end) {
      throw new DecodeError(`${what}: ${this.end - this.pos} unexpected trailing bytes`);
    }
  }
}

/** Free writer buffers kept for reuse; a handshake encodes a dozen messages, a few nested. */
export const BYTE_WRITER_POOL_MAX = 8;
/** A buffer that grew past this is not kept in the pool (a large certificate-less flight never needs it). */
export const BYTE_WRITER_POOLED_BYTES_MAX = 16 * 1024;
const BYTE_WRITER_BUFFER_BYTES = 1024;
const writerPool: Uint8Array[] = [];

/** Buffers in the pool now (for tests). */
export function byteWriterPoolSize(): number {
  return writerPool.length;
}

/**
 * Builds one encoding. It writes into a pooled buffer and finish() returns an exact-size copy and
 * gives the buffer back, so encoding a message costs one small allocation (a fresh 256-byte
 * buffer per writer, plus the copy, showed in handshake profiles). A writer is done after finish().
 */
export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;
  private done = false;
  /** `initialBytes`: a size hint; writers share pooled buffers of at least BYTE_WRITER_BUFFER_BYTES. */
  constructor(initialBytes = 256) {
    const pooled = writerPool.pop();
    this.buf = pooled !== undefined && pooled.length >= initialBytes ? pooled : new Uint8Array(Math.max(initialBytes, BYTE_WRITER_BUFFER_BYTES));
  }
  private ensure(n: number): void {
    if (this.done) throw new Error("ByteWriter: written to after finish()");
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  get length(): number {
    return this.pos;
  }
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u24(v: number): this {
    this.ensure(3);
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  vec8(b: Uint8Array, field: string): this {
    if (b.length > 255) throw new RangeError(`"${field}" expected at most 255 bytes, got ${b.length}`);
    return this.u8(b.length).bytes(b);
  }
  vec16(b: Uint8Array, field: string): this {
    if (b.length > 65535) throw new RangeError(`"${field}" expected at most 65535 bytes, got ${b.length}`);
    return this.u16(b.length).bytes(b);
  }
  /**
   * Starts a vector whose 2-byte length is not known yet (a nested structure written in place):
   * returns the position to pass to endVec16 once its contents are written.
   */
  beginVec16(): number {
    this.u16(0);
    return this.pos;
  }

  /** Writes the length of the vector begun at `start` (beginVec16); RangeError past 65535 bytes. */
  endVec16(start: number, field: string): this {
    const n = this.pos - start;
    if (n > 65535) throw new RangeError(`"${field}" expected at most 65535 bytes, got ${n}`);
    this.buf[start - 2] = (n >>> 8) & 0xff;
    this.buf[start - 1] = n & 0xff;
    return this;
  }

  /** A copy of the bytes written; the writer's buffer goes back to the pool and the writer is done. */
  finish(): Uint8Array {
    if (this.done) throw new Error("ByteWriter: finish() called twice");
    this.done = true;
    const out = this.buf.slice(0, this.pos);
    if (writerPool.length < BYTE_WRITER_POOL_MAX && this.buf.length <= BYTE_WRITER_POOLED_BYTES_MAX) writerPool.push(this.buf);
    return out;
  }
}
