import { describe, expect, it } from "vitest";
import { DEFAULT_SUITES, SUITES, suiteById, suiteByName } from "../../../src/dtls/suites/registry.js";
import type { CipherSuiteName } from "../../../src/dtls/api.js";

describe("suite registry", () => {
  it("has the IANA ids from RFC 5487, RFC 6655 and RFC 7905", () => {
    expect(suiteByName("TLS_PSK_WITH_AES_128_GCM_SHA256").id).toBe(0x00a8);
    expect(suiteByName("TLS_PSK_WITH_AES_256_GCM_SHA384").id).toBe(0x00a9);
    expect(suiteByName("TLS_PSK_WITH_AES_128_CCM_8").id).toBe(0xc0a8);
    expect(suiteByName("TLS_PSK_WITH_CHACHA20_POLY1305_SHA256").id).toBe(0xccab);
    expect(suiteByName("TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256").id).toBe(0xccac);
  });
  it("looks up by id and by name consistently; unknown id is undefined, unknown name throws", () => {
    for (const s of SUITES) {
      expect(suiteById(s.id)).toBe(s);
      expect(suiteByName(s.name)).toBe(s);
    }
    expect(suiteById(0x1301)).toBeUndefined();
    expect(() => suiteByName("TLS_NULL" as CipherSuiteName)).toThrow(/"TLS_NULL" is unknown/);
  });
  it("nonce layout follows the AEAD: 4+8 for GCM/CCM, 12+0 for ChaCha20", () => {
    for (const s of SUITES) {
      expect(s.fixedIvBytes + s.recordIvBytes).toBe(12);
      expect(s.tagBytes).toBe(s.aead === "aes-128-ccm-8" ? 8 : 16);
      expect(s.encKeyBytes).toBe(s.aead.startsWith("aes-128") ? 16 : 32);
    }
  });
  it("default order lists every suite once", () => {
    expect(new Set(DEFAULT_SUITES).size).toBe(SUITES.length);
    for (const n of DEFAULT_SUITES) expect(() => suiteByName(n)).not.toThrow();
  });
  it("is frozen", () => {
    expect(Object.isFrozen(SUITES)).toBe(true);
    expect(Object.isFrozen(SUITES[0])).toBe(true);
  });
});
