/**
 * IP address bookkeeping: every address is owned once (no duplicates anywhere in the scenario),
 * and automatic assignment takes the next free host address of a subnet from .4, because
 * Azure reserves the first four and the last address of every subnet (Azure Virtual Network
 * FAQ, "Are there any restrictions on using IP addresses within these subnets?").
 */
import { blockSize, cidrContains, formatIpv4, networkAddress, parseCidr, parseIpv4 } from "../topology/cidr.js";
import type { ResolveContext } from "./context.js";
import type { PathSegment } from "./issues.js";

/** Azure reserves x.x.x.0 (network), .1 (gateway), .2 and .3 (DNS) of every subnet. */
export const AZURE_RESERVED_LOW_ADDRESSES = 4;
/** ... and the last address (broadcast). */
export const AZURE_RESERVED_HIGH_ADDRESSES = 1;

export class AddressBook {
  private readonly owners = new Map<number, string>();
  private readonly cursors = new Map<string, number>();

  /** Claims `ip` for `owner`; reports and returns false when another owner has it. */
  claim(ctx: ResolveContext, path: readonly PathSegment[], ip: string, owner: string): boolean {
    const n = parseIpv4(ip);
    if (n === null) return false;
    const prev = this.owners.get(n);
    if (prev !== undefined) {
      ctx.error(path, `${JSON.stringify(ip)} is already used by ${prev}`);
      return false;
    }
    this.owners.set(n, owner);
    return true;
  }

  ownerOf(ip: string): string | undefined {
    const n = parseIpv4(ip);
    return n === null ? undefined : this.owners.get(n);
  }

  /**
   * Next free address in `prefix` for `owner`, skipping `reservedLow` addresses at the start and
   * `reservedHigh` at the end; null when the block is full.
   */
  allocate(prefix: string, owner: string, reservedLow = AZURE_RESERVED_LOW_ADDRESSES, reservedHigh = AZURE_RESERVED_HIGH_ADDRESSES): string | null {
    const c = parseCidr(prefix);
    if (c === null) return null;
    const base = networkAddress(c);
    const end = base + blockSize(c) - reservedHigh;
    const key = `${prefix}|${reservedLow}|${reservedHigh}`;
    for (let n = Math.max(this.cursors.get(key) ?? 0, base + reservedLow); n < end; n++) {
      if (!this.owners.has(n)) {
        this.owners.set(n, owner);
        this.cursors.set(key, n + 1);
        return formatIpv4(n);
      }
    }
    this.cursors.set(key, end);
    return null;
  }
}

/** Checks that `ip` is a usable address of subnet `ref` (prefix `prefix`); reports and returns false otherwise. */
export function checkSubnetIp(ctx: ResolveContext, path: readonly PathSegment[], ip: string, ref: string, prefix: string): boolean {
  if (!cidrContains(prefix, ip)) {
    ctx.error(path, `${JSON.stringify(ip)} is not in subnet ${ref} (${prefix})`);
    return false;
  }
  const c = parseCidr(prefix);
  const n = parseIpv4(ip);
  if (c !== null && n !== null && c.bits <= 30) {
    const offset = n - networkAddress(c);
    if (offset < AZURE_RESERVED_LOW_ADDRESSES || offset >= blockSize(c) - AZURE_RESERVED_HIGH_ADDRESSES) {
      ctx.error(path, `${JSON.stringify(ip)} is reserved by Azure in subnet ${ref} (${prefix}): the first four and the last address are not assignable`);
      return false;
    }
  }
  return true;
}
