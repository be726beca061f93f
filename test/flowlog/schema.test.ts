import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FLOW_ENCRYPTION_VALUES } from "../../src/policy/values.js";
import { FlowTupleError, TUPLE_FIELDS, formatTuple, normalizeMac, parseTuple, type FlowTuple } from "../../src/flowlog/schema.js";

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
const counter = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const tupleArb: fc.Arbitrary<FlowTuple> = fc.record({
  timestampMs: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  srcIp: fc.oneof(ipv4, fc.ipV6()),
  dstIp: fc.oneof(ipv4, fc.ipV6()),
  srcPort: fc.nat(65_535),
  dstPort: fc.nat(65_535),
  protocol: fc.nat(255),
  direction: fc.constantFrom("I" as const, "O" as const),
  state: fc.constantFrom("B" as const, "C" as const, "E" as const, "D" as const),
  encryption: fc.constantFrom(...FLOW_ENCRYPTION_VALUES),
  packetsSrcToDst: counter,
  bytesSrcToDst: counter,
  packetsDstToSrc: counter,
  bytesDstToSrc: counter,
});

describe("flow tuple codec (VNet flow logs v4, 13 fields)", () => {
  it("formats a known tuple exactly", () => {
    const t: FlowTuple = {
      timestampMs: 1_700_000_000_123,
      srcIp: "10.0.0.4",
      dstIp: "10.0.1.5",
      srcPort: 50_000,
      dstPort: 443,
      protocol: 6,
      direction: "O",
      state: "C",
      encryption: "X",
      packetsSrcToDst: 3,
      bytesSrcToDst: 180,
      packetsDstToSrc: 2,
      bytesDstToSrc: 1500,
    };
    expect(formatTuple(t)).toBe("1700000000123,10.0.0.4,10.0.1.5,50000,443,6,O,C,X,3,180,2,1500");
    expect(formatTuple(t).split(",")).toHaveLength(TUPLE_FIELDS);
  });

  it("round-trips every valid tuple (property)", () => {
    fc.assert(
      fc.property(tupleArb, (t) => {
        const s = formatTuple(t);
        expect(parseTuple(s)).toEqual(t);
        expect(formatTuple(parseTuple(s))).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  const good = "1700000000123,10.0.0.4,10.0.1.5,50000,443,6,O,C,X,3,180,2,1500";
  const withField = (i: number, v: string): string => {
    const f = good.split(",");
    f[i] = v;
    return f.join(",");
  };

  it.each([
    [0, "17e3", "timestampMs"],
    [0, "-1", "timestampMs"],
    [1, "10.0.0.256", "srcIp"],
    [2, "host", "dstIp"],
    [3, "65536", "srcPort"],
    [4, "04", "dstPort"],
    [5, "256", "protocol"],
    [5, "T", "protocol"],
    [6, "X", "direction"],
    [7, "A", "state"],
    [8, "NX_MAYBE", "encryption"],
    [9, "1.5", "packetsSrcToDst"],
    [10, "", "bytesSrcToDst"],
    [11, " 1", "packetsDstToSrc"],
    [12, "9007199254740993", "bytesDstToSrc"],
  ])("field %i = %j is rejected naming %s and the value", (i, v, name) => {
    const s = withField(i, v);
    let caught: unknown;
    try {
      parseTuple(s);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FlowTupleError);
    const e = caught as FlowTupleError;
    expect(e.field).toBe(name);
    expect(e.value).toBe(v);
    expect(e.message).toContain(`"${name}"`);
    expect(e.message).toContain(JSON.stringify(v));
  });

  it("rejects a wrong field count, naming the count", () => {
    expect(() => parseTuple("1,10.0.0.4,10.0.0.5,1,2,6,O,C,X,0,0,0")).toThrow(/12 fields/);
    expect(() => parseTuple(`${good},0`)).toThrow(/14 fields/);
    expect(() => parseTuple("x".repeat(600))).toThrow(/at most 512 characters/);
  });

  it("formatTuple refuses values the string could not carry", () => {
    const t = parseTuple(good);
    expect(() => formatTuple({ ...t, srcPort: 70_000 })).toThrow(/"srcPort"/);
    expect(() => formatTuple({ ...t, srcIp: "10.0.0.4,1" })).toThrow(/"srcIp"/);
    expect(() => formatTuple({ ...t, bytesSrcToDst: -1 })).toThrow(/"bytesSrcToDst"/);
    expect(() => formatTuple({ ...t, encryption: "Y" as never })).toThrow(/"encryption"/);
  });

  it("normalizes MAC notations", () => {
    expect(normalizeMac("00-0d-3a-12-34-56")).toBe("000D3A123456");
    expect(normalizeMac("00:0D:3A:12:34:56")).toBe("000D3A123456");
    expect(normalizeMac("000d3a12345")).toBeNull();
    expect(normalizeMac("vm-a")).toBeNull();
  });
});
