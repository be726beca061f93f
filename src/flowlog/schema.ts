/**
 * The JSON shape of Azure Network Watcher virtual network flow logs, version 4, and the codec of
 * one flow tuple (the 13-field comma-separated string).
 *
 * Source: Azure Network Watcher, "Virtual network flow logs", section "Log format"; restated in
 * docs/domain.md §3. A blob holds `{ "records": [...] }`; each record is one NIC (MAC address) and
 * one collection interval; tuples sit under flowRecords.flows[].flowGroups[].flowTuples.
 */
import { isIP } from "node:net";
import { FLOW_ENCRYPTION_VALUES, isFlowEncryption, type FlowEncryption } from "../policy/values.js";

/** `flowLogVersion` of virtual network flow logs (Azure "Virtual network flow logs", Log format). */
export const FLOW_LOG_VERSION = 4;
/** `category` and `operationName` of every VNet flow log record (Azure "Virtual network flow logs", Log format). */
export const FLOW_LOG_CATEGORY = "FlowLogFlowEvent";
export const FLOW_LOG_OPERATION_NAME = "FlowLogFlowEvent";
/** aclID and rule of traffic denied because of encryption (Azure "Virtual network flow logs", Log format; domain.md §3). */
export const ACL_UNSPECIFIED = "unspecified";
/** Number of comma-separated fields in a version 4 flow tuple (domain.md §3). */
export const TUPLE_FIELDS = 13;
/** Highest TCP/UDP port (RFC 793 §3.1 / RFC 768: 16-bit port fields). */
export const PORT_MAX = 65_535;
/** Highest IANA protocol number (the IPv4 protocol field is 8 bits, RFC 791 §3.1). */
export const PROTOCOL_MAX = 255;
/** Longest tuple string we accept: 13 fields of bounded width; anything longer is not a tuple. */
export const TUPLE_CHARS_MAX = 512;

/** I inbound, O outbound, as seen from the NIC the record belongs to. */
export type FlowDirection = "I" | "O";
/** B begin (no statistics), C continuing, E end, D deny (Azure "Virtual network flow logs", flow state). */
export type FlowState = "B" | "C" | "E" | "D";

/** One flow tuple, field by field, in the order of the string. */
export interface FlowTuple {
  /** Unix epoch milliseconds. */
  timestampMs: number;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  /** IANA protocol number (6 TCP, 17 UDP, 1 ICMP). */
  protocol: number;
  direction: FlowDirection;
  state: FlowState;
  encryption: FlowEncryption;
  packetsSrcToDst: number;
  bytesSrcToDst: number;
  packetsDstToSrc: number;
  bytesDstToSrc: number;
}

export interface FlowGroup {
  rule: string;
  flowTuples: string[];
}

export interface FlowAcl {
  aclID: string;
  flowGroups: FlowGroup[];
}

/** One record: one NIC, one collection interval. Field order here is the order we write. */
export interface FlowLogRecord {
  /** ISO 8601 UTC. */
  time: string;
  flowLogVersion: number;
  flowLogGUID: string;
  /** 12 upper-case hex digits, no separators. */
  macAddress: string;
  category: string;
  flowLogResourceID: string;
  targetResourceID: string;
  operationName: string;
  flowRecords: { flows: FlowAcl[] };
}

/** The content of one PT1H.json blob. */
export interface FlowLogBlob {
  records: FlowLogRecord[];
}

/** The names of the 13 fields, in order; error messages name the field by these. */
export const TUPLE_FIELD_NAMES = [
  "timestampMs",
  "srcIp",
  "dstIp",
  "srcPort",
  "dstPort",
  "protocol",
  "direction",
  "state",
  "encryption",
  "packetsSrcToDst",
  "bytesSrcToDst",
  "packetsDstToSrc",
  "bytesDstToSrc",
] as const;

const MAC_RE = /^[0-9A-F]{12}$/;
const DECIMAL_RE = /^(0|[1-9][0-9]*)$/;

/** True for a MAC address as flow logs write it: 12 upper-case hex digits, no separators. */
export function isFlowLogMac(s: string): boolean {
  return MAC_RE.test(s);
}

/**
 * Normalises "00-0d-3a-12-34-56", "00:0D:3A:12:34:56" or "000d3a123456" to "000D3A123456";
 * returns null when the text is not a MAC address.
 */
export function normalizeMac(s: string): string | null {
  const compact = s.replace(/[-:.]/g, "").toUpperCase();
  return MAC_RE.test(compact) ? compact : null;
}

/** Error for a malformed tuple: names the field, the bad value and what was expected. */
export class FlowTupleError extends Error {
  override readonly name = "FlowTupleError";
  constructor(
    readonly field: string,
    readonly value: string,
    expected: string,
    tuple: string,
  ) {
    super(`flow tuple field "${field}" expected ${expected}, got ${JSON.stringify(value)} in ${JSON.stringify(clipTuple(tuple))}`);
  }
}

function clipTuple(tuple: string): string {
  return tuple.length <= 120 ? tuple : `${tuple.slice(0, 119)}…`;
}

function isIpText(s: string): boolean {
  return isIP(s) !== 0;
}

function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`formatTuple: "${name}" expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
}

/** Formats a tuple as the 13-field string. Throws on a value the string could not carry back. */
export function formatTuple(t: FlowTuple): string {
  checkInt("timestampMs", t.timestampMs, 0, Number.MAX_SAFE_INTEGER);
  if (!isIpText(t.srcIp)) throw new TypeError(`formatTuple: "srcIp" expected an IP address, got ${JSON.stringify(t.srcIp)}`);
  if (!isIpText(t.dstIp)) throw new TypeError(`formatTuple: "dstIp" expected an IP address, got ${JSON.stringify(t.dstIp)}`);
  checkInt("srcPort", t.srcPort, 0, PORT_MAX);
  checkInt("dstPort", t.dstPort, 0, PORT_MAX);
  checkInt("protocol", t.protocol, 0, PROTOCOL_MAX);
  if (t.direction !== "I" && t.direction !== "O") {
    throw new TypeError(`formatTuple: "direction" expected "I" or "O", got ${JSON.stringify(t.direction)}`);
  }
  if (!["B", "C", "E", "D"].includes(t.state)) {
    throw new TypeError(`formatTuple: "state" expected one of B, C, E, D, got ${JSON.stringify(t.state)}`);
  }
  if (!isFlowEncryption(t.encryption)) {
    throw new TypeError(`formatTuple: "encryption" expected a flow-log encryption value, got ${JSON.stringify(t.encryption)}`);
  }
  checkInt("packetsSrcToDst", t.packetsSrcToDst, 0, Number.MAX_SAFE_INTEGER);
  checkInt("bytesSrcToDst", t.bytesSrcToDst, 0, Number.MAX_SAFE_INTEGER);
  checkInt("packetsDstToSrc", t.packetsDstToSrc, 0, Number.MAX_SAFE_INTEGER);
  checkInt("bytesDstToSrc", t.bytesDstToSrc, 0, Number.MAX_SAFE_INTEGER);
  return [
    t.timestampMs,
    t.srcIp,
    t.dstIp,
    t.srcPort,
    t.dstPort,
    t.protocol,
    t.direction,
    t.state,
    t.encryption,
    t.packetsSrcToDst,
    t.bytesSrcToDst,
    t.packetsDstToSrc,
    t.bytesDstToSrc,
  ].join(",");
}

/** Parses a decimal field; `empty` is the value of an empty field (null: empty is an error). */
export function parseDecimalField(
  tuple: string,
  name: string,
  text: string,
  max: number,
  empty: number | null = null,
): number {
  if (text === "" && empty !== null) return empty;
  if (!DECIMAL_RE.test(text)) throw new FlowTupleError(name, text, `a decimal integer in [0, ${max}]`, tuple);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value > max) {
    throw new FlowTupleError(name, text, `a decimal integer in [0, ${max}]`, tuple);
  }
  return value;
}

/** Parses an IP field (IPv4 dotted quad or IPv6 text). */
export function parseIpField(tuple: string, name: string, text: string): string {
  if (!isIpText(text)) throw new FlowTupleError(name, text, "an IPv4 or IPv6 address", tuple);
  return text;
}

/** Parses a version 4 tuple (13 fields). Throws FlowTupleError naming the field and the bad value. */
export function parseTuple(s: string): FlowTuple {
  if (typeof s !== "string") throw new TypeError(`parseTuple: expected a string, got ${typeof s}`);
  if (s.length > TUPLE_CHARS_MAX) {
    throw new FlowTupleError("tuple", `${s.length} characters`, `at most ${TUPLE_CHARS_MAX} characters`, s);
  }
  const f = s.split(",");
  if (f.length !== TUPLE_FIELDS) {
    throw new FlowTupleError("tuple", `${f.length} fields`, `${TUPLE_FIELDS} comma-separated fields`, s);
  }
  const at = (i: number): string => f[i] ?? "";
  // Fields are checked left to right so the error names the first bad one.
  const timestampMs = parseDecimalField(s, "timestampMs", at(0), Number.MAX_SAFE_INTEGER);
  const srcIp = parseIpField(s, "srcIp", at(1));
  const dstIp = parseIpField(s, "dstIp", at(2));
  const srcPort = parseDecimalField(s, "srcPort", at(3), PORT_MAX);
  const dstPort = parseDecimalField(s, "dstPort", at(4), PORT_MAX);
  const protocol = parseDecimalField(s, "protocol", at(5), PROTOCOL_MAX);
  const direction = at(6);
  if (direction !== "I" && direction !== "O") throw new FlowTupleError("direction", direction, '"I" or "O"', s);
  const state = at(7);
  if (state !== "B" && state !== "C" && state !== "E" && state !== "D") {
    throw new FlowTupleError("state", state, "one of B, C, E, D", s);
  }
  const encryption = at(8);
  if (!isFlowEncryption(encryption)) {
    throw new FlowTupleError("encryption", encryption, `one of ${FLOW_ENCRYPTION_VALUES.join(", ")}`, s);
  }
  return {
    timestampMs,
    srcIp,
    dstIp,
    srcPort,
    dstPort,
    protocol,
    direction,
    state,
    encryption,
    packetsSrcToDst: parseDecimalField(s, "packetsSrcToDst", at(9), Number.MAX_SAFE_INTEGER),
    bytesSrcToDst: parseDecimalField(s, "bytesSrcToDst", at(10), Number.MAX_SAFE_INTEGER),
    packetsDstToSrc: parseDecimalField(s, "packetsDstToSrc", at(11), Number.MAX_SAFE_INTEGER),
    bytesDstToSrc: parseDecimalField(s, "bytesDstToSrc", at(12), Number.MAX_SAFE_INTEGER),
  };
}
