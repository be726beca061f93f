import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyBlock, MASTER_SECRET_BYTES, prepareMaster, timingSafeEqualBytes, verifyData } from "../../../src/dtls/crypto/keys.js";
import { prf, PrfSecret } from "../../../src/dtls/crypto/prf.js";
import { digestAfterBlock32, Sha256, SHA256_BLOCK_BYTES } from "../../../src/dtls/crypto/sha256.js";
import { SUITES, suiteByName } from "../../../src/dtls/suites/registry.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const cr = Uint8Array.from({ length: 32 }, (_, i) => 3 * i);
const sr = Uint8Array.from({ length: 32 }, (_, i) => 0xff - i);

/** P_hash written out with node's createHmac (RFC 5246 §5), independent of the code under test. */
function refPrf(hash: "sha256" | "sha384", secret: Uint8Array, label: string, seed: Uint8Array, length: number): string {
  const ls = Buffer.concat([Buffer.from(label, "ascii"), seed]);
  let a: Buffer = ls;
  let out = Buffer.alloc(0);
  while (out.length < length) {
    a = createHmac(hash, secret).update(a).digest();
    out = Buffer.concat([out, createHmac(hash, secret).update(a).update(ls).digest()]);
  }
  return out.subarray(0, length).toString("hex");
}

describe("PrfSecret: one secret prepared for several PRF calls", () => {
  it("every call equals the reference PRF, for both hashes, any secret/seed/length (150 runs, seed printed on failure)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("sha256" as const, "sha384" as const),
        fc.uint8Array({ minLength: 1, maxLength: 150 }),
        fc.array(fc.record({ seed: fc.uint8Array({ maxLength: 120 }), seed2: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }), length: fc.integer({ min: 0, max: 130 }) }), { minLength: 1, maxLength: 4 }),
        (hash, secret, calls) => {
          const s = new PrfSecret(hash, secret);
          for (const c of calls) {
            const joined = c.seed2 === undefined ? c.seed : Uint8Array.from([...c.seed, ...c.seed2]);
            expect(hex(s.prf("label x", c.seed, c.length, c.seed2))).toBe(refPrf(hash, secret, "label x", joined, c.length));
            // The one-shot prf() with a split seed agrees too.
            expect(hex(prf(hash, secret, "label x", c.seed, c.length, c.seed2))).toBe(refPrf(hash, secret, "label x", joined, c.length));
          }
          s.clear();
        },
      ),
      { numRuns: 150 },
    );
  });

  it("does not keep the caller's secret array: changing it afterwards changes nothing", () => {
    const secret = new Uint8Array(48).fill(7);
    const s = new PrfSecret("sha256", secret);
    const before = hex(s.prf("a", Uint8Array.of(1), 20));
    secret.fill(0);
    expect(hex(s.prf("a", Uint8Array.of(1), 20))).toBe(before);
  });

  it("clear() forgets it: a later call throws, clear() again is harmless", () => {
    const s = new PrfSecret("sha256", new Uint8Array(48).fill(1));
    expect(s.cleared).toBe(false);
    s.clear();
    s.clear();
    expect(s.cleared).toBe(true);
    expect(() => s.prf("a", Uint8Array.of(1), 12)).toThrow(/already cleared/);
  });

  it("rejects a bad hash, secret, length or label, naming them", () => {
    expect(() => new PrfSecret("md5" as "sha256", new Uint8Array(4))).toThrow(/"hash" expected "sha256" or "sha384", got "md5"/);
    expect(() => new PrfSecret("sha256", "x" as unknown as Uint8Array)).toThrow(/"secret" expected a Uint8Array/);
    const s = new PrfSecret("sha256", new Uint8Array(4));
    expect(() => s.prf("a", new Uint8Array(0), 1025)).toThrow(/"length" expected an integer in 0\.\.1024, got 1025/);
    expect(() => s.prf("é", new Uint8Array(0), 1)).toThrow(/"label" expected ASCII/);
  });
});

describe("key block and verify_data from a prepared master secret", () => {
  it("equal the raw-bytes path for every suite", () => {
    const master = Uint8Array.from({ length: MASTER_SECRET_BYTES }, (_, i) => (i * 29 + 1) & 0xff);
    for (const suite of SUITES) {
      const m = prepareMaster(suite, master);
      const raw = keyBlock(suite, master, cr, sr);
      const prepared = keyBlock(suite, m, cr, sr);
      expect(hex(prepared.clientWriteKey) + hex(prepared.serverWriteKey) + hex(prepared.clientWriteIv) + hex(prepared.serverWriteIv)).toBe(
        hex(raw.clientWriteKey) + hex(raw.serverWriteKey) + hex(raw.clientWriteIv) + hex(raw.serverWriteIv),
      );
      const h = new Uint8Array(suite.prfHash === "sha384" ? 48 : 32).fill(9);
      for (const label of ["client finished", "server finished"] as const) {
        expect(hex(verifyData(suite, m, label, h))).toBe(hex(verifyData(suite, master, label, h)));
      }
      m.clear();
    }
  });

  it("a prepared secret of the other hash or a cleared one is refused", () => {
    const s256 = suiteByName("TLS_PSK_WITH_AES_128_GCM_SHA256");
    const s384 = suiteByName("TLS_PSK_WITH_AES_256_GCM_SHA384");
    const m = prepareMaster(s256, new Uint8Array(48));
    expect(() => keyBlock(s384, m, cr, sr)).toThrow(/"master" expected a sha384 PRF secret for TLS_PSK_WITH_AES_256_GCM_SHA384, got sha256/);
    m.clear();
    expect(() => verifyData(s256, m, "client finished", new Uint8Array(32))).toThrow(/already cleared/);
    expect(() => prepareMaster(s256, new Uint8Array(47))).toThrow(/"master" expected 48 bytes, got 47 bytes/);
  });
});

describe("digestAfterBlock32 (HMAC's outer hash on words)", () => {
  it("equals SHA-256 of the 64-byte first block and the 32-byte message (100 runs, seed printed on failure)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: SHA256_BLOCK_BYTES, maxLength: SHA256_BLOCK_BYTES }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 8 }), (first, msg, at) => {
        const state = new Int32Array(16);
        new Sha256().update(first).saveState(state, 8);
        const words = new Int32Array(8);
        for (let i = 0; i < 8; i++) words[i] = (msg[4 * i]! << 24) | (msg[4 * i + 1]! << 16) | (msg[4 * i + 2]! << 8) | msg[4 * i + 3]!;
        const out = new Uint8Array(40).fill(0xaa);
        digestAfterBlock32(state, 8, words, 0, out, at);
        expect(hex(out.subarray(at, at + 32))).toBe(createHash("sha256").update(first).update(msg).digest("hex"));
        expect(out.subarray(0, at).every((b) => b === 0xaa)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("checks its offsets", () => {
    const s = new Int32Array(8);
    expect(() => digestAfterBlock32(s, 1, s, 0, new Uint8Array(32), 0)).toThrow(/"stateOffset" expected 0\.\.0, got 1/);
    expect(() => digestAfterBlock32(s, 0, s, 0, new Uint8Array(32), 1)).toThrow(/"outOffset" expected 0\.\.0, got 1/);
  });

  it("Sha256.digestWordsInto gives the digest's words", () => {
    const words = new Int32Array(10);
    new Sha256().update(Uint8Array.of(0x61, 0x62, 0x63)).digestWordsInto(words, 2);
    const bytes = new Uint8Array(32);
    for (let i = 0; i < 8; i++) new DataView(bytes.buffer).setInt32(4 * i, words[2 + i]!);
    expect(hex(bytes)).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"); // FIPS 180-4 "abc"
  });
});

describe("timingSafeEqualBytes", () => {
  it("equal only for equal contents and lengths; a difference anywhere counts", () => {
    const a = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(timingSafeEqualBytes(a, a.slice())).toBe(true);
    for (const at of [0, 15, 31]) {
      const b = a.slice();
      b[at]! ^= 0x80;
      expect(timingSafeEqualBytes(a, b)).toBe(false);
    }
    expect(timingSafeEqualBytes(a, a.subarray(0, 31))).toBe(false);
    expect(timingSafeEqualBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    expect(() => timingSafeEqualBytes(a, "x" as unknown as Uint8Array)).toThrow(/expected two Uint8Arrays/);
  });
});
