import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findMarker, internetChecksum, minInnerPacketBytes, parseInnerPacket, writeInnerPacket, MARKER } from "../../src/dataplane/packet.js";
import { vxlanInnerOffset, writeVxlanEthernet, VXLAN_ENCAP_BYTES, vxlanSourcePort, EPHEMERAL_PORT_MIN } from "../../src/dataplane/encap.js";
import { formatIpv4 } from "../../src/topology/cidr.js";

describe("inner packets", () => {
  it("writes IPv4 (valid checksum, DF, TTL 64) + TCP + marker payload of exactly totalBytes", () => {
    const out = new Uint8Array(2000);
    const n = writeInnerPacket(out, 10, { srcIp: "10.0.1.4", dstIp: "10.0.1.5", protocol: "tcp", srcPort: 50000, dstPort: 443, flowId: 7, packetIndex: 3, totalBytes: 1000 });
    expect(n).toBe(1000);
    const b = out.subarray(10, 1010);
    expect(b[0]).toBe(0x45);
    expect((b[2]! << 8) | b[3]!).toBe(1000);
    expect(b[6]! & 0x40).toBe(0x40);
    expect(b[8]).toBe(64);
    expect(b[9]).toBe(6);
    expect(internetChecksum(b, 0, 20)).toBe(0);
    expect(Buffer.from(b.subarray(40, 48)).toString("latin1")).toBe(MARKER);
    expect(findMarker(b)).toBe(40);
    expect(parseInnerPacket(out, 10, 1000)).toEqual({ srcIp: 0x0a000104, dstIp: 0x0a000105, protocol: 6, srcPort: 50000, dstPort: 443, flowId: 7, packetIndex: 3, totalBytes: 1000 });
  });

  it("round-trips every protocol, address, port and id (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom("tcp" as const, "udp" as const, "icmp" as const), fc.nat(), fc.nat(), fc.nat(65535), fc.nat(65535), fc.nat(), fc.nat(), fc.nat(1500),
        (protocol, src, dst, sp, dp, flowId, idx, extra) => {
          const total = minInnerPacketBytes(protocol) + extra;
          const out = new Uint8Array(total);
          writeInnerPacket(out, 0, { srcIp: formatIpv4(src >>> 0), dstIp: formatIpv4(dst >>> 0), protocol, srcPort: sp, dstPort: dp, flowId, packetIndex: idx, totalBytes: total });
          const p = parseInnerPacket(out, 0, total)!;
          expect(p.flowId).toBe(flowId);
          expect(p.packetIndex).toBe(idx);
          expect(p.srcIp).toBe(src >>> 0);
          expect(p.totalBytes).toBe(total);
          if (protocol !== "icmp") expect([p.srcPort, p.dstPort]).toEqual([sp, dp]);
        }),
      { numRuns: 200 },
    );
  });

  it("parse refuses corrupted headers; write refuses sizes below the marker's minimum", () => {
    const out = new Uint8Array(100);
    writeInnerPacket(out, 0, { srcIp: "10.0.0.1", dstIp: "10.0.0.2", protocol: "udp", srcPort: 1, dstPort: 2, flowId: 1, packetIndex: 1, totalBytes: 100 });
    const bad = out.slice();
    bad[12] = 99;
    expect(parseInnerPacket(bad, 0, 100)).toBeNull();
    expect(parseInnerPacket(out, 0, 99)).toBeNull();
    expect(() => writeInnerPacket(out, 0, { srcIp: "10.0.0.1", dstIp: "10.0.0.2", protocol: "tcp", srcPort: 1, dstPort: 2, flowId: 1, packetIndex: 1, totalBytes: 50 })).toThrow(/totalBytes/);
    expect(() => writeInnerPacket(out, 0, { srcIp: "10.0.0", dstIp: "10.0.0.2", protocol: "udp", srcPort: 1, dstPort: 2, flowId: 1, packetIndex: 1, totalBytes: 60 })).toThrow(/srcIp/);
  });

  it("VXLAN (RFC 7348) with an inner Ethernet/IPv4 frame", () => {
    const buf = new Uint8Array(VXLAN_ENCAP_BYTES + 60);
    writeVxlanEthernet(buf, 0x123456, "001DD8B71C02", "001DD8B71C03");
    expect([...buf.subarray(0, 8)]).toEqual([0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0]);
    expect([...buf.subarray(8, 14)]).toEqual([0x00, 0x1d, 0xd8, 0xb7, 0x1c, 0x02]);
    expect(vxlanInnerOffset(buf)).toBe(VXLAN_ENCAP_BYTES);
    expect(vxlanSourcePort(0)).toBe(EPHEMERAL_PORT_MIN);
    expect(() => writeVxlanEthernet(buf, 1 << 24, "001DD8B71C02", "001DD8B71C03")).toThrow(/vni/);
  });
});
