import { createCipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";
import { availableBackends, getBackend } from "../../../src/dtls/suites/aead.js";
import type { AeadAlgorithm } from "../../../src/dtls/suites/registry.js";
import { refCcmSeal, refGcmSeal } from "./reference-aead.js";
import vectors from "../../vectors/aead.json" with { type: "json" };

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

describe("AEAD known answers (test/vectors/aead.json)", () => {
  for (const name of availableBackends()) {
    const backend = getBackend(name);
    for (const [i, v] of vectors.vectors.entries()) {
      const alg = v.algorithm as AeadAlgorithm;
      if (!backend.supports(alg)) continue;
      it(`${name} ${alg} #${i} (${v.source.slice(0, 60)}) seals and opens the known answer`, () => {
        const key = backend.importKey(alg, unhex(v.keyHex));
        const pt = unhex(v.plaintextHex);
        const out = new Uint8Array(pt.length + key.tagBytes + 5).fill(0xee);
        expect(key.seal(unhex(v.nonceHex), unhex(v.aadHex), pt, out, 3)).toBe(pt.length + key.tagBytes);
        expect(hex(out.subarray(3, 3 + pt.length + key.tagBytes))).toBe(v.ciphertextHex + v.tagHex);
        expect(out[2]).toBe(0xee); // nothing written outside the region
        expect(out[3 + pt.length + key.tagBytes]).toBe(0xee);
        const back = new Uint8Array(pt.length);
        expect(key.open(unhex(v.nonceHex), unhex(v.aadHex), unhex(v.ciphertextHex + v.tagHex), back, 0)).toBe(pt.length);
        expect(hex(back)).toBe(v.plaintextHex);
      });
    }
  }

  for (const [i, v] of vectors.vectors.entries()) {
    it(`slow reference agrees with vector #${i} (${v.algorithm}, ${v.source.slice(0, 50)})`, () => {
      const args = [unhex(v.keyHex), unhex(v.nonceHex), unhex(v.aadHex), unhex(v.plaintextHex)] as const;
      if (v.algorithm === "chacha20-poly1305") return; // three independent backends cover ChaCha20; no reference here
      const got = v.algorithm === "aes-128-ccm-8" ? refCcmSeal(...args, 8) : refGcmSeal(...args);
      expect(hex(got)).toBe(v.ciphertextHex + v.tagHex);
    });
  }

  for (const v of vectors.ccm13ByteNonce) {
    it(`CCM construction matches ${v.source} (reference and node:crypto with a 13-byte nonce)`, () => {
      const [key, nonce, aad, pt] = [unhex(v.keyHex), unhex(v.nonceHex), unhex(v.aadHex), unhex(v.plaintextHex)];
      expect(hex(refCcmSeal(key, nonce, aad, pt, 8))).toBe(v.ciphertextHex + v.tagHex);
      const c = createCipheriv("aes-128-ccm", key, nonce, { authTagLength: 8 });
      c.setAAD(aad, { plaintextLength: pt.length });
      const ct = c.update(pt);
      c.final();
      expect(hex(ct) + hex(c.getAuthTag())).toBe(v.ciphertextHex + v.tagHex);
    });
  }
});
