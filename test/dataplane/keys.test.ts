import { hkdfSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KeyService, parsePskIdentity, pskIdentity, PSK_BYTES } from "../../src/dataplane/keys.js";

const root = new Uint8Array(32).map((_, i) => i * 7 + 1);

describe("KeyService", () => {
  it("derives HKDF-SHA256 (RFC 5869) keys: the same bytes as node's hkdfSync", () => {
    const ks = new KeyService(root);
    const { identity, key } = ks.pskFor("westeurope", "vm-a|vm-b", 1);
    expect(identity).toBe("vnetsim/westeurope/vm-a|vm-b/g1");
    expect(key.length).toBe(PSK_BYTES);
    const ref = new Uint8Array(hkdfSync("sha256", root, new TextEncoder().encode("vnetsim key service v1"), identity, 32));
    expect(Buffer.from(key).toString("hex")).toBe(Buffer.from(ref).toString("hex"));
  });

  it("one key per region, pair and generation; the server's lookup gives the client's key; another root gives another key", () => {
    const ks = new KeyService(root);
    const a = ks.pskFor("westeurope", "vm-a|vm-b", 1);
    const keys = [a, ks.pskFor("westeurope", "vm-a|vm-b", 2), ks.pskFor("northeurope", "vm-a|vm-b", 1), ks.pskFor("westeurope", "vm-a|vm-c", 1)].map((p) => Buffer.from(p.key).toString("hex"));
    expect(new Set(keys).size).toBe(4);
    expect(Buffer.from(ks.lookup(a.identity)!).equals(Buffer.from(a.key))).toBe(true);
    expect(ks.lookup("someone-else")).toBeUndefined();
    const other = new KeyService(new Uint8Array(32).fill(9));
    expect(Buffer.from(other.lookup(a.identity)!).equals(Buffer.from(a.key))).toBe(false);
  });

  it("never shows keys: JSON has only the count", () => {
    const ks = new KeyService(root);
    ks.pskFor("westeurope", "a|b", 1);
    expect(JSON.stringify(ks)).toBe('{"issued":1}');
  });

  it("parses identities and refuses malformed ones; bad input throws naming the field", () => {
    expect(parsePskIdentity(pskIdentity("eastus", "h1|h2", 12))).toEqual({ region: "eastus", pair: "h1|h2", generation: 12 });
    for (const bad of ["vnetsim/eastus/a|b/g0", "vnetsim/eastus/a|b", "other/eastus/a|b/g1", "vnetsim//a|b/g1", "vnetsim/eastus/a|b/gx"]) expect(parsePskIdentity(bad)).toBeNull();
    expect(() => pskIdentity("eastus", "a|b", 0)).toThrow(/generation/);
    expect(() => pskIdentity("east/us", "a|b", 1)).toThrow(/region/);
    expect(() => new KeyService(new Uint8Array(4))).toThrow(/rootSecret/);
  });
});
