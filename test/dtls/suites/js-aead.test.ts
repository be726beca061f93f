/**
 * The "js" AEAD backend (src/dtls/suites/js.ts): AEAD_CHACHA20_POLY1305 against RFC 8439 §2.8.2
 * and A.5, byte-equal to node:crypto's chacha20-poly1305 over random keys, nonces, AAD, plaintext
 * sizes and offsets (fast-check), in place and with shifted overlaps, tampering rejected without
 * writing to `out`, and its registration (getBackend, availableBackends, backendFor).
 */
import { createCipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { availableBackends, backendFor, getBackend } from "../../../src/dtls/suites/aead.js";
import { jsBackend } from "../../../src/dtls/suites/js.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

function nodeSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): string {
  const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: pt.length });
  return hex(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
}

const SUNSCREEN = new TextEncoder().encode(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
);

describe("js backend: AEAD_CHACHA20_POLY1305", () => {
  it("is registered: getBackend, availableBackends (after node and noble), backendFor; ChaCha20 only", () => {
    expect(getBackend("js")).toBe(jsBackend);
    expect(availableBackends()).toContain("js");
    expect(availableBackends().slice(0, 2)).toEqual(["node", "noble"]);
    expect(backendFor("chacha20-poly1305", "js").name).toBe("js");
    expect(backendFor("aes-128-gcm", "js").name).toBe("node");
    expect(jsBackend.supports("aes-256-gcm")).toBe(false);
    expect(() => jsBackend.importKey("aes-128-gcm", new Uint8Array(16))).toThrow(/js backend: algorithm "aes-128-gcm" is not supported/);
    expect(() => jsBackend.importKey("chacha20-poly1305", new Uint8Array(31))).toThrow(/"key" expected 32 bytes, got 31 bytes/);
  });

  it("RFC 8439 §2.8.2: the sunscreen text with AAD 50515253c0c1c2c3c4c5c6c7", () => {
    const k = jsBackend.importKey("chacha20-poly1305", unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"));
    const nonce = unhex("070000004041424344454647");
    const aad = unhex("50515253c0c1c2c3c4c5c6c7");
    const out = new Uint8Array(SUNSCREEN.length + 16);
    expect(k.seal(nonce, aad, SUNSCREEN, out, 0)).toBe(130);
    expect(hex(out)).toBe(
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b" +
        "1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
        "3ff4def08e4b7a9de576d26586cec64b6116" +
        "1ae10b594f09e26a7e902ecbd0600691",
    );
    const back = new Uint8Array(SUNSCREEN.length);
    expect(k.open(nonce, aad, out, back, 0)).toBe(SUNSCREEN.length);
    expect(hex(back)).toBe(hex(SUNSCREEN));
  });

  it("RFC 8439 A.5: decryption of the 265-byte Internet-Draft text", () => {
    const k = jsBackend.importKey("chacha20-poly1305", unhex("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0"));
    const ct = unhex(
      "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e382d26b0" +
        "bdb7b73c321b0100d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855" +
        "9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4b9166c767b804d46a59b5216cde7a4e9" +
        "9040c5a40433225ee282a1b0a06c523eaf4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a" +
        "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a1049e617d91d361094fa68f0ff77987130" +
        "305beaba2eda04df997b714d6c6f2c29a6ad5cb4022b02709b" +
        "eead9d67890cbb22392336fea1851f38",
    );
    const out = new Uint8Array(265);
    expect(k.open(unhex("000000000102030405060708"), unhex("f33388860000000000004e91"), ct, out, 0)).toBe(265);
    expect(hex(out)).toBe(
      "496e7465726e65742d4472616674732061726520647261667420646f63756d656e74732076616c696420666f722061206d" +
        "6178696d756d206f6620736978206d6f6e74687320616e64206d617920626520757064617465642c207265706c616365" +
        "642c206f72206f62736f6c65746564206279206f7468657220646f63756d656e747320617420616e792074696d652e20" +
        "497420697320696e617070726f70726961746520746f2075736520496e7465726e65742d447261667473206173207265" +
        "666572656e6365206d6174657269616c206f7220746f2063697465207468656d206f74686572207468616e206173202f" +
        "e2809c776f726b20696e2070726f67726573732e2fe2809d",
    );
    expect(new TextDecoder().decode(out).startsWith("Internet-Drafts are draft documents valid for a maximum of six months")).toBe(true);
  });

  it("byte-equal to node:crypto for keys, nonces, AAD 0..64 B, plaintext 0..3000 B, odd offsets; opens its own output (fast-check, 80 runs)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 7 }),
        (keyBytes, nonce, aad, pt, inShift, outOffset) => {
          const k = jsBackend.importKey("chacha20-poly1305", keyBytes);
          // plaintext and AAD as views at arbitrary offsets of larger buffers
          const ptView = new Uint8Array(pt.length + inShift).subarray(inShift);
          ptView.set(pt);
          const aadView = new Uint8Array(aad.length + 3).subarray(3);
          aadView.set(aad);
          const out = new Uint8Array(outOffset + pt.length + 16);
          expect(k.seal(nonce, aadView, ptView, out, outOffset)).toBe(pt.length + 16);
          const sealed = out.subarray(outOffset);
          expect(hex(sealed)).toBe(nodeSeal(keyBytes, nonce, aad, pt));
          const back = new Uint8Array(pt.length + inShift + 1);
          expect(k.open(nonce, aadView, sealed, back, inShift + 1)).toBe(pt.length);
          expect(hex(back.subarray(inShift + 1))).toBe(hex(pt));
        },
      ),
      { numRuns: 80 },
    );
  });

  it("in place and with overlaps shifted either way, seal and open give the same bytes as separate buffers (fast-check, 80 runs)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 20 }),
        fc.uint8Array({ maxLength: 400 }),
        fc.integer({ min: -40, max: 40 }),
        (keyBytes, nonce, aad, pt, shift) => {
          const k = jsBackend.importKey("chacha20-poly1305", keyBytes);
          const expected = nodeSeal(keyBytes, nonce, aad, pt);
          const base = 50;
          // seal: plaintext at `base`, output at base + shift in the same buffer
          const buf = new Uint8Array(pt.length + 16 + 2 * base);
          buf.set(pt, base);
          expect(k.seal(nonce, aad, buf.subarray(base, base + pt.length), buf, base + shift)).toBe(pt.length + 16);
          expect(hex(buf.subarray(base + shift, base + shift + pt.length + 16))).toBe(expected);
          // open: ciphertext||tag at `base`, plaintext written at base + shift in the same buffer
          const buf2 = new Uint8Array(pt.length + 16 + 2 * base);
          buf2.set(unhex(expected), base);
          expect(k.open(nonce, aad, buf2.subarray(base, base + pt.length + 16), buf2, base + shift)).toBe(pt.length);
          expect(hex(buf2.subarray(base + shift, base + shift + pt.length))).toBe(hex(pt));
        },
      ),
      { numRuns: 80 },
    );
  });

  it("nonce and AAD lying inside the region being written are read before it is overwritten", () => {
    const keyBytes = new Uint8Array(32).fill(9);
    const k = jsBackend.importKey("chacha20-poly1305", keyBytes);
    const buf = new Uint8Array(200).map((_, i) => i);
    const nonce = buf.subarray(20, 32);
    const aad = buf.subarray(32, 45);
    // the plaintext overlaps the output shifted, so it is moved to the output position first
    const pt = buf.subarray(50, 150);
    const expected = nodeSeal(keyBytes, nonce.slice(), aad.slice(), pt.slice());
    const ptCopy = pt.slice();
    expect(k.seal(nonce, aad, pt, buf, 10)).toBe(116);
    expect(hex(buf.subarray(10, 126))).toBe(expected);
    // open, with the same nonce (bytes 20..31) and AAD (bytes 32..44) placed inside the destination
    const dst = new Uint8Array(120);
    dst.set(new Uint8Array(25).map((_, i) => 20 + i));
    expect(k.open(dst.subarray(0, 12), dst.subarray(12, 25), unhex(expected), dst, 0)).toBe(100);
    expect(hex(dst.subarray(0, 100))).toBe(hex(ptCopy));
  });

  it("rejects every flipped bit of ciphertext or tag, wrong AAD, wrong nonce, truncation: -1, no throw, `out` untouched", () => {
    const k = jsBackend.importKey("chacha20-poly1305", new Uint8Array(32).fill(3));
    const nonce = new Uint8Array(12).fill(1);
    const aad = new Uint8Array(13).fill(2);
    const pt = new Uint8Array(70).map((_, i) => i);
    const sealed = new Uint8Array(86);
    k.seal(nonce, aad, pt, sealed, 0);
    const out = new Uint8Array(70).fill(0xee);
    const untouched = (): void => expect(out.every((b) => b === 0xee)).toBe(true);
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const bad = sealed.slice();
      bad[bit >> 3] = bad[bit >> 3]! ^ (1 << (bit & 7));
      expect(k.open(nonce, aad, bad, out, 0)).toBe(-1);
    }
    untouched();
    const otherAad = aad.slice();
    otherAad[12] = 3;
    expect(k.open(nonce, otherAad, sealed, out, 0)).toBe(-1);
    expect(k.open(nonce, aad.subarray(0, 12), sealed, out, 0)).toBe(-1);
    const otherNonce = nonce.slice();
    otherNonce[0] = 0;
    expect(k.open(otherNonce, aad, sealed, out, 0)).toBe(-1);
    expect(k.open(nonce, aad, sealed.subarray(0, 85), out, 0)).toBe(-1);
    expect(k.open(nonce, aad, sealed.subarray(0, 15), out, 0)).toBe(-1);
    untouched();
    expect(k.open(nonce, aad, sealed, out, 0)).toBe(70);
    expect(hex(out)).toBe(hex(pt));
  });

  it("throws only for caller bugs: nonce length, `out` too small, naming the argument", () => {
    const k = jsBackend.importKey("chacha20-poly1305", new Uint8Array(32));
    expect(() => k.seal(new Uint8Array(8), new Uint8Array(0), new Uint8Array(4), new Uint8Array(20), 0)).toThrow(/"nonce" expected 12 bytes, got 8/);
    expect(() => k.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(4), new Uint8Array(19), 0)).toThrow(/"out" expected room for 20 bytes/);
    const sealed = new Uint8Array(20);
    k.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(4), sealed, 0);
    expect(() => k.open(new Uint8Array(12), new Uint8Array(0), sealed, new Uint8Array(3), 0)).toThrow(/"out" expected room for 4 bytes/);
  });

  it("one key seals many messages with different buffers, nonces and sizes in a row (scratch state reset per call)", () => {
    const keyBytes = new Uint8Array(32).map((_, i) => i * 7);
    const k = jsBackend.importKey("chacha20-poly1305", keyBytes);
    const shared = new Uint8Array(2000);
    for (let i = 0; i < 60; i++) {
      const nonce = new Uint8Array(12);
      nonce[11] = i;
      const aad = new Uint8Array(i % 20).fill(i);
      const pt = new Uint8Array((i * 37) % 1500).fill(255 - i);
      const out = i % 2 === 0 ? shared : new Uint8Array(pt.length + 16 + 5);
      k.seal(nonce, aad, pt, out, 5);
      expect(hex(out.subarray(5, 5 + pt.length + 16))).toBe(nodeSeal(keyBytes, nonce, aad, pt));
    }
  });
});
