/**
 * IPv4 address and CIDR arithmetic on unsigned 32-bit integers.
 *
 * Only dotted-quad IPv4 is accepted (RFC 791 §3.2 address format; RFC 4632 §3.1 prefix
 * notation): Azure VNet encryption covers IPv4 private traffic only (domain.md §1), and a
 * strict parser keeps scenario errors precise (no octal "010", no shortened "10.1").
 */

/** Number of bits in an IPv4 address (RFC 791 §3.2). */
export const IPV4_BITS = 32;

const OCTET_RE = /^(0|[1-9][0-9]{0,2})$/;

/** Parses "a.b.c.d" to an unsigned 32-bit integer, or null when it is not a dotted-quad IPv4 address. */
export function parseIpv4(s: string): number | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!OCTET_RE.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value >>> 0;
}

/** Formats an unsigned 32-bit integer as "a.b.c.d". */
export function formatIpv4(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new RangeError(`formatIpv4: "n" expected an integer in [0, 2^32-1], got ${String(n)}`);
  }
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join(".");
}

export interface ParsedCidr {
  /** The address as written (host bits are kept; see `isCanonicalCidr`). */
  base: number;
  /** Prefix length, 0..32. */
  bits: number;
}

/** Parses "a.b.c.d/n". Host bits set are accepted here; `isCanonicalCidr` tells whether they are clear. */
export function parseCidr(s: string): ParsedCidr | null {
  const slash = s.indexOf("/");
  if (slash < 0) return null;
  const base = parseIpv4(s.slice(0, slash));
  const bitsText = s.slice(slash + 1);
  if (base === null || !/^(0|[1-9][0-9]?)$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  if (bits > IPV4_BITS) return null;
  return { base, bits };
}

/** The network mask of a prefix length, as an unsigned 32-bit integer. */
export function prefixMask(bits: number): number {
  if (!Number.isInteger(bits) || bits < 0 || bits > IPV4_BITS) {
    throw new RangeError(`prefixMask: "bits" expected an integer in [0, 32], got ${String(bits)}`);
  }
  return bits === 0 ? 0 : (0xffffffff << (IPV4_BITS - bits)) >>> 0;
}

/** First address of the block (host bits cleared). */
export function networkAddress(cidr: ParsedCidr): number {
  return (cidr.base & prefixMask(cidr.bits)) >>> 0;
}

/** Number of addresses in the block (2^(32-bits)). */
export function blockSize(cidr: ParsedCidr): number {
  return 2 ** (IPV4_BITS - cidr.bits);
}

/** True when `s` is a valid CIDR whose host bits are all zero (e.g. "10.0.1.0/24", not "10.0.1.5/24"). */
export function isCanonicalCidr(s: string): boolean {
  const c = parseCidr(s);
  return c !== null && networkAddress(c) === c.base;
}

function mustCidr(fn: string, name: string, s: string): ParsedCidr {
  const c = parseCidr(s);
  if (c === null) throw new TypeError(`${fn}: "${name}" expected an IPv4 CIDR like "10.0.0.0/16", got ${JSON.stringify(s)}`);
  return c;
}

function mustIp(fn: string, name: string, s: string): number {
  const n = parseIpv4(s);
  if (n === null) throw new TypeError(`${fn}: "${name}" expected an IPv4 address like "10.0.0.4", got ${JSON.stringify(s)}`);
  return n;
}

/** True when `ip` lies in the block `cidr`. Throws on malformed input (a bug, not an outcome). */
export function cidrContains(cidr: string, ip: string): boolean {
  const c = mustCidr("cidrContains", "cidr", cidr);
  const n = mustIp("cidrContains", "ip", ip);
  return ((n & prefixMask(c.bits)) >>> 0) === networkAddress(c);
}

/** True when block `inner` lies entirely in block `outer`. */
export function cidrWithin(inner: string, outer: string): boolean {
  const i = mustCidr("cidrWithin", "inner", inner);
  const o = mustCidr("cidrWithin", "outer", outer);
  if (i.bits < o.bits) return false;
  return ((networkAddress(i) & prefixMask(o.bits)) >>> 0) === networkAddress(o);
}

/** True when the two blocks share at least one address. */
export function cidrOverlaps(a: string, b: string): boolean {
  const ca = mustCidr("cidrOverlaps", "a", a);
  const cb = mustCidr("cidrOverlaps", "b", b);
  const bits = Math.min(ca.bits, cb.bits);
  const mask = prefixMask(bits);
  return ((ca.base & mask) >>> 0) === ((cb.base & mask) >>> 0);
}

/** RFC 1918 §3 private address blocks. 100.64.0.0/10 (RFC 6598 shared space) is deliberately not included. */
export const RFC1918_BLOCKS: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/** True when `ip` is in an RFC 1918 private block (what Azure counts as "private IP" for encryption). */
export function isPrivateIpv4(ip: string): boolean {
  mustIp("isPrivateIpv4", "ip", ip);
  return RFC1918_BLOCKS.some((block) => cidrContains(block, ip));
}

/**
 * The n-th address of the block (n = 0 is the network address). Throws when n is outside the block.
 * Azure reserves .0-.3 and the last address of every subnet, so the first assignable host is nthHost(prefix, 4).
 */
export function nthHost(cidr: string, n: number): string {
  const c = mustCidr("nthHost", "cidr", cidr);
  const size = blockSize(c);
  if (!Number.isInteger(n) || n < 0 || n >= size) {
    throw new RangeError(`nthHost: "n" expected an integer in [0, ${size - 1}] for ${cidr}, got ${String(n)}`);
  }
  return formatIpv4(networkAddress(c) + n);
}

/** Offset of `ip` inside block `cidr` (inverse of nthHost), or null when it is outside. */
export function hostIndex(cidr: string, ip: string): number | null {
  if (!cidrContains(cidr, ip)) return null;
  const c = mustCidr("hostIndex", "cidr", cidr);
  return mustIp("hostIndex", "ip", ip) - networkAddress(c);
}
