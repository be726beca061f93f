/**
 * node:crypto AEAD backend (the default): AES-128/256-GCM, AES-128-CCM with an 8-byte tag, and
 * ChaCha20-Poly1305, all through Node's OpenSSL.
 *
 * Per-record cost, and why it looks like this (see shared/docs/benchmarks.md):
 * - Node cannot re-key or re-IV a cipher context, so every record needs createCipheriv (~1.4 µs).
 *   The key is kept as its raw bytes (a private copy), not a KeyObject: per record the two cost
 *   the same (4.66-4.87 vs 4.65-4.72 µs per 100-byte GCM seal), but a KeyObject is a native object
 *   with a weak handle, and V8 visits every weak handle at every young-generation collection. With
 *   ~100,000 live cipher states (the simulator's benchmark: 25,000 tunnels per worker, four keys
 *   each) that was ~10 ms per scavenge, a third of its pause (--trace-gc-nvp:
 *   heap.external_weak_global_handles). The bytes are no more exposed than before: the key block
 *   they come from is computed in JS (src/dtls/crypto/prf.ts).
 * - cipher.update() always returns a freshly allocated Buffer (its own ArrayBuffer, outside the JS
 *   heap) and getAuthTag() another; Node has no update-into-buffer API (nor does WebCrypto, which
 *   is async and allocates more). We copy both into the caller's `out` with TypedArray#set: no
 *   Buffer.concat, no intermediate joins. What remains is the floor of the public API: measured
 *   with test/dtls/suites/measure-alloc.mjs at 1400 B, about 0.7-1 KB of JS heap per record (the
 *   Cipheriv object and Buffer wrappers) plus 1416 B of ArrayBuffer (ciphertext + tag) to seal and
 *   1400 B to open.
 * - Decryption copies the plaintext into `out` only after final() has verified the tag, so a
 *   forged record never reaches the caller's buffer and in-place opening is safe.
 */
import { createCipheriv, createDecipheriv, getCiphers } from "node:crypto";
import type { AeadBackend, AeadKey } from "./aead.js";
import type { AeadAlgorithm } from "./registry.js";
import { checkKey, checkNonce, checkOut } from "./checks.js";

interface NodeAlg {
  readonly cipher: "aes-128-gcm" | "aes-256-gcm" | "aes-128-ccm" | "chacha20-poly1305";
  readonly keyBytes: number;
  readonly tagBytes: number;
  /** CCM must be told the plaintext length before the AAD (Node docs, CCM mode). */
  readonly ccm: boolean;
  /** createCipheriv/createDecipheriv options: the same for every key of the algorithm, so one per
   * algorithm (frozen; Node only reads it) instead of one per key. */
  readonly cipherOptions: Readonly<{ authTagLength: number }>;
}

function alg(cipher: NodeAlg["cipher"], keyBytes: number, tagBytes: number, ccm: boolean): NodeAlg {
  return Object.freeze({ cipher, keyBytes, tagBytes, ccm, cipherOptions: Object.freeze({ authTagLength: tagBytes }) });
}

const ALGS: Readonly<Record<AeadAlgorithm, NodeAlg>> = Object.freeze({
  "aes-128-gcm": alg("aes-128-gcm", 16, 16, false),
  "aes-256-gcm": alg("aes-256-gcm", 32, 16, false),
  "aes-128-ccm-8": alg("aes-128-ccm", 16, 8, true),
  "chacha20-poly1305": alg("chacha20-poly1305", 32, 16, false),
});

/** CCM's setAAD options, shared by every key: set just before the synchronous setAAD call that reads it. */
const CCM_AAD_OPTIONS = { plaintextLength: 0 };

const available = new Set(getCiphers());

/**
 * Zero-length input with a non-null backing store. Node passes a NULL data pointer for an empty
 * Uint8Array whose ArrayBuffer was materialized (e.g. after reading `.buffer`), skips the OpenSSL
 * update call, and CCM then fails in final() with "tag not set" (found by a test; GCM and
 * ChaCha20 are unaffected). An empty view of a real 16-byte buffer avoids it.
 */
const EMPTY_INPUT = new Uint8Array(16).subarray(0, 0);

class NodeAeadKey implements AeadKey {
  readonly algorithm: AeadAlgorithm;
  private readonly key: Uint8Array;
  private readonly alg: NodeAlg;

  constructor(algorithm: AeadAlgorithm, key: Uint8Array) {
    this.algorithm = algorithm;
    this.alg = ALGS[algorithm];
    checkKey("node", algorithm, key, this.alg.keyBytes);
    this.key = key.slice();
  }

  get tagBytes(): number {
    return this.alg.tagBytes;
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): number {
    checkNonce(this.algorithm, nonce);
    const n = plaintext.length;
    checkOut(this.algorithm, out, outOffset, n + this.tagBytes);
    // The overloads of createCipheriv differ per mode only in their option types; the runtime is one.
    const c = createCipheriv(this.alg.cipher as "aes-128-gcm", this.key, nonce, this.alg.cipherOptions);
    if (this.alg.ccm) {
      CCM_AAD_OPTIONS.plaintextLength = n;
      c.setAAD(aad, CCM_AAD_OPTIONS);
    } else {
      c.setAAD(aad);
    }
    // update() consumes all input before we write, so in-place and overlapping calls are safe.
    const ct = c.update(n === 0 ? EMPTY_INPUT : plaintext);
    c.final();
    const tag = c.getAuthTag();
    out.set(ct, outOffset);
    out.set(tag, outOffset + n);
    return n + this.tagBytes;
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array, out: Uint8Array, outOffset: number): number {
    checkNonce(this.algorithm, nonce);
    const n = ciphertextAndTag.length - this.tagBytes;
    if (n < 0) return -1;
    checkOut(this.algorithm, out, outOffset, n);
    const d = createDecipheriv(this.alg.cipher as "aes-128-gcm", this.key, nonce, this.alg.cipherOptions);
    try {
      d.setAuthTag(ciphertextAndTag.subarray(n));
      if (this.alg.ccm) {
        CCM_AAD_OPTIONS.plaintextLength = n;
        d.setAAD(aad, CCM_AAD_OPTIONS);
      } else {
        d.setAAD(aad);
      }
      const pt = d.update(n === 0 ? EMPTY_INPUT : ciphertextAndTag.subarray(0, n));
      d.final(); // throws "unable to authenticate data" on a bad tag
      out.set(pt, outOffset);
      return n;
    } catch {
      return -1;
    }
  }
}

export const nodeBackend: AeadBackend = Object.freeze({
  name: "node" as const,
  supports(alg: AeadAlgorithm): boolean {
    const a = ALGS[alg];
    return a !== undefined && available.has(a.cipher);
  },
  importKey(alg: AeadAlgorithm, key: Uint8Array): AeadKey {
    if (!nodeBackend.supports(alg)) {
      throw new Error(`node backend: algorithm ${JSON.stringify(alg)} is not supported by this Node/OpenSSL build`);
    }
    return new NodeAeadKey(alg, key);
  },
});
