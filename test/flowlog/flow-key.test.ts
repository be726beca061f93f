/** FlowKeyMaker: keys are equal exactly when the flows' fields are; null for fields the table refuses; its IP cache is bounded. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FLOW_KEY_COMPACT_UNITS, FLOW_KEY_IP_CACHE_MAX, FlowKeyMaker } from "../../src/flowlog/flow-key.js";

const fieldsArb = fc.record({
  mac: fc.constantFrom("000D3A000001", "000D3A000002", "FFFFFFFFFFFF", "000000000000", "000D3A010001"),
  direction: fc.constantFrom("I" as const, "O" as const),
  srcIp: fc.constantFrom("10.0.0.4", "10.0.4.0", "0.0.0.0", "255.255.255.255", "fe80::4", "::ffff:10.0.0.4"),
  dstIp: fc.constantFrom("10.0.0.4", "10.0.1.4", "fd00::1", "1.0.0.10"),
  srcPort: fc.constantFrom(0, 1, 443, 65_535, 256),
  dstPort: fc.constantFrom(0, 1, 443, 65_535, 256),
  protocol: fc.constantFrom(0, 1, 6, 17, 255, 128),
});
type Fields = typeof fieldsArb extends fc.Arbitrary<infer T> ? T : never;
const keyOf = (k: FlowKeyMaker, f: Fields): string | null => k.key(f.mac, f.direction, f.srcIp, f.dstIp, f.srcPort, f.dstPort, f.protocol);

describe("FlowKeyMaker", () => {
  it("two flows get the same key exactly when all seven fields are equal", () => {
    const k = new FlowKeyMaker();
    fc.assert(
      fc.property(fieldsArb, fieldsArb, (a, b) => {
        const ka = keyOf(k, a);
        const kb = keyOf(k, b);
        expect(ka).not.toBeNull();
        expect(ka === kb).toBe(JSON.stringify(a) === JSON.stringify(b));
        const ipv4 = !a.srcIp.includes(":") && !a.dstIp.includes(":");
        expect(ka!.length === FLOW_KEY_COMPACT_UNITS).toBe(ipv4);
      }),
      { numRuns: 2000 },
    );
  });

  it("null for what the table refuses: lower-case or short MAC, ports or protocol out of range, another direction", () => {
    const k = new FlowKeyMaker();
    expect(k.key("000d3a000001", "O", "10.0.0.4", "10.0.0.5", 1, 2, 6)).toBeNull();
    expect(k.key("000D3A00001", "O", "10.0.0.4", "10.0.0.5", 1, 2, 6)).toBeNull();
    expect(k.key("000D3A00000G", "O", "10.0.0.4", "10.0.0.5", 1, 2, 6)).toBeNull();
    expect(k.key("000D3A000001", "O", "10.0.0.4", "10.0.0.5", 65_536, 2, 6)).toBeNull();
    expect(k.key("000D3A000001", "O", "10.0.0.4", "10.0.0.5", 1, 1.5, 6)).toBeNull();
    expect(k.key("000D3A000001", "O", "10.0.0.4", "10.0.0.5", 1, 2, 256)).toBeNull();
    expect(k.key("000D3A000001", "X" as "O", "10.0.0.4", "10.0.0.5", 1, 2, 6)).toBeNull();
    // Leading zeros are not the same address text: not compact, and not 10.0.0.4's key.
    expect(k.key("000D3A000001", "O", "010.0.0.4", "10.0.0.5", 1, 2, 6)).not.toBe(k.key("000D3A000001", "O", "10.0.0.4", "10.0.0.5", 1, 2, 6));
  });

  it(`the address cache stays within FLOW_KEY_IP_CACHE_MAX (${FLOW_KEY_IP_CACHE_MAX}) and keys stay right after it is cleared`, () => {
    const k = new FlowKeyMaker();
    const first = k.key("000D3A000001", "O", "10.0.0.4", "10.0.0.5", 1, 2, 6);
    for (let i = 0; i < FLOW_KEY_IP_CACHE_MAX + 10; i++) {
      k.key("000D3A000001", "O", `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`, "10.0.0.5", 1, 2, 6);
      if (i % 4096 === 0) expect(k.cachedIps).toBeLessThanOrEqual(FLOW_KEY_IP_CACHE_MAX);
    }
    expect(k.cachedIps).toBeLessThanOrEqual(FLOW_KEY_IP_CACHE_MAX);
    expect(k.key("000D3A000001", "O", "10.0.0.4", "10.0.0.5", 1, 2, 6)).toBe(first);
  });
});
