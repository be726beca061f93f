import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  cidrContains, cidrOverlaps, cidrWithin, formatIpv4, hostIndex, isCanonicalCidr, isPrivateIpv4, nthHost,
  parseCidr, parseIpv4, prefixMask,
} from "../../src/topology/cidr.js";

describe("parseIpv4 / formatIpv4", () => {
  it("parses dotted quads to uint32", () => {
    expect(parseIpv4("0.0.0.0")).toBe(0);
    expect(parseIpv4("10.0.1.4")).toBe(0x0a000104);
    expect(parseIpv4("255.255.255.255")).toBe(0xffffffff);
    expect(parseIpv4("192.168.0.1")).toBe(0xc0a80001);
  });
  it.each(["", "10.0.1", "10.0.1.4.5", "10.0.300.0", "10.0.-1.0", "10.0.01.0", "a.b.c.d", "10.0.1.4 ", " 10.0.1.4", "10..1.4", "1e1.0.0.0"])(
    "rejects %j", (s) => {
      expect(parseIpv4(s)).toBeNull();
    });
  it("formats and rejects out-of-range values", () => {
    expect(formatIpv4(0x0a000104)).toBe("10.0.1.4");
    expect(formatIpv4(0xffffffff)).toBe("255.255.255.255");
    expect(() => formatIpv4(-1)).toThrow(/"n" expected an integer in \[0, 2\^32-1\], got -1/);
    expect(() => formatIpv4(2 ** 32)).toThrow(/got 4294967296/);
    expect(() => formatIpv4(1.5)).toThrow(/got 1.5/);
  });
  it("round-trips every uint32 (property)", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => parseIpv4(formatIpv4(n)) === n), { numRuns: 500 });
  });
});

describe("parseCidr", () => {
  it("parses prefixes, keeping host bits", () => {
    expect(parseCidr("10.0.0.0/16")).toEqual({ base: 0x0a000000, bits: 16 });
    expect(parseCidr("10.0.1.5/24")).toEqual({ base: 0x0a000105, bits: 24 });
    expect(parseCidr("0.0.0.0/0")).toEqual({ base: 0, bits: 0 });
    expect(parseCidr("1.2.3.4/32")).toEqual({ base: 0x01020304, bits: 32 });
  });
  it.each(["10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/08", "10.0.300.0/24", "/24", "10.0.0.0/16/2"])(
    "rejects %j", (s) => {
      expect(parseCidr(s)).toBeNull();
    });
  it("isCanonicalCidr tells whether host bits are clear", () => {
    expect(isCanonicalCidr("10.0.1.0/24")).toBe(true);
    expect(isCanonicalCidr("10.0.1.5/24")).toBe(false);
    expect(isCanonicalCidr("10.0.1.5/32")).toBe(true);
    expect(isCanonicalCidr("garbage")).toBe(false);
  });
  it("prefixMask", () => {
    expect(prefixMask(0)).toBe(0);
    expect(prefixMask(8)).toBe(0xff000000);
    expect(prefixMask(32)).toBe(0xffffffff);
    expect(() => prefixMask(33)).toThrow(/"bits" expected an integer in \[0, 32\], got 33/);
  });
});

describe("containment and overlap", () => {
  it("cidrContains", () => {
    expect(cidrContains("10.0.1.0/24", "10.0.1.4")).toBe(true);
    expect(cidrContains("10.0.1.0/24", "10.0.2.4")).toBe(false);
    expect(cidrContains("10.0.1.5/24", "10.0.1.200")).toBe(true);
    expect(cidrContains("0.0.0.0/0", "8.8.8.8")).toBe(true);
    expect(cidrContains("10.0.1.4/32", "10.0.1.4")).toBe(true);
    expect(cidrContains("10.0.1.4/32", "10.0.1.5")).toBe(false);
    expect(() => cidrContains("10.0.1.0", "10.0.1.4")).toThrow('cidrContains: "cidr" expected an IPv4 CIDR like "10.0.0.0/16", got "10.0.1.0"');
    expect(() => cidrContains("10.0.1.0/24", "x")).toThrow('"ip" expected an IPv4 address');
  });
  it("cidrWithin", () => {
    expect(cidrWithin("10.0.1.0/24", "10.0.0.0/16")).toBe(true);
    expect(cidrWithin("10.0.0.0/16", "10.0.0.0/16")).toBe(true);
    expect(cidrWithin("10.0.0.0/15", "10.0.0.0/16")).toBe(false);
    expect(cidrWithin("10.1.1.0/24", "10.0.0.0/16")).toBe(false);
  });
  it("cidrOverlaps", () => {
    expect(cidrOverlaps("10.0.0.0/16", "10.0.5.0/24")).toBe(true);
    expect(cidrOverlaps("10.0.5.0/24", "10.0.0.0/16")).toBe(true);
    expect(cidrOverlaps("10.0.1.0/24", "10.0.2.0/24")).toBe(false);
    expect(cidrOverlaps("10.0.1.0/25", "10.0.1.128/25")).toBe(false);
    expect(cidrOverlaps("10.0.1.0/24", "10.0.1.128/25")).toBe(true);
  });
  it("overlap is symmetric and agrees with containment of the network addresses (property)", () => {
    const arbCidr = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
      .map(([n, b]) => `${formatIpv4(n)}/${b}`);
    fc.assert(fc.property(arbCidr, arbCidr, (a, b) => {
      const o = cidrOverlaps(a, b);
      expect(cidrOverlaps(b, a)).toBe(o);
      const pa = parseCidr(a)!;
      const pb = parseCidr(b)!;
      const na = formatIpv4((pa.base & prefixMask(pa.bits)) >>> 0);
      const nb = formatIpv4((pb.base & prefixMask(pb.bits)) >>> 0);
      expect(o).toBe(cidrContains(a, nb) || cidrContains(b, na));
    }), { numRuns: 500 });
  });
});

describe("isPrivateIpv4", () => {
  it.each([["10.1.2.3", true], ["172.16.0.1", true], ["172.31.255.255", true], ["172.32.0.1", false], ["192.168.1.1", true],
    ["192.169.0.1", false], ["100.64.0.1", false], ["8.8.8.8", false], ["20.50.0.1", false]] as const)("%s -> %s", (ip, want) => {
    expect(isPrivateIpv4(ip)).toBe(want);
  });
  it("throws on a malformed address", () => {
    expect(() => isPrivateIpv4("10.0.0")).toThrow('isPrivateIpv4: "ip" expected an IPv4 address like "10.0.0.4", got "10.0.0"');
  });
});

describe("nthHost / hostIndex", () => {
  it("nthHost", () => {
    expect(nthHost("10.0.1.0/24", 4)).toBe("10.0.1.4");
    expect(nthHost("10.0.1.77/24", 0)).toBe("10.0.1.0");
    expect(nthHost("10.0.0.0/16", 256)).toBe("10.0.1.0");
    expect(nthHost("10.0.1.0/24", 255)).toBe("10.0.1.255");
    expect(() => nthHost("10.0.1.0/24", 256)).toThrow('nthHost: "n" expected an integer in [0, 255] for 10.0.1.0/24, got 256');
    expect(() => nthHost("10.0.1.0/24", -1)).toThrow(/got -1/);
  });
  it("hostIndex is the inverse", () => {
    expect(hostIndex("10.0.0.0/16", "10.0.1.0")).toBe(256);
    expect(hostIndex("10.0.0.0/16", "10.1.0.0")).toBeNull();
  });
});
