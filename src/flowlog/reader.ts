/**
 * Reads flow log blobs back into flat tuples: ours, or real ones downloaded from an Azure
 * storage account (a copy of the `insights-logs-flowlogflowevent` container, or any folder of
 * PT1H.json files).
 *
 * Two record shapes are understood:
 * - VNet flow logs, flowLogVersion 4 (Azure "Virtual network flow logs", Log format; domain.md
 *   §3): record.flowRecords.flows[].flowGroups[].flowTuples, 13-field tuples.
 * - NSG flow logs, properties.Version 2 (Azure "Flow logging for network security groups", Log
 *   format): record.properties.flows[].flows[].flowTuples with 13-field version 2 tuples:
 *   seconds, src, dst, ports, protocol T/U, direction, decision A/D, state B/C/E, counters (empty
 *   on B). They carry no encryption value: `encryption` is null.
 * Unknown extra fields are ignored; anything malformed is an error naming the file and record.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import type { FlowEncryption } from "../policy/values.js";
import { FLOW_LOG_BLOB_NAME } from "./ids.js";
import {
  FLOW_LOG_VERSION,
  FlowTupleError,
  PORT_MAX,
  normalizeMac,
  parseDecimalField,
  parseIpField,
  parseTuple,
  type FlowDirection,
  type FlowState,
} from "./schema.js";

/** Bounds on what one read walks and keeps, so a wrong directory cannot exhaust memory. */
export const READ_FILES_MAX = 100_000;
export const READ_DEPTH_MAX = 32;
export const READ_TUPLES_MAX = 5_000_000;
/** Largest blob we read (Azure blobs are one NIC-hour; hundreds of MB would not be a flow log). */
export const READ_BLOB_BYTES_MAX = 256 * 1024 * 1024;
/** NSG flow log schema version with 13-field tuples (Azure "Flow logging for network security groups", Log format). */
export const NSG_FLOW_LOG_VERSION_2 = 2;

/** Limits of one read (defaults: the READ_*_MAX constants); tests lower them. */
export interface ReadOptions {
  filesMax?: number;
  depthMax?: number;
  tuplesMax?: number;
  blobBytesMax?: number;
}

/** One tuple with the context of its record. */
export interface ParsedTuple {
  /** The record's `time`. */
  time: string;
  /** 12 upper-case hex digits. */
  mac: string;
  /** Empty for NSG flow logs (their records name the NSG in aclID instead). */
  flowLogResourceId: string;
  targetResourceId: string;
  aclID: string;
  rule: string;
  timestampMs: number;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  protocol: number;
  direction: FlowDirection;
  state: FlowState;
  /** null for NSG version 2 tuples, which have no encryption field. */
  encryption: FlowEncryption | null;
  packetsSrcToDst: number;
  bytesSrcToDst: number;
  packetsDstToSrc: number;
  bytesDstToSrc: number;
  /** 4 (VNet flow logs) or 2 (NSG flow logs). */
  flowLogVersion: number;
  /** The blob the tuple came from. */
  file: string;
}

/** A blob that is not a flow log: the message names the file. */
export class FlowLogReadError extends Error {
  override readonly name = "FlowLogReadError";
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function arrayAt(obj: Record<string, unknown>, key: string, where: string, file: string): unknown[] {
  const v = obj[key];
  if (!Array.isArray(v)) throw new FlowLogReadError(file, `${where}: "${key}" expected an array, got ${describe(v)}`);
  return v;
}

function stringAt(obj: Record<string, unknown>, key: string, where: string, file: string): string {
  const v = obj[key];
  if (typeof v !== "string") throw new FlowLogReadError(file, `${where}: "${key}" expected a string, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  return JSON.stringify(v);
}

function macAt(obj: Record<string, unknown>, key: string, where: string, file: string): string {
  const text = stringAt(obj, key, where, file);
  const mac = normalizeMac(text);
  if (mac === null) throw new FlowLogReadError(file, `${where}: "${key}" expected a MAC address (12 hex digits), got ${JSON.stringify(text)}`);
  return mac;
}

interface Sink {
  out: ParsedTuple[];
  tuplesMax: number;
}

function push(sink: Sink, t: ParsedTuple, file: string): void {
  if (sink.out.length >= sink.tuplesMax) {
    throw new FlowLogReadError(file, `more than ${sink.tuplesMax} tuples in total (READ_TUPLES_MAX); read a smaller directory`);
  }
  sink.out.push(t);
}

function parseVnetRecord(rec: Record<string, unknown>, where: string, file: string, sink: Sink): void {
  const version = rec["flowLogVersion"];
  if (version !== FLOW_LOG_VERSION) {
    throw new FlowLogReadError(file, `${where}: "flowLogVersion" expected ${FLOW_LOG_VERSION}, got ${describe(version)}`);
  }
  const time = stringAt(rec, "time", where, file);
  const mac = macAt(rec, "macAddress", where, file);
  const flowLogResourceId = stringAt(rec, "flowLogResourceID", where, file);
  const targetResourceId = typeof rec["targetResourceID"] === "string" ? rec["targetResourceID"] : "";
  const flowRecords = rec["flowRecords"];
  if (!isObject(flowRecords)) throw new FlowLogReadError(file, `${where}: "flowRecords" expected an object, got ${describe(flowRecords)}`);
  arrayAt(flowRecords, "flows", `${where}.flowRecords`, file).forEach((acl, ai) => {
    const aw = `${where}.flowRecords.flows[${ai}]`;
    if (!isObject(acl)) throw new FlowLogReadError(file, `${aw}: expected an object, got ${describe(acl)}`);
    const aclID = stringAt(acl, "aclID", aw, file);
    arrayAt(acl, "flowGroups", aw, file).forEach((group, gi) => {
      const gw = `${aw}.flowGroups[${gi}]`;
      if (!isObject(group)) throw new FlowLogReadError(file, `${gw}: expected an object, got ${describe(group)}`);
      const rule = stringAt(group, "rule", gw, file);
      arrayAt(group, "flowTuples", gw, file).forEach((text, ti) => {
        const tw = `${gw}.flowTuples[${ti}]`;
        if (typeof text !== "string") throw new FlowLogReadError(file, `${tw}: expected a string, got ${describe(text)}`);
        let t;
        try {
          t = parseTuple(text);
        } catch (error) {
          if (error instanceof FlowTupleError) throw new FlowLogReadError(file, `${tw}: ${error.message}`);
          throw error;
        }
        push(sink, { time, mac, flowLogResourceId, targetResourceId, aclID, rule, ...t, flowLogVersion: FLOW_LOG_VERSION, file }, file);
      });
    });
  });
}

/** IANA numbers for the letters of NSG flow log tuples (T TCP, U UDP). */
const NSG_PROTOCOLS: Readonly<Record<string, number>> = { T: 6, U: 17 };
/** NSG flow log tuple timestamps are Unix seconds; VNet flow logs use milliseconds. */
const MS_PER_SECOND = 1000;
const NSG_V2_TUPLE_FIELDS = 13;

/** Parses one NSG version 2 tuple (Azure "Flow logging for network security groups", Log format). */
export function parseNsgTupleV2(
  s: string,
): Pick<ParsedTuple, "timestampMs" | "srcIp" | "dstIp" | "srcPort" | "dstPort" | "protocol" | "direction" | "state" | "packetsSrcToDst" | "bytesSrcToDst" | "packetsDstToSrc" | "bytesDstToSrc"> {
  const f = s.split(",");
  if (f.length !== NSG_V2_TUPLE_FIELDS) {
    throw new FlowTupleError("tuple", `${f.length} fields`, `${NSG_V2_TUPLE_FIELDS} comma-separated fields (NSG flow log version 2)`, s);
  }
  const at = (i: number): string => f[i] ?? "";
  const seconds = parseDecimalField(s, "timestampSeconds", at(0), Math.floor(Number.MAX_SAFE_INTEGER / MS_PER_SECOND));
  const srcIp = parseIpField(s, "srcIp", at(1));
  const dstIp = parseIpField(s, "dstIp", at(2));
  const srcPort = parseDecimalField(s, "srcPort", at(3), PORT_MAX);
  const dstPort = parseDecimalField(s, "dstPort", at(4), PORT_MAX);
  const protocol = NSG_PROTOCOLS[at(5)];
  if (protocol === undefined) throw new FlowTupleError("protocol", at(5), '"T" or "U"', s);
  const direction = at(6);
  if (direction !== "I" && direction !== "O") throw new FlowTupleError("direction", direction, '"I" or "O"', s);
  const decision = at(7);
  if (decision !== "A" && decision !== "D") throw new FlowTupleError("decision", decision, '"A" or "D"', s);
  const flowState = at(8);
  if (flowState !== "B" && flowState !== "C" && flowState !== "E") throw new FlowTupleError("state", flowState, "one of B, C, E", s);
  // Counters are empty on B tuples (Azure NSG flow logs, version 2); empty reads as 0.
  const counter = (i: number, name: string): number => parseDecimalField(s, name, at(i), Number.MAX_SAFE_INTEGER, 0);
  return {
    timestampMs: seconds * MS_PER_SECOND,
    srcIp,
    dstIp,
    srcPort,
    dstPort,
    protocol,
    direction,
    state: decision === "D" ? "D" : flowState,
    packetsSrcToDst: counter(9, "packetsSrcToDst"),
    bytesSrcToDst: counter(10, "bytesSrcToDst"),
    packetsDstToSrc: counter(11, "packetsDstToSrc"),
    bytesDstToSrc: counter(12, "bytesDstToSrc"),
  };
}

function parseNsgRecord(rec: Record<string, unknown>, props: Record<string, unknown>, where: string, file: string, sink: Sink): void {
  const version = props["Version"];
  if (version !== NSG_FLOW_LOG_VERSION_2) {
    throw new FlowLogReadError(file, `${where}: NSG flow log "properties.Version" expected ${NSG_FLOW_LOG_VERSION_2}, got ${describe(version)}`);
  }
  const time = stringAt(rec, "time", where, file);
  const nsg = typeof rec["resourceId"] === "string" ? rec["resourceId"] : "";
  arrayAt(props, "flows", `${where}.properties`, file).forEach((ruleEntry, ri) => {
    const rw = `${where}.properties.flows[${ri}]`;
    if (!isObject(ruleEntry)) throw new FlowLogReadError(file, `${rw}: expected an object, got ${describe(ruleEntry)}`);
    const rule = stringAt(ruleEntry, "rule", rw, file);
    arrayAt(ruleEntry, "flows", rw, file).forEach((macEntry, mi) => {
      const mw = `${rw}.flows[${mi}]`;
      if (!isObject(macEntry)) throw new FlowLogReadError(file, `${mw}: expected an object, got ${describe(macEntry)}`);
      const mac = macAt(macEntry, "mac", mw, file);
      arrayAt(macEntry, "flowTuples", mw, file).forEach((text, ti) => {
        const tw = `${mw}.flowTuples[${ti}]`;
        if (typeof text !== "string") throw new FlowLogReadError(file, `${tw}: expected a string, got ${describe(text)}`);
        let t;
        try {
          t = parseNsgTupleV2(text);
        } catch (error) {
          if (error instanceof FlowTupleError) throw new FlowLogReadError(file, `${tw}: ${error.message}`);
          throw error;
        }
        push(
          sink,
          { time, mac, flowLogResourceId: "", targetResourceId: nsg, aclID: nsg, rule, ...t, encryption: null, flowLogVersion: NSG_FLOW_LOG_VERSION_2, file },
          file,
        );
      });
    });
  });
}

/** Parses the text of one blob; `file` names it in errors. */
export function parseFlowLogBlob(text: string, file: string, tuplesMax: number = READ_TUPLES_MAX): ParsedTuple[] {
  const sink: Sink = { out: [], tuplesMax };
  parseInto(text, file, sink);
  return sink.out;
}

function parseInto(text: string, file: string, sink: Sink): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new FlowLogReadError(file, `not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(doc)) throw new FlowLogReadError(file, `expected a JSON object { "records": [...] }, got ${describe(doc)}`);
  const records = arrayAt(doc, "records", "top level", file);
  records.forEach((rec, i) => parseRecord(rec, i, file, sink));
}

function parseRecord(rec: unknown, i: number, file: string, sink: Sink): void {
  const where = `records[${i}]`;
  if (!isObject(rec)) throw new FlowLogReadError(file, `${where}: expected an object, got ${describe(rec)}`);
  const props = rec["properties"];
  if (rec["flowRecords"] === undefined && isObject(props)) parseNsgRecord(rec, props, where, file, sink);
  else parseVnetRecord(rec, where, file, sink);
}

/** The PT1H.json files under `dir` (or `dir` itself if it is a file), in sorted order. Symlinks are not followed. */
export function findBlobs(dir: string, options: ReadOptions = {}): string[] {
  const filesMax = options.filesMax ?? READ_FILES_MAX;
  const depthMax = options.depthMax ?? READ_DEPTH_MAX;
  const st = statOrThrow(dir);
  if (st.isFile()) return [dir];
  if (!st.isDirectory()) throw new FlowLogReadError(dir, "expected a directory of flow log blobs or a PT1H.json file");
  const found: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > depthMax) throw new FlowLogReadError(d, `directory nesting deeper than ${depthMax} levels (READ_DEPTH_MAX)`);
    const entries = fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile() && e.name === FLOW_LOG_BLOB_NAME) {
        if (found.length >= filesMax) throw new FlowLogReadError(dir, `more than ${filesMax} blobs (READ_FILES_MAX); read a smaller directory`);
        found.push(p);
      }
    }
  };
  walk(dir, 0);
  return found;
}

function statOrThrow(path: string): fs.Stats {
  try {
    return fs.statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new FlowLogReadError(path, code === "ENOENT" ? "no such file or directory" : `cannot read (${code})`);
  }
}

/** Reads every PT1H.json under `dir`, in path order, tuples in file order. */
export function readFlowLogs(dir: string, options: ReadOptions = {}): ParsedTuple[] {
  const sink: Sink = { out: [], tuplesMax: options.tuplesMax ?? READ_TUPLES_MAX };
  const blobBytesMax = options.blobBytesMax ?? READ_BLOB_BYTES_MAX;
  for (const file of findBlobs(dir, options)) {
    const size = statOrThrow(file).size;
    if (size > blobBytesMax) throw new FlowLogReadError(file, `${size} bytes, more than ${blobBytesMax} (READ_BLOB_BYTES_MAX)`);
    const text = fs.readFileSync(file, "utf8");
    // Real exports may start with a UTF-8 byte order mark.
    parseInto(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file, sink);
  }
  return sink.out;
}

export { filterTuples, summarizeByEncryption } from "./query.js";
export type { TupleFilter, EncryptionSummary } from "./query.js";
