/**
 * What a run reports per flow (summary.json's "flows"): the verdicts the sender saw, and the
 * counters per direction that conservation is checked on. Plain JSON values, stable key order.
 */
import type { FlowEncryption } from "../policy/index.js";
import type { Protocol } from "../topology/model.js";
import type { DirectionCounters, FlowState, PacketDropReason } from "./flow-state.js";
import { PACKET_DROP_REASONS } from "./flow-state.js";

export interface FlowVerdictSeen {
  encryption: FlowEncryption;
  action: "deliver" | "drop";
  reason: string;
  /** Packets (both directions) the sending host handled with this outcome. */
  packets: number;
}

export interface FlowResult {
  name: string;
  from: string;
  to: string;
  srcIp: string;
  dstIp: string;
  protocol: Protocol;
  srcPort: number;
  dstPort: number;
  pattern: "one-way" | "request-response";
  /** The VMs whose NICs carry the ends (the node for a pod, the backend for a load balancer), null for
   * ends without a NIC (appliances, external addresses); flow logs are written at these NICs. */
  srcVm: string | null;
  dstVm: string | null;
  /** The ends' NICs changed during the run (srcVm/dstVm are the last ones); flow-log totals then split between NICs. */
  endsChanged: boolean;
  /** Distinct outcomes at the sender, most packets first. */
  verdicts: FlowVerdictSeen[];
  /** Both directions together. */
  sent: number;
  delivered: number;
  dropped: number;
  droppedBy: Partial<Record<PacketDropReason, number>>;
  bytesSent: number;
  bytesDelivered: number;
  /** Delivered out of a DTLS record. */
  encryptedPackets: number;
  /** Delivered in plaintext (VXLAN or on the same host). */
  plaintextPackets: number;
  duplicates: number;
  /** Expectation probes: extra one-way packets sent at an expectation's time when no workload packet was. */
  probes: number;
  forward: DirectionCounters;
  reverse: DirectionCounters;
}

/** Own keys of a counter record, counted up to 2 (records hold few keys). */
function keysUpTo2(r: object): number {
  let n = 0;
  for (const k in r) {
    if (Object.hasOwn(r, k) && ++n === 2) break;
  }
  return n;
}

function sortedRecord<K extends string>(r: Partial<Record<K, number>>, order: readonly K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  // Most records are empty or hold one key: skip the walk over the whole order for those.
  const n = keysUpTo2(r);
  if (n === 0) return out;
  if (n === 1) {
    for (const k in r) {
      if (Object.hasOwn(r, k) && (r[k] ?? 0) > 0 && order.includes(k)) out[k] = r[k];
    }
    return out;
  }
  for (const k of order) if ((r[k] ?? 0) > 0) out[k] = r[k];
  return out;
}

/** Outcome keys ("encryption|action|reason", FlowState.outcomes) parsed once for every flow (cleared past it). */
export const OUTCOME_KEY_CACHE_MAX = 4096;
type ParsedOutcome = Pick<FlowVerdictSeen, "encryption" | "action" | "reason">;
const parsedOutcomes = new Map<string, ParsedOutcome>();

function parseOutcome(k: string): ParsedOutcome {
  let p = parsedOutcomes.get(k);
  if (p === undefined) {
    const [encryption, action, reason] = k.split("|") as [FlowEncryption, "deliver" | "drop", string];
    p = { encryption, action, reason };
    if (parsedOutcomes.size >= OUTCOME_KEY_CACHE_MAX) parsedOutcomes.clear();
    parsedOutcomes.set(k, p);
  }
  return p;
}

/** Outcome keys whose parse is cached (at most OUTCOME_KEY_CACHE_MAX). */
export function cachedOutcomeKeys(): number {
  return parsedOutcomes.size;
}

const ENCRYPTION_ORDER: readonly FlowEncryption[] = ["X", "NX", "NX_HW_NOT_SUPPORTED", "NX_SW_NOT_READY", "NX_NOT_ACCEPTED", "NX_NOT_SUPPORTED", "NX_LOCAL_DST", "NX_FALLBACK"];

/** A copy with the records in a stable key order; the fields in DirectionCounters' order (summary.json's bytes). */
function cleanCounters(c: DirectionCounters): DirectionCounters {
  return {
    sent: c.sent,
    delivered: c.delivered,
    dropped: c.dropped,
    bytesSent: c.bytesSent,
    bytesDelivered: c.bytesDelivered,
    encrypted: c.encrypted,
    plaintext: c.plaintext,
    duplicates: c.duplicates,
    forwarded: c.forwarded,
    denied: c.denied,
    dropReasons: sortedRecord(c.dropReasons, PACKET_DROP_REASONS),
    byEncryption: sortedRecord(c.byEncryption, ENCRYPTION_ORDER),
  };
}

export function flowResult(fs: FlowState): FlowResult {
  const f = fs.spec.flow;
  const a = fs.dirs[0].counters;
  const b = fs.dirs[1].counters;
  const droppedBy: Partial<Record<PacketDropReason, number>> = {};
  if (keysUpTo2(a.dropReasons) + keysUpTo2(b.dropReasons) > 0) {
    for (const r of PACKET_DROP_REASONS) {
      const n = (a.dropReasons[r] ?? 0) + (b.dropReasons[r] ?? 0);
      if (n > 0) droppedBy[r] = n;
    }
  }
  const verdicts: FlowVerdictSeen[] = [];
  if (fs.outcome1 !== null) {
    const p = parseOutcome(fs.outcome1);
    verdicts.push({ encryption: p.encryption, action: p.action, reason: p.reason, packets: fs.outcome1Packets });
  }
  if (fs.outcomes !== null) {
    for (const [k, packets] of fs.outcomes) {
      const p = parseOutcome(k);
      verdicts.push({ encryption: p.encryption, action: p.action, reason: p.reason, packets });
    }
  }
  if (verdicts.length > 1) {
    verdicts.sort((x, y) => y.packets - x.packets || (x.encryption < y.encryption ? -1 : x.encryption > y.encryption ? 1 : 0) || (x.reason < y.reason ? -1 : x.reason > y.reason ? 1 : 0));
  }
  return {
    name: fs.spec.name,
    from: fs.spec.from,
    to: fs.spec.to,
    srcIp: f.srcIp,
    dstIp: f.dstIp,
    protocol: f.protocol,
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    pattern: fs.spec.pattern,
    srcVm: fs.dirs[0].senderNic?.vm ?? null,
    dstVm: fs.dirs[0].receiverNic?.vm ?? null,
    endsChanged: fs.endsChanged,
    verdicts,
    sent: a.sent + b.sent,
    delivered: a.delivered + b.delivered,
    dropped: a.dropped + b.dropped,
    droppedBy,
    bytesSent: a.bytesSent + b.bytesSent,
    bytesDelivered: a.bytesDelivered + b.bytesDelivered,
    encryptedPackets: a.encrypted + b.encrypted,
    plaintextPackets: a.plaintext + b.plaintext,
    duplicates: a.duplicates + b.duplicates,
    probes: fs.probes,
    forward: cleanCounters(a),
    reverse: cleanCounters(b),
  };
}

/** Conservation of one direction: sent = delivered + dropped, dropped = sum by reason. Returns the violations. */
export function conservationViolations(name: string, c: DirectionCounters): string[] {
  const out: string[] = [];
  let byReason = 0;
  for (const r of PACKET_DROP_REASONS) byReason += c.dropReasons[r] ?? 0;
  if (c.sent !== c.delivered + c.dropped) out.push(`${name}: sent ${c.sent} != delivered ${c.delivered} + dropped ${c.dropped}`);
  if (c.dropped !== byReason) out.push(`${name}: dropped ${c.dropped} != sum by reason ${byReason}`);
  if (c.delivered !== c.encrypted + c.plaintext) out.push(`${name}: delivered ${c.delivered} != encrypted ${c.encrypted} + plaintext ${c.plaintext}`);
  return out;
}
