/**
 * The wire as a classic pcap file (what `vnetsim run --pcap FILE` writes): one Ethernet/IPv4/UDP
 * frame per datagram that crossed the simulated underlay, between the hosts' underlay addresses,
 * stamped with virtual time (the scenario's epoch + tMs), so Wireshark and tshark read it as a
 * capture taken on the physical network.
 *
 * File format: the classic libpcap format (draft-ietf-opsawg-pcap §4 file header, §5 packet
 * record), little-endian, microsecond timestamps. Frames are built here, not copied from the
 * data plane: Ethernet II (IEEE 802.3 §3.2.6, EtherType 0x0800), IPv4 (RFC 791 §3.1, header
 * checksum RFC 1071) and UDP (RFC 768, checksum over the pseudo-header). MAC addresses are
 * derived from the IPv4 address (locally administered, `02:00:a:b:c:d`), so the same run gives
 * the same bytes.
 *
 * Streaming and atomicity: frames go into a bounded buffer that is flushed to a temporary file
 * in the destination directory when full; close() flushes, fsyncs and renames the temporary
 * file over the destination (rename(2) is atomic within a file system). A run that fails calls
 * abort(), which removes the temporary file: FILE is either the complete capture or untouched.
 */
import { isIPv4 } from "node:net";
import { StagedFile } from "./staged-file.js";
import type { WireTap } from "../dataplane/wire.js";

/** Magic number of a classic pcap file with microsecond timestamps (draft-ietf-opsawg-pcap §4). */
export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
/** File format version 2.4 (draft-ietf-opsawg-pcap §4: MajorVersion 2, MinorVersion 4). */
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
/** LINKTYPE_ETHERNET (draft-ietf-opsawg-pcaplinktype, link type 1: IEEE 802.3 Ethernet). */
export const LINKTYPE_ETHERNET = 1;
/** Largest frame recorded in full; longer frames are truncated (incl_len < orig_len). */
export const PCAP_SNAPLEN_BYTES = 65_535;
/** File header: 24 bytes (draft-ietf-opsawg-pcap §4). */
export const PCAP_FILE_HEADER_BYTES = 24;
/** Packet record header: ts_sec, ts_usec, incl_len, orig_len, 4 bytes each (draft-ietf-opsawg-pcap §5). */
export const PCAP_RECORD_HEADER_BYTES = 16;

/** Ethernet II header: destination MAC, source MAC, EtherType (IEEE 802.3 §3.2.6). */
export const ETHERNET_HEADER_BYTES = 14;
/** EtherType of IPv4 (IEEE 802 numbers; RFC 894). */
export const ETHERTYPE_IPV4 = 0x0800;
/** IPv4 header without options (RFC 791 §3.1: IHL 5). */
export const IPV4_HEADER_BYTES = 20;
/** UDP header (RFC 768). */
export const UDP_HEADER_BYTES = 8;
/** IANA protocol number of UDP. */
export const IP_PROTOCOL_UDP = 17;
/** TTL of the outer packets (a host-to-host hop in the underlay). */
export const OUTER_TTL = 64;
/** Largest UDP payload an IPv4 datagram can carry: 65535 - 20 - 8 (RFC 791 §3.1 Total Length is 16 bits). */
export const UDP_PAYLOAD_BYTES_MAX = 65_535 - IPV4_HEADER_BYTES - UDP_HEADER_BYTES;

/** Default size of the write buffer; frames are flushed to the temporary file when it is full. */
export const PCAP_BUFFER_BYTES = 1 << 20;
/**
 * Upper bound on the size of one capture file. Frames beyond it are not written and are counted
 * in `framesDropped`; the file stays a valid capture of the run's beginning.
 */
export const PCAP_FILE_BYTES_MAX = 2 ** 32;


export interface PcapWriterOptions {
  /** Unix epoch ms of virtual time 0 (the scenario's `epoch`). */
  epochMs: number;
  /** Default PCAP_BUFFER_BYTES. */
  bufferBytes?: number;
  /** Default PCAP_FILE_BYTES_MAX. */
  fileBytesMax?: number;
}

export interface PcapStats {
  /** Frames written to the file. */
  frames: number;
  /** Frames not written because the file reached its size limit. */
  framesDropped: number;
  /** Bytes of the file, header included. */
  fileBytes: number;
}

/** The MAC address a host's underlay IPv4 address gets in the capture: 02:00 + the four octets (locally administered, unicast). */
export function macFromIpv4(ip: string): Uint8Array {
  return addressBytes(ip, "ip").mac.slice();
}

/** Parsed addresses kept by addressBytes (a run has a few hosts; the cache is cleared when it fills). */
export const PCAP_ADDRESS_CACHE_MAX = 4096;
const addressCache = new Map<string, { octets: Uint8Array; mac: Uint8Array }>();

/** Entries in the address cache (for tests of its bound). */
export function pcapAddressCacheSize(): number {
  return addressCache.size;
}

/** The four octets of an IPv4 address and the MAC derived from it, parsed once per address. */
function addressBytes(ip: string, label: string): { octets: Uint8Array; mac: Uint8Array } {
  const hit = addressCache.get(ip);
  if (hit !== undefined) return hit;
  if (!isIPv4(ip)) throw new TypeError(`pcap: "${label}" expected an IPv4 address, got ${JSON.stringify(ip)}`);
  const octets = Uint8Array.from(ip.split(".").map(Number));
  const entry = { octets, mac: Uint8Array.of(0x02, 0x00, ...octets) };
  if (addressCache.size >= PCAP_ADDRESS_CACHE_MAX) addressCache.clear();
  addressCache.set(ip, entry);
  return entry;
}

function checkPort(port: number, label: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`pcap: "${label}" expected a port from 0 to 65535, got ${port}`);
  }
}

/** The Internet checksum (RFC 1071) of bytes [start, end), folded, not yet complemented; `initial` carries a partial sum. */
function onesComplementSum(bytes: Uint8Array, start: number, end: number, initial: number): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  if (i < end) sum += (bytes[i] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The IPv4 header checksum (RFC 791 §3.1, computed as in RFC 1071) of a 20-byte header at `off` whose checksum field is zero. */
export function ipv4HeaderChecksum(bytes: Uint8Array, off: number): number {
  return ~onesComplementSum(bytes, off, off + IPV4_HEADER_BYTES, 0) & 0xffff;
}

export interface UdpFrame {
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  payload: Uint8Array;
  /** IPv4 Identification; any value is allowed for an atomic (DF, unfragmented) datagram (RFC 6864 §4.1). */
  ipId: number;
}

/** Bytes of the Ethernet frame that carries `payloadBytes` of UDP payload. */
export function udpFrameBytes(payloadBytes: number): number {
  return ETHERNET_HEADER_BYTES + IPV4_HEADER_BYTES + UDP_HEADER_BYTES + payloadBytes;
}

/**
 * Writes an Ethernet II / IPv4 / UDP frame into `out` at `off` and returns its length. The IPv4
 * header has DF set, TTL 64 and a valid checksum; the UDP checksum is valid (RFC 768).
 */
export function encodeUdpFrame(out: Uint8Array, off: number, frame: UdpFrame): number {
  const src = addressBytes(frame.srcIp, "srcIp");
  const dst = addressBytes(frame.dstIp, "dstIp");
  checkPort(frame.srcPort, "srcPort");
  checkPort(frame.dstPort, "dstPort");
  const payloadBytes = frame.payload.length;
  if (payloadBytes > UDP_PAYLOAD_BYTES_MAX) {
    throw new RangeError(`pcap: "payload" expected at most ${UDP_PAYLOAD_BYTES_MAX} bytes (UDP_PAYLOAD_BYTES_MAX), got ${payloadBytes}`);
  }
  const total = udpFrameBytes(payloadBytes);
  if (off < 0 || off + total > out.length) {
    throw new RangeError(`pcap: frame of ${total} bytes does not fit in "out" (${out.length} bytes) at offset ${off}`);
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  // Ethernet II: destination, source, EtherType.
  out.set(dst.mac, off);
  out.set(src.mac, off + 6);
  view.setUint16(off + 12, ETHERTYPE_IPV4);
  // IPv4 (RFC 791 §3.1).
  const ip = off + ETHERNET_HEADER_BYTES;
  const ipTotal = IPV4_HEADER_BYTES + UDP_HEADER_BYTES + payloadBytes;
  out[ip] = 0x45; // version 4, IHL 5
  out[ip + 1] = 0; // DSCP/ECN
  view.setUint16(ip + 2, ipTotal);
  view.setUint16(ip + 4, frame.ipId & 0xffff);
  view.setUint16(ip + 6, 0x4000); // flags: DF; fragment offset 0 (Azure drops fragments)
  out[ip + 8] = OUTER_TTL;
  out[ip + 9] = IP_PROTOCOL_UDP;
  view.setUint16(ip + 10, 0);
  out.set(src.octets, ip + 12);
  out.set(dst.octets, ip + 16);
  view.setUint16(ip + 10, ipv4HeaderChecksum(out, ip));
  // UDP (RFC 768).
  const udp = ip + IPV4_HEADER_BYTES;
  const udpLength = UDP_HEADER_BYTES + payloadBytes;
  view.setUint16(udp, frame.srcPort);
  view.setUint16(udp + 2, frame.dstPort);
  view.setUint16(udp + 4, udpLength);
  view.setUint16(udp + 6, 0);
  out.set(frame.payload, udp + UDP_HEADER_BYTES);
  // Pseudo-header: source, destination, zero + protocol, UDP length (RFC 768 "Fields").
  let sum = onesComplementSum(out, ip + 12, ip + 20, IP_PROTOCOL_UDP + udpLength);
  sum = onesComplementSum(out, udp, udp + udpLength, sum);
  const checksum = ~sum & 0xffff;
  // A computed zero is sent as all ones; zero means "no checksum" (RFC 768).
  view.setUint16(udp + 6, checksum === 0 ? 0xffff : checksum);
  return total;
}

/** The 24-byte file header: magic, version 2.4, thiszone 0, sigfigs 0, snaplen, LINKTYPE_ETHERNET. */
export function pcapFileHeader(snaplenBytes: number = PCAP_SNAPLEN_BYTES): Uint8Array {
  const out = new Uint8Array(PCAP_FILE_HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, PCAP_MAGIC_MICROSECONDS, true);
  view.setUint16(4, PCAP_VERSION_MAJOR, true);
  view.setUint16(6, PCAP_VERSION_MINOR, true);
  view.setInt32(8, 0, true);
  view.setUint32(12, 0, true);
  view.setUint32(16, snaplenBytes, true);
  view.setUint32(20, LINKTYPE_ETHERNET, true);
  return out;
}

/** Splits epoch + tMs into whole seconds and microseconds (rounded to the microsecond). */
export function pcapTimestamp(epochMs: number, tMs: number): { sec: number; usec: number } {
  if (!Number.isFinite(tMs)) throw new RangeError(`pcap: "tMs" expected a finite number, got ${tMs}`);
  const us = Math.round(epochMs) * 1000 + Math.round(tMs * 1000);
  const sec = Math.floor(us / 1_000_000);
  if (sec < 0 || sec > 0xffff_ffff) {
    throw new RangeError(`pcap: time ${epochMs} + ${tMs} ms is outside the 32-bit seconds of a classic pcap timestamp (1970..2106)`);
  }
  return { sec, usec: us - sec * 1_000_000 };
}

/** A capture being written; see the module comment. */
export class PcapWriter {
  readonly path: string;
  private readonly file: StagedFile;
  private readonly epochMs: number;
  private readonly fileBytesMax: number;
  private readonly buffer: Uint8Array;
  private readonly view: DataView;
  private used = 0;
  private ipId = 0;
  private stats: PcapStats = { frames: 0, framesDropped: 0, fileBytes: PCAP_FILE_HEADER_BYTES };
  private state: "open" | "closed" | "aborted" = "open";

  /** Creates the temporary file beside `path` and writes the file header into the buffer. */
  constructor(path: string, options: PcapWriterOptions) {
    if (!Number.isFinite(options.epochMs)) throw new RangeError(`PcapWriter: "epochMs" expected a finite number, got ${options.epochMs}`);
    const bufferBytes = options.bufferBytes ?? PCAP_BUFFER_BYTES;
    const minimum = PCAP_RECORD_HEADER_BYTES + PCAP_SNAPLEN_BYTES;
    if (!Number.isInteger(bufferBytes) || bufferBytes < minimum) {
      throw new RangeError(`PcapWriter: "bufferBytes" expected an integer of at least ${minimum} (one full record), got ${bufferBytes}`);
    }
    this.fileBytesMax = options.fileBytesMax ?? PCAP_FILE_BYTES_MAX;
    if (!(this.fileBytesMax >= PCAP_FILE_HEADER_BYTES)) {
      throw new RangeError(`PcapWriter: "fileBytesMax" expected at least ${PCAP_FILE_HEADER_BYTES}, got ${this.fileBytesMax}`);
    }
    this.path = path;
    this.epochMs = options.epochMs;
    this.buffer = new Uint8Array(bufferBytes);
    this.view = new DataView(this.buffer.buffer);
    this.file = new StagedFile(path, 0o644);
    this.buffer.set(pcapFileHeader(), 0);
    this.used = PCAP_FILE_HEADER_BYTES;
  }

  /** Appends one datagram as a frame at virtual time tMs. */
  writeUdp(tMs: number, srcIp: string, srcPort: number, dstIp: string, dstPort: number, payload: Uint8Array): void {
    if (this.state !== "open") throw new Error(`PcapWriter: writeUdp after the capture ${this.path} was ${this.state}`);
    const frameBytes = udpFrameBytes(payload.length);
    const inclBytes = Math.min(frameBytes, PCAP_SNAPLEN_BYTES);
    const recordBytes = PCAP_RECORD_HEADER_BYTES + inclBytes;
    if (this.stats.fileBytes + recordBytes > this.fileBytesMax) {
      this.stats.framesDropped += 1;
      return;
    }
    const { sec, usec } = pcapTimestamp(this.epochMs, tMs);
    if (this.used + PCAP_RECORD_HEADER_BYTES + frameBytes > this.buffer.length) this.flush();
    let frameAt = this.used + PCAP_RECORD_HEADER_BYTES;
    let scratch: Uint8Array | null = null;
    if (frameAt + frameBytes > this.buffer.length) {
      // Only a frame longer than the snap length gets here (the buffer holds one full record).
      scratch = new Uint8Array(frameBytes);
      frameAt = 0;
    }
    encodeUdpFrame(scratch ?? this.buffer, frameAt, { srcIp, srcPort, dstIp, dstPort, payload, ipId: this.ipId });
    if (scratch !== null) this.buffer.set(scratch.subarray(0, inclBytes), this.used + PCAP_RECORD_HEADER_BYTES);
    this.ipId = (this.ipId + 1) & 0xffff;
    const h = this.used;
    this.view.setUint32(h, sec, true);
    this.view.setUint32(h + 4, usec, true);
    this.view.setUint32(h + 8, inclBytes, true);
    this.view.setUint32(h + 12, frameBytes, true);
    this.used += recordBytes;
    this.stats.frames += 1;
    this.stats.fileBytes += recordBytes;
  }

  /** Writes the buffered bytes to the temporary file. */
  flush(): void {
    if (this.file.state !== "open") return;
    this.file.write(this.buffer, 0, this.used);
    this.used = 0;
  }

  /** Flushes, fsyncs and renames the temporary file to `path`. Returns the final statistics. */
  close(): PcapStats {
    if (this.state !== "open") throw new Error(`PcapWriter: close of the capture ${this.path}, which was already ${this.state}`);
    try {
      this.flush();
      this.file.commit();
      this.state = "closed";
    } catch (error) {
      this.abort();
      throw error;
    }
    return this.getStats();
  }

  /** Discards the capture: closes and removes the temporary file; `path` is left as it was. */
  abort(): void {
    if (this.state === "closed") return;
    this.state = "aborted";
    this.file.abort();
  }

  get tempPath(): string {
    return this.file.tempPath;
  }

  getStats(): PcapStats {
    return { ...this.stats };
  }
}

/** The wire tap (the data plane calls it for every datagram on the underlay) that records into `writer`: RunOptions.tap. */
export function pcapWireTap(writer: PcapWriter): WireTap {
  return (tMs, srcIp, srcPort, dstIp, dstPort, payload) => writer.writeUdp(tMs, srcIp, srcPort, dstIp, dstPort, payload);
}
