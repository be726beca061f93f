/**
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
import { isFlowEncryption, type FlowEncryption } from "../policy/values.js";
import { flowLogGuid, canonicalFlowLogResourceId } from "./ids.js";
import {
  ACL_UNSPECIFIED,
  formatTuple,
  PORT_MAX,
  PROTOCOL_MAX,
  isFlowLogMac,
  type FlowDirection,
  type FlowLogRecord,
  type FlowState,
} from "./schema.js";
import { compareStrings, FLOW_LOG_INTERVAL_MS, RecordBuilder, type RecordNic } from "./records.js";
import { FlowKeyMaker } from "./flow-key.js";

export { FLOW_LOG_INTERVAL_MS };

/** Default bound on flows held in the table at once (design.md: limit on the flow table size). */
export const FLOW_TABLE_FLOWS_MAX = 100_000;
/** Default bound on undrained (flow, minute, encryption) counter buckets across the table. */
export const FLOW_TABLE_BUCKETS_MAX = 1_000_000;
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

/**
 * A flow held by the table, as observe() returns it: pass it back to observe() or end() as a hint
 * and the table finds the flow without building its key. A hint that no longer names a held flow
 * with the same identity (drained away, refused, another flow) is ignored: the key decides then.
 */
export interface FlowHandle {
  readonly [flowHandleBrand]: true;
}
declare const flowHandleBrand: unique symbol;

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

/** A held flow; its identity fields are the entry's own (no key object per flow). */
interface FlowEntry extends FlowKey {
  /** Its key in the table's map (FlowKeyMaker). */
  ks: string;
  nic: NicRef;
  /** In the table's map under its key (a handle is followed only while this holds). */
  live: boolean;
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
  /** The tuple text between the timestamp and the state ("srcIp,dstIp,srcPort,dstPort,protocol,direction,"), once drained. */
  middle: string | null;
}

export interface DrainOptions {
  /**
   * false: do everything a drain does to the table (B/C/D/E bookkeeping, counters reset, ended
   * flows leave, tuplesDrained counts the tuples due) but build no records; returns []. For a run
   * that does not keep its flow logs.
   */
  records?: boolean;
}

/** The text after a tuple's middle part, per state and encryption value: whole for zero counters, else the part before them. */
const STATE_TAILS: Readonly<Record<FlowState, Map<FlowEncryption, { zero: string; prefix: string }>>> = {
  B: new Map(),
  D: new Map(),
  C: new Map(),
  E: new Map(),
};

/** What a flow holds between intervals: shared, never written (observe() replaces it before adding). */
const NO_BUCKETS: Bucket[] = [];

function sameFlow(k: FlowKey, mac: string, direction: FlowDirection, srcIp: string, dstIp: string, srcPort: number, dstPort: number, protocol: number): boolean {
  return k.mac === mac && k.direction === direction && k.srcIp === srcIp && k.dstIp === dstIp && k.srcPort === srcPort && k.dstPort === dstPort && k.protocol === protocol;
}

/** Distinct flow log resource IDs whose canonical form and GUID the table remembers (cleared past it). */
export const FLOW_TABLE_ID_CACHE_MAX = 4096;

/** IP texts the table has seen pass formatTuple's check (cleared past it). */
export const FLOW_TABLE_IP_CACHE_MAX = 65_536;

function isPort(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n <= PORT_MAX;
}

/** What the table knows of one NicRef: the field values it checked, and its record key once drained. */
interface NicInfo {
  mac: string;
  flowLogResourceId: string;
  /** For drained records (null until the first drain that needs it, or when targetResourceId changed). */
  record: RecordNic | null;
}

function checkNewFlow(o: FlowObservation, atMs: number, nics: WeakMap<NicRef, NicInfo>, goodIps: Set<string>): void {
  // A NIC is checked once for its current MAC and flow log ID (the data plane reuses one NicRef per NIC).
  const info = nics.get(o.nic);
  if (info === undefined || info.mac !== o.nic.mac || info.flowLogResourceId !== o.nic.flowLogResourceId) {
    if (!isFlowLogMac(o.nic.mac)) {
      throw new TypeError(`FlowTable.observe: "nic.mac" expected 12 upper-case hex digits, got ${JSON.stringify(o.nic.mac)}`);
    }
    canonicalFlowLogResourceId(o.nic.flowLogResourceId);
    nics.set(o.nic, { mac: o.nic.mac, flowLogResourceId: o.nic.flowLogResourceId, record: null });
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

/** The order drainFlow's B tuple picks its bucket by (then creation order): minute, first packet, encryption, aclID, rule. */
function bucketBefore(a: Bucket, b: Bucket): boolean {
  return (a.minute - b.minute || a.firstMs - b.firstMs || compareStrings(a.encryption, b.encryption) || compareStrings(a.aclId, b.aclId) || compareStrings(a.rule, b.rule)) < 0;
}

/*
 * Tuple texts are written as formatTuple writes them, without formatTuple's checks: every field of
 * a drained tuple was checked when its flow entered the table (checkNewFlow: IPs, ports, protocol,
 * direction) or counted (checkCount, isFlowEncryption), and the table makes the state itself.
 * schema.ts's parseTuple reads them back (the table tests do).
 */

export class FlowTable {
  readonly epochMs: number;
  readonly flowsMax: number;
  readonly bucketsMax: number;
  private readonly flows = new Map<string, FlowEntry>();
  private bucketCount = 0;
  private readonly refused: FlowTableOverflow = { observations: 0, packets: 0, bytes: 0 };
  private readonly nicInfo = new WeakMap<NicRef, NicInfo>();
  private readonly goodIps = new Set<string>();
  private readonly keys = new FlowKeyMaker();
  /** flowLogResourceId as given -> its canonical form and GUID (bounded: FLOW_TABLE_ID_CACHE_MAX). */
  private readonly ids = new Map<string, { canonical: string; guid: string }>();
  /** The records being built by the drain in progress (null: a drain without records). */
  private builder: RecordBuilder | null = null;
  private tuples = 0;

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

  /**
   * Adds the packets of one observation to its flow's bucket for that minute. Returns the flow's
   * handle (null when the observation was refused and the flow is not held): passing it back as
   * `hint` with the same flow's next observation skips building the flow's key.
   */
  observe(o: FlowObservation, hint: FlowHandle | null = null): FlowHandle | null {
    const atMs = this.absMs(o.tMs, "observe");
    checkCount("fwdPackets", o.fwdPackets);
    checkCount("fwdBytes", o.fwdBytes);
    checkCount("revPackets", o.revPackets);
    checkCount("revBytes", o.revBytes);
    if (!isFlowEncryption(o.encryption)) {
      throw new TypeError(`FlowTable.observe: "encryption" expected a flow-log encryption value, got ${JSON.stringify(o.encryption)}`);
    }
    // A live hint with the observation's identity is the entry the map holds under its key (one
    // entry per key, and live means held), so the lookup by key would find the same entry.
    const h = hint as unknown as FlowEntry | null;
    let entry: FlowEntry | undefined =
      h !== null && h.live && sameFlow(h, o.nic.mac, o.direction, o.srcIp, o.dstIp, o.srcPort, o.dstPort, o.protocol) ? h : undefined;
    // The key, made at most once per observation (null: fields no held flow can have).
    let ks: string | null = null;
    if (entry === undefined) {
      ks = this.keys.key(o.nic.mac, o.direction, o.srcIp, o.dstIp, o.srcPort, o.dstPort, o.protocol);
      if (ks !== null) entry = this.flows.get(ks);
    }
    if (entry !== undefined && entry.endMs !== null) {
      // Traffic after end() but before the next drain: the old flow still owes its E tuple, so
      // this packet cannot start a new flow yet. Count it into the ended flow's end minute.
      entry.endMs = Math.max(entry.endMs, atMs);
    }
    if (entry === undefined) {
      // A flow's identity is validated once, when it enters the table (the hot path of later
      // packets is a map lookup): a bad MAC, resource ID, IP, port or protocol fails here, near
      // the caller's mistake, rather than at drain time.
      checkNewFlow(o, atMs, this.nicInfo, this.goodIps);
      // checkNewFlow passed: MAC, ports, protocol and direction are valid, so the key exists.
      if (ks === null) throw new Error(`FlowTable.observe: no key for a checked flow (MAC ${JSON.stringify(o.nic.mac)}); expected the key maker to accept what checkNewFlow accepts`);
      if (this.flows.size >= this.flowsMax) {
        this.refuse(o);
        return null;
      }
      entry = {
        ks,
        mac: o.nic.mac,
        direction: o.direction,
        srcIp: o.srcIp,
        dstIp: o.dstIp,
        srcPort: o.srcPort,
        dstPort: o.dstPort,
        protocol: o.protocol,
        nic: o.nic,
        live: true,
        begun: false,
        endMs: null,
        lastAllowed: null,
        firstAllowedMs: null,
        buckets: NO_BUCKETS,
        last: null,
        middle: null,
      };
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
        if (entry.buckets.length === 0 && !entry.begun) {
          this.flows.delete(entry.ks);
          entry.live = false;
          return null;
        }
        return entry as unknown as FlowHandle;
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
      // A flow's first bucket of an interval gets an array of its own, sized for it (the shared
      // empty array is never pushed to).
      if (entry.buckets.length === 0) entry.buckets = [bucket];
      else entry.buckets.push(bucket);
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
    return entry as unknown as FlowHandle;
  }

  private refuse(o: FlowObservation): void {
    this.refused.observations += 1;
    this.refused.packets += o.fwdPackets + o.revPackets;
    this.refused.bytes += o.fwdBytes + o.revBytes;
  }

  /**
   * Marks one flow ended at tMs (its next drain writes E). Returns false if the table does not hold
   * it. `hint`: the flow's handle from observe(), used when it still names this held flow.
   */
  end(tMs: number, key: FlowKey, hint: FlowHandle | null = null): boolean {
    const atMs = this.absMs(tMs, "end");
    const h = hint as unknown as FlowEntry | null;
    let entry: FlowEntry | undefined =
      h !== null && h.live && sameFlow(h, key.mac, key.direction, key.srcIp, key.dstIp, key.srcPort, key.dstPort, key.protocol) ? h : undefined;
    if (entry === undefined) {
      const ks = this.keys.key(key.mac, key.direction, key.srcIp, key.dstIp, key.srcPort, key.dstPort, key.protocol);
      if (ks !== null) entry = this.flows.get(ks);
    }
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
  drain(options: DrainOptions = {}): FlowLogRecord[] {
    const builder = options.records === false ? null : new RecordBuilder();
    this.builder = builder;
    // No need to visit flows in key order: the builder sorts records, and the tuples in each by
    // their full text, so the output does not depend on the order tuples are placed in.
    for (const [ks, entry] of this.flows) {
      this.drainFlow(entry);
      this.bucketCount -= entry.buckets.length;
      if (entry.buckets.length > 0) entry.buckets = NO_BUCKETS;
      entry.last = null;
      // Ended flows are done; a flow that never got a B (only denied traffic) owes nothing.
      if (entry.endMs !== null || !entry.begun) {
        this.flows.delete(ks);
        entry.live = false;
      }
    }
    this.builder = null;
    return builder === null ? [] : builder.build();
  }

  /** Tuples written (or, with records: false, due) by every drain so far. */
  get tuplesDrained(): number {
    return this.tuples;
  }

  /** What a record needs of this NIC (checked against the NicRef's current fields). */
  private recordNic(nic: NicRef): RecordNic {
    const info = this.nicInfo.get(nic);
    // Cached only under the info of a check that still holds (a NicRef changed since is not
    // marked checked here: checkNewFlow checks it when one of its flows next enters the table).
    const valid = info !== undefined && info.mac === nic.mac && info.flowLogResourceId === nic.flowLogResourceId;
    const cached = valid ? info.record : null;
    if (cached !== null && cached.targetResourceId === nic.targetResourceId) return cached;
    const { canonical, guid } = this.idOf(nic.flowLogResourceId);
    const r: RecordNic = { mac: nic.mac, targetResourceId: nic.targetResourceId, suffix: `${nic.mac}|${canonical}|${nic.targetResourceId}`, canonicalId: canonical, guid };
    if (valid) info.record = r;
    return r;
  }

  /** Places one tuple of `entry`. Zero counters when `c` is null. */
  private put(entry: FlowEntry, nic: RecordNic | null, minute: number, aclId: string, rule: string, state: FlowState, encryption: FlowEncryption, timestampMs: number, c: Counters | null): void {
    this.tuples++;
    const builder = this.builder;
    if (builder === null) return;
    // Few concatenations per tuple (each makes a string): the constant parts come whole from
    // the flow's middle and the (state, encryption) tails.
    const tails = STATE_TAILS[state];
    let tail = tails.get(encryption);
    if (tail === undefined) {
      tail = { zero: `${state},${encryption},0,0,0,0`, prefix: `${state},${encryption},` };
      tails.set(encryption, tail);
    }
    const text =
      c === null
        ? `${timestampMs},${entry.middle!}${tail.zero}`
        : `${timestampMs},${entry.middle!}${tail.prefix}${c.fwdPackets},${c.fwdBytes},${c.revPackets},${c.revBytes}`;
    builder.add(nic!, minute, aclId, rule, timestampMs, state, text);
  }

  private drainFlow(entry: FlowEntry): void {
    const buckets = entry.buckets;
    const ended = entry.endMs !== null;
    // Nothing to write: no traffic this interval and not ended (the common case of a long flow's quiet minute).
    if (buckets.length === 0 && (!ended || !entry.begun)) return;
    const k = entry;
    const nic = this.builder === null ? null : this.recordNic(entry.nic);
    if (nic !== null && entry.middle === null) entry.middle = `${k.srcIp},${k.dstIp},${k.srcPort},${k.dstPort},${k.protocol},${k.direction},`;
    // The first allowed bucket in (minute, firstMs, encryption, aclID, rule) order, ties by creation:
    // it names the B tuple's encryption and ACL.
    let first: Bucket | null = null;
    for (const b of buckets) {
      if (b.denied) {
        this.put(entry, nic, b.minute, b.aclId, b.rule, "D", b.encryption, b.firstMs, b);
        continue;
      }
      if (first === null || bucketBefore(b, first)) first = b;
      // end() may name a time before the flow's last packet; the flow ends after its traffic.
      if (entry.endMs !== null) entry.endMs = Math.max(entry.endMs, b.lastMs);
    }
    if (!entry.begun && entry.firstAllowedMs !== null && first !== null) {
      const startMs = entry.firstAllowedMs;
      this.put(entry, nic, Math.floor(startMs / FLOW_LOG_INTERVAL_MS), first.aclId, first.rule, "B", first.encryption, startMs, null);
      entry.begun = true;
      entry.firstAllowedMs = null;
    }
    const endMinute = entry.endMs === null ? Infinity : Math.floor(entry.endMs / FLOW_LOG_INTERVAL_MS);
    let endBuckets = 0;
    for (const b of buckets) {
      if (b.denied) continue;
      if (b.minute >= endMinute) endBuckets++;
      else this.put(entry, nic, b.minute, b.aclId, b.rule, "C", b.encryption, b.lastMs, b);
    }
    if (entry.endMs !== null && entry.begun) {
      const endMs = entry.endMs;
      if (endBuckets === 0) {
        const last = entry.lastAllowed;
        if (last !== null) this.put(entry, nic, endMinute, last.aclId, last.rule, "E", last.encryption, endMs, null);
      } else {
        // Usually one bucket; more when the encryption value changed in the flow's last minute.
        for (const b of buckets) if (!b.denied && b.minute >= endMinute) this.put(entry, nic, endMinute, b.aclId, b.rule, "E", b.encryption, endMs, b);
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
}
