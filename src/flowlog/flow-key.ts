/**
 * The key under which the flow table holds a flow (MAC, direction, src IP, dst IP, src port, dst
 * port, protocol), made cheap: a new flow's key is built, flattened and hashed once per NIC it is
 * seen at, and a text key of ~60 characters from 14 concatenations cost more than the rest of an
 * observation. When both addresses are dotted-quad IPv4 (the simulator's case) the key is 10
 * UTF-16 code units made in one String.fromCharCode call: 3 for the MAC's 48 bits, 1 for protocol
 * and direction, 1 per port, 2 per address. Otherwise (IPv6 or anything else) it is the text key.
 *
 * Injective: a compact key is exactly 10 units long, a text key at least 12 (the MAC alone), and
 * each is injective on its own domain: the MAC must be 12 upper-case hex digits (schema.ts
 * isFlowLogMac, one 48-bit value per text), ports and protocol in range, and an address gets the
 * compact form only when cidr.ts parseIpv4 accepts it, which takes one text per address (no
 * leading zeros).
 */
import { parseIpv4 } from "../topology/cidr.js";
import { PORT_MAX, PROTOCOL_MAX, type FlowDirection } from "./schema.js";

/** Address texts whose IPv4 value (or "not IPv4") the key maker remembers (cleared past it: a pure function of the text). */
export const FLOW_KEY_IP_CACHE_MAX = 65_536;

/** Length of a compact key in UTF-16 code units. */
export const FLOW_KEY_COMPACT_UNITS = 10;

/** 16 bits from four upper-case hex digits at s[i..i+4), or -1. */
function hexWord(s: string, i: number): number {
  let v = 0;
  for (let j = i; j < i + 4; j++) {
    const c = s.charCodeAt(j);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

function isPort(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n <= PORT_MAX;
}

export class FlowKeyMaker {
  private readonly ipv4 = new Map<string, number>();

  /** Address texts cached (at most FLOW_KEY_IP_CACHE_MAX). */
  get cachedIps(): number {
    return this.ipv4.size;
  }

  private ipv4Of(ip: string): number {
    let n = this.ipv4.get(ip);
    if (n === undefined) {
      n = typeof ip === "string" ? (parseIpv4(ip) ?? -1) : -1;
      if (this.ipv4.size >= FLOW_KEY_IP_CACHE_MAX) this.ipv4.clear();
      this.ipv4.set(ip, n);
    }
    return n;
  }

  /**
   * The flow's key, or null when no flow the table holds can have these fields (a MAC, port,
   * protocol or direction the table's checks refuse when a flow enters it).
   */
  key(mac: string, direction: FlowDirection, srcIp: string, dstIp: string, srcPort: number, dstPort: number, protocol: number): string | null {
    if (typeof mac !== "string" || mac.length !== 12 || !isPort(srcPort) || !isPort(dstPort)) return null;
    if (!Number.isSafeInteger(protocol) || protocol < 0 || protocol > PROTOCOL_MAX || (direction !== "I" && direction !== "O")) return null;
    const m0 = hexWord(mac, 0);
    const m1 = hexWord(mac, 4);
    const m2 = hexWord(mac, 8);
    if (m0 < 0 || m1 < 0 || m2 < 0) return null;
    const s = this.ipv4Of(srcIp);
    const d = this.ipv4Of(dstIp);
    if (s < 0 || d < 0) return `${mac}|${direction}|${srcIp}|${dstIp}|${srcPort}|${dstPort}|${protocol}`;
    return String.fromCharCode(m0, m1, m2, protocol * 2 + (direction === "I" ? 1 : 0), srcPort, dstPort, s >>> 16, s & 0xffff, d >>> 16, d & 0xffff);
  }
}
