/**
 * Questions asked of parsed flow logs: which tuples match (encryption value, VM, source and
 * destination CIDR), and how much traffic each encryption value carried.
 */
import { isIPv4 } from "node:net";
import { parseCidr, cidrContains } from "../topology/cidr.js";
import { FLOW_ENCRYPTION_VALUES, isFlowEncryption, type FlowEncryption } from "../policy/values.js";
import { normalizeMac } from "./schema.js";
import type { ParsedTuple } from "./reader.js";

export interface TupleFilter {
  /** One of the eight encryption values. */
  encryption?: string;
  /** A VM name (looked up in macToVm) or a MAC address in any common notation. */
  vm?: string;
  /** MAC (12 upper-case hex digits) -> VM name, e.g. from vms.json. */
  macToVm?: ReadonlyMap<string, string>;
  /** IPv4 CIDR the source address must lie in. */
  src?: string;
  /** IPv4 CIDR the destination address must lie in. */
  dst?: string;
}

function checkCidr(name: string, cidr: string): void {
  if (parseCidr(cidr) === null) {
    throw new TypeError(`filterTuples: "${name}" expected an IPv4 CIDR like "10.0.0.0/16", got ${JSON.stringify(cidr)}`);
  }
}

/** The MACs a VM filter stands for: the VM's NICs from the map, or the value itself read as a MAC. */
export function macsForVm(vm: string, macToVm?: ReadonlyMap<string, string>): Set<string> {
  const macs = new Set<string>();
  if (macToVm !== undefined) {
    for (const [mac, name] of macToVm) if (name === vm) macs.add(mac);
  }
  const asMac = normalizeMac(vm);
  if (asMac !== null) macs.add(asMac);
  return macs;
}

/**
 * Tuples that match every given criterion (criteria left out match everything). Bad criteria
 * (an unknown encryption value, a malformed CIDR) throw a TypeError naming the criterion.
 * A CIDR criterion never matches an IPv6 tuple.
 */
export function filterTuples(tuples: readonly ParsedTuple[], filter: TupleFilter): ParsedTuple[] {
  const { encryption, vm, src, dst } = filter;
  if (encryption !== undefined && !isFlowEncryption(encryption)) {
    throw new TypeError(`filterTuples: "encryption" expected one of ${FLOW_ENCRYPTION_VALUES.join(", ")}, got ${JSON.stringify(encryption)}`);
  }
  if (src !== undefined) checkCidr("src", src);
  if (dst !== undefined) checkCidr("dst", dst);
  const macs = vm === undefined ? null : macsForVm(vm, filter.macToVm);
  return tuples.filter(
    (t) =>
      (encryption === undefined || t.encryption === encryption) &&
      (macs === null || macs.has(t.mac)) &&
      (src === undefined || (isIPv4(t.srcIp) && cidrContains(src, t.srcIp))) &&
      (dst === undefined || (isIPv4(t.dstIp) && cidrContains(dst, t.dstIp))),
  );
}

/** Traffic per encryption value. */
export interface EncryptionSummary {
  /** null: NSG flow log tuples, which carry no encryption value. */
  encryption: FlowEncryption | null;
  tuples: number;
  /** Distinct flows (NIC, direction, 5-tuple) with at least one tuple of this value. */
  flows: number;
  /** D tuples (denied traffic). */
  deniedTuples: number;
  packetsSrcToDst: number;
  bytesSrcToDst: number;
  packetsDstToSrc: number;
  bytesDstToSrc: number;
}

/** One row per encryption value present, in the order of domain.md §3 (null last). */
export function summarizeByEncryption(tuples: readonly ParsedTuple[]): EncryptionSummary[] {
  const rows = new Map<FlowEncryption | null, EncryptionSummary & { keys: Set<string> }>();
  for (const t of tuples) {
    let row = rows.get(t.encryption);
    if (row === undefined) {
      row = {
        encryption: t.encryption,
        tuples: 0,
        flows: 0,
        deniedTuples: 0,
        packetsSrcToDst: 0,
        bytesSrcToDst: 0,
        packetsDstToSrc: 0,
        bytesDstToSrc: 0,
        keys: new Set(),
      };
      rows.set(t.encryption, row);
    }
    row.tuples += 1;
    if (t.state === "D") row.deniedTuples += 1;
    row.keys.add(`${t.mac}|${t.direction}|${t.srcIp}|${t.dstIp}|${t.srcPort}|${t.dstPort}|${t.protocol}`);
    row.packetsSrcToDst += t.packetsSrcToDst;
    row.bytesSrcToDst += t.bytesSrcToDst;
    row.packetsDstToSrc += t.packetsDstToSrc;
    row.bytesDstToSrc += t.bytesDstToSrc;
  }
  const order: (FlowEncryption | null)[] = [...FLOW_ENCRYPTION_VALUES, null];
  const out: EncryptionSummary[] = [];
  for (const value of order) {
    const row = rows.get(value);
    if (row === undefined) continue;
    const { keys, ...rest } = row;
    out.push({ ...rest, flows: keys.size });
  }
  return out;
}
