/**
 * @noble/ciphers backend: pure TypeScript, no native code. Useful where native modules are not
 * allowed and as an implementation independent of OpenSSL for cross-checks.
 *
 * - ChaCha20-Poly1305: noble's encrypt/decrypt take an `output` buffer; we hand it a view of the
 *   caller's `out`, so the ciphertext is written in place (no result buffer).
 * - AES-GCM: noble's gcm() has no output parameter and expands the key schedule inside every
 *   encrypt/decrypt call, so each record allocates a result and re-derives the key (~13 µs);
 *   correct, but slow.
 * - AES-CCM: @noble/ciphers 2.x does not implement CCM (its aes module has gcm, gcmsiv, siv, ctr,
 *   cbc, ecb, cfb, kw); supports("aes-128-ccm-8") is false.
 */
import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import type { AeadBackend, AeadKey } from "./aead.js";
import type { AeadAlgorithm } from "./registry.js";
import { checkKey, checkNonce, checkOut } from "./checks.js";
import { ViewCache } from "./view-cache.js";

const KEY_BYTES: Partial<Record<AeadAlgorithm, number>> = {
  "aes-128-gcm": 16,
  "aes-256-gcm": 32,
  "chacha20-poly1305": 32,
};
const TAG_BYTES = 16;

class NobleGcmKey implements AeadKey {
  readonly tagBytes = TAG_BYTES;
  private readonly key: Uint8Array;
  constructor(
    readonly algorithm: AeadAlgorithm,
    key: Uint8Array,
  ) {
    checkKey("noble", algorithm, key, KEY_BYTES[algorithm]!);
    this.key = key.slice(); // own copy: noble keeps a reference
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): number {
    checkNonce(this.algorithm, nonce);
    checkOut(this.algorithm, out, outOffset, plaintext.length + TAG_BYTES);
    const sealed = gcm(this.key, nonce, aad).encrypt(plaintext);
    out.set(sealed, outOffset);
    return sealed.length;
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array, out: Uint8Array, outOffset: number): number {
    checkNonce(this.algorithm, nonce);
    const n = ciphertextAndTag.length - TAG_BYTES;
    if (n < 0) return -1;
    checkOut(this.algorithm, out, outOffset, n);
    let pt: Uint8Array;
    try {
      pt = gcm(this.key, nonce, aad).decrypt(ciphertextAndTag);
    } catch {
      return -1; // noble throws "aes-gcm: invalid tag"; bad input sizes were checked above
    }
    out.set(pt, outOffset);
    return n;
  }
}

/**
 * Output views for seal and open, shared by every key: each is used only inside one synchronous
 * call, and a steady stream into the same buffer still gets the same view back (no allocation),
 * while no key keeps a view (and its buffer) of its own alive for the tunnel's life.
 */
const SEAL_VIEW = new ViewCache();
const OPEN_VIEW = new ViewCache();

class NobleChachaKey implements AeadKey {
  readonly algorithm: AeadAlgorithm = "chacha20-poly1305";
  readonly tagBytes = TAG_BYTES;
  private readonly key: Uint8Array;
  constructor(key: Uint8Array) {
    checkKey("noble", "chacha20-poly1305", key, 32);
    this.key = key.slice();
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): number {
    checkNonce(this.algorithm, nonce);
    const n = plaintext.length + TAG_BYTES;
    checkOut(this.algorithm, out, outOffset, n);
    // noble copies plaintext into output with TypedArray#set (memmove semantics) and then encrypts
    // in place, so any overlap between plaintext and out is safe.
    chacha20poly1305(this.key, nonce, aad).encrypt(plaintext, SEAL_VIEW.get(out, outOffset, outOffset + n));
    return n;
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array, out: Uint8Array, outOffset: number): number {
    checkNonce(this.algorithm, nonce);
    const n = ciphertextAndTag.length - TAG_BYTES;
    if (n < 0) return -1;
    checkOut(this.algorithm, out, outOffset, n);
    try {
      // Tag is verified before anything is written to `out` (noble decrypt order, RFC 8439 §2.8).
      chacha20poly1305(this.key, nonce, aad).decrypt(ciphertextAndTag, OPEN_VIEW.get(out, outOffset, outOffset + n));
    } catch {
      return -1;
    }
    return n;
  }
}

export const nobleBackend: AeadBackend = Object.freeze({
  name: "noble" as const,
  supports(alg: AeadAlgorithm): boolean {
    return KEY_BYTES[alg] !== undefined;
  },
  importKey(alg: AeadAlgorithm, key: Uint8Array): AeadKey {
    if (alg === "chacha20-poly1305") return new NobleChachaKey(key);
    if (alg === "aes-128-gcm" || alg === "aes-256-gcm") return new NobleGcmKey(alg, key);
    throw new Error(`noble backend: algorithm ${JSON.stringify(alg)} is not supported (@noble/ciphers has no AES-CCM)`);
  },
});
