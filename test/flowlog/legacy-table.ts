/**
 * TEST ORACLE: the flow table as it was before the per-flow work (commit 8be09df), kept verbatim
 * (imports adjusted) so table-equivalence.test.ts can check the faster table writes the same bytes.
 *
 * (original header follows)
 * The flow table: packet counters per flow, per NIC, per minute of virtual time, turned into
 * VNet flow log records on `drain()`.
 *
 * Semantics (Azure "Virtual network flow logs", Log format: flow state; domain.md §3):
 * - A flow is (NIC MAC, direction, src IP, dst IP, src port, dst port, protocol), as seen at one NIC.
 * - The first time a flow's allowed traffic is drained it gets a `B` tuple. Azure documents B as
 *   "flow is created, no statistics provided", so B carries zero counters at the time of the
 *   flow's first packet; the packets of that minute are reported by the C (or E) tuple of the same
 *   minute. Every later minute with traffic gets a `C` tuple; the minute the flow is ended (end()
 *   or closeAll()) gets an `E` tuple with the counters since the last update.
 * - Denied traffic gets a `D` tuple per minute with the dropped packets. When the denial is
 *   because of encryption, aclID and rule are "unspecified".
 * - Counters are since the last update: each tuple carries only the packets of its own minute, so
 *   summing a flow's tuples gives the data plane's totals. Bytes include headers (the caller counts
 *   wire sizes of the inner packets).
 * - If the encryption value of a flow changes within a minute (e.g. a tunnel comes up), each value
 *   gets its own tuple for that minute, so counters per encryption value stay exact.
 *
 * Everything is keyed and sorted by strings and numbers only, so the same observations in the
 * same order always give the same records, byte for byte.
 */
import { isFlowEncryption, type FlowEncryption } from "../../src/policy/values.js";
import { flowLogGuid, canonicalFlowLogResourceId } from "../../src/flowlog/ids.js";
import {
  ACL_UNSPECIFIED,
  FLOW_LOG_CATEGORY,
  FLOW_LOG_OPERATION_NAME,
  FLOW_LOG_VERSION,
  formatTuple,
  PORT_MAX,
  PROTOCOL_MAX,
  isFlowLogMac,
  type FlowAcl,
  type FlowDirection,
  type FlowLogRecord,
  type FlowState,
  type FlowTuple,
} from "../../src/flowlog/schema.js";

/** Default bound on flows held in the table at once (design.md: limit on the flow table size). */
export const FLOW_TABLE_FLOWS_MAX = 100_000;
/** Default bound on undrained (flow, minute, encryption) counter buckets across the table. */
export const FLOW_TABLE_BUCKETS_MAX = 1_000_000;
/** The collection interval: records are per minute (Azure "Virtual network flow logs": flows are collected every minute). */
export const FLOW_LOG_INTERVAL_MS = 60_000;
/**
 * aclID written for allowed traffic when the caller names none. The simulator models no NSG or
 * Virtual Network Manager rules; this stands for "the NIC's (simulated) security rules".
 */
export const ACL_ID_DEFAULT = "00000000-0000-0000-0000-000000000000";
/** Rule names for allowed traffic when the caller names none: Azure's default NSG rules for VNet traffic. */
export const RULE_DEFAULT_INBOUND = "DefaultRule_AllowVnetInBound";
export const RULE_DEFAULT_OUTBOUND = "DefaultRule_AllowVnetOutBound";

/** The NIC a flow is logged at, and the flow log that covers it. */
export interface NicRef {
  /** 12 upper-case hex digits, no separators. */
  mac: string;
  vm: string;
  /** The VNet, subnet or NIC the flow log is set on (`targetResourceID`). */
  targetResourceId: string;
  /** `flowLogResourceID`; must have the /SUBSCRIPTIONS/../FLOWLOGS/.. shape (see ids.ts). */
  flowLogResourceId: string;
  region: string;
  subscriptionId: string;
}

export interface FlowObservation {
  /** Virtual time, ms since the start of the run. */
  tMs: number;
  nic: NicRef;
  direction: FlowDirection;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  /** IANA protocol number. */
  protocol: number;
  encryption: FlowEncryption;
  /** The packets were dropped. Unless aclId/rule say otherwise, the drop is because of encryption. */
  denied: boolean;
  fwdPackets: number;
  fwdBytes: number;
  revPackets: number;
  revBytes: number;
  /** Overrides the aclID (default: ACL_ID_DEFAULT when allowed, "unspecified" when denied). */
  aclId?: string;
  /** Overrides the rule name (default: the NSG default rule when allowed, "unspecified" when denied). */
  rule?: string;
}

/** Identifies a flow at one NIC. */
export interface FlowKey {
  mac: string;
  direction: FlowDirection;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  protocol: number;
}

export interface FlowTableOptions {
  /** Unix epoch ms of virtual time 0 (tuple timestamps and record times are epochMs + tMs). */
  epochMs: number;
  flowsMax?: number;
  bucketsMax?: number;
}

/** What the table had to refuse because a limit was reached. */
export interface FlowTableOverflow {
  /** Observations refused (new flow past flowsMax, or new bucket past bucketsMax). */
  observations: number;
  packets: number;
  bytes: number;
}

interface Counters {
  fwdPackets: number;
  fwdBytes: number;
  revPackets: number;
  revBytes: number;
}

interface Bucket extends Counters {
  minute: number;
  encryption: FlowEncryption;
  denied: boolean;
  aclId: string;
  rule: string;
  /** Absolute ms of the first and last observation in this bucket. */
  firstMs: number;
  lastMs: number;
}

interface FlowEntry {
  key: FlowKey;
  nic: NicRef;
  /** A B tuple has been emitted. */
  begun: boolean;
  /** Absolute ms of the end, once ended. */
  endMs: number | null;
  /** Encryption and ACL of the last allowed traffic, for an E tuple in a minute without traffic. */
  lastAllowed: Pick<Bucket, "encryption" | "aclId" | "rule"> | null;
  /** Absolute ms of the first allowed packet not yet reported by a B tuple. */
  firstAllowedMs: number | null;
  /** This interval's buckets, distinct by (minute, encryption, denied, aclId, rule); few per flow, so a list. */
  buckets: Bucket[];
  /** The bucket the last observation went to (a packet usually lands in the same one as the flow's previous), or null. */
  last: Bucket | null;
}

/** One tuple waiting to be placed in a record. */
interface PendingTuple {
  nic: NicRef;
  minute: number;
  aclId: string;
  rule: string;
  tuple: FlowTuple;
}

/** Must build the same string as the key in observe(). */
function flowKeyString(k: FlowKey): string {
  return `${k.mac}|${k.direction}|${k.srcIp}|${k.dstIp}|${k.srcPort}|${k.dstPort}|${k.protocol}`;
}

/** Distinct flow log resource IDs whose canonical form and GUID the table remembers (cleared past it). */
export const FLOW_TABLE_ID_CACHE_MAX = 4096;

/** IP texts the table has seen pass formatTuple's check (cleared past it). */
export const FLOW_TABLE_IP_CACHE_MAX = 65_536;

function isPort(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n <= PORT_MAX;
}

function checkNewFlow(o: FlowObservation, atMs: number, checkedNics: WeakMap<NicRef, string>, goodIps: Set<string>): void {
  // A NIC is checked once for its current MAC and flow log ID (the data plane reuses one NicRef per NIC).
  const nicKey = `${o.nic.mac}|${o.nic.flowLogResourceId}`;
  if (checkedNics.get(o.nic) !== nicKey) {
    if (!isFlowLogMac(o.nic.mac)) {
      throw new TypeError(`FlowTable.observe: "nic.mac" expected 12 upper-case hex digits, got ${JSON.stringify(o.nic.mac)}`);
    }
    canonicalFlowLogResourceId(o.nic.flowLogResourceId);
    checkedNics.set(o.nic, nicKey);
  }
  // Known-good IPs and in-range numbers pass without formatting a tuple; anything else goes
  // through formatTuple, which throws naming the field on a bad IP, port, protocol or direction.
  if (
    goodIps.has(o.srcIp) && goodIps.has(o.dstIp) && isPort(o.srcPort) && isPort(o.dstPort) &&
    Number.isSafeInteger(o.protocol) && o.protocol >= 0 && o.protocol <= PROTOCOL_MAX && (o.direction === "I" || o.direction === "O")
  ) {
    return;
  }
  formatTuple({
    timestampMs: atMs,
    srcIp: o.srcIp,
    dstIp: o.dstIp,
    srcPort: o.srcPort,
    dstPort: o.dstPort,
    protocol: o.protocol,
    direction: o.direction,
    state: o.denied ? "D" : "C",
    encryption: o.encryption,
    packetsSrcToDst: 0,
    bytesSrcToDst: 0,
    packetsDstToSrc: 0,
    bytesDstToSrc: 0,
  });
  if (goodIps.size + 2 > FLOW_TABLE_IP_CACHE_MAX) goodIps.clear();
  goodIps.add(o.srcIp);
  goodIps.add(o.dstIp);
}

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`FlowTable.observe: "${name}" expected a non-negative integer, got ${String(value)}`);
  }
}

function checkLimit(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`FlowTable: "${name}" expected a positive integer, got ${String(value)}`);
  }
  return value;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const STATE_ORDER: Record<FlowState, number> = { B: 0, D: 1, C: 2, E: 3 };

/**
 * The tuple's text, as formatTuple writes it, without formatTuple's checks: every field of a
 * drained tuple was checked when its flow entered the table (checkNewFlow: IPs, ports, protocol,
 * direction) or counted (checkCount, isFlowEncryption), and the table makes the state itself.
 */
function tupleText(t: FlowTuple): string {
  return `${t.timestampMs},${t.srcIp},${t.dstIp},${t.srcPort},${t.dstPort},${t.protocol},${t.direction},${t.state},${t.encryption},${t.packetsSrcToDst},${t.bytesSrcToDst},${t.packetsDstToSrc},${t.bytesDstToSrc}`;
}

export class FlowTable {
  readonly epochMs: number;
  readonly flowsMax: number;
  readonly bucketsMax: number;
  private readonly flows = new Map<string, FlowEntry>();
  private bucketCount = 0;
  private readonly refused: FlowTableOverflow = { observations: 0, packets: 0, bytes: 0 };
  private readonly checkedNics = new WeakMap<NicRef, string>();
  private readonly goodIps = new Set<string>();
  /** flowLogResourceId as given -> its canonical form and GUID (bounded: FLOW_TABLE_ID_CACHE_MAX). */
  private readonly ids = new Map<string, { canonical: string; guid: string }>();

  constructor(options: FlowTableOptions) {
    if (!Number.isSafeInteger(options.epochMs) || options.epochMs < 0) {
      throw new RangeError(`FlowTable: "epochMs" expected a non-negative integer (Unix ms), got ${String(options.epochMs)}`);
    }
    this.epochMs = options.epochMs;
    this.flowsMax = checkLimit("flowsMax", options.flowsMax ?? FLOW_TABLE_FLOWS_MAX);
    this.bucketsMax = checkLimit("bucketsMax", options.bucketsMax ?? FLOW_TABLE_BUCKETS_MAX);
  }

  /** Flows currently held (ended flows leave at the next drain). */
  get size(): number {
    return this.flows.size;
  }

  /** IP texts known to pass the tuple check (at most FLOW_TABLE_IP_CACHE_MAX). */
  get cachedIps(): number {
    return this.goodIps.size;
  }

  /** Flow log IDs whose canonical form and GUID are cached (at most FLOW_TABLE_ID_CACHE_MAX). */
  get cachedIds(): number {
    return this.ids.size;
  }

  /** What was refused because flowsMax or bucketsMax was reached (a copy). */
  get overflow(): FlowTableOverflow {
    return { ...this.refused };
  }

  private absMs(tMs: number, what: string): number {
    if (!Number.isFinite(tMs) || tMs < 0) {
      throw new RangeError(`FlowTable.${what}: "tMs" expected a finite virtual time >= 0, got ${String(tMs)}`);
    }
    return Math.floor(this.epochMs + tMs);
  }

  /** Adds the packets of one observation to its flow's bucket for that minute. */
  observe(o: FlowObservation): void {
    const atMs = this.absMs(o.tMs, "observe");
    checkCount("fwdPackets", o.fwdPackets);
    checkCount("fwdBytes", o.fwdBytes);
    checkCount("revPackets", o.revPackets);
    checkCount("revBytes", o.revBytes);
    if (!isFlowEncryption(o.encryption)) {
      throw new TypeError(`FlowTable.observe: "encryption" expected a flow-log encryption value, got ${JSON.stringify(o.encryption)}`);
    }
    const ks = `${o.nic.mac}|${o.direction}|${o.srcIp}|${o.dstIp}|${o.srcPort}|${o.dstPort}|${o.protocol}`;
    let entry = this.flows.get(ks);
    if (entry !== undefined && entry.endMs !== null) {
      // Traffic after end() but before the next drain: the old flow still owes its E tuple, so
      // this packet cannot start a new flow yet. Count it into the ended flow's end minute.
      entry.endMs = Math.max(entry.endMs, atMs);
    }
    if (entry === undefined) {
      // A flow's identity is validated once, when it enters the table (the hot path of later
      // packets is a map lookup): a bad MAC, resource ID, IP, port or protocol fails here, near
      // the caller's mistake, rather than at drain time.
      checkNewFlow(o, atMs, this.checkedNics, this.goodIps);
      if (this.flows.size >= this.flowsMax) {
        this.refuse(o);
        return;
      }
      const key: FlowKey = {
        mac: o.nic.mac,
        direction: o.direction,
        srcIp: o.srcIp,
        dstIp: o.dstIp,
        srcPort: o.srcPort,
        dstPort: o.dstPort,
        protocol: o.protocol,
      };
      entry = { key, nic: o.nic, begun: false, endMs: null, lastAllowed: null, firstAllowedMs: null, buckets: [], last: null };
      this.flows.set(ks, entry);
    }
    const minute = Math.floor(atMs / FLOW_LOG_INTERVAL_MS);
    const aclId = o.aclId ?? (o.denied ? ACL_UNSPECIFIED : ACL_ID_DEFAULT);
    const rule = o.rule ?? (o.denied ? ACL_UNSPECIFIED : o.direction === "I" ? RULE_DEFAULT_INBOUND : RULE_DEFAULT_OUTBOUND);
    const last = entry.last;
    let bucket: Bucket | undefined =
      last !== null && last.minute === minute && last.encryption === o.encryption && last.denied === o.denied && last.aclId === aclId && last.rule === rule ? last : undefined;
    if (bucket === undefined) {
      for (const b of entry.buckets) {
        if (b.minute === minute && b.encryption === o.encryption && b.denied === o.denied && b.aclId === aclId && b.rule === rule) {
          bucket = b;
          break;
        }
      }
    }
    if (bucket === undefined) {
      if (this.bucketCount >= this.bucketsMax) {
        this.refuse(o);
        if (entry.buckets.length === 0 && !entry.begun) this.flows.delete(ks);
        return;
      }
      bucket = {
        minute,
        encryption: o.encryption,
        denied: o.denied,
        aclId,
        rule,
        firstMs: atMs,
        lastMs: atMs,
        fwdPackets: 0,
        fwdBytes: 0,
        revPackets: 0,
        revBytes: 0,
      };
      entry.buckets.push(bucket);
      this.bucketCount += 1;
    }
    entry.last = bucket;
    bucket.firstMs = Math.min(bucket.firstMs, atMs);
    bucket.lastMs = Math.max(bucket.lastMs, atMs);
    bucket.fwdPackets += o.fwdPackets;
    bucket.fwdBytes += o.fwdBytes;
    bucket.revPackets += o.revPackets;
    bucket.revBytes += o.revBytes;
    if (!o.denied) {
      // The bucket carries the same three fields and never changes them: no object per packet.
      entry.lastAllowed = bucket;
      if (!entry.begun) entry.firstAllowedMs = Math.min(entry.firstAllowedMs ?? atMs, atMs);
    }
  }

  private refuse(o: FlowObservation): void {
    this.refused.observations += 1;
    this.refused.packets += o.fwdPackets + o.revPackets;
    this.refused.bytes += o.fwdBytes + o.revBytes;
  }

  /** Marks one flow ended at tMs (its next drain writes E). Returns false if the table does not hold it. */
  end(tMs: number, key: FlowKey): boolean {
    const atMs = this.absMs(tMs, "end");
    const entry = this.flows.get(flowKeyString(key));
    if (entry === undefined) return false;
    entry.endMs = Math.max(entry.endMs ?? atMs, atMs);
    return true;
  }

  /** Marks every flow still open as ended at tMs (end of a run). */
  closeAll(tMs: number): void {
    const atMs = this.absMs(tMs, "closeAll");
    for (const entry of this.flows.values()) {
      if (entry.endMs === null) entry.endMs = atMs;
    }
  }

  /**
   * Everything observed since the last drain, as records: one per (flow log, NIC, minute),
   * sorted by time then MAC; tuples inside sorted by timestamp, state and text. Counters are
   * reset; ended flows leave the table.
   */
  drain(): FlowLogRecord[] {
    const pending: PendingTuple[] = [];
    // No need to visit flows in key order: toRecords sorts records, and the tuples in each by their
    // full text, so the output does not depend on the order tuples are collected in.
    for (const [ks, entry] of this.flows) {
      this.drainFlow(entry, pending);
      this.bucketCount -= entry.buckets.length;
      entry.buckets = [];
      entry.last = null;
      // Ended flows are done; a flow that never got a B (only denied traffic) owes nothing.
      if (entry.endMs !== null || !entry.begun) this.flows.delete(ks);
    }
    return this.toRecords(pending);
  }

  private drainFlow(entry: FlowEntry, out: PendingTuple[]): void {
    const k = entry.key;
    const push = (minute: number, aclId: string, rule: string, state: FlowState, encryption: FlowEncryption, timestampMs: number, c: Counters): void => {
      out.push({
        nic: entry.nic,
        minute,
        aclId,
        rule,
        tuple: {
          timestampMs,
          srcIp: k.srcIp,
          dstIp: k.dstIp,
          srcPort: k.srcPort,
          dstPort: k.dstPort,
          protocol: k.protocol,
          direction: k.direction,
          state,
          encryption,
          packetsSrcToDst: c.fwdPackets,
          bytesSrcToDst: c.fwdBytes,
          packetsDstToSrc: c.revPackets,
          bytesDstToSrc: c.revBytes,
        },
      });
    };
    const zero: Counters = { fwdPackets: 0, fwdBytes: 0, revPackets: 0, revBytes: 0 };
    const buckets = [...entry.buckets].sort(
      (a, b) => a.minute - b.minute || a.firstMs - b.firstMs || compareStrings(a.encryption, b.encryption) || compareStrings(a.aclId, b.aclId) || compareStrings(a.rule, b.rule),
    );
    const allowed = buckets.filter((b) => !b.denied);
    if (!entry.begun && entry.firstAllowedMs !== null) {
      const first = allowed[0];
      if (first !== undefined) {
        const startMs = entry.firstAllowedMs;
        push(Math.floor(startMs / FLOW_LOG_INTERVAL_MS), first.aclId, first.rule, "B", first.encryption, startMs, zero);
        entry.begun = true;
        entry.firstAllowedMs = null;
      }
    }
    for (const b of buckets) {
      if (b.denied) push(b.minute, b.aclId, b.rule, "D", b.encryption, b.firstMs, b);
    }
    if (entry.endMs !== null) {
      // end() may name a time before the flow's last packet; the flow ends after its traffic.
      for (const b of allowed) entry.endMs = Math.max(entry.endMs, b.lastMs);
    }
    const endMinute = entry.endMs === null ? null : Math.floor(entry.endMs / FLOW_LOG_INTERVAL_MS);
    const endBuckets = endMinute === null ? [] : allowed.filter((b) => b.minute >= endMinute);
    for (const b of allowed) {
      if (endMinute !== null && b.minute >= endMinute) continue;
      push(b.minute, b.aclId, b.rule, "C", b.encryption, b.lastMs, b);
    }
    if (entry.endMs !== null && entry.begun) {
      const endMs = entry.endMs;
      const em = Math.floor(endMs / FLOW_LOG_INTERVAL_MS);
      if (endBuckets.length === 0) {
        const last = entry.lastAllowed;
        if (last !== null) push(em, last.aclId, last.rule, "E", last.encryption, endMs, zero);
      } else {
        // Usually one bucket; more when the encryption value changed in the flow's last minute.
        for (const b of endBuckets) push(em, b.aclId, b.rule, "E", b.encryption, endMs, b);
      }
    }
  }

  /** The canonical flow log resource ID and its GUID, computed once per distinct ID. */
  private idOf(flowLogResourceId: string): { canonical: string; guid: string } {
    let e = this.ids.get(flowLogResourceId);
    if (e === undefined) {
      const canonical = canonicalFlowLogResourceId(flowLogResourceId);
      e = { canonical, guid: flowLogGuid(canonical) };
      if (this.ids.size >= FLOW_TABLE_ID_CACHE_MAX) this.ids.clear();
      this.ids.set(flowLogResourceId, e);
    }
    return e;
  }

  private toRecords(pending: PendingTuple[]): FlowLogRecord[] {
    const byRecord = new Map<string, { nic: NicRef; minute: number; tuples: PendingTuple[] }>();
    for (const p of pending) {
      const rk = `${String(p.minute).padStart(16, "0")}|${p.nic.mac}|${this.idOf(p.nic.flowLogResourceId).canonical}|${p.nic.targetResourceId}`;
      let r = byRecord.get(rk);
      if (r === undefined) {
        r = { nic: p.nic, minute: p.minute, tuples: [] };
        byRecord.set(rk, r);
      }
      r.tuples.push(p);
    }
    const records: FlowLogRecord[] = [];
    for (const rk of [...byRecord.keys()].sort(compareStrings)) {
      const r = byRecord.get(rk);
      if (r === undefined) continue;
      const { canonical: resourceId, guid } = this.idOf(r.nic.flowLogResourceId);
      const acls = new Map<string, Map<string, { t: FlowTuple; s: string }[]>>();
      for (const p of r.tuples) {
        let groups = acls.get(p.aclId);
        if (groups === undefined) {
          groups = new Map();
          acls.set(p.aclId, groups);
        }
        let list = groups.get(p.rule);
        if (list === undefined) {
          list = [];
          groups.set(p.rule, list);
        }
        list.push({ t: p.tuple, s: tupleText(p.tuple) });
      }
      const flows: FlowAcl[] = [...acls.keys()].sort(compareStrings).map((aclId) => {
        const groups = acls.get(aclId) ?? new Map<string, { t: FlowTuple; s: string }[]>();
        return {
          aclID: aclId,
          flowGroups: [...groups.keys()].sort(compareStrings).map((rule) => ({
            rule,
            flowTuples: (groups.get(rule) ?? [])
              .sort((a, b) => a.t.timestampMs - b.t.timestampMs || STATE_ORDER[a.t.state] - STATE_ORDER[b.t.state] || compareStrings(a.s, b.s))
              .map((x) => x.s),
          })),
        };
      });
      records.push({
        time: new Date(r.minute * FLOW_LOG_INTERVAL_MS).toISOString(),
        flowLogVersion: FLOW_LOG_VERSION,
        flowLogGUID: guid,
        macAddress: r.nic.mac,
        category: FLOW_LOG_CATEGORY,
        flowLogResourceID: resourceId,
        targetResourceID: r.nic.targetResourceId,
        operationName: FLOW_LOG_OPERATION_NAME,
        flowRecords: { flows },
      });
    }
    return records;
  }
}
