/**
 * ChaCha20 stream cipher (RFC 8439 §2.3, §2.4) for the "js" AEAD backend, written so that nothing
 * is allocated after construction: the 16-word input state and the 16-word keystream block live in
 * two Uint32Arrays owned by the instance, the 20 rounds run on local variables, and the XOR with
 * the caller's bytes works on 32-bit words read and written through DataViews of the caller's
 * ArrayBuffers (any alignment, explicit little-endian). A DataView is made only when the caller
 * hands a buffer with a different ArrayBuffer than the previous call (see DataViewCache), so a
 * record layer sealing into the same buffers again and again allocates nothing.
 *
 * Writing forwards, word by word, each word read before it is written: the output may be the very
 * bytes of the input (in place), or start before it. An output that starts after the input inside
 * it is the caller's job to avoid (js.ts moves the input first).
 */

/** RFC 8439 §2.3: 256-bit key. */
export const CHACHA20_KEY_BYTES = 32;
/** RFC 8439 §2.3: 96-bit nonce (the IETF variant). */
export const CHACHA20_NONCE_BYTES = 12;
/** RFC 8439 §2.3: a block is 16 32-bit words. */
export const CHACHA20_BLOCK_BYTES = 64;
/** RFC 8439 §2.3: the block counter is 32 bits; a message may use at most 2^32 blocks per nonce. */
export const CHACHA20_COUNTER_LIMIT = 0x1_0000_0000;

// RFC 8439 §2.3: the constants are "expand 32-byte k" read as four little-endian words.
const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;
/** RFC 8439 §2.3: 20 rounds, i.e. 10 iterations of a column round followed by a diagonal round. */
const DOUBLE_ROUNDS = 10;

/**
 * A one-entry cache of a DataView over a whole ArrayBuffer. Creating the view is the only
 * allocation on the data path, and it happens only when the buffer changes.
 */
export class DataViewCache {
  private buffer: ArrayBufferLike | null = null;
  private view: DataView | null = null;

  get(bytes: Uint8Array): DataView {
    const b = bytes.buffer;
    if (b === this.buffer && this.view !== null) return this.view;
    const v = new DataView(b);
    this.buffer = b;
    this.view = v;
    return v;
  }

  /** Drops the reference to the caller's memory. */
  clear(): void {
    this.buffer = null;
    this.view = null;
  }
}

export class ChaCha20 {
  /** RFC 8439 §2.3 input state: constants, key, counter, nonce. */
  private readonly state = new Uint32Array(16);
  /** The last block computed by block(): the serialized keystream, as words. */
  readonly keystream = new Uint32Array(16);
  private readonly srcView = new DataViewCache();
  private readonly dstView = new DataViewCache();

  constructor(key: Uint8Array) {
    if (key.length !== CHACHA20_KEY_BYTES) {
      throw new Error(`ChaCha20: "key" expected ${CHACHA20_KEY_BYTES} bytes, got ${key.length}`);
    }
    const s = this.state;
    s[0] = SIGMA0;
    s[1] = SIGMA1;
    s[2] = SIGMA2;
    s[3] = SIGMA3;
    for (let i = 0; i < 8; i++) s[4 + i] = readLe32(key, 4 * i);
  }

  /** Words 13..15 of the state (RFC 8439 §2.3). */
  setNonce(nonce: Uint8Array): void {
    if (nonce.length !== CHACHA20_NONCE_BYTES) {
      throw new Error(`ChaCha20: "nonce" expected ${CHACHA20_NONCE_BYTES} bytes, got ${nonce.length}`);
    }
    const s = this.state;
    s[13] = readLe32(nonce, 0);
    s[14] = readLe32(nonce, 4);
    s[15] = readLe32(nonce, 8);
  }

  /** The ChaCha20 block function (RFC 8439 §2.3) for `counter`, into this.keystream. */
  block(counter: number): void {
    const s = this.state;
    s[12] = counter;
    // | 0: as int32 (not uint32 numbers) the round variables stay in integer registers.
    const s0 = s[0]! | 0, s1 = s[1]! | 0, s2 = s[2]! | 0, s3 = s[3]! | 0;
    const s4 = s[4]! | 0, s5 = s[5]! | 0, s6 = s[6]! | 0, s7 = s[7]! | 0;
    const s8 = s[8]! | 0, s9 = s[9]! | 0, s10 = s[10]! | 0, s11 = s[11]! | 0;
    const s12 = s[12]! | 0, s13 = s[13]! | 0, s14 = s[14]! | 0, s15 = s[15]! | 0;
    let x0 = s0, x1 = s1, x2 = s2, x3 = s3, x4 = s4, x5 = s5, x6 = s6, x7 = s7;
    let x8 = s8, x9 = s9, x10 = s10, x11 = s11, x12 = s12, x13 = s13, x14 = s14, x15 = s15;
    // Quarter round (RFC 8439 §2.1): a += b; d ^= a; d <<<= 16; c += d; b ^= c; b <<<= 12;
    // a += b; d ^= a; d <<<= 8; c += d; b ^= c; b <<<= 7. Written out for the eight quarter
    // rounds of a double round (§2.3: columns 0,4,8,12 .. 3,7,11,15, then the diagonals).
    for (let i = 0; i < DOUBLE_ROUNDS; i++) {
      // column round
      x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
      x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
      x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
      x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);

      x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
      x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
      x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
      x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);

      x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
      x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
      x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
      x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);

      x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
      x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
      x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
      x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);

      // diagonal round
      x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
      x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
      x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
      x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);

      x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
      x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
      x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
      x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);

      x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
      x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
      x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
      x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);

      x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
      x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
      x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
      x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
    }
    // RFC 8439 §2.3: add the original input words to the result (Uint32Array stores mod 2^32).
    const k = this.keystream;
    k[0] = x0 + s0; k[1] = x1 + s1; k[2] = x2 + s2; k[3] = x3 + s3;
    k[4] = x4 + s4; k[5] = x5 + s5; k[6] = x6 + s6; k[7] = x7 + s7;
    k[8] = x8 + s8; k[9] = x9 + s9; k[10] = x10 + s10; k[11] = x11 + s11;
    k[12] = x12 + s12; k[13] = x13 + s13; k[14] = x14 + s14; k[15] = x15 + s15;
  }

  /**
   * RFC 8439 §2.4 encryption (and decryption, the same operation): dst[dstOffset..+length] =
   * src[srcOffset..+length] XOR keystream(counter, counter+1, ...). The nonce is the one last set.
   */
  xor(counter: number, src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number, length: number): void {
    this.xorAt(counter, this.srcView.get(src), src.byteOffset + srcOffset, this.dstView.get(dst), dst.byteOffset + dstOffset, length);
  }

  /**
   * xor() on DataViews of whole ArrayBuffers, positions counted from the buffer start: the form the
   * AEAD uses, with views it caches itself.
   */
  xorAt(counter: number, sv: DataView, srcPos: number, dv: DataView, dstPos: number, length: number): void {
    const blocks = Math.ceil(length / CHACHA20_BLOCK_BYTES);
    if (!Number.isInteger(counter) || counter < 0 || counter + blocks > CHACHA20_COUNTER_LIMIT) {
      throw new Error(
        `ChaCha20: ${length} bytes from block counter ${counter} expected to stay below the 2^32 block limit (RFC 8439 §2.3)`,
      );
    }
    const k = this.keystream;
    let i = srcPos;
    let o = dstPos;
    let left = length;
    let ctr = counter;
    while (left >= CHACHA20_BLOCK_BYTES) {
      this.block(ctr++);
      for (let w = 0; w < 16; w++) {
        dv.setUint32(o, sv.getUint32(i, true) ^ k[w]!, true);
        i += 4;
        o += 4;
      }
      left -= CHACHA20_BLOCK_BYTES;
    }
    if (left > 0) {
      this.block(ctr);
      let w = 0;
      for (; left >= 4; w++, left -= 4, i += 4, o += 4) dv.setUint32(o, sv.getUint32(i, true) ^ k[w]!, true);
      const last = k[w]!;
      for (let b = 0; b < left; b++) dv.setUint8(o + b, sv.getUint8(i + b) ^ (last >>> (8 * b)));
    }
  }

  /** Drops references to caller buffers and zeroes the keystream block. */
  release(): void {
    this.srcView.clear();
    this.dstView.clear();
    this.keystream.fill(0);
  }
}

function readLe32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}
