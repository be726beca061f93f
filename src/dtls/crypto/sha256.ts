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

/** The message schedule W0..W63, shared: compress() never re-enters. */
const W = new Int32Array(64);

/** One compression of the 64-byte block at `offset` into `h` (FIPS 180-4 §6.2.2). */
function compress(h: Int32Array, block: Uint8Array, offset: number): void {
  for (let t = 0; t < 16; t++) {
    const o = offset + 4 * t;
    W[t] = (block[o]! << 24) | (block[o + 1]! << 16) | (block[o + 2]! << 8) | block[o + 3]!;
  }
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15]!;
    const w2 = W[t - 2]!;
    // σ0 and σ1 (FIPS 180-4 §4.1.2, (4.6) and (4.7)).
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (s1 + W[t - 7]! + s0 + W[t - 16]!) | 0;
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, hh = h[7]!;
  for (let t = 0; t < 64; t++) {
    // Σ1, Ch, Σ0, Maj (FIPS 180-4 §4.1.2, (4.2)-(4.5)).
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + S1 + ch + K[t]! + W[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
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
   * Pads (FIPS 180-4 §5.1.1: a 1 bit, zeros, the 64-bit big-endian bit length), writes the 32-byte
   * digest at out[offset..], and leaves this hash finished: reset() or copyFrom() before reuse.
   */
  digestInto(out: Uint8Array, offset = 0): void {
    if (offset < 0 || offset + SHA256_DIGEST_BYTES > out.length) {
      throw new RangeError(`Sha256.digestInto: "offset" expected 0..${out.length - SHA256_DIGEST_BYTES}, got ${offset}`);
    }
    const blk = this.block;
    let used = this.blockBytes;
    blk[used++] = 0x80;
    if (used > SHA256_BLOCK_BYTES - 8) {
      blk.fill(0, used);
      compress(this.h, blk, 0);
      used = 0;
    }
    blk.fill(0, used, SHA256_BLOCK_BYTES - 8);
    const bits = this.totalBytes * 8;
    const hi = Math.floor(bits / 0x100000000);
    const lo = bits >>> 0;
    blk[56] = hi >>> 24;
    blk[57] = (hi >>> 16) & 0xff;
    blk[58] = (hi >>> 8) & 0xff;
    blk[59] = hi & 0xff;
    blk[60] = lo >>> 24;
    blk[61] = (lo >>> 16) & 0xff;
    blk[62] = (lo >>> 8) & 0xff;
    blk[63] = lo & 0xff;
    compress(this.h, blk, 0);
    for (let i = 0; i < 8; i++) {
      const v = this.h[i]!;
      const o = offset + 4 * i;
      out[o] = v >>> 24;
      out[o + 1] = (v >>> 16) & 0xff;
      out[o + 2] = (v >>> 8) & 0xff;
      out[o + 3] = v & 0xff;
    }
    this.blockBytes = 0;
  }

  /** The digest as a new array (finishes this hash, like digestInto). */
  digest(): Uint8Array {
    const out = new Uint8Array(SHA256_DIGEST_BYTES);
    this.digestInto(out, 0);
    return out;
  }
}

/** SHA-256 of one message. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Sha256().update(data).digest();
}
