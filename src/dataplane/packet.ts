/**
 * Synthetic inner packets: what a VM hands its NIC. An IPv4 header (RFC 791 §3.1, 20 bytes, valid
 * header checksum, DF set, TTL 64), a TCP (RFC 9293 §3.1, 20 bytes) or UDP (RFC 768, 8 bytes)
 * header, or an ICMP echo header (RFC 792, 8 bytes), then a payload that starts with the 8 marker
 * bytes "VNSIMPKT", the flow id (u32) and the packet index (u32), zero-padded to `totalBytes`.
 * Bytes include every header, as flow logs count them (domain.md §3).
 *
 * The marker lets a test scan every datagram of the wire for plaintext: an encrypted pair must never
 * show it. The flow id says which flow and direction (flowIndex * 2 + 1 for a response), so the
 * receiving host accounts the packet without any side channel.
 *
 * writeInnerPacket writes into a buffer the caller owns and returns the bytes written (hot path:
 * one scratch buffer per host offload, no allocation per packet).
 */
import { parseIpv4 } from "../topology/cidr.js";

/** The marker at the start of every inner payload. */
export const MARKER = "VNSIMPKT";
export const MARKER_BYTES = Uint8Array.from(MARKER, (c) => c.charCodeAt(0));
/** RFC 791 §3.1: header without options. */
export const IPV4_HEADER_BYTES = 20;
/** RFC 9293 §3.1: header without options. */
export const TCP_HEADER_BYTES = 20;
/** RFC 768. */
export const UDP_HEADER_BYTES = 8;
/** RFC 792: echo request header. */
export const ICMP_HEADER_BYTES = 8;
/** marker (8) + flow id (4) + packet index (4). */
export const MARKER_PAYLOAD_BYTES = 16;
/** Largest IPv4 packet (RFC 791 §3.1: total length is 16 bits). */
export const INNER_PACKET_BYTES_MAX = 65_535;
/** IANA protocol numbers (flow logs print these). */
export const IP_PROTOCOL = Object.freeze({ icmp: 1, tcp: 6, udp: 17 } as const);
/** RFC 791 §3.1: Time to Live of packets a VM sends. */
export const INNER_TTL = 64;

export type InnerProtocol = "tcp" | "udp" | "icmp";

export interface InnerPacketSpec {
  srcIp: string;
  dstIp: string;
  protocol: InnerProtocol;
  srcPort: number;
  dstPort: number;
  flowId: number;
  packetIndex: number;
  totalBytes: number;
}

export interface ParsedInnerPacket {
  srcIp: number;
  dstIp: number;
  protocol: number;
  srcPort: number;
  dstPort: number;
  flowId: number;
  packetIndex: number;
  totalBytes: number;
}

function l4HeaderBytes(protocol: InnerProtocol): number {
  return protocol === "tcp" ? TCP_HEADER_BYTES : protocol === "udp" ? UDP_HEADER_BYTES : ICMP_HEADER_BYTES;
}

/** Smallest packet that can carry the marker for this protocol. */
export function minInnerPacketBytes(protocol: InnerProtocol): number {
  return IPV4_HEADER_BYTES + l4HeaderBytes(protocol) + MARKER_PAYLOAD_BYTES;
}

/** RFC 1071 ones' complement sum over out[off..off+len). */
export function internetChecksum(buf: Uint8Array, off: number, len: number): number {
  let sum = 0;
  let i = off;
  const end = off + len;
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

function get32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Addresses parsed once per flow (the hot path passes numbers). */
export function ipv4Number(ip: string, what: string): number {
  const n = parseIpv4(ip);
  if (n === null) throw new TypeError(`writeInnerPacket: "${what}" expected a dotted IPv4 address, got ${JSON.stringify(ip)}`);
  return n;
}

/**
 * Writes one inner packet at out[offset..] and returns its length (= totalBytes). totalBytes must
 * be at least minInnerPacketBytes(protocol); the data plane raises smaller flow sizes to it.
 */
export function writeInnerPacket(out: Uint8Array, offset: number, p: InnerPacketSpec): number {
  return writeInnerPacketN(out, offset, ipv4Number(p.srcIp, "srcIp"), ipv4Number(p.dstIp, "dstIp"), p.protocol, p.srcPort, p.dstPort, p.flowId, p.packetIndex, p.totalBytes);
}

/** writeInnerPacket with the addresses as 32-bit numbers (no parsing per packet). */
export function writeInnerPacketN(
  out: Uint8Array, offset: number, srcIp: number, dstIp: number, protocol: InnerProtocol,
  srcPort: number, dstPort: number, flowId: number, packetIndex: number, totalBytes: number,
): number {
  const l4 = l4HeaderBytes(protocol);
  const min = IPV4_HEADER_BYTES + l4 + MARKER_PAYLOAD_BYTES;
  if (!Number.isInteger(totalBytes) || totalBytes < min || totalBytes > INNER_PACKET_BYTES_MAX) {
    throw new RangeError(`writeInnerPacket: "totalBytes" expected an integer in [${min}, ${INNER_PACKET_BYTES_MAX}] for ${protocol}, got ${totalBytes}`);
  }
  if (!Number.isInteger(flowId) || flowId < 0 || flowId > 0xffffffff) {
    throw new RangeError(`writeInnerPacket: "flowId" expected a u32, got ${flowId}`);
  }
  if (!Number.isInteger(packetIndex) || packetIndex < 0 || packetIndex > 0xffffffff) {
    throw new RangeError(`writeInnerPacket: "packetIndex" expected a u32, got ${packetIndex}`);
  }
  if (out.length - offset < totalBytes) {
    throw new RangeError(`writeInnerPacket: "out" expected room for ${totalBytes} bytes at offset ${offset}, got ${out.length - offset}`);
  }
  const o = offset;
  const proto = IP_PROTOCOL[protocol];
  // IPv4 header (RFC 791 §3.1)
  out[o] = 0x45; // version 4, IHL 5
  out[o + 1] = 0; // DSCP/ECN
  put16(out, o + 2, totalBytes);
  put16(out, o + 4, packetIndex & 0xffff); // identification
  put16(out, o + 6, 0x4000); // flags: DF (RFC 791 §3.1; Azure drops fragments, domain.md §5)
  out[o + 8] = INNER_TTL;
  out[o + 9] = proto;
  put16(out, o + 10, 0);
  put32(out, o + 12, srcIp);
  put32(out, o + 16, dstIp);
  put16(out, o + 10, internetChecksum(out, o, IPV4_HEADER_BYTES));
  const t = o + IPV4_HEADER_BYTES;
  out.fill(0, t, o + totalBytes);
  if (protocol === "tcp") {
    put16(out, t, srcPort);
    put16(out, t + 2, dstPort);
    // Sequence numbers advance by the payload length, as a sender's would (RFC 9293 §3.4), so
    // Wireshark follows the stream; flows of one size keep their packets back to back.
    put32(out, t + 4, (1 + packetIndex * (totalBytes - IPV4_HEADER_BYTES - TCP_HEADER_BYTES)) >>> 0);
    out[t + 12] = 0x50; // data offset 5 words
    out[t + 13] = 0x18; // PSH, ACK
    put16(out, t + 14, 65_535); // window
  } else if (protocol === "udp") {
    put16(out, t, srcPort);
    put16(out, t + 2, dstPort);
    put16(out, t + 4, totalBytes - IPV4_HEADER_BYTES);
  } else {
    out[t] = 8; // echo request (RFC 792)
    put16(out, t + 4, flowId & 0xffff);
    put16(out, t + 6, packetIndex & 0xffff);
  }
  const m = t + l4;
  out.set(MARKER_BYTES, m);
  put32(out, m + 8, flowId);
  put32(out, m + 12, packetIndex);
  // Transport checksums are left 0: UDP allows it over IPv4 (RFC 768), and nothing here checks TCP's.
  return totalBytes;
}

/**
 * Parses an inner packet written by writeInnerPacket; null when `buf[off..off+len)` is not one
 * (no IPv4 header, bad header checksum, length mismatch, no marker).
 */
export function parseInnerPacket(buf: Uint8Array, off: number, len: number): ParsedInnerPacket | null {
  if (len < IPV4_HEADER_BYTES || off < 0 || off + len > buf.length) return null;
  if (buf[off] !== 0x45) return null;
  const total = (buf[off + 2]! << 8) | buf[off + 3]!;
  if (total !== len) return null;
  if (internetChecksum(buf, off, IPV4_HEADER_BYTES) !== 0) return null;
  const proto = buf[off + 9]!;
  const l4 = proto === IP_PROTOCOL.tcp ? TCP_HEADER_BYTES : proto === IP_PROTOCOL.udp ? UDP_HEADER_BYTES : proto === IP_PROTOCOL.icmp ? ICMP_HEADER_BYTES : -1;
  if (l4 < 0) return null;
  const t = off + IPV4_HEADER_BYTES;
  const m = t + l4;
  if (m + MARKER_PAYLOAD_BYTES > off + len) return null;
  for (let i = 0; i < MARKER_BYTES.length; i++) if (buf[m + i] !== MARKER_BYTES[i]) return null;
  const ports = proto !== IP_PROTOCOL.icmp;
  return {
    srcIp: get32(buf, off + 12),
    dstIp: get32(buf, off + 16),
    protocol: proto,
    srcPort: ports ? (buf[t]! << 8) | buf[t + 1]! : 0,
    dstPort: ports ? (buf[t + 2]! << 8) | buf[t + 3]! : 0,
    flowId: get32(buf, m + 8),
    packetIndex: get32(buf, m + 12),
    totalBytes: total,
  };
}

/** Index of the first occurrence of the marker in buf, or -1 (tests scan wire payloads with it). */
export function findMarker(buf: Uint8Array): number {
  const first = MARKER_BYTES[0]!;
  outer: for (let i = buf.indexOf(first); i >= 0 && i + MARKER_BYTES.length <= buf.length; i = buf.indexOf(first, i + 1)) {
    for (let j = 1; j < MARKER_BYTES.length; j++) if (buf[i + j] !== MARKER_BYTES[j]) continue outer;
    return i;
  }
  return -1;
}
