/**
 * A minimal pcap writer for datagrams kept by the recording relay: the fallback when tshark may not
 * capture on the loopback interface (e.g. CI without capture rights). Each datagram becomes an
 * IPv4/UDP packet between 127.0.0.1:clientPort and 127.0.0.1:serverPort, so tshark dissects it
 * exactly as a live capture (`-d udp.port==serverPort,dtls`).
 * Formats: pcap file header and record header (libpcap "savefile" format, microsecond timestamps),
 * LINKTYPE_IPV4 = 228, IPv4 header RFC 791, UDP header RFC 768 (checksum 0 = none, allowed on IPv4).
 */
import { writeFileSync } from "node:fs";
import type { RelayedDatagram } from "./relay.js";

const PCAP_MAGIC = 0xa1b2c3d4;
const LINKTYPE_IPV4 = 228;
const SNAPLEN = 65_535;
const IPV4_HEADER_BYTES = 20;
const UDP_HEADER_BYTES = 8;

function ipv4Checksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += (h[i]! << 8) | h[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function packet(payload: Uint8Array, srcPort: number, dstPort: number, id: number): Uint8Array {
  const total = IPV4_HEADER_BYTES + UDP_HEADER_BYTES + payload.length;
  const p = new Uint8Array(total);
  const dv = new DataView(p.buffer);
  p[0] = 0x45; // version 4, IHL 5
  dv.setUint16(2, total);
  dv.setUint16(4, id & 0xffff);
  p[8] = 64; // TTL
  p[9] = 17; // UDP
  p.set([127, 0, 0, 1], 12);
  p.set([127, 0, 0, 1], 16);
  dv.setUint16(10, ipv4Checksum(p.subarray(0, IPV4_HEADER_BYTES)));
  dv.setUint16(20, srcPort);
  dv.setUint16(22, dstPort);
  dv.setUint16(24, UDP_HEADER_BYTES + payload.length);
  p.set(payload, IPV4_HEADER_BYTES + UDP_HEADER_BYTES);
  return p;
}

/** Writes the relay's datagrams as a pcap file; timestamps are 1 ms apart, in order. */
export function writeRelayPcap(file: string, datagrams: readonly RelayedDatagram[], clientPort: number, serverPort: number): void {
  const parts: Uint8Array[] = [];
  const header = new DataView(new ArrayBuffer(24));
  header.setUint32(0, PCAP_MAGIC, true);
  header.setUint16(4, 2, true);
  header.setUint16(6, 4, true);
  header.setUint32(16, SNAPLEN, true);
  header.setUint32(20, LINKTYPE_IPV4, true);
  parts.push(new Uint8Array(header.buffer));
  datagrams.forEach((g, i) => {
    const [src, dst] = g.direction === "c->s" ? [clientPort, serverPort] : [serverPort, clientPort];
    const pkt = packet(g.bytes, src, dst, i);
    const rec = new DataView(new ArrayBuffer(16));
    rec.setUint32(0, 1_800_000_000 + Math.floor(i / 1000), true);
    rec.setUint32(4, (i % 1000) * 1000, true);
    rec.setUint32(8, pkt.length, true);
    rec.setUint32(12, pkt.length, true);
    parts.push(new Uint8Array(rec.buffer), pkt);
  });
  writeFileSync(file, Buffer.concat(parts));
}
