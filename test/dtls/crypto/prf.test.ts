import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { prf, PRF_OUTPUT_BYTES_MAX, type PrfHash } from "../../../src/dtls/crypto/prf.js";
import vectors from "../../vectors/prf.json" with { type: "json" };

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

/**
 * Slow reference: HMAC written out from RFC 2104 on top of the bare hash (not node's createHmac),
 * and P_hash from RFC 5246 §5 built by plain array concatenation.
 */
function refHmac(hash: PrfHash, key: Uint8Array, msg: Uint8Array): Uint8Array {
  const blockBytes = hash === "sha256" ? 64 : 128;
  let k = key;
  if (k.length > blockBytes) k = new Uint8Array(createHash(hash).update(k).digest());
  const ipad = new Uint8Array(blockBytes).fill(0x36);
  const opad = new Uint8Array(blockBytes).fill(0x5c);
  for (let i = 0; i < k.length; i++) {
    ipad[i]! ^= k[i]!;
    opad[i]! ^= k[i]!;
  }
  const inner = createHash(hash).update(ipad).update(msg).digest();
  return new Uint8Array(createHash(hash).update(opad).update(inner).digest());
}

function refPrf(hash: PrfHash, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const ls = [...Buffer.from(label, "ascii"), ...seed];
  const out: number[] = [];
  let a: Uint8Array = Uint8Array.from(ls);
  while (out.length < length) {
    a = refHmac(hash, secret, a);
    out.push(...refHmac(hash, secret, Uint8Array.from([...a, ...ls])));
  }
  return Uint8Array.from(out.slice(0, length));
}

describe("prf (RFC 5246 §5)", () => {
  for (const v of vectors.vectors) {
    it(`${v.hash} "${v.label}" ${v.outputHex.length / 2} bytes matches the known answer`, () => {
      const out = prf(v.hash as PrfHash, unhex(v.secretHex), v.label, unhex(v.seedHex), v.outputHex.length / 2);
      expect(hex(out)).toBe(v.outputHex);
    });
    it(`slow reference agrees with the known answer (${v.hash} "${v.label}")`, () => {
      const out = refPrf(v.hash as PrfHash, unhex(v.secretHex), v.label, unhex(v.seedHex), v.outputHex.length / 2);
      expect(hex(out)).toBe(v.outputHex);
    });
  }

  it("matches the slow reference on random inputs (200 runs, fast-check seed printed on failure)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<PrfHash>("sha256", "sha384"),
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 30 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.integer({ min: 0, max: 150 }),
        (hash, secret, label, seed, length) => {
          expect(hex(prf(hash, secret, label, seed, length))).toBe(hex(refPrf(hash, secret, label, seed, length)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a shorter output is a prefix of a longer one", () => {
    const s = unhex("00112233");
    const long = prf("sha384", s, "abc", unhex("4455"), 100);
    expect(hex(prf("sha384", s, "abc", unhex("4455"), 49))).toBe(hex(long.subarray(0, 49)));
  });

  it("rejects bad input with a message naming it", () => {
    expect(() => prf("md5" as PrfHash, new Uint8Array(1), "x", new Uint8Array(0), 1)).toThrow(/"hash"/);
    expect(() => prf("sha256", new Uint8Array(1), "x", new Uint8Array(0), PRF_OUTPUT_BYTES_MAX + 1)).toThrow(/"length".*1025/);
    expect(() => prf("sha256", new Uint8Array(1), "x", new Uint8Array(0), -1)).toThrow(/"length"/);
    expect(() => prf("sha256", new Uint8Array(1), "é", new Uint8Array(0), 1)).toThrow(/"label"/);
    expect(prf("sha256", new Uint8Array(1), "x", new Uint8Array(0), PRF_OUTPUT_BYTES_MAX).length).toBe(PRF_OUTPUT_BYTES_MAX);
  });
});
