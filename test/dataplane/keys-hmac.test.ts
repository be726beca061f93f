/** KeyService derives with a JS HMAC keyed once with the PRK: still RFC 5869 HKDF-SHA256, byte for byte node's hkdfSync, for any identity. */
import { hkdfSync } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyService, PSK_BYTES, pskIdentity } from "../../src/dataplane/keys.js";

const SALT = new TextEncoder().encode("vnetsim key service v1");
const part = fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }).filter((x) => !x.includes("/"));

describe("KeyService HMAC", () => {
  it("pskFor and lookup give hkdfSync's key for random roots, regions, pairs (any Unicode) and generations", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 64 }), part, part, fc.integer({ min: 1, max: 2 ** 40 }), (root, region, pair, generation) => {
        const ks = new KeyService(root);
        const identity = pskIdentity(region, pair, generation);
        const ref = new Uint8Array(hkdfSync("sha256", root, SALT, identity, PSK_BYTES));
        const psk = ks.pskFor(region, pair, generation);
        expect(psk.identity).toBe(identity);
        expect(Buffer.from(psk.key).toString("hex")).toBe(Buffer.from(ref).toString("hex"));
        // The server's lookup of the same identity (the cached last key) and of another one.
        expect(Buffer.from(ks.lookup(identity)!).toString("hex")).toBe(Buffer.from(ref).toString("hex"));
        const other = pskIdentity(region, pair, generation + 1);
        expect(Buffer.from(ks.lookup(other)!).toString("hex")).toBe(Buffer.from(new Uint8Array(hkdfSync("sha256", root, SALT, other, PSK_BYTES))).toString("hex"));
      }),
      { numRuns: 150 },
    );
  });
});
