import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Sha256, sha256, SHA256_BLOCK_BYTES } from "../../../src/dtls/crypto/sha256.js";
import { hmacKey, type HmacHash } from "../../../src/dtls/crypto/hmac.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const nodeSha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

describe("Sha256 (FIPS 180-4)", () => {
  it("matches the FIPS 180-4 examples (abc, the 448-bit message, one million a)", () => {
    const ascii = (s: string) => new Uint8Array(Buffer.from(s, "ascii"));
    expect(hex(sha256(ascii("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hex(sha256(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
    expect(hex(sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    expect(hex(sha256(new Uint8Array(0)))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("every length around the padding boundaries (0..200 bytes) equals node:crypto", () => {
    for (let n = 0; n <= 200; n++) {
      const m = Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff);
      expect(hex(sha256(m)), `length ${n}`).toBe(nodeSha256(m));
    }
  });

  it("any split into update() calls, and a copy taken midway, equal node:crypto (300 runs, seed printed on failure)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 150 }), { maxLength: 8 }), fc.nat(), (chunks, cut) => {
        const whole = Uint8Array.from(chunks.flatMap((c) => [...c]));
        const h = new Sha256();
        const k = chunks.length === 0 ? 0 : cut % (chunks.length + 1);
        for (const c of chunks.slice(0, k)) h.update(c);
        const prefix = Uint8Array.from(chunks.slice(0, k).flatMap((c) => [...c]));
        // The copy finishes independently; the original goes on.
        expect(hex(new Sha256().copyFrom(h).digest())).toBe(nodeSha256(prefix));
        for (const c of chunks.slice(k)) h.update(c);
        expect(hex(h.digest())).toBe(nodeSha256(whole));
      }),
      { numRuns: 300 },
    );
  });

  it("reset() starts over and digestInto() writes at the offset and checks it", () => {
    const h = new Sha256().update(new Uint8Array(100));
    h.digest();
    const out = new Uint8Array(40).fill(0xee);
    h.reset().update(Uint8Array.of(1, 2, 3)).digestInto(out, 8);
    expect(hex(out.subarray(8))).toBe(nodeSha256(Uint8Array.of(1, 2, 3)));
    expect(hex(out.subarray(0, 8))).toBe("ee".repeat(8));
    expect(() => new Sha256().digestInto(new Uint8Array(40), 9)).toThrow(/"offset" expected 0\.\.8, got 9/);
  });
});

describe("hmacKey (RFC 2104)", () => {
  it("matches RFC 4231 test case 2 (HMAC-SHA-256 and -384, key \"Jefe\")", () => {
    const key = new Uint8Array(Buffer.from("Jefe"));
    const msg = new Uint8Array(Buffer.from("what do ya want for nothing?"));
    expect(hex(hmacKey("sha256", key).mac(msg))).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    expect(hex(hmacKey("sha384", key).mac(msg))).toBe(
      "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
    );
  });

  it("equals node's createHmac for keys shorter, equal to and longer than a block, messages in two parts (300 runs, seed printed on failure)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<HmacHash>("sha256", "sha384"),
        fc.uint8Array({ maxLength: 2 * SHA256_BLOCK_BYTES + 10 }),
        fc.uint8Array({ maxLength: 150 }),
        fc.option(fc.uint8Array({ maxLength: 150 }), { nil: undefined }),
        (hash, key, a, b) => {
          const want = createHmac(hash, key).update(a).update(b ?? new Uint8Array(0)).digest("hex");
          const k = hmacKey(hash, key);
          expect(hex(k.mac(a, b))).toBe(want);
          // The same key object again gives the same answer (states are copied, not consumed).
          expect(hex(k.mac(a, b))).toBe(want);
          const out = new Uint8Array(k.outputBytes + 3);
          k.macInto(out, 3, a, b);
          expect(hex(out.subarray(3))).toBe(want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the output may overwrite its own input (the PRF's A(i+1) = HMAC(A(i)))", () => {
    const k = hmacKey("sha256", Uint8Array.of(9, 9, 9));
    const a = new Uint8Array(32).fill(5);
    const want = createHmac("sha256", Uint8Array.of(9, 9, 9)).update(a).digest("hex");
    k.macInto(a, 0, a);
    expect(hex(a)).toBe(want);
  });

  it("rejects an unknown hash, naming it", () => {
    expect(() => hmacKey("md5" as HmacHash, new Uint8Array(4))).toThrow(/"hash" expected "sha256" or "sha384", got "md5"/);
  });
});

describe("Sha256 saved states (HMAC pad states)", () => {
  it("loadState(saveState()) resumes the hash; both refuse a partial block", () => {
    const block = new Uint8Array(64).fill(0x36);
    const state = new Int32Array(10);
    new Sha256().update(block).saveState(state, 2);
    const tail = Uint8Array.of(1, 2, 3);
    const want = createHash("sha256").update(block).update(tail).digest("hex");
    expect(hex(new Sha256().loadState(state, 2, 64).update(tail).digest())).toBe(want);
    expect(() => new Sha256().loadState(state, 3, 64)).toThrow(/"offset" expected 0\.\.2, got 3/);
    expect(() => new Sha256().update(tail).saveState(state)).toThrow(/3 bytes pending/);
    expect(() => new Sha256().loadState(state, 0, 65)).toThrow(/"totalBytes" expected a multiple of 64, got 65/);
  });
});
