/**
 * SHA-256 (FIPS 180-4 §6.2) in plain TypeScript, for the handshake's many short hashes.
 *
 * Why not node:crypto: every createHash/createHmac builds a fresh OpenSSL context (~3.5-6 µs in
 * Node 20 on this machine) and the inputs here are tiny (a PRF step hashes ~100 bytes, a
 * Finished covers a few hundred). A handshake runs ~30 of them; in a profile of a PSK handshake
 * the HMAC set-up alone was 15% of the time. This state machine allocates nothing per block, can be
 * cloned cheaply (8 words + a partial block), so HMAC keys and the running transcript hash keep
 * their precomputed states (see hmac.ts, handshake/transcript.ts). Correctness is checked against
 * node:crypto in test/dtls/crypto/sha256.test.ts.
 */

/** Output size (FIPS 180-4 §1). */
export const SHA256_DIGEST_BYTES = 32;
/** Message block size (FIPS 180-4 §1). */
export const SHA256_BLOCK_BYTES = 64;
/**
 * Largest message this implementation hashes: its bit length must fit the 2^53 range of a JS
 * number (FIPS 180-4 allows < 2^64 bits; the handshake hashes a few KB at most).
 */
export const SHA256_MESSAGE_BYTES_MAX = 2 ** 50;

/** Round constants K0..K63 (FIPS 180-4 §4.2.2). */
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** Initial hash value H(0) (FIPS 180-4 §5.3.3). */
const H0 = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/**
 * The message schedule W0..W63, shared: compression never re-enters. Callers put the block's 16
 * words in W[0..15] (loadBlock, or HMAC's outer hash writing its words directly) and then call
 * compressW().
 */
const W = new Int32Array(64);

/** Loads the 64-byte block at `offset` as 16 big-endian words into W[0..15] (FIPS 180-4 §5.2.1). */
function loadBlock(block: Uint8Array, offset: number): void {
  for (let t = 0; t < 16; t++) {
    const o = offset + 4 * t;
    W[t] = (block[o]! << 24) | (block[o + 1]! << 16) | (block[o + 2]! << 8) | block[o + 3]!;
  }
}

/**
 * One compression of the block in W[0..15] into `h` (FIPS 180-4 §6.2.2).
 *
 * The rounds are unrolled eight at a time with the working variables renamed instead of shifted
 * (round t+1 uses round t's "d" as its "e" and so on), so no variable is copied between rounds:
 * measured 320-340 ns per block here against 390-450 ns for the one-round loop that shifted all
 * eight. Ch and Maj use the equivalent forms g ^ (e & (f ^ g)) and (a & b) | (c & (a | b)).
 */
function compressW(h: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15]!;
    const w2 = W[t - 2]!;
    // σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16] (FIPS 180-4 §6.2.2 step 1, σ from §4.1.2 (4.6), (4.7)).
    W[t] =
      ((((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10)) +
        W[t - 7]! +
        (((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)) +
        W[t - 16]!) |
      0;
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, hh = h[7]!;
  let t1 = 0;
  // Each pair of lines is one round (FIPS 180-4 §6.2.2 step 3): T1 = h + Σ1(e) + Ch(e,f,g) + Kt + Wt;
  // d += T1; h = T1 + Σ0(a) + Maj(a,b,c); the next round reads the variables one place along.
  for (let t = 0; t < 64; t += 8) {
    t1 = (hh + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + (g ^ (e & (f ^ g))) + K[t]! + W[t]!) | 0;
    d = (d + t1) | 0;
    hh = (t1 + (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b)))) | 0;
    t1 = (g + (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7))) + (f ^ (d & (e ^ f))) + K[t + 1]! + W[t + 1]!) | 0;
    c = (c + t1) | 0;
    g = (t1 + (((hh >>> 2) | (hh << 30)) ^ ((hh >>> 13) | (hh << 19)) ^ ((hh >>> 22) | (hh << 10))) + ((hh & a) | (b & (hh | a)))) | 0;
    t1 = (f + (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) + (e ^ (c & (d ^ e))) + K[t + 2]! + W[t + 2]!) | 0;
    b = (b + t1) | 0;
    f = (t1 + (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) + ((g & hh) | (a & (g | hh)))) | 0;
    t1 = (e + (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7))) + (d ^ (b & (c ^ d))) + K[t + 3]! + W[t + 3]!) | 0;
    a = (a + t1) | 0;
    e = (t1 + (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) + ((f & g) | (hh & (f | g)))) | 0;
    t1 = (d + (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) + (c ^ (a & (b ^ c))) + K[t + 4]! + W[t + 4]!) | 0;
    hh = (hh + t1) | 0;
    d = (t1 + (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) + ((e & f) | (g & (e | f)))) | 0;
    t1 = (c + (((hh >>> 6) | (hh << 26)) ^ ((hh >>> 11) | (hh << 21)) ^ ((hh >>> 25) | (hh << 7))) + (b ^ (hh & (a ^ b))) + K[t + 5]! + W[t + 5]!) | 0;
    g = (g + t1) | 0;
    c = (t1 + (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) + ((d & e) | (f & (d | e)))) | 0;
    t1 = (b + (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) + (a ^ (g & (hh ^ a))) + K[t + 6]! + W[t + 6]!) | 0;
    f = (f + t1) | 0;
    b = (t1 + (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) + ((c & d) | (e & (c | d)))) | 0;
    t1 = (a + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) + (hh ^ (f & (g ^ hh))) + K[t + 7]! + W[t + 7]!) | 0;
    e = (e + t1) | 0;
    a = (t1 + (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) + ((b & c) | (d & (b | c)))) | 0;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
  h[5] = (h[5]! + f) | 0;
  h[6] = (h[6]! + g) | 0;
  h[7] = (h[7]! + hh) | 0;
}

/** One compression of the 64-byte block at `offset` into `h`. */
function compress(h: Int32Array, block: Uint8Array, offset: number): void {
  loadBlock(block, offset);
  compressW(h);
}

/** A running SHA-256: update() any number of times, then digestInto() (which ends it) or copyFrom() another. */
export class Sha256 {
  private readonly h = new Int32Array(8);
  private readonly block = new Uint8Array(SHA256_BLOCK_BYTES);
  private blockBytes = 0;
  private totalBytes = 0;

  constructor() {
    this.reset();
  }

  reset(): this {
    this.h.set(H0);
    this.blockBytes = 0;
    this.totalBytes = 0;
    return this;
  }

  /** Makes this hash the same state as `other` (cheap: 8 words and the partial block). */
  copyFrom(other: Sha256): this {
    this.h.set(other.h);
    this.block.set(other.block);
    this.blockBytes = other.blockBytes;
    this.totalBytes = other.totalBytes;
    return this;
  }

  update(data: Uint8Array): this {
    const n = data.length;
    if (this.totalBytes + n > SHA256_MESSAGE_BYTES_MAX) {
      throw new RangeError(`Sha256.update: message length expected at most ${SHA256_MESSAGE_BYTES_MAX} bytes, got ${this.totalBytes + n}`);
    }
    this.totalBytes += n;
    const blk = this.block;
    let used = this.blockBytes;
    let off = 0;
    // Byte loops rather than set(subarray(...)): the pieces are under 64 bytes and a subarray is an allocation.
    if (used > 0) {
      while (used < SHA256_BLOCK_BYTES && off < n) blk[used++] = data[off++]!;
      if (used < SHA256_BLOCK_BYTES) {
        this.blockBytes = used;
        return this;
      }
      compress(this.h, blk, 0);
      used = 0;
    }
    while (n - off >= SHA256_BLOCK_BYTES) {
      compress(this.h, data, off);
      off += SHA256_BLOCK_BYTES;
    }
    while (off < n) blk[used++] = data[off++]!;
    this.blockBytes = used;
    return this;
  }

  /**
   * The chaining value (8 words, at into[offset..]) after whole blocks only: HMAC's precomputed
   * pad states. Throws mid-block.
   */
  saveState(into: Int32Array, offset = 0): void {
    if (this.blockBytes !== 0) throw new Error(`Sha256.saveState: expected a whole number of blocks hashed, got ${this.blockBytes} bytes pending`);
    for (let i = 0; i < 8; i++) into[offset + i] = this.h[i]!;
  }

  /** Resumes from a saveState() value (at state[offset..]) taken after `totalBytes` (a multiple of 64) bytes. */
  loadState(state: Int32Array, offset: number, totalBytes: number): this {
    if (totalBytes % SHA256_BLOCK_BYTES !== 0) throw new Error(`Sha256.loadState: "totalBytes" expected a multiple of ${SHA256_BLOCK_BYTES}, got ${totalBytes}`);
    if (offset < 0 || offset + 8 > state.length) throw new RangeError(`Sha256.loadState: "offset" expected 0..${state.length - 8}, got ${offset}`);
    for (let i = 0; i < 8; i++) this.h[i] = state[offset + i]!;
    this.blockBytes = 0;
    this.totalBytes = totalBytes;
    return this;
  }

  /**
   * Pads (FIPS 180-4 §5.1.1: a 1 bit, zeros, the 64-bit big-endian bit length) and runs the last
   * compression(s): this.h is then the digest. The length goes into the schedule as two words.
   */
  private finish(): void {
    const blk = this.block;
    let used = this.blockBytes;
    blk[used++] = 0x80;
    if (used > SHA256_BLOCK_BYTES - 8) {
      blk.fill(0, used);
      compress(this.h, blk, 0);
      used = 0;
    }
    blk.fill(0, used, SHA256_BLOCK_BYTES - 8);
    loadBlock(blk, 0);
    const bits = this.totalBytes * 8;
    W[14] = Math.floor(bits / 0x100000000) | 0;
    W[15] = bits | 0; // ToInt32: the low 32 bits
    compressW(this.h);
    this.blockBytes = 0;
  }

  /** Writes the 32-byte digest at out[offset..] and leaves this hash finished: reset() or copyFrom() before reuse. */
  digestInto(out: Uint8Array, offset = 0): void {
    if (offset < 0 || offset + SHA256_DIGEST_BYTES > out.length) {
      throw new RangeError(`Sha256.digestInto: "offset" expected 0..${out.length - SHA256_DIGEST_BYTES}, got ${offset}`);
    }
    this.finish();
    wordsToBytes(this.h, out, offset);
  }

  /** The digest as 8 big-endian words at into[offset..] (finishes this hash, like digestInto). */
  digestWordsInto(into: Int32Array, offset = 0): void {
    if (offset < 0 || offset + 8 > into.length) throw new RangeError(`Sha256.digestWordsInto: "offset" expected 0..${into.length - 8}, got ${offset}`);
    this.finish();
    for (let i = 0; i < 8; i++) into[offset + i] = this.h[i]!;
  }

  /** The digest as a new array (finishes this hash, like digestInto). */
  digest(): Uint8Array {
    const out = new Uint8Array(SHA256_DIGEST_BYTES);
    this.digestInto(out, 0);
    return out;
  }
}

function wordsToBytes(h: Int32Array, out: Uint8Array, offset: number): void {
  for (let i = 0; i < 8; i++) {
    const v = h[i]!;
    const o = offset + 4 * i;
    out[o] = v >>> 24;
    out[o + 1] = (v >>> 16) & 0xff;
    out[o + 2] = (v >>> 8) & 0xff;
    out[o + 3] = v & 0xff;
  }
}

/** Chaining value of digestAfterBlock32(); it never re-enters. */
const resumed = new Int32Array(8);
/** Bit length of one block and a 32-byte message (FIPS 180-4 §5.1.1 padding). */
const BLOCK_AND_32_BITS = (SHA256_BLOCK_BYTES + SHA256_DIGEST_BYTES) * 8;

/**
 * SHA-256 of (a first 64-byte block whose chaining value is state[stateOffset..+8]) || (a 32-byte
 * message given as 8 big-endian words msg[msgOffset..+8]), written at out[outOffset..]. This is
 * HMAC's outer hash H((K0 ^ opad) || H(inner)) (RFC 2104 §2) with the opad state precomputed:
 * one compression with the message and its padding put straight into the schedule (FIPS 180-4
 * §5.1.1: 0x80, zeros, the length 768 bits), no bytes in between.
 */
export function digestAfterBlock32(state: Int32Array, stateOffset: number, msg: Int32Array, msgOffset: number, out: Uint8Array, outOffset: number): void {
  if (stateOffset < 0 || stateOffset + 8 > state.length) throw new RangeError(`digestAfterBlock32: "stateOffset" expected 0..${state.length - 8}, got ${stateOffset}`);
  if (msgOffset < 0 || msgOffset + 8 > msg.length) throw new RangeError(`digestAfterBlock32: "msgOffset" expected 0..${msg.length - 8}, got ${msgOffset}`);
  if (outOffset < 0 || outOffset + SHA256_DIGEST_BYTES > out.length) {
    throw new RangeError(`digestAfterBlock32: "outOffset" expected 0..${out.length - SHA256_DIGEST_BYTES}, got ${outOffset}`);
  }
  for (let i = 0; i < 8; i++) {
    resumed[i] = state[stateOffset + i]!;
    W[i] = msg[msgOffset + i]!;
  }
  W[8] = 0x80000000 | 0;
  for (let i = 9; i < 15; i++) W[i] = 0;
  W[15] = BLOCK_AND_32_BITS;
  compressW(resumed);
  wordsToBytes(resumed, out, outOffset);
  resumed.fill(0);
}

/** SHA-256 of one message. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Sha256().update(data).digest();
}
