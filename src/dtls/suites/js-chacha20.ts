/**
 * ChaCha20 stream cipher (RFC 8439 §2.3, §2.4) for the "js" AEAD backend, written so that nothing
 * is allocated after construction: the 16-word input state and the 16-word keystream block live in
 * two typed arrays owned by the instance, the 20 rounds run on local variables, and the XOR with
 * the caller's bytes works on 32-bit words read and written through DataViews of the caller's
 * ArrayBuffers (any alignment, explicit little-endian). Words are handled as int32 everywhere
 * (getInt32, Int32Array): a uint32 above 2^31 is not a small integer in V8 and, wherever it crosses
 * a call that is not inlined, becomes a heap-allocated number. A DataView is made only when the caller
 * hands a buffer with a different ArrayBuffer than the previous call (see DataViewCache), so a
 * record layer sealing into the same buffers again and again allocates nothing.
 *
 * Writing forwards, word by word, each word read before it is written: the output may be the very
 * bytes of the input (in place), or start before it. An output that starts after the input inside
 * it is the caller's job to avoid (js.ts moves the input first).
 */

import { chachaBlock } from "./js-chacha20-block.js";

/** RFC 8439 §2.3: 256-bit key. */
export const CHACHA20_KEY_BYTES = 32;
/** RFC 8439 §2.3: 96-bit nonce (the IETF variant). */
export const CHACHA20_NONCE_BYTES = 12;
/** RFC 8439 §2.3: a block is 16 32-bit words. */
export const CHACHA20_BLOCK_BYTES = 64;
/** log2(CHACHA20_BLOCK_BYTES), for whole-number block counts. */
const CHACHA20_BLOCK_SHIFT = 6;
/** Lengths up to which (length + 63) >>> 6 cannot overflow 32 bits. */
const CHACHA20_SHIFT_SAFE_BYTES = 0x7fff_ff00;
/** RFC 8439 §2.3: the block counter is 32 bits; a message may use at most 2^32 blocks per nonce. */
export const CHACHA20_COUNTER_LIMIT = 0x1_0000_0000;

// RFC 8439 §2.3: the constants are "expand 32-byte k" read as four little-endian words.
const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;

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
  readonly keystream = new Int32Array(16);
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
    this.state[12] = counter;
    chachaBlock(this.state, this.keystream);
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
    // Whole numbers only on the record path: length / 64 is a fraction, which code V8 has not
    // optimized (yet, or again after a deoptimization) boxes as a 16-byte heap number per call;
    // the bench's allocation meter caught it as ~13-25 B per record in some runs.
    const blocks = length <= CHACHA20_SHIFT_SAFE_BYTES ? (length + CHACHA20_BLOCK_BYTES - 1) >>> CHACHA20_BLOCK_SHIFT : Math.ceil(length / CHACHA20_BLOCK_BYTES);
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
      dv.setInt32(o, sv.getInt32(i, true) ^ k[0]!, true);
      dv.setInt32(o + 4, sv.getInt32(i + 4, true) ^ k[1]!, true);
      dv.setInt32(o + 8, sv.getInt32(i + 8, true) ^ k[2]!, true);
      dv.setInt32(o + 12, sv.getInt32(i + 12, true) ^ k[3]!, true);
      dv.setInt32(o + 16, sv.getInt32(i + 16, true) ^ k[4]!, true);
      dv.setInt32(o + 20, sv.getInt32(i + 20, true) ^ k[5]!, true);
      dv.setInt32(o + 24, sv.getInt32(i + 24, true) ^ k[6]!, true);
      dv.setInt32(o + 28, sv.getInt32(i + 28, true) ^ k[7]!, true);
      dv.setInt32(o + 32, sv.getInt32(i + 32, true) ^ k[8]!, true);
      dv.setInt32(o + 36, sv.getInt32(i + 36, true) ^ k[9]!, true);
      dv.setInt32(o + 40, sv.getInt32(i + 40, true) ^ k[10]!, true);
      dv.setInt32(o + 44, sv.getInt32(i + 44, true) ^ k[11]!, true);
      dv.setInt32(o + 48, sv.getInt32(i + 48, true) ^ k[12]!, true);
      dv.setInt32(o + 52, sv.getInt32(i + 52, true) ^ k[13]!, true);
      dv.setInt32(o + 56, sv.getInt32(i + 56, true) ^ k[14]!, true);
      dv.setInt32(o + 60, sv.getInt32(i + 60, true) ^ k[15]!, true);
      i += CHACHA20_BLOCK_BYTES;
      o += CHACHA20_BLOCK_BYTES;
      left -= CHACHA20_BLOCK_BYTES;
    }
    if (left > 0) {
      this.block(ctr);
      let w = 0;
      for (; left >= 4; w++, left -= 4, i += 4, o += 4) dv.setInt32(o, sv.getInt32(i, true) ^ k[w]!, true);
      const last = k[w]!;
      // >> and a mask, not >>>: last >>> 0 of a negative word is above 2^31, boxed by unoptimized code.
      for (let b = 0; b < left; b++) dv.setUint8(o + b, sv.getUint8(i + b) ^ ((last >> (8 * b)) & 0xff));
    }
  }

  /** Drops references to caller buffers and zeroes the keystream block. */
  release(): void {
    this.srcView.clear();
    this.dstView.clear();
    this.keystream.fill(0);
  }
}

/**
 * The little-endian word at b[i..i+3] as an int32 (not >>> 0: an int32 return value is never boxed
 * as a heap number when the call is not inlined, and Uint32Array stores take it mod 2^32).
 */
function readLe32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}
