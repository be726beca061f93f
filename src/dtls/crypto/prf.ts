/**
 * The TLS 1.2 pseudo-random function (RFC 5246 §5), used by DTLS 1.2 unchanged (RFC 6347 §4.2):
 *
 *   PRF(secret, label, seed) = P_<hash>(secret, label + seed)
 *   P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...
 *   A(0) = seed, A(i) = HMAC(secret, A(i-1))
 *
 * A handshake makes four PRF calls per side (master secret, key block, two verify_data), each of
 * 2-6 HMACs, so the key is prepared once per call (hmac.ts) and every A(i) and output block is
 * written into reused buffers. The last three calls share one secret, the master secret: a
 * PrfSecret prepares it once for all three (two compressions saved per call after the first).
 * No key bytes are logged.
 */
import { clearScratchHmacSha256, hmacKey, scratchHmacSha256, type HmacKey } from "./hmac.js";

export type PrfHash = "sha256" | "sha384";

/** Upper bound on one PRF output; the largest use is a key block of 2*(32+12) = 88 bytes. */
export const PRF_OUTPUT_BYTES_MAX = 1024;

function checkHash(fn: string, hash: PrfHash): void {
  if (hash !== "sha256" && hash !== "sha384") {
    throw new Error(`${fn}: "hash" expected "sha256" or "sha384", got ${JSON.stringify(hash)}`);
  }
}

function checkArgs(fn: string, label: string, length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > PRF_OUTPUT_BYTES_MAX) {
    throw new Error(`${fn}: "length" expected an integer in 0..${PRF_OUTPUT_BYTES_MAX}, got ${length}`);
  }
  // The label is ASCII without a length byte or trailing NUL (RFC 5246 §5).
  for (let i = 0; i < label.length; i++) {
    if (label.charCodeAt(i) > 0x7f) {
      throw new Error(`${fn}: "label" expected ASCII, got a non-ASCII character at index ${i}`);
    }
  }
}

/**
 * P_hash(secret, label + seed + seed2) cut to `length` bytes, with `mac` keyed with the secret.
 * The seed may come in two parts (the two hello randoms) so callers need not concatenate them.
 */
function pHash(mac: HmacKey, label: string, seed: Uint8Array, seed2: Uint8Array | undefined, length: number): Uint8Array {
  if (length === 0) return new Uint8Array(0);
  // label + seed, A(i) and a partial last block live in module scratch (zeroed after each call):
  // pHash() is synchronous and never re-enters.
  const lsBytes = label.length + seed.length + (seed2?.length ?? 0);
  if (scratch.length < lsBytes) {
    scratch = new Uint8Array(Math.max(lsBytes, 2 * scratch.length));
    seedViews.fill(undefined);
  }
  for (let i = 0; i < label.length; i++) scratch[i] = label.charCodeAt(i);
  scratch.set(seed, label.length);
  if (seed2 !== undefined) scratch.set(seed2, label.length + seed.length);
  // A handshake's PRF inputs come in a few lengths (47, 54, 77 bytes): their views are kept.
  const labelAndSeed = lsBytes < PRF_SEED_VIEWS_MAX ? (seedViews[lsBytes] ??= scratch.subarray(0, lsBytes)) : scratch.subarray(0, lsBytes);

  const out = new Uint8Array(length);
  const hashBytes = mac.outputBytes;
  const a = hashBytes === 32 ? a32Scratch : a48Scratch;
  try {
    mac.macInto(a, 0, labelAndSeed); // A(1) = HMAC(secret, A(0)), A(0) = label + seed
    let written = 0;
    for (;;) {
      if (length - written >= hashBytes) {
        mac.macInto(out, written, a, labelAndSeed); // whole block straight into the output
        written += hashBytes;
      } else {
        mac.macInto(tailScratch, 0, a, labelAndSeed);
        for (let i = 0; written < length; i++) out[written++] = tailScratch[i]!;
      }
      if (written === length) break;
      mac.macInto(a, 0, a); // A(i+1) = HMAC(secret, A(i))
    }
  } finally {
    a.fill(0);
    tailScratch.fill(0);
    labelAndSeed.fill(0);
  }
  return out;
}

/** PRF(secret, label, seed + seed2) cut to `length` bytes (RFC 5246 §5); seed2 saves callers a concatenation. */
export function prf(
  hash: PrfHash,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
  seed2?: Uint8Array,
): Uint8Array {
  checkHash("prf", hash);
  checkArgs("prf", label, length);
  if (length === 0) return new Uint8Array(0);
  const mac = hash === "sha256" ? scratchHmacSha256(secret) : hmacKey(hash, secret);
  try {
    return pHash(mac, label, seed, seed2, length);
  } finally {
    if (hash === "sha256") clearScratchHmacSha256();
    else mac.clear();
  }
}

/**
 * A secret prepared once for several PRF calls: HMAC's pad states are computed here, not per call.
 * clear() zeroes them; using it afterwards is a bug and throws.
 */
export class PrfSecret {
  private mac: HmacKey | null;

  constructor(
    readonly hash: PrfHash,
    secret: Uint8Array,
  ) {
    checkHash("PrfSecret", hash);
    if (!(secret instanceof Uint8Array)) throw new Error(`PrfSecret: "secret" expected a Uint8Array, got ${typeof secret}`);
    this.mac = hmacKey(hash, secret);
  }

  /** PRF(secret, label, seed + seed2) cut to `length` bytes (RFC 5246 §5), same as prf() of the joined seed. */
  prf(label: string, seed: Uint8Array, length: number, seed2?: Uint8Array): Uint8Array {
    if (this.mac === null) throw new Error("PrfSecret.prf: expected a live secret, got one already cleared");
    checkArgs("PrfSecret.prf", label, length);
    return pHash(this.mac, label, seed, seed2, length);
  }

  get cleared(): boolean {
    return this.mac === null;
  }

  /** Forgets the secret (zeroes the HMAC state); idempotent. */
  clear(): void {
    this.mac?.clear();
    this.mac = null;
  }
}

let scratch = new Uint8Array(256);

/** label + seed lengths below this get a view of `scratch` kept for reuse (one per length, at most this many). */
export const PRF_SEED_VIEWS_MAX = 128;
/** scratch[0..n) by n, made on first use; cleared when scratch is replaced. */
const seedViews: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(PRF_SEED_VIEWS_MAX).fill(undefined);
/** A(i) for SHA-256 and SHA-384, and a partial last block (at most a SHA-384 output). */
const a32Scratch = new Uint8Array(32);
const a48Scratch = new Uint8Array(48);
const tailScratch = new Uint8Array(48);
