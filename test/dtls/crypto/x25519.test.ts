import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadSodiumX25519, nodeX25519, preferredX25519, type X25519 } from "../../../src/dtls/crypto/x25519.js";
import { generateKeyPair } from "../../../src/dtls/handshake/ecdhe.js";
import { seededRng } from "../../../src/dtls/transport/seeded.js";

const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString("hex"));
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

const sodium = loadSodiumX25519();
const impls: X25519[] = [nodeX25519, ...(sodium instanceof Error ? [] : [sodium])];

describe("X25519 (RFC 7748)", () => {
  for (const x of impls) {
    it(`${x.name}: RFC 7748 §6.1 Alice/Bob keys and shared secret`, () => {
      const alice = x.keyPair(unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
      const bob = x.keyPair(unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
      expect(hex(alice.publicKey)).toBe("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
      expect(hex(bob.publicKey)).toBe("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
      const k = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
      expect(hex(alice.sharedSecret(bob.publicKey))).toBe(k);
      expect(hex(bob.sharedSecret(alice.publicKey))).toBe(k);
    });

    it(`${x.name}: a low-order peer point (all-zero result) and a wrong-size point give null`, () => {
      const kp = x.keyPair(new Uint8Array(32).fill(7));
      expect(kp.sharedSecret(new Uint8Array(32))).toBeNull(); // u = 0
      expect(kp.sharedSecret(Uint8Array.of(1, ...new Uint8Array(31)))).toBeNull(); // u = 1, order 4
      expect(kp.sharedSecret(new Uint8Array(31))).toBeNull();
      expect(() => x.keyPair(new Uint8Array(31))).toThrow(/"privateKey" expected 32 bytes, got 31 bytes/);
    });
  }

  it.skipIf(sodium instanceof Error)("sodium and node:crypto give the same public keys and secrets (100 runs, seed printed on failure)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b) => {
        const [n, s] = [nodeX25519, sodium as X25519];
        const na = n.keyPair(a), sa = s.keyPair(a), nb = n.keyPair(b);
        expect(hex(sa.publicKey)).toBe(hex(na.publicKey));
        expect(hex(sa.sharedSecret(nb.publicKey))).toBe(hex(na.sharedSecret(nb.publicKey)));
        // A peer point with the top bit set is masked (RFC 7748 §5) the same way by both.
        const high = new Uint8Array(nb.publicKey);
        high[31]! |= 0x80;
        expect(hex(sa.sharedSecret(high))).toBe(hex(na.sharedSecret(high)));
      }),
      { numRuns: 100 },
    );
  });

  it("the missing-module path is an Error value, and the preferred implementation is one of the two", () => {
    const e = loadSodiumX25519("no-such-sodium-module");
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/no-such-sodium-module could not be loaded/);
    expect(["sodium", "node"]).toContain(preferredX25519().name);
  });

  it("generateKeyPair draws the private key from the rng: same seed, same point, whichever implementation", () => {
    const pts = impls.map((x) => hex(generateKeyPair("x25519", seededRng(42), x).publicPoint));
    expect(new Set(pts).size).toBe(1);
    expect(hex(generateKeyPair("x25519", seededRng(42)).publicPoint)).toBe(pts[0]);
    expect(hex(generateKeyPair("x25519", seededRng(43)).publicPoint)).not.toBe(pts[0]);
  });
});
