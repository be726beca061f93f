import { describe, expect, it } from "vitest";
import {
  extendedMasterSecret,
  keyBlock,
  masterSecret,
  pskPremaster,
  timingSafeEqualBytes,
  transcriptHashName,
  verifyData,
} from "../../../src/dtls/crypto/keys.js";
import { prf } from "../../../src/dtls/crypto/prf.js";
import { SUITES, suiteByName } from "../../../src/dtls/suites/registry.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const cr = Uint8Array.from({ length: 32 }, (_, i) => i);
const sr = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);

describe("pskPremaster (RFC 4279 §2, RFC 5489 §2)", () => {
  it("plain PSK: uint16 N || N zero bytes || uint16 N || psk", () => {
    expect(hex(pskPremaster(unhex("a1b2c3")))).toBe("0003" + "000000" + "0003" + "a1b2c3");
  });
  it("ECDHE_PSK: the ECDH secret takes the place of the zeros", () => {
    expect(hex(pskPremaster(unhex("a1b2"), unhex("0102030405")))).toBe("0005" + "0102030405" + "0002" + "a1b2");
  });
  it("rejects an empty or oversized PSK", () => {
    expect(() => pskPremaster(new Uint8Array(0))).toThrow(/"psk"/);
    expect(() => pskPremaster(new Uint8Array(0x10000))).toThrow(/"psk".*65536/);
    expect(() => pskPremaster(new Uint8Array(1), new Uint8Array(0x10000))).toThrow(/"otherSecret"/);
  });
});

describe("master secret, key block, verify_data", () => {
  const pre = pskPremaster(unhex("00112233445566778899aabbccddeeff"));

  it("master secret = PRF(pre, 'master secret', client_random + server_random) with the suite hash", () => {
    for (const suite of SUITES) {
      const ms = masterSecret(suite, pre, cr, sr);
      expect(ms.length).toBe(48);
      expect(hex(ms)).toBe(hex(prf(suite.prfHash, pre, "master secret", Uint8Array.from([...cr, ...sr]), 48)));
    }
    const a = masterSecret(suiteByName("TLS_PSK_WITH_AES_128_GCM_SHA256"), pre, cr, sr);
    const b = masterSecret(suiteByName("TLS_PSK_WITH_AES_256_GCM_SHA384"), pre, cr, sr);
    expect(hex(a)).not.toBe(hex(b));
  });

  it("extended master secret uses the session hash instead of the randoms (RFC 7627 §4)", () => {
    const suite = suiteByName("TLS_PSK_WITH_AES_256_GCM_SHA384");
    const h = new Uint8Array(48).fill(7);
    expect(hex(extendedMasterSecret(suite, pre, h))).toBe(hex(prf("sha384", pre, "extended master secret", h, 48)));
    expect(() => extendedMasterSecret(suite, pre, new Uint8Array(32))).toThrow(/"sessionHash" expected 48 bytes, got 32/);
  });

  it("key block is cut in RFC 5246 §6.3 order: keys then IVs, server_random first in the seed", () => {
    for (const suite of SUITES) {
      const ms = masterSecret(suite, pre, cr, sr);
      const kb = keyBlock(suite, ms, cr, sr);
      const k = suite.encKeyBytes;
      const iv = suite.fixedIvBytes;
      const raw = prf(suite.prfHash, ms, "key expansion", Uint8Array.from([...sr, ...cr]), 2 * k + 2 * iv);
      expect(hex(kb.clientWriteKey)).toBe(hex(raw.subarray(0, k)));
      expect(hex(kb.serverWriteKey)).toBe(hex(raw.subarray(k, 2 * k)));
      expect(hex(kb.clientWriteIv)).toBe(hex(raw.subarray(2 * k, 2 * k + iv)));
      expect(hex(kb.serverWriteIv)).toBe(hex(raw.subarray(2 * k + iv)));
      expect(kb.clientWriteIv.length).toBe(suite.aead === "chacha20-poly1305" ? 12 : 4);
    }
  });

  it("verify_data is 12 bytes and differs by label", () => {
    const suite = suiteByName("TLS_PSK_WITH_CHACHA20_POLY1305_SHA256");
    const ms = masterSecret(suite, pre, cr, sr);
    const h = new Uint8Array(32).fill(1);
    const c = verifyData(suite, ms, "client finished", h);
    const s = verifyData(suite, ms, "server finished", h);
    expect(c.length).toBe(12);
    expect(hex(c)).toBe(hex(prf("sha256", ms, "client finished", h, 12)));
    expect(hex(c)).not.toBe(hex(s));
    expect(() => verifyData(suite, ms, "x finished" as "client finished", h)).toThrow(/"label"/);
    expect(() => verifyData(suite, ms.subarray(1), "client finished", h)).toThrow(/"master" expected 48 bytes, got 47/);
  });

  it("rejects randoms of the wrong size", () => {
    const suite = SUITES[0]!;
    expect(() => masterSecret(suite, pre, cr.subarray(1), sr)).toThrow(/"clientRandom" expected 32 bytes, got 31/);
    expect(() => keyBlock(suite, new Uint8Array(48), cr, new Uint8Array(33))).toThrow(/"serverRandom"/);
  });

  it("transcript hash follows the PRF hash", () => {
    expect(transcriptHashName(suiteByName("TLS_PSK_WITH_AES_256_GCM_SHA384"))).toBe("sha384");
    expect(transcriptHashName(suiteByName("TLS_PSK_WITH_AES_128_CCM_8"))).toBe("sha256");
  });
});

describe("timingSafeEqualBytes", () => {
  it("compares contents, false on different lengths without throwing", () => {
    expect(timingSafeEqualBytes(unhex("0102"), unhex("0102"))).toBe(true);
    expect(timingSafeEqualBytes(unhex("0102"), unhex("0103"))).toBe(false);
    expect(timingSafeEqualBytes(unhex("0102"), unhex("010203"))).toBe(false);
    expect(timingSafeEqualBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    const big = new Uint8Array(64);
    expect(timingSafeEqualBytes(big.subarray(10, 20), new Uint8Array(10))).toBe(true);
  });
});
