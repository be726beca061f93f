/**
 * "js" backend: AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8) in TypeScript that allocates nothing per
 * seal/open once the key is imported. Every piece of state (ChaCha20 input and keystream words,
 * Poly1305 limbs, the one-time key, the padding and length block, the computed tag) belongs to the
 * AeadKey instance; the caller's bytes are read and written through DataViews cached per
 * ArrayBuffer, so only a call with a buffer not seen in the previous call makes one (a small
 * object, not a copy).
 *
 * Why not @noble/ciphers: it accepts an output buffer but builds fresh cipher and MAC state on
 * every call (kilobytes of typed arrays per record), which cannot be avoided from outside it.
 *
 * Contract details (src/dtls/suites/aead.ts is the authority):
 * - in place (plaintext/ciphertext the very bytes of the output) is supported directly; a shifted
 *   overlap is handled by first moving the input to the output position (TypedArray#set has
 *   memmove semantics), then working in place;
 * - open computes and checks the tag over the ciphertext BEFORE writing anything to `out`; when it
 *   returns -1 the output region is left untouched (the comparison is constant time);
 * - the last keystream block and the Poly1305 one-time key stay in the instance's scratch arrays
 *   until the next call (they are never exposed or logged);
 * - the DataView caches keep the last ArrayBuffers seen alive as long as the key lives (as the
 *   subarray ViewCache of the other backends does).
 */
import type { AeadBackend, AeadKey } from "./aead.js";
import type { AeadAlgorithm } from "./registry.js";
import { checkKey, checkNonce, checkOut, overlapsShifted } from "./checks.js";
import { CHACHA20_KEY_BYTES, ChaCha20, DataViewCache } from "./js-chacha20.js";
import { POLY1305_TAG_BYTES, Poly1305 } from "./js-poly1305.js";

/** RFC 8439 §2.8: the payload is encrypted from block counter 1; block 0 yields the Poly1305 key. */
const PAYLOAD_FIRST_COUNTER = 1;
const POLY_KEY_COUNTER = 0;

class JsChachaKey implements AeadKey {
  readonly algorithm: AeadAlgorithm = "chacha20-poly1305";
  readonly tagBytes = POLY1305_TAG_BYTES;
  private readonly chacha: ChaCha20;
  private readonly poly = new Poly1305();
  // One cache per role and direction: a key that both seals and opens (tests; a loopback) would
  // otherwise swap buffers in a shared cache on every call and make a DataView each time.
  private readonly aadView = new DataViewCache();
  private readonly sealInView = new DataViewCache();
  private readonly sealOutView = new DataViewCache();
  private readonly openInView = new DataViewCache();
  private readonly openOutView = new DataViewCache();

  constructor(key: Uint8Array) {
    checkKey("js", "chacha20-poly1305", key, CHACHA20_KEY_BYTES);
    this.chacha = new ChaCha20(key);
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): number {
    checkNonce(this.algorithm, nonce);
    const length = plaintext.length;
    const n = length + POLY1305_TAG_BYTES;
    checkOut(this.algorithm, out, outOffset, n);
    const ov = this.sealOutView.get(out);
    const outPos = out.byteOffset + outOffset;
    // Nonce and AAD are consumed before anything is written, so they may lie inside `out` too.
    this.startMessage(nonce, aad);
    let iv = ov;
    let inPos = outPos;
    if (overlapsShifted(plaintext, length, out, outOffset, n)) {
      out.set(plaintext, outOffset);
    } else if (length > 0) {
      iv = this.sealInView.get(plaintext);
      inPos = plaintext.byteOffset;
    }
    this.chacha.xorAt(PAYLOAD_FIRST_COUNTER, iv, inPos, ov, outPos, length);
    const poly = this.poly;
    poly.blocks(ov, out, outOffset, length);
    poly.padTail(out, outOffset, length);
    poly.lengths(aad.length, length);
    poly.finish(out, outOffset + length);
    return n;
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array, out: Uint8Array, outOffset: number): number {
    checkNonce(this.algorithm, nonce);
    const length = ciphertextAndTag.length - POLY1305_TAG_BYTES;
    if (length < 0) return -1;
    checkOut(this.algorithm, out, outOffset, length);
    const iv = this.openInView.get(ciphertextAndTag);
    this.startMessage(nonce, aad);
    const poly = this.poly;
    poly.blocks(iv, ciphertextAndTag, 0, length);
    poly.padTail(ciphertextAndTag, 0, length);
    poly.lengths(aad.length, length);
    if (!poly.verify(ciphertextAndTag, length)) return -1;
    if (length === 0) return 0;
    const ov = this.openOutView.get(out);
    const outPos = out.byteOffset + outOffset;
    if (overlapsShifted(ciphertextAndTag, length, out, outOffset, length)) {
      // Rare (no caller in this project does it): the subarray costs one small object.
      out.set(ciphertextAndTag.subarray(0, length), outOffset);
      this.chacha.xorAt(PAYLOAD_FIRST_COUNTER, ov, outPos, ov, outPos, length);
    } else {
      this.chacha.xorAt(PAYLOAD_FIRST_COUNTER, iv, ciphertextAndTag.byteOffset, ov, outPos, length);
    }
    return length;
  }

  /** Sets the nonce, derives the Poly1305 one-time key (RFC 8439 §2.6) and absorbs pad16(aad). */
  private startMessage(nonce: Uint8Array, aad: Uint8Array): void {
    const chacha = this.chacha;
    chacha.setNonce(nonce);
    chacha.block(POLY_KEY_COUNTER);
    // RFC 8439 §2.6: the first 32 bytes of block 0 are r || s.
    const poly = this.poly;
    poly.setKeyWords(chacha.keystream);
    if (aad.length > 0) {
      poly.blocks(this.aadView.get(aad), aad, 0, aad.length);
      poly.padTail(aad, 0, aad.length);
    }
  }
}

export const jsBackend: AeadBackend = Object.freeze({
  name: "js" as const,
  supports(alg: AeadAlgorithm): boolean {
    return alg === "chacha20-poly1305";
  },
  importKey(alg: AeadAlgorithm, key: Uint8Array): AeadKey {
    if (alg !== "chacha20-poly1305") {
      throw new Error(`js backend: algorithm ${JSON.stringify(alg)} is not supported (only "chacha20-poly1305")`);
    }
    return new JsChachaKey(key);
  },
});
