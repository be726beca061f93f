/**
 * Poly1305 one-time authenticator (RFC 8439 §2.5) for the "js" AEAD backend, with no BigInt and no
 * allocation after construction.
 *
 * Numbers mod p = 2^130 - 5 are held as ten 13-bit limbs (limb k = bits 13k..13k+12). A product of
 * two limbs is below 2^28, so the ten-term sums of the multiplication stay far below 2^53 and are
 * exact in doubles; they can exceed 2^32, so carries are taken with Math.floor, not with >>>
 * (the low 13 bits are taken with & 0x1fff, which is exact because 2^13 divides 2^32).
 * Reduction uses 2^130 = 5 (mod p): a limb product that lands at limb 10 + i is added to limb i
 * times 5, which is why the multiplication uses r*5 for the wrapped terms.
 *
 * The accumulator h is kept only partially reduced between blocks (each limb a little over 13 bits
 * at most); finish() reduces fully and adds s (RFC 8439 §2.5.1).
 */
/** RFC 8439 §2.5: the key is r (16 bytes, clamped) || s (16 bytes). */
export const POLY1305_KEY_BYTES = 32;
/** RFC 8439 §2.5: the tag is 16 bytes. */
export const POLY1305_TAG_BYTES = 16;
/** RFC 8439 §2.5.1: the message is processed in 16-byte blocks. */
export const POLY1305_BLOCK_BYTES = 16;

const LIMB_BITS = 13;
const LIMB_MASK = 0x1fff;
const LIMB_SCALE = 1 / 8192; // 2^-13, exact
/** Bit 128 of a full block (RFC 8439 §2.5.1: "add one bit beyond the number of octets") in limb 9. */
const HIBIT_FULL_BLOCK = 1 << 11;

export class Poly1305 {
  /** Clamped r as limbs (RFC 8439 §2.5: r &= 0x0ffffffc0ffffffc0ffffffc0fffffff). */
  private readonly r = new Int32Array(10);
  /** The accumulator h as limbs. */
  private readonly h = new Float64Array(10);
  /** s as eight 16-bit little-endian words. */
  private readonly s = new Uint16Array(8);
  /** Scratch for zero-padded tails, the length block and the computed tag. */
  private readonly scratch = new Uint8Array(POLY1305_BLOCK_BYTES);
  private readonly scratchView = new DataView(this.scratch.buffer);
  private readonly tag = new Uint8Array(POLY1305_TAG_BYTES);

  /** Sets the one-time key from eight little-endian 32-bit words (r = words 0..3, s = 4..7); h = 0. */
  setKeyWords(w: ArrayLike<number>): void {
    // RFC 8439 §2.5: clamp r.
    const t0 = w[0]! & 0x0fffffff;
    const t1 = w[1]! & 0x0ffffffc;
    const t2 = w[2]! & 0x0ffffffc;
    const t3 = w[3]! & 0x0ffffffc;
    splitLimbs(this.r, t0, t1, t2, t3, 0);
    const s = this.s;
    for (let i = 0; i < 4; i++) {
      const v = w[4 + i]!;
      s[2 * i] = v & 0xffff;
      s[2 * i + 1] = v >>> 16;
    }
    this.h.fill(0);
  }

  /** Sets the one-time key from 32 bytes at `offset`; h = 0. */
  setKey(key: Uint8Array, offset = 0): void {
    if (offset < 0 || key.length - offset < POLY1305_KEY_BYTES) {
      throw new Error(`Poly1305: "key" expected ${POLY1305_KEY_BYTES} bytes at offset ${offset}, got ${key.length - offset}`);
    }
    const w = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 8; i++) w[i] = readLe32(key, offset + 4 * i);
    this.setKeyWords(w);
  }

  /**
   * Absorbs floor(length / 16) full blocks of `bytes` starting at `offset` (RFC 8439 §2.5.1:
   * h = (h + block + 2^128) * r mod p). `view` is a DataView of bytes.buffer; offsets are within
   * `bytes`. Returns the number of bytes absorbed.
   */
  blocks(view: DataView, bytes: Uint8Array, offset: number, length: number): number {
    return this.absorb(view, bytes.byteOffset + offset, length, HIBIT_FULL_BLOCK);
  }

  /**
   * RFC 8439 §2.8 pad16: absorbs the last length % 16 bytes at `offset` zero-padded to a full block
   * (the zeros are message bytes, so the block keeps its 2^128 bit); nothing when length % 16 = 0.
   */
  padTail(bytes: Uint8Array, offset: number, length: number): void {
    const tail = length % POLY1305_BLOCK_BYTES;
    if (tail === 0) return;
    const b = this.scratch;
    const start = offset + length - tail;
    for (let i = 0; i < tail; i++) b[i] = bytes[start + i]!;
    b.fill(0, tail);
    this.absorb(this.scratchView, 0, POLY1305_BLOCK_BYTES, HIBIT_FULL_BLOCK);
  }

  /** RFC 8439 §2.5.1 last partial block of a plain MAC: the bytes, then 0x01, then zeros, no 2^128 bit. */
  finalPartial(bytes: Uint8Array, offset: number, length: number): void {
    if (length === 0) return;
    if (length >= POLY1305_BLOCK_BYTES) throw new Error(`Poly1305: partial block expected < 16 bytes, got ${length}`);
    const b = this.scratch;
    for (let i = 0; i < length; i++) b[i] = bytes[offset + i]!;
    b[length] = 1;
    b.fill(0, length + 1);
    this.absorb(this.scratchView, 0, POLY1305_BLOCK_BYTES, 0);
  }

  /** RFC 8439 §2.8: the last block, le64(aad length) || le64(ciphertext length). */
  lengths(aadBytes: number, ciphertextBytes: number): void {
    const b = this.scratch;
    writeLe64(b, 0, aadBytes);
    writeLe64(b, 8, ciphertextBytes);
    this.absorb(this.scratchView, 0, POLY1305_BLOCK_BYTES, HIBIT_FULL_BLOCK);
  }

  /** Writes the tag (RFC 8439 §2.5.1: (h mod p) + s, low 128 bits) into out[offset..+16]. */
  finish(out: Uint8Array, offset: number): void {
    const h = this.h;
    // Full carry: every limb below 2^13, h < 2^130 + small.
    let h0 = h[0]!, h1 = h[1]!, h2 = h[2]!, h3 = h[3]!, h4 = h[4]!;
    let h5 = h[5]!, h6 = h[6]!, h7 = h[7]!, h8 = h[8]!, h9 = h[9]!;
    let c: number;
    c = Math.floor(h1 * LIMB_SCALE); h1 &= LIMB_MASK;
    h2 += c; c = Math.floor(h2 * LIMB_SCALE); h2 &= LIMB_MASK;
    h3 += c; c = Math.floor(h3 * LIMB_SCALE); h3 &= LIMB_MASK;
    h4 += c; c = Math.floor(h4 * LIMB_SCALE); h4 &= LIMB_MASK;
    h5 += c; c = Math.floor(h5 * LIMB_SCALE); h5 &= LIMB_MASK;
    h6 += c; c = Math.floor(h6 * LIMB_SCALE); h6 &= LIMB_MASK;
    h7 += c; c = Math.floor(h7 * LIMB_SCALE); h7 &= LIMB_MASK;
    h8 += c; c = Math.floor(h8 * LIMB_SCALE); h8 &= LIMB_MASK;
    h9 += c; c = Math.floor(h9 * LIMB_SCALE); h9 &= LIMB_MASK;
    h0 += 5 * c; c = Math.floor(h0 * LIMB_SCALE); h0 &= LIMB_MASK;
    h1 += c; c = h1 >>> LIMB_BITS; h1 &= LIMB_MASK;
    h2 += c;
    // Now h < 2^130 + 5 (at most one subtraction of p needed). g = h + 5 - 2^130; if that does not
    // borrow (carry out of bit 130 is 1), h >= p and the result is g. Selected by mask, no branch.
    let g0 = h0 + 5; c = g0 >>> LIMB_BITS; g0 &= LIMB_MASK;
    let g1 = h1 + c; c = g1 >>> LIMB_BITS; g1 &= LIMB_MASK;
    let g2 = h2 + c; c = g2 >>> LIMB_BITS; g2 &= LIMB_MASK;
    let g3 = h3 + c; c = g3 >>> LIMB_BITS; g3 &= LIMB_MASK;
    let g4 = h4 + c; c = g4 >>> LIMB_BITS; g4 &= LIMB_MASK;
    let g5 = h5 + c; c = g5 >>> LIMB_BITS; g5 &= LIMB_MASK;
    let g6 = h6 + c; c = g6 >>> LIMB_BITS; g6 &= LIMB_MASK;
    let g7 = h7 + c; c = g7 >>> LIMB_BITS; g7 &= LIMB_MASK;
    let g8 = h8 + c; c = g8 >>> LIMB_BITS; g8 &= LIMB_MASK;
    let g9 = h9 + c; c = g9 >>> LIMB_BITS; g9 &= LIMB_MASK;
    const useG = -c; // all ones when h >= p
    const useH = ~useG;
    h0 = (h0 & useH) | (g0 & useG);
    h1 = (h1 & useH) | (g1 & useG);
    h2 = (h2 & useH) | (g2 & useG);
    h3 = (h3 & useH) | (g3 & useG);
    h4 = (h4 & useH) | (g4 & useG);
    h5 = (h5 & useH) | (g5 & useG);
    h6 = (h6 & useH) | (g6 & useG);
    h7 = (h7 & useH) | (g7 & useG);
    h8 = (h8 & useH) | (g8 & useG);
    h9 = (h9 & useH) | (g9 & useG);
    // Repack the low 128 bits as 16-bit words and add s mod 2^128.
    const s = this.s;
    let f = (h0 | (h1 << 13)) & 0xffff;
    f += s[0]!; out[offset] = f; out[offset + 1] = f >>> 8; c = f >>> 16;
    f = (((h1 >>> 3) | (h2 << 10)) & 0xffff) + s[1]! + c;
    out[offset + 2] = f; out[offset + 3] = f >>> 8; c = f >>> 16;
    f = (((h2 >>> 6) | (h3 << 7)) & 0xffff) + s[2]! + c;
    out[offset + 4] = f; out[offset + 5] = f >>> 8; c = f >>> 16;
    f = (((h3 >>> 9) | (h4 << 4)) & 0xffff) + s[3]! + c;
    out[offset + 6] = f; out[offset + 7] = f >>> 8; c = f >>> 16;
    f = (((h4 >>> 12) | (h5 << 1) | (h6 << 14)) & 0xffff) + s[4]! + c;
    out[offset + 8] = f; out[offset + 9] = f >>> 8; c = f >>> 16;
    f = (((h6 >>> 2) | (h7 << 11)) & 0xffff) + s[5]! + c;
    out[offset + 10] = f; out[offset + 11] = f >>> 8; c = f >>> 16;
    f = (((h7 >>> 5) | (h8 << 8)) & 0xffff) + s[6]! + c;
    out[offset + 12] = f; out[offset + 13] = f >>> 8; c = f >>> 16;
    f = (((h8 >>> 8) | (h9 << 5)) & 0xffff) + s[7]! + c;
    out[offset + 14] = f; out[offset + 15] = f >>> 8;
  }

  /**
   * Computes the tag and compares it with expected[offset..+16] in constant time (every byte is
   * looked at whatever the first difference). True when equal.
   */
  verify(expected: Uint8Array, offset: number): boolean {
    const t = this.tag;
    this.finish(t, 0);
    let diff = 0;
    for (let i = 0; i < POLY1305_TAG_BYTES; i++) diff |= t[i]! ^ expected[offset + i]!;
    return diff === 0;
  }

  /** Zeroes key and accumulator state (the one-time key must not outlive its message). */
  wipe(): void {
    this.r.fill(0);
    this.h.fill(0);
    this.s.fill(0);
    this.scratch.fill(0);
    this.tag.fill(0);
  }

  /** h = (h + m + hibit*2^128) * r mod p (partially reduced) for each 16-byte block at `pos`. */
  private absorb(view: DataView, pos: number, length: number, hibit: number): number {
    const r = this.r;
    const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!, r4 = r[4]!;
    const r5 = r[5]!, r6 = r[6]!, r7 = r[7]!, r8 = r[8]!, r9 = r[9]!;
    // Wrapped terms: limb 10 + i contributes 5 * (that product) to limb i (2^130 = 5 mod p).
    const q1 = 5 * r1, q2 = 5 * r2, q3 = 5 * r3, q4 = 5 * r4, q5 = 5 * r5;
    const q6 = 5 * r6, q7 = 5 * r7, q8 = 5 * r8, q9 = 5 * r9;
    const h = this.h;
    let h0 = h[0]!, h1 = h[1]!, h2 = h[2]!, h3 = h[3]!, h4 = h[4]!;
    let h5 = h[5]!, h6 = h[6]!, h7 = h[7]!, h8 = h[8]!, h9 = h[9]!;
    const n = length - (length % POLY1305_BLOCK_BYTES);
    const end = pos + n;
    for (let p = pos; p < end; p += POLY1305_BLOCK_BYTES) {
      const t0 = view.getUint32(p, true);
      const t1 = view.getUint32(p + 4, true);
      const t2 = view.getUint32(p + 8, true);
      const t3 = view.getUint32(p + 12, true);
      h0 += t0 & LIMB_MASK;
      h1 += (t0 >>> 13) & LIMB_MASK;
      h2 += ((t0 >>> 26) | (t1 << 6)) & LIMB_MASK;
      h3 += (t1 >>> 7) & LIMB_MASK;
      h4 += ((t1 >>> 20) | (t2 << 12)) & LIMB_MASK;
      h5 += (t2 >>> 1) & LIMB_MASK;
      h6 += (t2 >>> 14) & LIMB_MASK;
      h7 += ((t2 >>> 27) | (t3 << 5)) & LIMB_MASK;
      h8 += (t3 >>> 8) & LIMB_MASK;
      h9 += (t3 >>> 21) | hibit;

      const d0 = h0 * r0 + h1 * q9 + h2 * q8 + h3 * q7 + h4 * q6 + h5 * q5 + h6 * q4 + h7 * q3 + h8 * q2 + h9 * q1;
      let d1 = h0 * r1 + h1 * r0 + h2 * q9 + h3 * q8 + h4 * q7 + h5 * q6 + h6 * q5 + h7 * q4 + h8 * q3 + h9 * q2;
      let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * q9 + h4 * q8 + h5 * q7 + h6 * q6 + h7 * q5 + h8 * q4 + h9 * q3;
      let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * q9 + h5 * q8 + h6 * q7 + h7 * q6 + h8 * q5 + h9 * q4;
      let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * q9 + h6 * q8 + h7 * q7 + h8 * q6 + h9 * q5;
      let d5 = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0 + h6 * q9 + h7 * q8 + h8 * q7 + h9 * q6;
      let d6 = h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2 + h5 * r1 + h6 * r0 + h7 * q9 + h8 * q8 + h9 * q7;
      let d7 = h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3 + h5 * r2 + h6 * r1 + h7 * r0 + h8 * q9 + h9 * q8;
      let d8 = h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4 + h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * q9;
      let d9 = h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5 + h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;

      let c = Math.floor(d0 * LIMB_SCALE); h0 = d0 & LIMB_MASK;
      d1 += c; c = Math.floor(d1 * LIMB_SCALE); h1 = d1 & LIMB_MASK;
      d2 += c; c = Math.floor(d2 * LIMB_SCALE); h2 = d2 & LIMB_MASK;
      d3 += c; c = Math.floor(d3 * LIMB_SCALE); h3 = d3 & LIMB_MASK;
      d4 += c; c = Math.floor(d4 * LIMB_SCALE); h4 = d4 & LIMB_MASK;
      d5 += c; c = Math.floor(d5 * LIMB_SCALE); h5 = d5 & LIMB_MASK;
      d6 += c; c = Math.floor(d6 * LIMB_SCALE); h6 = d6 & LIMB_MASK;
      d7 += c; c = Math.floor(d7 * LIMB_SCALE); h7 = d7 & LIMB_MASK;
      d8 += c; c = Math.floor(d8 * LIMB_SCALE); h8 = d8 & LIMB_MASK;
      d9 += c; c = Math.floor(d9 * LIMB_SCALE); h9 = d9 & LIMB_MASK;
      // The carry out of limb 9 is a multiple of 2^130: fold it back times 5.
      h0 += 5 * c; c = Math.floor(h0 * LIMB_SCALE); h0 &= LIMB_MASK;
      h1 += c;
    }
    h[0] = h0; h[1] = h1; h[2] = h2; h[3] = h3; h[4] = h4;
    h[5] = h5; h[6] = h6; h[7] = h7; h[8] = h8; h[9] = h9;
    return n;
  }
}

/** Splits the 128-bit little-endian number t0..t3 (+ `top` at bit 128) into 13-bit limbs. */
function splitLimbs(out: Int32Array, t0: number, t1: number, t2: number, t3: number, top: number): void {
  out[0] = t0 & LIMB_MASK;
  out[1] = (t0 >>> 13) & LIMB_MASK;
  out[2] = ((t0 >>> 26) | (t1 << 6)) & LIMB_MASK;
  out[3] = (t1 >>> 7) & LIMB_MASK;
  out[4] = ((t1 >>> 20) | (t2 << 12)) & LIMB_MASK;
  out[5] = (t2 >>> 1) & LIMB_MASK;
  out[6] = (t2 >>> 14) & LIMB_MASK;
  out[7] = ((t2 >>> 27) | (t3 << 5)) & LIMB_MASK;
  out[8] = (t3 >>> 8) & LIMB_MASK;
  out[9] = (t3 >>> 21) | top;
}

function readLe32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/** Little-endian 64-bit write of a non-negative safe integer. */
function writeLe64(b: Uint8Array, i: number, v: number): void {
  const lo = v >>> 0;
  const hi = Math.floor(v / 0x1_0000_0000) >>> 0;
  b[i] = lo; b[i + 1] = lo >>> 8; b[i + 2] = lo >>> 16; b[i + 3] = lo >>> 24;
  b[i + 4] = hi; b[i + 5] = hi >>> 8; b[i + 6] = hi >>> 16; b[i + 7] = hi >>> 24;
}

/**
 * The Poly1305 tag of `message` under the 32-byte one-time `key` (RFC 8439 §2.5). Allocates; for
 * tests and one-off use, not the record path.
 */
export function poly1305Tag(key: Uint8Array, message: Uint8Array): Uint8Array {
  const p = new Poly1305();
  p.setKey(key);
  const done = p.blocks(new DataView(message.buffer), message, 0, message.length);
  p.finalPartial(message, done, message.length - done);
  const tag = new Uint8Array(POLY1305_TAG_BYTES);
  p.finish(tag, 0);
  return tag;
}
