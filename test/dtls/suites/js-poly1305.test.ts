/**
 * The "js" backend's Poly1305 (src/dtls/suites/js-poly1305.ts) against RFC 8439 §2.5.2, §2.6.2,
 * A.3 (including the vectors built to hit the edge cases of the final reduction mod 2^130 - 5)
 * and A.4 (one-time key generation), and against an independent BigInt model of the definition
 * (§2.5.1) over random keys and messages (fast-check).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ChaCha20 } from "../../../src/dtls/suites/js-chacha20.js";
import { Poly1305, poly1305Tag } from "../../../src/dtls/suites/js-poly1305.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const tag = (key: string, msg: string): string => hex(poly1305Tag(unhex(key), unhex(msg)));

/** RFC 8439 §2.5.1 written directly with BigInt: the reference the limb arithmetic is checked against. */
function modelTag(key: Uint8Array, msg: Uint8Array): string {
  const le = (b: Uint8Array): bigint => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
  const p = (1n << 130n) - 5n;
  const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = le(key.subarray(16, 32));
  let acc = 0n;
  for (let i = 0; i < msg.length; i += 16) {
    const block = msg.subarray(i, i + 16);
    acc = ((acc + le(block) + (1n << BigInt(8 * block.length))) * r) % p;
  }
  let t = (acc + s) & ((1n << 128n) - 1n);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++, t >>= 8n) out[i] = Number(t & 0xffn);
  return hex(out);
}

const IETF_TEXT =
  "416e79207375626d697373696f6e20746f20746865204945544620696e74656e6465642062792074686520436f6e7472696275746f7220666f72207075626c69" +
  "636174696f6e20617320616c6c206f722070617274206f6620616e204945544620496e7465726e65742d4472616674206f722052464320616e6420616e792073" +
  "746174656d656e74206d6164652077697468696e2074686520636f6e74657874206f6620616e204945544620616374697669747920697320636f6e7369646572" +
  "656420616e20224945544620436f6e747269627574696f6e222e20537563682073746174656d656e747320696e636c756465206f72616c2073746174656d656e" +
  "747320696e20494554462073657373696f6e732c2061732077656c6c206173207772697474656e20616e6420656c656374726f6e696320636f6d6d756e696361" +
  "74696f6e73206d61646520617420616e792074696d65206f7220706c6163652c207768696368206172652061646472657373656420746f";

describe("Poly1305 (js backend) against RFC 8439", () => {
  it("§2.5.2: 'Cryptographic Forum Research Group'", () => {
    expect(
      tag(
        "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b",
        "43727970746f6772617068696320466f72756d2052657365617263682047726f7570",
      ),
    ).toBe("a8061dc1305136c6c22b8baf0c0127a9");
  });

  it("A.3 #1..#4: zero key, r = 0, s = 0, the Jabberwocky", () => {
    expect(tag("00".repeat(32), "00".repeat(64))).toBe("00000000000000000000000000000000");
    expect(tag("00".repeat(16) + "36e5f6b5c5e06070f0efca96227a863e", IETF_TEXT)).toBe("36e5f6b5c5e06070f0efca96227a863e");
    expect(tag("36e5f6b5c5e06070f0efca96227a863e" + "00".repeat(16), IETF_TEXT)).toBe("f3477e7cd95417af89a6b8794c310cf0");
    expect(
      tag(
        "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
        "2754776173206272696c6c69672c20616e642074686520736c6974687920746f7665730a446964206779726520616e642067" +
          "696d626c6520696e2074686520776162653a0a416c6c206d696d737920776572652074686520626f726f676f7665732c0a416e" +
          "6420746865206d6f6d65207261746873206f757467726162652e",
      ),
    ).toBe("4541669a7eaaee61e708dc7cbcc5eb62");
  });

  it("A.3 #5..#9, #11: the reduction edge cases (h = p, h > p, s overflowing 2^128, ...)", () => {
    expect(tag("02" + "00".repeat(31), "ff".repeat(16))).toBe("03000000000000000000000000000000");
    expect(tag("02" + "00".repeat(15) + "ff".repeat(16), "02" + "00".repeat(15))).toBe("03000000000000000000000000000000");
    expect(tag("01" + "00".repeat(31), "ff".repeat(16) + "f0" + "ff".repeat(15) + "11" + "00".repeat(15))).toBe(
      "05000000000000000000000000000000",
    );
    expect(tag("01" + "00".repeat(31), "ff".repeat(16) + "fb" + "fe".repeat(15) + "01".repeat(16))).toBe(
      "00000000000000000000000000000000",
    );
    expect(tag("02" + "00".repeat(31), "fd" + "ff".repeat(15))).toBe("faffffffffffffffffffffffffffffff");
    expect(
      tag(
        "0100000000000000040000000000000000000000000000000000000000000000",
        "e33594d7505e43b900000000000000003394d7505e4379cd010000000000000000000000000000000000000000000000",
      ),
    ).toBe("13000000000000000000000000000000");
  });

  it("§2.6.2 and A.4 #1..#3: the one-time key is the first 32 bytes of ChaCha20 block 0", () => {
    const polyKey = (key: string, nonce: string): string => {
      const c = new ChaCha20(unhex(key));
      c.setNonce(unhex(nonce));
      c.block(0);
      return hex(new Uint8Array(c.keystream.buffer.slice(0, 32)));
    };
    expect(polyKey("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "000000000001020304050607")).toBe(
      "8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646",
    );
    expect(polyKey("00".repeat(32), "00".repeat(12))).toBe("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7");
    expect(polyKey("00".repeat(31) + "01", "000000000000000000000002")).toBe(
      "ecfa254f845f647473d3cb140da9e87606cb33066c447b87bc2666dde3fbb739",
    );
    expect(polyKey("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0", "000000000000000000000002")).toBe(
      "965e3bc6f9ec7ed9560808f4d229f94b137ff275ca9b3fcbdd59deaad23310ae",
    );
  });

  it("equals the BigInt model of §2.5.1 for random keys and messages 0..300 B, and for all-0xff worst cases (fast-check, 200 runs)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (key, msg) => {
        expect(hex(poly1305Tag(key, msg))).toBe(modelTag(key, msg));
      }),
      { numRuns: 200 },
    );
    // Largest limbs everywhere: r at its clamped maximum, every message byte 0xff, many blocks;
    // odd and even block counts (pairs of blocks take the r^2 path, a last odd one the single path).
    const ff = new Uint8Array(32).fill(0xff);
    for (const n of [16, 17, 32, 48, 1024, 1040, 4096]) expect(hex(poly1305Tag(ff, new Uint8Array(n).fill(0xff)))).toBe(modelTag(ff, new Uint8Array(n).fill(0xff)));
  });

  it("verify compares every byte: any single flipped bit of the tag is rejected", () => {
    const key = unhex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
    const msg = unhex("43727970746f6772617068696320466f72756d2052657365617263682047726f7570");
    const good = poly1305Tag(key, msg);
    const p = new Poly1305();
    const run = (t: Uint8Array): boolean => {
      p.setKey(key);
      const done = p.blocks(new DataView(msg.buffer), msg, 0, msg.length);
      p.finalPartial(msg, done, msg.length - done);
      return p.verify(t, 0);
    };
    expect(run(good)).toBe(true);
    for (let bit = 0; bit < 128; bit++) {
      const bad = good.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(run(bad)).toBe(false);
    }
  });
});
