/**
 * The TLS 1.2 pseudo-random function (RFC 5246 §5), used by DTLS 1.2 unchanged (RFC 6347 §4.2):
 *
 *   PRF(secret, label, seed) = P_<hash>(secret, label + seed)
 *   P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...
 *   A(0) = seed, A(i) = HMAC(secret, A(i-1))
 *
 * Handshake-time only (a few calls per session), so clarity over speed; no key bytes are logged.
 */
import { createHmac } from "node:crypto";

export type PrfHash = "sha256" | "sha384";

/** Upper bound on one PRF output; the largest use is a key block of 2*(32+12) = 88 bytes. */
export const PRF_OUTPUT_BYTES_MAX = 1024;

const HASH_BYTES: Record<PrfHash, number> = { sha256: 32, sha384: 48 };

export function prf(
  hash: PrfHash,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  if (hash !== "sha256" && hash !== "sha384") {
    throw new Error(`prf: "hash" expected "sha256" or "sha384", got ${JSON.stringify(hash)}`);
  }
  if (!Number.isInteger(length) || length < 0 || length > PRF_OUTPUT_BYTES_MAX) {
    throw new Error(`prf: "length" expected an integer in 0..${PRF_OUTPUT_BYTES_MAX}, got ${length}`);
  }
  // The label is ASCII without a length byte or trailing NUL (RFC 5246 §5).
  for (let i = 0; i < label.length; i++) {
    if (label.charCodeAt(i) > 0x7f) {
      throw new Error(`prf: "label" expected ASCII, got a non-ASCII character at index ${i}`);
    }
  }
  const labelAndSeed = new Uint8Array(label.length + seed.length);
  for (let i = 0; i < label.length; i++) labelAndSeed[i] = label.charCodeAt(i);
  labelAndSeed.set(seed, label.length);

  const out = new Uint8Array(length);
  const hashBytes = HASH_BYTES[hash];
  let a: Uint8Array = labelAndSeed; // A(0)
  let written = 0;
  while (written < length) {
    a = createHmac(hash, secret).update(a).digest(); // A(i)
    const block = createHmac(hash, secret).update(a).update(labelAndSeed).digest();
    const take = Math.min(hashBytes, length - written);
    out.set(block.subarray(0, take), written);
    written += take;
  }
  return out;
}
