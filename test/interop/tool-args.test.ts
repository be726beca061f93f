/** Flag validation of `vnetsim dtls serve|connect` (src/dtls/tools/args.ts). */
import { describe, expect, it } from "vitest";
import {
  DtlsToolUsageError,
  MTU_BYTES_MAX,
  PSK_BYTES_MAX,
  parseGroupList,
  parseIdentity,
  parseLoopbackAddress,
  parseMtuBytes,
  parsePskHex,
  parseSuiteList,
  parseTimeoutMs,
} from "../../src/dtls/tools/args.js";
import { MTU_BYTES_MIN } from "../../src/dtls/limits.js";

describe("dtls tool arguments", () => {
  it("accepts loopback addresses only, naming the bad address", () => {
    expect(parseLoopbackAddress("127.0.0.1:4444", "--listen")).toEqual({ host: "127.0.0.1", port: 4444 });
    expect(parseLoopbackAddress("127.1.2.3:1", "--listen")).toEqual({ host: "127.1.2.3", port: 1 });
    expect(parseLoopbackAddress("[::1]:5684", "--listen")).toEqual({ host: "::1", port: 5684 });
    expect(parseLoopbackAddress("localhost:5684", "--listen")).toEqual({ host: "127.0.0.1", port: 5684 });
    expect(parseLoopbackAddress("127.0.0.1:0", "--listen", true).port).toBe(0);
    for (const bad of ["0.0.0.0:4444", "10.0.0.4:4444", "[::]:4444", "example.com:4444", "128.0.0.1:1"]) {
      expect(() => parseLoopbackAddress(bad, "--listen")).toThrow(/--listen: address .* is not a loopback address/);
    }
    expect(() => parseLoopbackAddress("127.0.0.1", "--listen")).toThrow(/not HOST:PORT/);
    expect(() => parseLoopbackAddress("127.0.0.1:0", "--listen")).toThrow(/port "0" is invalid/);
    expect(() => parseLoopbackAddress("127.0.0.1:65536", "--listen")).toThrow(/port "65536" is invalid/);
    expect(() => parseLoopbackAddress("127.0.0.1:http", "--listen")).toThrow(DtlsToolUsageError);
  });

  it("parses hex keys and never echoes the key in errors", () => {
    expect(Buffer.from(parsePskHex("00ff10")).toString("hex")).toBe("00ff10");
    expect(Buffer.from(parsePskHex("0xABCD")).toString("hex")).toBe("abcd");
    const secretish = "deadbeefdeadbeeZ";
    try {
      parsePskHex(secretish);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/non-hex character at position 16/);
      expect((err as Error).message).not.toContain("deadbeef");
    }
    expect(() => parsePskHex("abc")).toThrow(/odd number of hex digits/);
    expect(() => parsePskHex("")).toThrow(/empty/);
    expect(() => parsePskHex("00".repeat(PSK_BYTES_MAX + 1))).toThrow(new RegExp(`at most ${PSK_BYTES_MAX} bytes`));
    expect(parsePskHex("00".repeat(PSK_BYTES_MAX)).length).toBe(PSK_BYTES_MAX);
  });

  it("accepts IANA and OpenSSL suite names and lists the valid ones on a typo", () => {
    expect(parseSuiteList("PSK-AES128-GCM-SHA256,TLS_PSK_WITH_AES_128_CCM_8")).toEqual([
      "TLS_PSK_WITH_AES_128_GCM_SHA256",
      "TLS_PSK_WITH_AES_128_CCM_8",
    ]);
    expect(parseSuiteList("ecdhe-psk-chacha20-poly1305")).toEqual(["TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"]);
    expect(() => parseSuiteList("PSK-AES128-CBC-SHA")).toThrow(
      /--suites: unknown cipher suite "PSK-AES128-CBC-SHA"; expected one of: .*TLS_PSK_WITH_AES_256_GCM_SHA384 \(PSK-AES256-GCM-SHA384\)/,
    );
  });

  it("parses groups, MTU, timeout and identity with bounds", () => {
    expect(parseGroupList("x25519,P-256")).toEqual(["x25519", "secp256r1"]);
    expect(() => parseGroupList("secp384r1")).toThrow(/unknown group "secp384r1"/);
    expect(parseMtuBytes(String(MTU_BYTES_MIN))).toBe(MTU_BYTES_MIN);
    expect(parseMtuBytes(String(MTU_BYTES_MAX))).toBe(MTU_BYTES_MAX);
    expect(() => parseMtuBytes(String(MTU_BYTES_MIN - 1))).toThrow(/--mtu/);
    expect(() => parseMtuBytes("1e3")).toThrow(/--mtu: "1e3" is invalid/);
    expect(parseTimeoutMs("10s")).toBe(10_000);
    expect(parseTimeoutMs("250ms")).toBe(250);
    expect(parseTimeoutMs("1500")).toBe(1500);
    expect(parseTimeoutMs("2m")).toBe(120_000);
    expect(() => parseTimeoutMs("0")).toThrow(/--timeout/);
    expect(() => parseTimeoutMs("soon")).toThrow(/--timeout: "soon" is invalid/);
    expect(parseIdentity("client-1")).toBe("client-1");
    expect(() => parseIdentity("")).toThrow(/empty/);
    expect(() => parseIdentity("x".repeat(257))).toThrow(/257 bytes/);
  });
});
