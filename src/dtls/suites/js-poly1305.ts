/**
 * Poly1305 one-time authenticator (RFC 8439 §2.5) for the "js" AEAD backend, with no BigInt and no
 * allocation after construction.
 *
 * Numbers are held as six 22-bit limbs in doubles (limb k = bits 22k..22k+21, 132 bits in all).
 * Multiplication mod p = 2^130 - 5 uses 2^132 = 4 * 2^130 = 20 (mod p): a limb product that lands
 * at limb 6 + i is added to limb i times 20, hence the precomputed 20*r for the wrapped terms.
 * Exactness (doubles are exact below 2^53): between blocks each h limb is below 2^22 + 2^13, a
 * message limb is below 2^22, so h + m < 2^23; clamped r limbs are below 2^22 (r5 below 2^14
 * since clamping leaves r < 2^124). Each of the six sums of six products is then below
 * 2^45 + 20 * 4 * 2^45 < 2^51.4, plus a carry below 2^31. Carries are taken with Math.floor of a
 * multiplication by 2^-22 (exact), the low 22 bits with & (exact, 2^22 divides 2^32).
 * 36 multiplications per block instead of the 100 of 13-bit limbs, and pairs of blocks share
 * one carry step through r^2 (see absorb).
 *
 * The accumulator h is kept only partially reduced between blocks; finish() reduces fully and
 * adds s (RFC 8439 §2.5.1).
 */
/** RFC 8439 §2.5: the key is r (16 bytes, clamped) || s (16 bytes). */
export const POLY1305_KEY_BYTES = 32;
/** RFC 8439 §2.5: the tag is 16 bytes. */
export const POLY1305_TAG_BYTES = 16;
/** RFC 8439 §2.5.1: the message is processed in 16-byte blocks. */
export const POLY1305_BLOCK_BYTES = 16;

const LIMB_BITS = 22;
const LIMB_MASK = 0x3fffff;
const LIMB_SCALE = 1 / 0x400000; // 2^-22, exact
/** 2^132 mod p: the factor for products and carries that wrap past the sixth limb. */
const WRAP = 20;
/** Bit 128 of a full block (RFC 8439 §2.5.1: "add one bit beyond the number of octets"): bit 18 of limb 5. */
const HIBIT_FULL_BLOCK = 1 << 18;

export class Poly1305 {
  /** Clamped r as limbs (RFC 8439 §2.5: r &= 0x0ffffffc0ffffffc0ffffffc0fffffff). */
  private readonly r = new Int32Array(6);
  /** r^2 mod p as limbs (each below 2^22 + 2^13), for absorbing two blocks per step; made on first use per key. */
  private readonly rr = new Float64Array(6);
  private rrReady = false;
  /** The accumulator h as limbs. */
  private readonly h = new Float64Array(6);
  /** s as four 32-bit little-endian words (int32, so a word passed to a call is never boxed). */
  private readonly s = new Int32Array(4);
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
    splitLimbs(this.r, t0, t1, t2, t3);
    const s = this.s;
    for (let i = 0; i < 4; i++) s[i] = w[4 + i]!;
    this.h.fill(0);
    this.rrReady = false;
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
    let h0 = h[0]!, h1 = h[1]!, h2 = h[2]!, h3 = h[3]!, h4 = h[4]!, h5 = h[5]!;
    let c: number;
    // Full carry from limb 1 (limb 0 is carried after the folds below), folding bits >= 132 back times 20,
    // then bits 130 and 131 times 5: every limb below 2^22 and h < 2^130 + 2^23.
    c = Math.floor(h1 * LIMB_SCALE); h1 &= LIMB_MASK;
    h2 += c; c = Math.floor(h2 * LIMB_SCALE); h2 &= LIMB_MASK;
    h3 += c; c = Math.floor(h3 * LIMB_SCALE); h3 &= LIMB_MASK;
    h4 += c; c = Math.floor(h4 * LIMB_SCALE); h4 &= LIMB_MASK;
    h5 += c; c = Math.floor(h5 * LIMB_SCALE); h5 &= LIMB_MASK;
    h0 += WRAP * c;
    c = h5 >>> 20; h5 &= 0xfffff; h0 += 5 * c;
    c = Math.floor(h0 * LIMB_SCALE); h0 &= LIMB_MASK;
    h1 += c; c = h1 >>> LIMB_BITS; h1 &= LIMB_MASK;
    h2 += c; c = h2 >>> LIMB_BITS; h2 &= LIMB_MASK;
    h3 += c; c = h3 >>> LIMB_BITS; h3 &= LIMB_MASK;
    h4 += c; c = h4 >>> LIMB_BITS; h4 &= LIMB_MASK;
    h5 += c;
    // Now h < 2^130 + 2^23 < 2p: at most one subtraction of p. g = h + 5 - 2^130; when bit 130 of
    // h + 5 is set, h >= p and the result is g. Selected by mask, no branch on secret data.
    let g0 = h0 + 5; c = g0 >>> LIMB_BITS; g0 &= LIMB_MASK;
    let g1 = h1 + c; c = g1 >>> LIMB_BITS; g1 &= LIMB_MASK;
    let g2 = h2 + c; c = g2 >>> LIMB_BITS; g2 &= LIMB_MASK;
    let g3 = h3 + c; c = g3 >>> LIMB_BITS; g3 &= LIMB_MASK;
    let g4 = h4 + c; c = g4 >>> LIMB_BITS; g4 &= LIMB_MASK;
    let g5 = h5 + c; c = g5 >>> 20; g5 &= 0xfffff;
    const useG = -c; // all ones when h >= p
    const useH = ~useG;
    h0 = (h0 & useH) | (g0 & useG);
    h1 = (h1 & useH) | (g1 & useG);
    h2 = (h2 & useH) | (g2 & useG);
    h3 = (h3 & useH) | (g3 & useG);
    h4 = (h4 & useH) | (g4 & useG);
    h5 = (h5 & useH) | (g5 & useG);
    // The low 128 bits as four 32-bit words, plus s, mod 2^128. Added in 16-bit halves so every
    // value stays a small integer (no double crosses a call, so nothing is boxed on the heap).
    const s = this.s;
    let carry = addWord(out, offset, (h0 | (h1 << 22)), s[0]!, 0);
    carry = addWord(out, offset + 4, ((h1 >>> 10) | (h2 << 12)), s[1]!, carry);
    carry = addWord(out, offset + 8, ((h2 >>> 20) | (h3 << 2) | (h4 << 24)), s[2]!, carry);
    addWord(out, offset + 12, ((h4 >>> 8) | (h5 << 14)), s[3]!, carry);
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
    this.rr.fill(0);
    this.rrReady = false;
    this.h.fill(0);
    this.s.fill(0);
    this.scratch.fill(0);
    this.tag.fill(0);
  }

  /**
   * h = (h + m + hibit*2^128) * r mod p (partially reduced) for each 16-byte block at `pos`.
   * Pairs of blocks go in one step, Horner's rule unrolled once: h = (h + m1) * r^2 + m2 * r, with
   * one carry for the two products (bounds: (h + m1) limbs < 2^23 times r^2 limbs < 2^22 + 2^13,
   * six terms with five wrapped (x20): < 2^51.7; m2 * r: < 2^50; the sum < 2^52.1, exact).
   */
  private absorb(view: DataView, pos: number, length: number, hibit: number): number {
    const r = this.r;
    const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!, r4 = r[4]!, r5 = r[5]!;
    // Wrapped terms: limb 6 + i contributes 20 * (that product) to limb i (2^132 = 20 mod p).
    const q1 = WRAP * r1, q2 = WRAP * r2, q3 = WRAP * r3, q4 = WRAP * r4, q5 = WRAP * r5;
    const h = this.h;
    let h0 = h[0]!, h1 = h[1]!, h2 = h[2]!, h3 = h[3]!, h4 = h[4]!, h5 = h[5]!;
    const n = length - (length % POLY1305_BLOCK_BYTES);
    const end = pos + n;
    let p = pos;
    if (n >= 2 * POLY1305_BLOCK_BYTES) {
      if (!this.rrReady) this.squareR();
      const rr = this.rr;
      const s0 = rr[0]!, s1 = rr[1]!, s2 = rr[2]!, s3 = rr[3]!, s4 = rr[4]!, s5 = rr[5]!;
      const u1 = WRAP * s1, u2 = WRAP * s2, u3 = WRAP * s3, u4 = WRAP * s4, u5 = WRAP * s5;
      for (; p + 2 * POLY1305_BLOCK_BYTES <= end; p += 2 * POLY1305_BLOCK_BYTES) {
        let t0 = view.getInt32(p, true);
        let t1 = view.getInt32(p + 4, true);
        let t2 = view.getInt32(p + 8, true);
        let t3 = view.getInt32(p + 12, true);
        h0 += t0 & LIMB_MASK;
        h1 += ((t0 >>> 22) | (t1 << 10)) & LIMB_MASK;
        h2 += ((t1 >>> 12) | (t2 << 20)) & LIMB_MASK;
        h3 += (t2 >>> 2) & LIMB_MASK;
        h4 += ((t2 >>> 24) | (t3 << 8)) & LIMB_MASK;
        h5 += (t3 >>> 14) | hibit;
        t0 = view.getInt32(p + 16, true);
        t1 = view.getInt32(p + 20, true);
        t2 = view.getInt32(p + 24, true);
        t3 = view.getInt32(p + 28, true);
        const m0 = t0 & LIMB_MASK;
        const m1 = ((t0 >>> 22) | (t1 << 10)) & LIMB_MASK;
        const m2 = ((t1 >>> 12) | (t2 << 20)) & LIMB_MASK;
        const m3 = (t2 >>> 2) & LIMB_MASK;
        const m4 = ((t2 >>> 24) | (t3 << 8)) & LIMB_MASK;
        const m5 = (t3 >>> 14) | hibit;

        const d0 = h0 * s0 + h1 * u5 + h2 * u4 + h3 * u3 + h4 * u2 + h5 * u1 + (m0 * r0 + m1 * q5 + m2 * q4 + m3 * q3 + m4 * q2 + m5 * q1);
        const d1 = h0 * s1 + h1 * s0 + h2 * u5 + h3 * u4 + h4 * u3 + h5 * u2 + (m0 * r1 + m1 * r0 + m2 * q5 + m3 * q4 + m4 * q3 + m5 * q2);
        const d2 = h0 * s2 + h1 * s1 + h2 * s0 + h3 * u5 + h4 * u4 + h5 * u3 + (m0 * r2 + m1 * r1 + m2 * r0 + m3 * q5 + m4 * q4 + m5 * q3);
        const d3 = h0 * s3 + h1 * s2 + h2 * s1 + h3 * s0 + h4 * u5 + h5 * u4 + (m0 * r3 + m1 * r2 + m2 * r1 + m3 * r0 + m4 * q5 + m5 * q4);
        const d4 = h0 * s4 + h1 * s3 + h2 * s2 + h3 * s1 + h4 * s0 + h5 * u5 + (m0 * r4 + m1 * r3 + m2 * r2 + m3 * r1 + m4 * r0 + m5 * q5);
        const d5 = h0 * s5 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1 + h5 * s0 + (m0 * r5 + m1 * r4 + m2 * r3 + m3 * r2 + m4 * r1 + m5 * r0);
      const c0 = Math.floor(d0 * LIMB_SCALE), c1 = Math.floor(d1 * LIMB_SCALE), c2 = Math.floor(d2 * LIMB_SCALE);
      const c3 = Math.floor(d3 * LIMB_SCALE), c4 = Math.floor(d4 * LIMB_SCALE), c5 = Math.floor(d5 * LIMB_SCALE);
      const e0 = (d0 & LIMB_MASK) + WRAP * c5, e1 = (d1 & LIMB_MASK) + c0, e2 = (d2 & LIMB_MASK) + c1;
      const e3 = (d3 & LIMB_MASK) + c2, e4 = (d4 & LIMB_MASK) + c3, e5 = (d5 & LIMB_MASK) + c4;
      h0 = (e0 & LIMB_MASK) + WRAP * Math.floor(e5 * LIMB_SCALE);
      h1 = (e1 & LIMB_MASK) + Math.floor(e0 * LIMB_SCALE);
      h2 = (e2 & LIMB_MASK) + Math.floor(e1 * LIMB_SCALE);
      h3 = (e3 & LIMB_MASK) + Math.floor(e2 * LIMB_SCALE);
      h4 = (e4 & LIMB_MASK) + Math.floor(e3 * LIMB_SCALE);
      h5 = (e5 & LIMB_MASK) + Math.floor(e4 * LIMB_SCALE);
      }
    }
    for (; p < end; p += POLY1305_BLOCK_BYTES) {
      const t0 = view.getInt32(p, true);
      const t1 = view.getInt32(p + 4, true);
      const t2 = view.getInt32(p + 8, true);
      const t3 = view.getInt32(p + 12, true);
      h0 += t0 & LIMB_MASK;
      h1 += ((t0 >>> 22) | (t1 << 10)) & LIMB_MASK;
      h2 += ((t1 >>> 12) | (t2 << 20)) & LIMB_MASK;
      h3 += (t2 >>> 2) & LIMB_MASK;
      h4 += ((t2 >>> 24) | (t3 << 8)) & LIMB_MASK;
      h5 += (t3 >>> 14) | hibit;

      const d0 = h0 * r0 + h1 * q5 + h2 * q4 + h3 * q3 + h4 * q2 + h5 * q1;
      const d1 = h0 * r1 + h1 * r0 + h2 * q5 + h3 * q4 + h4 * q3 + h5 * q2;
      const d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * q5 + h4 * q4 + h5 * q3;
      const d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * q5 + h5 * q4;
      const d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * q5;
      const d5 = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0;

      // Carries in two parallel passes rather than one serial chain (shorter dependency chain:
      // the next block needs all of h). Pass 1: every limb keeps its low 22 bits plus the carry
      // of the limb below (limb 5's carry, a multiple of 2^132, comes back times 20): h0 < 2^35,
      // the others < 2^22 + 2^31. Pass 2 the same: every limb < 2^22 + 2^13.
      const c0 = Math.floor(d0 * LIMB_SCALE), c1 = Math.floor(d1 * LIMB_SCALE), c2 = Math.floor(d2 * LIMB_SCALE);
      const c3 = Math.floor(d3 * LIMB_SCALE), c4 = Math.floor(d4 * LIMB_SCALE), c5 = Math.floor(d5 * LIMB_SCALE);
      const e0 = (d0 & LIMB_MASK) + WRAP * c5, e1 = (d1 & LIMB_MASK) + c0, e2 = (d2 & LIMB_MASK) + c1;
      const e3 = (d3 & LIMB_MASK) + c2, e4 = (d4 & LIMB_MASK) + c3, e5 = (d5 & LIMB_MASK) + c4;
      h0 = (e0 & LIMB_MASK) + WRAP * Math.floor(e5 * LIMB_SCALE);
      h1 = (e1 & LIMB_MASK) + Math.floor(e0 * LIMB_SCALE);
      h2 = (e2 & LIMB_MASK) + Math.floor(e1 * LIMB_SCALE);
      h3 = (e3 & LIMB_MASK) + Math.floor(e2 * LIMB_SCALE);
      h4 = (e4 & LIMB_MASK) + Math.floor(e3 * LIMB_SCALE);
      h5 = (e5 & LIMB_MASK) + Math.floor(e4 * LIMB_SCALE);
    }
    h[0] = h0; h[1] = h1; h[2] = h2; h[3] = h3; h[4] = h4; h[5] = h5;
    return n;
  }

  /** rr = r * r mod p, partially reduced like h (same multiplication and carries as absorb). */
  private squareR(): void {
    const r = this.r;
    const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!, r4 = r[4]!, r5 = r[5]!;
    const q1 = WRAP * r1, q2 = WRAP * r2, q3 = WRAP * r3, q4 = WRAP * r4, q5 = WRAP * r5;
    let h0: number, h1: number, h2: number, h3: number, h4: number, h5: number;
    {
      const d0 = r0 * r0 + r1 * q5 + r2 * q4 + r3 * q3 + r4 * q2 + r5 * q1;
      const d1 = r0 * r1 + r1 * r0 + r2 * q5 + r3 * q4 + r4 * q3 + r5 * q2;
      const d2 = r0 * r2 + r1 * r1 + r2 * r0 + r3 * q5 + r4 * q4 + r5 * q3;
      const d3 = r0 * r3 + r1 * r2 + r2 * r1 + r3 * r0 + r4 * q5 + r5 * q4;
      const d4 = r0 * r4 + r1 * r3 + r2 * r2 + r3 * r1 + r4 * r0 + r5 * q5;
      const d5 = r0 * r5 + r1 * r4 + r2 * r3 + r3 * r2 + r4 * r1 + r5 * r0;
      const c0 = Math.floor(d0 * LIMB_SCALE), c1 = Math.floor(d1 * LIMB_SCALE), c2 = Math.floor(d2 * LIMB_SCALE);
      const c3 = Math.floor(d3 * LIMB_SCALE), c4 = Math.floor(d4 * LIMB_SCALE), c5 = Math.floor(d5 * LIMB_SCALE);
      const e0 = (d0 & LIMB_MASK) + WRAP * c5, e1 = (d1 & LIMB_MASK) + c0, e2 = (d2 & LIMB_MASK) + c1;
      const e3 = (d3 & LIMB_MASK) + c2, e4 = (d4 & LIMB_MASK) + c3, e5 = (d5 & LIMB_MASK) + c4;
      h0 = (e0 & LIMB_MASK) + WRAP * Math.floor(e5 * LIMB_SCALE);
      h1 = (e1 & LIMB_MASK) + Math.floor(e0 * LIMB_SCALE);
      h2 = (e2 & LIMB_MASK) + Math.floor(e1 * LIMB_SCALE);
      h3 = (e3 & LIMB_MASK) + Math.floor(e2 * LIMB_SCALE);
      h4 = (e4 & LIMB_MASK) + Math.floor(e3 * LIMB_SCALE);
      h5 = (e5 & LIMB_MASK) + Math.floor(e4 * LIMB_SCALE);
    }
    const rr = this.rr;
    rr[0] = h0; rr[1] = h1; rr[2] = h2; rr[3] = h3; rr[4] = h4; rr[5] = h5;
    this.rrReady = true;
  }
}

/** Splits the 128-bit little-endian number t0..t3 into 22-bit limbs. */
function splitLimbs(out: Int32Array, t0: number, t1: number, t2: number, t3: number): void {
  out[0] = t0 & LIMB_MASK;
  out[1] = ((t0 >>> 22) | (t1 << 10)) & LIMB_MASK;
  out[2] = ((t1 >>> 12) | (t2 << 20)) & LIMB_MASK;
  out[3] = (t2 >>> 2) & LIMB_MASK;
  out[4] = ((t2 >>> 24) | (t3 << 8)) & LIMB_MASK;
  out[5] = t3 >>> 14;
}

/** Writes (a + b + carryIn) mod 2^32 little-endian at out[i..i+3]; returns the carry out (0 or 1). */
function addWord(out: Uint8Array, i: number, a: number, b: number, carryIn: number): number {
  const lo = (a & 0xffff) + (b & 0xffff) + carryIn;
  const hi = (a >>> 16) + (b >>> 16) + (lo >>> 16);
  out[i] = lo;
  out[i + 1] = lo >>> 8;
  out[i + 2] = hi;
  out[i + 3] = hi >>> 8;
  return hi >>> 16;
}

function readLe32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** Little-endian 64-bit write of a non-negative safe integer. */
function writeLe64(b: Uint8Array, i: number, v: number): void {
  const lo = v >>> 0;
  // No division below 2^32 (a fraction is boxed as a heap number by unoptimized code; see xorAt).
  const hi = v > 0xffff_ffff ? Math.floor(v / 0x1_0000_0000) >>> 0 : 0;
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
