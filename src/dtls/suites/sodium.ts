/**
 * sodium-native (libsodium) backend: ChaCha20-Poly1305-IETF (RFC 8439) only.
 *
 * libsodium encrypts and decrypts straight into a caller-provided buffer, so a record costs one
 * native call and no result allocation. sodium-native 4 does not expose crypto_aead_aes256gcm_*,
 * so AES-GCM is not offered here (node:crypto covers it).
 *
 * sodium-native is an optional dependency: it is loaded lazily with createRequire the first time
 * the backend is asked for, and a missing module becomes an Error value (getBackend throws it).
 */
import { createRequire } from "node:module";
import type { AeadBackend, AeadKey } from "./aead.js";
import type { AeadAlgorithm } from "./registry.js";
import { checkKey, checkNonce, checkOut, overlapsShifted } from "./checks.js";
import { ViewCache } from "./view-cache.js";

/** The part of sodium-native's API this backend uses. */
interface SodiumAeadApi {
  crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
}

const TAG_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Output views for seal and open, shared by every key: each is used only inside one synchronous
 * call, and a steady stream into the same buffer still gets the same view back (no allocation),
 * while no key keeps a view (and its buffer) of its own alive for the tunnel's life.
 */
const SEAL_VIEW = new ViewCache();
const OPEN_VIEW = new ViewCache();

class SodiumChachaKey implements AeadKey {
  readonly algorithm: AeadAlgorithm = "chacha20-poly1305";
  readonly tagBytes = TAG_BYTES;
  private readonly key: Uint8Array;
  constructor(
    private readonly sodium: SodiumAeadApi,
    key: Uint8Array,
  ) {
    checkKey("sodium", "chacha20-poly1305", key, KEY_BYTES);
    this.key = key.slice();
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): number {
    checkNonce(this.algorithm, nonce);
    const n = plaintext.length + TAG_BYTES;
    checkOut(this.algorithm, out, outOffset, n);
    // libsodium supports exact in-place (m == c) but not shifted overlap: copy the input first then.
    const m = overlapsShifted(plaintext, plaintext.length, out, outOffset, n) ? plaintext.slice() : plaintext;
    this.sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
      SEAL_VIEW.get(out, outOffset, outOffset + n),
      m,
      aad,
      null,
      nonce,
      this.key,
    );
    return n;
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array, out: Uint8Array, outOffset: number): number {
    checkNonce(this.algorithm, nonce);
    const n = ciphertextAndTag.length - TAG_BYTES;
    if (n < 0) return -1;
    checkOut(this.algorithm, out, outOffset, n);
    const c = overlapsShifted(ciphertextAndTag, ciphertextAndTag.length, out, outOffset, n)
      ? ciphertextAndTag.slice()
      : ciphertextAndTag;
    try {
      // Throws "could not verify data" on a bad tag (libsodium returns -1 and zeroes m).
      this.sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
        OPEN_VIEW.get(out, outOffset, outOffset + n),
        null,
        c,
        aad,
        nonce,
        this.key,
      );
    } catch {
      return -1;
    }
    return n;
  }
}

/**
 * Loads sodium-native; returns an Error (not thrown) when it is not installed or fails to load.
 * `moduleName` exists so tests can exercise the missing-module path.
 */
export function loadSodiumBackend(moduleName = "sodium-native"): AeadBackend | Error {
  let sodium: SodiumAeadApi;
  try {
    const require = createRequire(import.meta.url);
    sodium = require(moduleName) as SodiumAeadApi;
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    return new Error(`AEAD backend "sodium" is unavailable: ${moduleName} could not be loaded (${why}); install sodium-native or use "node"`);
  }
  if (typeof sodium.crypto_aead_chacha20poly1305_ietf_encrypt !== "function") {
    return new Error(`AEAD backend "sodium" is unavailable: ${moduleName} lacks crypto_aead_chacha20poly1305_ietf_encrypt`);
  }
  const backend: AeadBackend = Object.freeze({
    name: "sodium" as const,
    supports(alg: AeadAlgorithm): boolean {
      return alg === "chacha20-poly1305";
    },
    importKey(alg: AeadAlgorithm, key: Uint8Array): AeadKey {
      if (alg !== "chacha20-poly1305") {
        throw new Error(`sodium backend: algorithm ${JSON.stringify(alg)} is not supported (only "chacha20-poly1305")`);
      }
      return new SodiumChachaKey(sodium, key);
    },
  });
  return backend;
}
