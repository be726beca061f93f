/**
 * The "js" backend's ChaCha20 (src/dtls/suites/js-chacha20.ts) against the RFC 8439 test vectors
 * (§2.3.2 block, §2.4.2 encryption, A.1 blocks, A.2 encryptions) and against node:crypto's
 * "chacha20" over random keys, nonces, counters, lengths and offsets (fast-check).
 * The quarter round of §2.1.1 is inlined in the block function, so it is covered by the block
 * vectors rather than tested alone.
 */
import { createCipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CHACHA20_COUNTER_LIMIT, ChaCha20 } from "../../../src/dtls/suites/js-chacha20.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const KEY_0_TO_31 = unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const ZERO_KEY = new Uint8Array(32);
const KEY_ONE = unhex("00".repeat(31) + "01");
const KEY_1C92 = unhex("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0");
const NONCE_2 = unhex("000000000000000000000002");

function encrypt(key: Uint8Array, nonce: Uint8Array, counter: number, input: Uint8Array): Uint8Array {
  const c = new ChaCha20(key);
  c.setNonce(nonce);
  const out = new Uint8Array(input.length);
  c.xor(counter, input, 0, out, 0, input.length);
  return out;
}
const keystream = (key: Uint8Array, nonce: Uint8Array, counter: number): string => hex(encrypt(key, nonce, counter, new Uint8Array(64)));

/** node:crypto "chacha20" takes a 16-byte IV: the 32-bit block counter (little-endian) || the 96-bit nonce. */
function nodeChacha(key: Uint8Array, nonce: Uint8Array, counter: number, input: Uint8Array): Uint8Array {
  const iv = Buffer.alloc(16);
  iv.writeUInt32LE(counter, 0);
  iv.set(nonce, 4);
  return new Uint8Array(createCipheriv("chacha20", key, iv).update(input));
}

describe("ChaCha20 (js backend) against RFC 8439", () => {
  it("§2.3.2 block function: key 00..1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00, counter 1", () => {
    expect(keystream(KEY_0_TO_31, unhex("000000090000004a00000000"), 1)).toBe(
      "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e" +
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
    );
  });

  it("§2.4.2 encryption of the 114-byte sunscreen text from counter 1", () => {
    const pt = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    expect(pt.length).toBe(114);
    expect(hex(encrypt(KEY_0_TO_31, unhex("000000000000004a00000000"), 1, pt))).toBe(
      "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b" +
        "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8" +
        "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736" +
        "5af90bbf74a35be6b40b8eedf2785e42874d",
    );
  });

  it("A.1 block test vectors #1..#5", () => {
    const zeroNonce = new Uint8Array(12);
    expect(keystream(ZERO_KEY, zeroNonce, 0)).toBe(
      "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
    );
    expect(keystream(ZERO_KEY, zeroNonce, 1)).toBe(
      "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f",
    );
    expect(keystream(KEY_ONE, zeroNonce, 1)).toBe(
      "3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0",
    );
    expect(keystream(unhex("00ff" + "00".repeat(30)), zeroNonce, 2)).toBe(
      "72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096",
    );
    expect(keystream(ZERO_KEY, NONCE_2, 0)).toBe(
      "c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c78a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d",
    );
  });

  it("A.2 encryption test vectors #2 (375 bytes) and #3 (127 bytes, counter 42)", () => {
    const ietf = unhex(
      "416e79207375626d697373696f6e20746f20746865204945544620696e74656e" +
        "6465642062792074686520436f6e7472696275746f7220666f72207075626c69" +
        "636174696f6e20617320616c6c206f722070617274206f6620616e2049455446" +
        "20496e7465726e65742d4472616674206f722052464320616e6420616e792073" +
        "746174656d656e74206d6164652077697468696e2074686520636f6e74657874" +
        "206f6620616e204945544620616374697669747920697320636f6e7369646572" +
        "656420616e20224945544620436f6e747269627574696f6e222e205375636820" +
        "73746174656d656e747320696e636c756465206f72616c2073746174656d656e" +
        "747320696e20494554462073657373696f6e732c2061732077656c6c20617320" +
        "7772697474656e20616e6420656c656374726f6e696320636f6d6d756e696361" +
        "74696f6e73206d61646520617420616e792074696d65206f7220706c6163652c" +
        "207768696368206172652061646472657373656420746f",
    );
    expect(hex(encrypt(KEY_ONE, NONCE_2, 1, ietf))).toBe(
      "a3fbf07df3fa2fde4f376ca23e82737041605d9f4f4f57bd8cff2c1d4b7955ec" +
        "2a97948bd3722915c8f3d337f7d370050e9e96d647b7c39f56e031ca5eb6250d" +
        "4042e02785ececfa4b4bb5e8ead0440e20b6e8db09d881a7c6132f420e527950" +
        "42bdfa7773d8a9051447b3291ce1411c680465552aa6c405b7764d5e87bea85a" +
        "d00f8449ed8f72d0d662ab052691ca66424bc86d2df80ea41f43abf937d3259d" +
        "c4b2d0dfb48a6c9139ddd7f76966e928e635553ba76c5c879d7b35d49eb2e62b" +
        "0871cdac638939e25e8a1e0ef9d5280fa8ca328b351c3c765989cbcf3daa8b6c" +
        "cc3aaf9f3979c92b3720fc88dc95ed84a1be059c6499b9fda236e7e818b04b0b" +
        "c39c1e876b193bfe5569753f88128cc08aaa9b63d1a16f80ef2554d7189c411f" +
        "5869ca52c5b83fa36ff216b9c1d30062bebcfd2dc5bce0911934fda79a86f6e6" +
        "98ced759c3ff9b6477338f3da4f9cd8514ea9982ccafb341b2384dd902f3d1ab" +
        "7ac61dd29c6f21ba5b862f3730e37cfdc4fd806c22f221",
    );
    const jabberwocky = unhex(
      "2754776173206272696c6c69672c20616e642074686520736c6974687920746f" +
        "7665730a446964206779726520616e642067696d626c6520696e207468652077" +
        "6162653a0a416c6c206d696d737920776572652074686520626f726f676f7665" +
        "732c0a416e6420746865206d6f6d65207261746873206f757467726162652e",
    );
    expect(hex(encrypt(KEY_1C92, NONCE_2, 42, jabberwocky))).toBe(
      "62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf" +
        "166d3df2d721caf9b21e5fb14c616871fd84c54f9d65b283196c7fe4f60553eb" +
        "f39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f77" +
        "04c6a8d1bcd1bf4d50d6154b6da731b187b58dfd728afa36757a797ac188d1",
    );
  });

  it("equals node:crypto chacha20 for any key, nonce, counter, length 0..700 and offsets, also in place (fast-check, 150 runs)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.integer({ min: 0, max: 0xffff_fff0 }),
        fc.uint8Array({ maxLength: 700 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 7 }),
        (key, nonce, counter, pt, inOffset, outOffset) => {
          const expected = hex(nodeChacha(key, nonce, counter, pt));
          const c = new ChaCha20(key);
          c.setNonce(nonce);
          const src = new Uint8Array(inOffset + pt.length);
          src.set(pt, inOffset);
          const dst = new Uint8Array(outOffset + pt.length);
          c.xor(counter, src, inOffset, dst, outOffset, pt.length);
          expect(hex(dst.subarray(outOffset))).toBe(expected);
          // in place, through a view that starts at an odd byte offset of a larger buffer
          const big = new Uint8Array(pt.length + 9);
          const view = big.subarray(inOffset + 1, inOffset + 1 + pt.length);
          view.set(pt);
          c.xor(counter, view, 0, view, 0, pt.length);
          expect(hex(view)).toBe(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("refuses to run the 32-bit block counter past its limit, and wrong key or nonce sizes, naming the value", () => {
    const c = new ChaCha20(ZERO_KEY);
    c.setNonce(new Uint8Array(12));
    const buf = new Uint8Array(128);
    expect(() => c.xor(CHACHA20_COUNTER_LIMIT - 1, buf, 0, buf, 0, 65)).toThrow(/128|65 bytes from block counter 4294967295/);
    expect(() => c.xor(CHACHA20_COUNTER_LIMIT - 1, buf, 0, buf, 0, 64)).not.toThrow();
    expect(() => c.xor(-1, buf, 0, buf, 0, 1)).toThrow(/block counter -1/);
    expect(() => new ChaCha20(new Uint8Array(16))).toThrow(/"key" expected 32 bytes, got 16/);
    expect(() => c.setNonce(new Uint8Array(8))).toThrow(/"nonce" expected 12 bytes, got 8/);
  });
});
