import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  AEAD_ALGORITHMS,
  AEAD_KEY_BYTES,
  availableBackends,
  backendFor,
  getBackend,
  type AeadBackend,
} from "../../../src/dtls/suites/aead.js";
import type { AeadAlgorithm } from "../../../src/dtls/suites/registry.js";
import type { AeadBackendName } from "../../../src/dtls/api.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const backends: AeadBackend[] = availableBackends().map((n) => getBackend(n));

describe("AEAD backends agree with each other", () => {
  it("node and noble are always available; sodium when installed", () => {
    expect(availableBackends().slice(0, 2)).toEqual(["node", "noble"]);
    console.log(`AEAD backends on this machine: ${availableBackends().join(", ")}`);
  });

  it("support matrix: node all four, noble no CCM, sodium ChaCha20 only", () => {
    for (const alg of AEAD_ALGORITHMS) expect(getBackend("node").supports(alg)).toBe(true);
    expect(getBackend("noble").supports("aes-128-ccm-8")).toBe(false);
    expect(() => getBackend("noble").importKey("aes-128-ccm-8", new Uint8Array(16))).toThrow(/no AES-CCM/);
    if (availableBackends().includes("sodium")) {
      const s = getBackend("sodium");
      expect(AEAD_ALGORITHMS.filter((a) => s.supports(a))).toEqual(["chacha20-poly1305"]);
    }
    expect(() => getBackend("openssl" as AeadBackendName)).toThrow(/"openssl" is unknown/);
  });

  it("backendFor: preferred when it supports the algorithm, else node", () => {
    expect(backendFor("aes-128-gcm").name).toBe("node");
    expect(backendFor("aes-128-gcm", "noble").name).toBe("noble");
    expect(backendFor("aes-128-ccm-8", "noble").name).toBe("node");
    if (availableBackends().includes("sodium")) {
      expect(backendFor("chacha20-poly1305", "sodium").name).toBe("sodium");
      expect(backendFor("aes-256-gcm", "sodium").name).toBe("node");
    }
    expect(() => backendFor("aes-512-gcm" as AeadAlgorithm)).toThrow(/"aes-512-gcm" is unknown/);
  });

  for (const alg of AEAD_ALGORITHMS) {
    const set = backends.filter((b) => b.supports(alg));
    const names = set.map((b) => b.name).join("+");
    it(`${alg}: ${names} give identical output and open each other's (fast-check, 60 runs)`, () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: AEAD_KEY_BYTES[alg], maxLength: AEAD_KEY_BYTES[alg] }),
          fc.uint8Array({ minLength: 12, maxLength: 12 }),
          fc.uint8Array({ maxLength: 40 }),
          fc.uint8Array({ maxLength: 600 }),
          fc.integer({ min: 0, max: 9 }),
          (keyBytes, nonce, aad, pt, offset) => {
            const keys = set.map((b) => b.importKey(alg, keyBytes));
            const sealed = keys.map((k) => {
              const out = new Uint8Array(offset + pt.length + k.tagBytes);
              expect(k.seal(nonce, aad, pt, out, offset)).toBe(pt.length + k.tagBytes);
              return out.subarray(offset);
            });
            for (const s of sealed) expect(hex(s)).toBe(hex(sealed[0]!));
            for (const k of keys) {
              for (const s of sealed) {
                const back = new Uint8Array(pt.length + offset);
                expect(k.open(nonce, aad, s, back, offset)).toBe(pt.length);
                expect(hex(back.subarray(offset))).toBe(hex(pt));
              }
            }
          },
        ),
        { numRuns: 60 },
      );
    });

    for (const b of set) {
      it(`${b.name} ${alg}: any flipped bit, wrong AAD, wrong nonce or truncation -> -1, never a throw`, () => {
        const k = b.importKey(alg, new Uint8Array(AEAD_KEY_BYTES[alg]).fill(3));
        const nonce = new Uint8Array(12).fill(1);
        const aad = new Uint8Array(13).fill(2);
        const pt = new Uint8Array(50).map((_, i) => i);
        const sealed = new Uint8Array(pt.length + k.tagBytes);
        k.seal(nonce, aad, pt, sealed, 0);
        const out = new Uint8Array(pt.length);
        for (let i = 0; i < sealed.length; i++) {
          const bad = sealed.slice();
          bad[i]! ^= 0x40;
          expect(k.open(nonce, aad, bad, out, 0), `byte ${i}`).toBe(-1);
        }
        const badAad = aad.slice();
        badAad[12] = 3;
        expect(k.open(nonce, badAad, sealed, out, 0)).toBe(-1);
        const badNonce = nonce.slice();
        badNonce[11] = 0;
        expect(k.open(badNonce, aad, sealed, out, 0)).toBe(-1);
        expect(k.open(nonce, aad, sealed.subarray(0, sealed.length - 1), out, 0)).toBe(-1);
        expect(k.open(nonce, aad, sealed.subarray(0, k.tagBytes - 1), out, 0)).toBe(-1);
        expect(k.open(nonce, aad, new Uint8Array(0), out, 0)).toBe(-1);
        expect(k.open(nonce, aad, sealed, out, 0)).toBe(pt.length);
      });

      it(`${b.name} ${alg}: in place and shifted-overlap seal/open give the same bytes`, () => {
        const k = b.importKey(alg, new Uint8Array(AEAD_KEY_BYTES[alg]).fill(9));
        const nonce = new Uint8Array(12).fill(4);
        const aad = new Uint8Array(13).fill(5);
        const pt = new Uint8Array(300).map((_, i) => (i * 7) & 0xff);
        const expected = new Uint8Array(pt.length + k.tagBytes);
        k.seal(nonce, aad, pt, expected, 0);
        for (const shift of [0, -5, 5, -17, 17]) {
          const buf = new Uint8Array(pt.length + k.tagBytes + 40);
          const ptAt = 20;
          buf.set(pt, ptAt);
          // seal: plaintext view and output region in the same ArrayBuffer, `shift` bytes apart
          expect(k.seal(nonce, aad, buf.subarray(ptAt, ptAt + pt.length), buf, ptAt + shift)).toBe(expected.length);
          expect(hex(buf.subarray(ptAt + shift, ptAt + shift + expected.length)), `seal shift ${shift}`).toBe(hex(expected));
          // open back in the same buffer, shifted the other way
          const ctAt = ptAt + shift;
          expect(k.open(nonce, aad, buf.subarray(ctAt, ctAt + expected.length), buf, ctAt - shift)).toBe(pt.length);
          expect(hex(buf.subarray(ctAt - shift, ctAt - shift + pt.length)), `open shift ${shift}`).toBe(hex(pt));
        }
      });

      it(`${b.name} ${alg}: empty plaintext works, including an empty array whose .buffer was read`, () => {
        const k = b.importKey(alg, new Uint8Array(AEAD_KEY_BYTES[alg]).fill(1));
        const nonce = new Uint8Array(12);
        const aad = new Uint8Array(13);
        const plain = new Uint8Array(0);
        void plain.buffer; // materializes a zero-length ArrayBuffer (NULL data pointer in node)
        const out = new Uint8Array(k.tagBytes);
        expect(k.seal(nonce, aad, plain, out, 0)).toBe(k.tagBytes);
        const ref = new Uint8Array(k.tagBytes);
        k.seal(nonce, aad, new Uint8Array(8).subarray(0, 0), ref, 0);
        expect(hex(out)).toBe(hex(ref));
        const back = new Uint8Array(0);
        void back.buffer;
        expect(k.open(nonce, aad, out, back, 0)).toBe(0);
      });

      it(`${b.name} ${alg}: rejects bad keys, nonces and short outputs with named messages`, () => {
        const kb = AEAD_KEY_BYTES[alg];
        expect(() => b.importKey(alg, new Uint8Array(kb - 1))).toThrow(new RegExp(`"key" expected ${kb} bytes, got ${kb - 1}`));
        const k = b.importKey(alg, new Uint8Array(kb));
        expect(() => k.seal(new Uint8Array(8), new Uint8Array(0), new Uint8Array(1), new Uint8Array(40), 0)).toThrow(
          /"nonce" expected 12 bytes, got 8/,
        );
        expect(() => k.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(10), new Uint8Array(10 + k.tagBytes), 1)).toThrow(
          /"out" expected room/,
        );
      });
    }
  }
});
