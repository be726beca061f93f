import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ManualClock } from "../../../src/dtls/clock.js";
import { COOKIE_SECRET_BYTES, CookieJar } from "../../../src/dtls/handshake/cookie.js";
import type { ClientHello } from "../../../src/dtls/handshake/messages.js";
import { seededRng } from "../../../src/dtls/transport/seeded.js";

/** The cookie as documented in cookie.ts, computed with node's createHmac field by field. */
function reference(secret: Uint8Array, peer: string, ch: ClientHello): string {
  const u16 = (v: number) => Uint8Array.of((v >>> 8) & 0xff, v & 0xff);
  const peerBytes = Buffer.from(peer, "utf8");
  const h = createHmac("sha256", secret);
  h.update(u16(peerBytes.length)).update(peerBytes).update(u16(ch.clientVersion)).update(ch.random);
  h.update(u16(ch.sessionId.length)).update(ch.sessionId).update(u16(ch.cipherSuites.length));
  for (const s of ch.cipherSuites) h.update(u16(s));
  h.update(Uint8Array.from(ch.compressionMethods));
  return h.digest("hex");
}

describe("CookieJar cookie bytes (RFC 6347 §4.2.1)", () => {
  it("equal HMAC-SHA256 of the length-prefixed peer and ClientHello fields under the jar's secret (100 runs, seed printed on failure)", () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.string({ maxLength: 40 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 32 }),
        fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 0, max: 0xff }), { minLength: 1, maxLength: 3 }),
        (seed, peer, random, sessionId, cipherSuites, compressionMethods) => {
          // The jar's first secret is the first COOKIE_SECRET_BYTES of its rng.
          const secret = new Uint8Array(COOKIE_SECRET_BYTES);
          seededRng(seed)(secret);
          const jar = new CookieJar(new ManualClock(), seededRng(seed), 1000);
          const ch: ClientHello = { clientVersion: 0xfefd, random, sessionId, cookie: new Uint8Array(0), cipherSuites, compressionMethods, extensions: [] };
          const cookie = jar.make(peer, ch);
          expect(Buffer.from(cookie).toString("hex")).toBe(reference(secret, peer, ch));
          expect(jar.verify(peer, { ...ch, cookie })).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("CookieJar with peers interleaved", () => {
  it("each peer's cookie stays its own however the peers alternate (the peer's bytes are cached per address)", () => {
    const secret = new Uint8Array(COOKIE_SECRET_BYTES);
    seededRng(9)(secret);
    const jar = new CookieJar(new ManualClock(), seededRng(9), 1000);
    const ch: ClientHello = { clientVersion: 0xfefd, random: new Uint8Array(32).fill(4), sessionId: new Uint8Array(0), cookie: new Uint8Array(0), cipherSuites: [0xa8], compressionMethods: [0], extensions: [] };
    const a = jar.make("10.0.0.1:5000", ch);
    const b = jar.make("10.0.0.2:5000", ch);
    expect(Buffer.from(a).toString("hex")).toBe(reference(secret, "10.0.0.1:5000", ch));
    expect(Buffer.from(b).toString("hex")).toBe(reference(secret, "10.0.0.2:5000", ch));
    expect(jar.verify("10.0.0.1:5000", { ...ch, cookie: a })).toBe(true);
    expect(jar.verify("10.0.0.2:5000", { ...ch, cookie: a })).toBe(false);
    expect(jar.verify("10.0.0.2:5000", { ...ch, cookie: b })).toBe(true);
    expect(jar.verify("10.0.0.1:5000", { ...ch, cookie: b })).toBe(false);
    // The same address again after another one: the same cookie as the first time.
    expect(jar.make("10.0.0.1:5000", ch)).toEqual(a);
  });
});
