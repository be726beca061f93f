/**
 * The AEAD seam between the record layer and the crypto libraries. One interface, four backends:
 *   node   - node:crypto (OpenSSL inside Node); the default, supports all four algorithms.
 *   noble  - @noble/ciphers, pure TypeScript; AES-GCM and ChaCha20-Poly1305 (noble 2 has no CCM).
 *   sodium - sodium-native (libsodium), optional dependency loaded lazily; ChaCha20-Poly1305 only.
 *   js     - our own TypeScript ChaCha20-Poly1305 (js.ts), allocation-free per record; ChaCha20 only.
 *
 * Contract shared by every backend (checked by test/dtls/suites/cross-backend.test.ts):
 * - seal/open write into the caller's `out` at `outOffset` and return the bytes written;
 * - `plaintext`/`ciphertextAndTag` may be views of a larger buffer, and may be the very region
 *   written (in place); partially overlapping regions are handled too (slower, copies);
 * - open returns -1 when authentication fails and never throws for it; when it returns -1 the
 *   bytes of the output region are unspecified (libsodium zeroes them) and must not be used;
 * - throws only for caller bugs: wrong nonce length, `out` too small.
 */
import type { AeadBackendName } from "../api.js";
import type { AeadAlgorithm } from "./registry.js";
import { nodeBackend } from "./node.js";
import { nobleBackend } from "./noble.js";
import { jsBackend } from "./js.js";
import { loadSodiumBackend } from "./sodium.js";

export { AEAD_NONCE_BYTES } from "./checks.js";

export interface AeadKey {
  readonly algorithm: AeadAlgorithm;
  readonly tagBytes: number;
  /** Writes ciphertext || tag; returns plaintext.length + tagBytes. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): number;
  /** Writes the plaintext; returns its length, or -1 if authentication fails (never throws for bad tags). */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array, out: Uint8Array, outOffset: number): number;
}

export interface AeadBackend {
  readonly name: AeadBackendName;
  supports(alg: AeadAlgorithm): boolean;
  importKey(alg: AeadAlgorithm, key: Uint8Array): AeadKey;
}

export const AEAD_ALGORITHMS: readonly AeadAlgorithm[] = Object.freeze([
  "aes-128-gcm",
  "aes-256-gcm",
  "aes-128-ccm-8",
  "chacha20-poly1305",
]);

/** Key length per algorithm (RFC 5116 §5.1, §5.2; RFC 6655 §4; RFC 8439 §2.8). */
export const AEAD_KEY_BYTES: Readonly<Record<AeadAlgorithm, number>> = Object.freeze({
  "aes-128-gcm": 16,
  "aes-256-gcm": 32,
  "aes-128-ccm-8": 16,
  "chacha20-poly1305": 32,
});

/** Tag length per algorithm (AEAD_AES_128_CCM_8: 8 bytes, RFC 6655 §4; the rest 16). */
export const AEAD_TAG_BYTES: Readonly<Record<AeadAlgorithm, number>> = Object.freeze({
  "aes-128-gcm": 16,
  "aes-256-gcm": 16,
  "aes-128-ccm-8": 8,
  "chacha20-poly1305": 16,
});

let sodiumCache: AeadBackend | Error | undefined;

function sodium(): AeadBackend | Error {
  if (sodiumCache === undefined) sodiumCache = loadSodiumBackend();
  return sodiumCache;
}

/** The named backend; throws naming it when it cannot be loaded (e.g. sodium-native not installed). */
export function getBackend(name: AeadBackendName): AeadBackend {
  switch (name) {
    case "node":
      return nodeBackend;
    case "noble":
      return nobleBackend;
    case "js":
      return jsBackend;
    case "sodium": {
      const s = sodium();
      if (s instanceof Error) throw s;
      return s;
    }
    default:
      throw new Error(`AEAD backend ${JSON.stringify(name)} is unknown; expected "node", "noble", "js" or "sodium"`);
  }
}

/** Backends that load on this machine, default first. */
export function availableBackends(): AeadBackendName[] {
  const names: AeadBackendName[] = ["node", "noble", "js"];
  if (!(sodium() instanceof Error)) names.push("sodium");
  return names;
}

/**
 * The backend to use for `alg`: `preferred` if it supports the algorithm, else node:crypto (which
 * supports all four). A preferred backend that cannot be loaded is an error, not a silent fallback.
 */
export function backendFor(alg: AeadAlgorithm, preferred?: AeadBackendName): AeadBackend {
  if (!AEAD_ALGORITHMS.includes(alg)) {
    throw new Error(`AEAD algorithm ${JSON.stringify(alg)} is unknown; expected one of ${AEAD_ALGORITHMS.join(", ")}`);
  }
  if (preferred !== undefined) {
    const b = getBackend(preferred);
    if (b.supports(alg)) return b;
  }
  return nodeBackend;
}
