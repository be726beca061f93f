import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  encodeUdpFrame,
  ipv4HeaderChecksum,
  macFromIpv4,
  PCAP_ADDRESS_CACHE_MAX,
  pcapAddressCacheSize,
  PCAP_FILE_HEADER_BYTES,
  PCAP_RECORD_HEADER_BYTES,
  PCAP_SNAPLEN_BYTES,
  pcapFileHeader,
  pcapTimestamp,
  pcapWireTap,
  PcapWriter,
  udpFrameBytes,
  UDP_PAYLOAD_BYTES_MAX,
} from "../../src/report/pcap.js";
import { TSHARK_MISSING, tshark } from "./tshark.js";

const dir = mkdtempSync(join(tmpdir(), "vnetsim-pcap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const EPOCH_MS = Date.UTC(2026, 0, 1); // 2026-01-01T00:00:00Z = 1767225600 s

describe("frame encoding", () => {
  it("writes a known frame byte for byte (checksums computed by hand, RFC 1071)", () => {
    const out = new Uint8Array(64);
    const n = encodeUdpFrame(out, 3, {
      srcIp: "10.0.0.1",
      srcPort: 4433,
      dstIp: "10.0.0.2",
      dstPort: 4433,
      payload: Uint8Array.of(0x68, 0x69),
      ipId: 0,
    });
    expect(n).toBe(14 + 20 + 8 + 2);
    expect(hex(out.subarray(3, 3 + n))).toBe(
      [
        "02000a000002", // dst MAC from 10.0.0.2
        "02000a000001", // src MAC from 10.0.0.1
        "0800",
        // IPv4: 45 00 len=30 id=0 DF ttl=64 udp checksum=0x26cd src dst
        "4500001e000040004011" + "26cd" + "0a000001" + "0a000002",
        // UDP: 4433 4433 len=10 checksum=0x60cc "hi"
        "115111510" + "00a" + "60cc" + "6869",
      ].join(""),
    );
  });

  it("the IPv4 checksum verifies (sum over the header with its checksum is 0xffff) for any addresses and sizes", () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 0xffff }), (a, b, size, id) => {
        const out = new Uint8Array(udpFrameBytes(size));
        encodeUdpFrame(out, 0, { srcIp: a, srcPort: 1, dstIp: b, dstPort: 2, payload: new Uint8Array(size).fill(7), ipId: id });
        // Recomputing over the header including its checksum field gives ~0xffff = 0.
        expect(ipv4HeaderChecksum(out, 14)).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it("parsed addresses are cached up to PCAP_ADDRESS_CACHE_MAX, and frames stay right past it", () => {
    const out = new Uint8Array(udpFrameBytes(0));
    for (let i = 0; i < PCAP_ADDRESS_CACHE_MAX + 10; i += 1) {
      const src = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      encodeUdpFrame(out, 0, { srcIp: src, srcPort: 1, dstIp: "10.255.255.255", dstPort: 2, payload: new Uint8Array(0), ipId: 0 });
      expect(pcapAddressCacheSize()).toBeLessThanOrEqual(PCAP_ADDRESS_CACHE_MAX);
      expect([...out.subarray(14 + 12, 14 + 16)].join(".")).toBe(src);
      expect(hex(out.subarray(6, 12))).toBe(`0200${hex(out.subarray(14 + 12, 14 + 16))}`);
    }
    // A caller that changes the MAC it got cannot change later frames.
    macFromIpv4("10.0.0.9").fill(0);
    expect(hex(macFromIpv4("10.0.0.9"))).toBe("02000a000009");
  });

  it("MACs are locally administered unicast and derived from the address", () => {
    expect(hex(macFromIpv4("192.168.1.254"))).toBe("0200c0a801fe");
    expect((macFromIpv4("1.2.3.4")[0] ?? 0) & 0x03).toBe(0x02);
  });

  it("rejects bad input with a message naming the field", () => {
    const out = new Uint8Array(100);
    const base = { srcIp: "10.0.0.1", srcPort: 1, dstIp: "10.0.0.2", dstPort: 2, payload: new Uint8Array(1), ipId: 0 };
    expect(() => encodeUdpFrame(out, 0, { ...base, srcIp: "fe80::1" })).toThrow(/"srcIp" expected an IPv4 address, got "fe80::1"/);
    expect(() => encodeUdpFrame(out, 0, { ...base, dstPort: 70000 })).toThrow(/"dstPort" expected a port from 0 to 65535, got 70000/);
    expect(() => encodeUdpFrame(out, 0, { ...base, payload: new Uint8Array(UDP_PAYLOAD_BYTES_MAX + 1) })).toThrow(/UDP_PAYLOAD_BYTES_MAX/);
    expect(() => encodeUdpFrame(out, 90, base)).toThrow(/does not fit/);
  });
});

describe("file format", () => {
  it("file header: magic a1b2c3d4 (little-endian), v2.4, zone 0, sigfigs 0, snaplen 65535, LINKTYPE_ETHERNET", () => {
    expect(hex(pcapFileHeader())).toBe("d4c3b2a1" + "0200" + "0400" + "00000000" + "00000000" + "ffff0000" + "01000000");
  });

  it("timestamps are the epoch plus virtual ms, split into seconds and microseconds", () => {
    expect(pcapTimestamp(EPOCH_MS, 0)).toEqual({ sec: 1_767_225_600, usec: 0 });
    expect(pcapTimestamp(EPOCH_MS, 61_234.5678)).toEqual({ sec: 1_767_225_661, usec: 234_568 });
    expect(pcapTimestamp(EPOCH_MS, 999.9999)).toEqual({ sec: 1_767_225_601, usec: 0 });
    expect(() => pcapTimestamp(EPOCH_MS, Number.NaN)).toThrow(/"tMs" expected a finite number/);
    expect(() => pcapTimestamp(Date.UTC(2107, 0, 1), 0)).toThrow(/32-bit seconds/);
  });

  it("a written file is the header then one record per frame, renamed into place only at close", () => {
    const path = join(dir, "two.pcap");
    const writer = new PcapWriter(path, { epochMs: EPOCH_MS });
    const tap = pcapWireTap(writer);
    tap(1.5, "10.0.0.1", 4433, "10.0.0.2", 4433, Uint8Array.of(1, 2, 3));
    tap(2, "10.0.0.2", 4433, "10.0.0.1", 4433, new Uint8Array(100));
    expect(existsSync(path)).toBe(false);
    const stats = writer.close();
    const bytes = readFileSync(path);
    expect(stats).toEqual({ frames: 2, framesDropped: 0, fileBytes: bytes.length });
    expect(bytes.length).toBe(PCAP_FILE_HEADER_BYTES + 2 * PCAP_RECORD_HEADER_BYTES + udpFrameBytes(3) + udpFrameBytes(100));
    const rec = new DataView(bytes.buffer, bytes.byteOffset + PCAP_FILE_HEADER_BYTES);
    expect(rec.getUint32(0, true)).toBe(1_767_225_600);
    expect(rec.getUint32(4, true)).toBe(1500);
    expect(rec.getUint32(8, true)).toBe(udpFrameBytes(3));
    expect(rec.getUint32(12, true)).toBe(udpFrameBytes(3));
    // The IPv4 Identification counts frames (deterministic).
    const second = PCAP_FILE_HEADER_BYTES + PCAP_RECORD_HEADER_BYTES + udpFrameBytes(3) + PCAP_RECORD_HEADER_BYTES;
    expect(bytes.readUInt16BE(second + 14 + 4)).toBe(1);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(() => writer.writeUdp(0, "10.0.0.1", 1, "10.0.0.2", 2, new Uint8Array(1))).toThrow(/after the capture .* was closed/);
  });

  it("streams through a bounded buffer: many frames with the smallest buffer give the same bytes as one big buffer", () => {
    const frames = 3000;
    const write = (name: string, bufferBytes: number | undefined): Buffer => {
      const w = new PcapWriter(join(dir, name), { epochMs: EPOCH_MS, ...(bufferBytes !== undefined ? { bufferBytes } : {}) });
      for (let i = 0; i < frames; i += 1) w.writeUdp(i * 0.25, "10.1.0.1", 4433, "10.1.0.2", 4789, new Uint8Array(50 + (i % 1400)).fill(i & 0xff));
      w.close();
      return readFileSync(join(dir, name));
    };
    const small = write("small.pcap", PCAP_RECORD_HEADER_BYTES + PCAP_SNAPLEN_BYTES);
    const big = write("big.pcap", undefined);
    expect(small.length).toBeGreaterThan(2 * (PCAP_RECORD_HEADER_BYTES + PCAP_SNAPLEN_BYTES));
    expect(small.equals(big)).toBe(true);
  });

  it("a frame longer than the snap length is truncated (incl_len 65535, orig_len the frame)", () => {
    const path = join(dir, "jumbo.pcap");
    const w = new PcapWriter(path, { epochMs: EPOCH_MS });
    w.writeUdp(0, "10.0.0.1", 1, "10.0.0.2", 2, new Uint8Array(UDP_PAYLOAD_BYTES_MAX).fill(0xaa));
    w.close();
    const bytes = readFileSync(path);
    const rec = new DataView(bytes.buffer, bytes.byteOffset + PCAP_FILE_HEADER_BYTES);
    expect(rec.getUint32(8, true)).toBe(PCAP_SNAPLEN_BYTES);
    expect(rec.getUint32(12, true)).toBe(udpFrameBytes(UDP_PAYLOAD_BYTES_MAX));
    expect(bytes.length).toBe(PCAP_FILE_HEADER_BYTES + PCAP_RECORD_HEADER_BYTES + PCAP_SNAPLEN_BYTES);
  });

  it("fileBytesMax bounds the file; frames past it are counted as dropped", () => {
    const path = join(dir, "limited.pcap");
    const record = PCAP_RECORD_HEADER_BYTES + udpFrameBytes(10);
    const w = new PcapWriter(path, { epochMs: EPOCH_MS, fileBytesMax: PCAP_FILE_HEADER_BYTES + 3 * record + 5 });
    for (let i = 0; i < 10; i += 1) w.writeUdp(i, "10.0.0.1", 1, "10.0.0.2", 2, new Uint8Array(10));
    expect(w.close()).toEqual({ frames: 3, framesDropped: 7, fileBytes: PCAP_FILE_HEADER_BYTES + 3 * record });
    expect(readFileSync(path).length).toBe(PCAP_FILE_HEADER_BYTES + 3 * record);
  });

  it("abort leaves no file behind and does not touch an existing capture", () => {
    const path = join(dir, "aborted.pcap");
    const first = new PcapWriter(path, { epochMs: EPOCH_MS });
    first.writeUdp(0, "10.0.0.1", 1, "10.0.0.2", 2, new Uint8Array(10));
    first.close();
    const before = readFileSync(path);
    const w = new PcapWriter(path, { epochMs: EPOCH_MS, bufferBytes: PCAP_RECORD_HEADER_BYTES + PCAP_SNAPLEN_BYTES });
    for (let i = 0; i < 5000; i += 1) w.writeUdp(i, "10.0.0.1", 1, "10.0.0.2", 2, new Uint8Array(100));
    w.abort();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes("aborted") && f.endsWith(".tmp"))).toEqual([]);
    expect(() => w.close()).toThrow(/already aborted/);
  });

  it("rejects bad options naming the option", () => {
    expect(() => new PcapWriter(join(dir, "x.pcap"), { epochMs: EPOCH_MS, bufferBytes: 100 })).toThrow(/"bufferBytes" expected an integer of at least/);
    expect(() => new PcapWriter(join(dir, "x.pcap"), { epochMs: Number.NaN })).toThrow(/"epochMs" expected a finite number/);
    expect(() => new PcapWriter(join(dir, "no-such-dir", "x.pcap"), { epochMs: EPOCH_MS })).toThrow(/ENOENT/);
  });
});

describe.skipIf(TSHARK_MISSING !== null)("tshark reads our captures", () => {
  it("shows every frame as Ethernet/IPv4/UDP with the right addresses, times and valid checksums", () => {
    const path = join(dir, "tshark.pcap");
    const w = new PcapWriter(path, { epochMs: EPOCH_MS });
    for (let i = 0; i < 7; i += 1) w.writeUdp(i * 1000.5, "10.9.0.1", 40000 + i, "10.9.0.2", 5000, new Uint8Array(i * 33 + 1).fill(i));
    w.close();
    const fields = tshark(path, [
      "-o", "ip.check_checksum:TRUE",
      "-o", "udp.check_checksum:TRUE",
      "-T", "fields", "-E", "separator=,",
      "-e", "frame.time_epoch", "-e", "eth.src", "-e", "ip.src", "-e", "ip.dst", "-e", "udp.srcport", "-e", "udp.length",
      "-e", "ip.checksum.status", "-e", "udp.checksum.status",
    ]).trim().split("\n");
    expect(fields).toHaveLength(7);
    fields.forEach((line, i) => {
      const [time, ethSrc, src, dst, sport, ulen, ipStatus, udpStatus] = line.split(",");
      expect(Number(time)).toBeCloseTo(1_767_225_600 + i * 1.0005, 6);
      expect(ethSrc).toBe("02:00:0a:09:00:01");
      expect([src, dst, sport, ulen]).toEqual(["10.9.0.1", "10.9.0.2", String(40000 + i), String(8 + i * 33 + 1)]);
      // 1 = "Good" in Wireshark's checksum status enum (PROTO_CHECKSUM_E_BAD 0, _GOOD 1, _UNVERIFIED 2).
      expect([ipStatus, udpStatus]).toEqual(["1", "1"]);
    });
  });
});
