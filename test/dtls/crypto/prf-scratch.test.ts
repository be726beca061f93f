import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prf } from "../../../src/dtls/crypto/prf.js";
import { hmacKey, scratchHmacSha256 } from "../../../src/dtls/crypto/hmac.js";

/** P_SHA256 written out with node's createHmac (RFC 5246 §5). */
function ref(secret: Uint8Array, label: string, seed: Uint8Array, length: number): string {
  const ls = Buffer.concat([Buffer.from(label, "ascii"), seed]);
  let a: Buffer = ls;
  let out = Buffer.alloc(0);
  while (out.length < length) {
    a = createHmac("sha256", secret).update(a).digest();
    out = Buffer.concat([out, createHmac("sha256", secret).update(a).update(ls).digest()]);
  }
  return out.subarray(0, length).toString("hex");
}

describe("prf's shared scratch", () => {
  it("a label + seed longer than the scratch grows it; calls after it are unaffected", () => {
    const seed = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const s1 = Uint8Array.of(1, 2, 3);
    const s2 = new Uint8Array(100).fill(9); // longer than a block: hashed first (RFC 2104 §2)
    expect(Buffer.from(prf("sha256", s1, "key expansion", seed, 100)).toString("hex")).toBe(ref(s1, "key expansion", seed, 100));
    expect(Buffer.from(prf("sha256", s2, "x", seed.subarray(0, 5), 33)).toString("hex")).toBe(ref(s2, "x", seed.subarray(0, 5), 33));
    expect(Buffer.from(prf("sha256", s1, "key expansion", seed, 100)).toString("hex")).toBe(ref(s1, "key expansion", seed, 100));
  });

  it("the output never aliases the scratch: earlier results survive later calls", () => {
    const a = prf("sha256", Uint8Array.of(1), "a", Uint8Array.of(1), 40);
    const copy = Uint8Array.from(a);
    prf("sha256", Uint8Array.of(2), "b", Uint8Array.of(2), 40);
    expect(a).toEqual(copy);
  });

  it("scratchHmacSha256 re-keys one object and matches a fresh key", () => {
    const k1 = scratchHmacSha256(Uint8Array.of(5));
    const m = Uint8Array.of(7, 7);
    expect(k1.mac(m)).toEqual(hmacKey("sha256", Uint8Array.of(5)).mac(m));
    const k2 = scratchHmacSha256(Uint8Array.of(6));
    expect(k2).toBe(k1);
    expect(k2.mac(m)).toEqual(hmacKey("sha256", Uint8Array.of(6)).mac(m));
  });
});
