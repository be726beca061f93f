import { describe, expect, it } from "vitest";
import { loadSodiumBackend } from "../../../src/dtls/suites/sodium.js";
import { ViewCache } from "../../../src/dtls/suites/view-cache.js";

describe("optional sodium-native", () => {
  it("a missing module is an Error value naming the backend, not a crash at import", () => {
    const r = loadSodiumBackend("sodium-native-that-does-not-exist");
    expect(r).toBeInstanceOf(Error);
    expect((r as Error).message).toMatch(/AEAD backend "sodium" is unavailable: sodium-native-that-does-not-exist could not be loaded/);
  });
  it("a module without the AEAD functions is rejected too", () => {
    const r = loadSodiumBackend("node:path");
    expect((r as Error).message).toMatch(/lacks crypto_aead_chacha20poly1305_ietf_encrypt/);
  });
});

describe("ViewCache", () => {
  it("returns the same view for the same region, a new one otherwise, always the right bytes", () => {
    const c = new ViewCache();
    const a = new Uint8Array(32).map((_, i) => i);
    const v1 = c.get(a, 4, 10);
    expect(c.get(a, 4, 10)).toBe(v1);
    expect([...v1]).toEqual([4, 5, 6, 7, 8, 9]);
    const v2 = c.get(a, 4, 11);
    expect(v2).not.toBe(v1);
    expect(v2.length).toBe(7);
    const b = new Uint8Array(32);
    const v3 = c.get(b, 4, 11);
    expect(v3.buffer).toBe(b.buffer);
    v3[0] = 99;
    expect(b[4]).toBe(99); // a live view, not a copy
  });
});
