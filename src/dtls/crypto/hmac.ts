/**
 * HMAC (RFC 2104) keyed once, applied many times: what the TLS PRF (RFC 5246 §5), the cookie
 * (RFC 6347 §4.2.1) and their callers need.
 *
 * HMAC(K, m) = H((K0 ^ opad) || H((K0 ^ ipad) || m)), K0 = K padded to the block size, or H(K) if
 * K is longer than a block (RFC 2104 §2). For SHA-256 the states after the (K0 ^ ipad) and
 * (K0 ^ opad) blocks are computed once per key and copied for each message, so one HMAC of a short
 * message costs two or three compressions and no allocation (sha256.ts says why not node:crypto);
 * the outer hash takes the inner digest as words (digestAfterBlock32).
 * SHA-384 goes through node:crypto's createHmac with the raw key.
 */
import { createHmac } from "node:crypto";
import { digestAfterBlock32, SHA256_BLOCK_BYTES, SHA256_DIGEST_BYTES, Sha256 } from "./sha256.js";

export type HmacHash = "sha256" | "sha384";

export const HMAC_OUTPUT_BYTES: Readonly<Record<HmacHash, number>> = { sha256: 32, sha384: 48 };

/** A key ready for many HMACs. The key bytes are copied into hash states, never kept as given. */
export interface HmacKey {
  readonly hash: HmacHash;
  readonly outputBytes: number;
  /** HMAC(key, a || b) written at out[offset..offset+outputBytes). `out` may overlap `a` or `b`. */
  macInto(out: Uint8Array, offset: number, a: Uint8Array, b?: Uint8Array): void;
  /** HMAC(key, a || b) as a new array. */
  mac(a: Uint8Array, b?: Uint8Array): Uint8Array;
  /** Forgets the key (zeroes what this object holds of it); it must not be used afterwards. */
  clear(): void;
}

const IPAD = 0x36; // RFC 2104 §2
const OPAD = 0x5c; // RFC 2104 §2

/** Scratch shared by every HmacSha256: macInto() runs to completion and never re-enters. */
const work = new Sha256();
/** The inner hash H((K0 ^ ipad) || m) as words, fed to the outer hash without a byte round trip. */
const innerWords = new Int32Array(8);
/** K0 while a key is being prepared; zeroed right after. */
const k0 = new Uint8Array(SHA256_BLOCK_BYTES);

class HmacSha256 implements HmacKey {
  readonly hash = "sha256" as const;
  readonly outputBytes = SHA256_DIGEST_BYTES;
  /** Chaining values after the (K0 ^ ipad) block (words 0..7) and after the (K0 ^ opad) block (8..15). */
  private readonly pads = new Int32Array(16);

  constructor(key: Uint8Array) {
    this.setKey(key);
  }

  /** Re-keys this object in place (the PRF's shared instance, see scratchHmacSha256). */
  setKey(key: Uint8Array): void {
    k0.fill(0);
    if (key.length > SHA256_BLOCK_BYTES) work.reset().update(key).digestInto(k0, 0);
    else k0.set(key);
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) k0[i]! ^= IPAD;
    work.reset().update(k0).saveState(this.pads, 0);
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) k0[i]! ^= IPAD ^ OPAD;
    work.reset().update(k0).saveState(this.pads, 8);
    k0.fill(0);
  }

  macInto(out: Uint8Array, offset: number, a: Uint8Array, b?: Uint8Array): void {
    work.loadState(this.pads, 0, SHA256_BLOCK_BYTES).update(a);
    if (b !== undefined) work.update(b);
    work.digestWordsInto(innerWords, 0);
    digestAfterBlock32(this.pads, 8, innerWords, 0, out, offset);
    innerWords.fill(0);
  }

  mac(a: Uint8Array, b?: Uint8Array): Uint8Array {
    const out = new Uint8Array(SHA256_DIGEST_BYTES);
    this.macInto(out, 0, a, b);
    return out;
  }

  /** Forgets the key (zeroes the pad states). */
  clear(): void {
    this.pads.fill(0);
  }
}

let scratchKey: HmacSha256 | null = null;

/**
 * One shared HMAC-SHA256 object re-keyed with `key`, for a caller that uses it and is done before
 * anything else can call this (the PRF: synchronous, no re-entry). Saves an object per call.
 * `clearScratchHmacSha256()` zeroes its key state afterwards.
 */
export function scratchHmacSha256(key: Uint8Array): HmacKey {
  if (!(key instanceof Uint8Array)) throw new Error(`scratchHmacSha256: "key" expected a Uint8Array, got ${typeof key}`);
  if (scratchKey === null) scratchKey = new HmacSha256(key);
  else scratchKey.setKey(key);
  return scratchKey;
}

export function clearScratchHmacSha256(): void {
  scratchKey?.clear();
}

class HmacNode implements HmacKey {
  readonly outputBytes: number;
  /** A copy of the key: createHmac with the raw bytes measured faster than making a KeyObject once per key. */
  private readonly key: Uint8Array;

  constructor(
    readonly hash: HmacHash,
    key: Uint8Array,
  ) {
    this.outputBytes = HMAC_OUTPUT_BYTES[hash];
    this.key = Uint8Array.from(key);
  }

  macInto(out: Uint8Array, offset: number, a: Uint8Array, b?: Uint8Array): void {
    out.set(this.mac(a, b), offset);
  }

  mac(a: Uint8Array, b?: Uint8Array): Uint8Array {
    const h = createHmac(this.hash, this.key).update(a);
    if (b !== undefined) h.update(b);
    const d = h.digest();
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }

  clear(): void {
    this.key.fill(0);
  }
}

export function hmacKey(hash: HmacHash, key: Uint8Array): HmacKey {
  if (!(key instanceof Uint8Array)) throw new Error(`hmacKey: "key" expected a Uint8Array, got ${typeof key}`);
  if (hash === "sha256") return new HmacSha256(key);
  if (hash === "sha384") return new HmacNode(hash, key);
  throw new Error(`hmacKey: "hash" expected "sha256" or "sha384", got ${JSON.stringify(hash)}`);
}
