/**
 * Per-flow state of the data plane: the cached verdict of each direction (the policy is asked
 * again only when the topology changed or a time boundary of the verdict passed), the hosts and
 * NICs the verdict resolved to, and the counters that conservation is checked on.
 */
import type { FlowSpec } from "../scenario/types.js";
import type { Flow } from "../topology/model.js";
import type { FlowEncryption, Verdict } from "../policy/index.js";
import type { FlowHandle, NicRef } from "../flowlog/table.js";
import type { HostOffload } from "./offload.js";
import type { InnerProtocol } from "./packet.js";

/** Why a packet was not delivered. */
export type PacketDropReason =
  /** The policy's verdict drops it (NX_SW_NOT_READY, NX_NOT_ACCEPTED, NX_NOT_SUPPORTED, NX no route...). */
  | "policy"
  /** The tunnel's handshake failed under DropUnencrypted (NX_NOT_ACCEPTED). */
  | "handshake-failed"
  /** The half's pending queue was full while its handshake ran, or the endpoint could not take it. */
  | "queue-full"
  /** Larger than the underlay MTU allows with the encapsulation (Azure drops oversized DF packets). */
  | "mtu-exceeded"
  /** Lost on the wire (fault model). */
  | "loss"
  /** The link between the hosts is partitioned. */
  | "partition"
  /** The sending or receiving host is down (crashed). */
  | "host-down"
  /** Queued in a tunnel that was closed (evicted, idle, VM or host event) before its handshake finished. */
  | "tunnel-closed"
  /** No client port or tunnel slot could be had for a new tunnel. */
  | "table-full"
  /** Sealed into a tunnel but never came out: rejected by the receiving endpoint or discarded when the tunnel ended. */
  | "tunnel-lost"
  /** Still in flight or queued when the run ended (duration reached, or the udp wire's time limit). */
  | "in-flight";

export const PACKET_DROP_REASONS: readonly PacketDropReason[] = Object.freeze([
  "policy", "handshake-failed", "queue-full", "mtu-exceeded", "loss", "partition", "host-down",
  "tunnel-closed", "table-full", "tunnel-lost", "in-flight",
]);

export interface DirectionCounters {
  sent: number;
  delivered: number;
  dropped: number;
  bytesSent: number;
  bytesDelivered: number;
  /** Delivered out of a DTLS record opened by the peer host. */
  encrypted: number;
  /** Delivered in plaintext (VXLAN, or locally on the same host). */
  plaintext: number;
  /** Extra copies the wire delivered (duplication); not counted as delivered. */
  duplicates: number;
  /** Accepted by the sending host onto the wire or for local delivery (flow log: allowed traffic at the sender). */
  forwarded: number;
  /** Dropped because of the encryption policy (flow log D tuples): "policy" + "handshake-failed". */
  denied: number;
  dropReasons: Partial<Record<PacketDropReason, number>>;
  /** Resolved packets per encryption value (delivered: as received; dropped: the sender's value). */
  byEncryption: Partial<Record<FlowEncryption, number>>;
}

export function emptyCounters(): DirectionCounters {
  return { sent: 0, delivered: 0, dropped: 0, bytesSent: 0, bytesDelivered: 0, encrypted: 0, plaintext: 0, duplicates: 0, forwarded: 0, denied: 0, dropReasons: {}, byEncryption: {} };
}

export interface DirState {
  flow: Flow;
  /** flow.srcIp as a number, once a packet of this direction was built (-1: not yet, or flow changed). */
  srcIpN: number;
  verdict: Verdict | null;
  topologyVersion: number;
  validUntilMs: number;
  sender: HostOffload | null;
  receiver: HostOffload | null;
  senderNic: NicRef | null;
  receiverNic: NicRef | null;
  /** Tunnel pair key for an X verdict. */
  pair: string | null;
  pairLo: string;
  pairHi: string;
  /** The sender is the pair member whose name sorts first (its host holds the client half). */
  srcIsLo: boolean;
  counters: DirectionCounters;
}

export interface ExpectationProbe {
  /** Index into the scenario's expectations. */
  expectation: number;
  atMs: number;
  packetIndex: number;
  probe: boolean;
  observed: { encryption: FlowEncryption; action: "deliver" | "drop"; reason: string; via: "tunnel" | "plaintext" | "local" | "none"; atMs: number } | null;
}

export interface FlowState {
  readonly index: number;
  readonly spec: FlowSpec;
  readonly protocol: InnerProtocol;
  readonly srcIpN: number;
  readonly dstIpN: number;
  /** Bytes of each packet on the wire (the spec's size, raised to the marker's minimum). */
  readonly packetBytes: number;
  /** VXLAN source port (RFC 7348 §5: a hash of the inner flow). */
  readonly vxlanPort: number;
  readonly dirs: [DirState, DirState];
  /** Expectation probes of this flow by forward packet index, or null. */
  expect: Map<number, ExpectationProbe[]> | null;
  probes: number;
  /** The sender's or receiver's NIC changed during the run (e.g. a load balancer's backend started). */
  endsChanged: boolean;
  lastActivityMs: number;
  /**
   * Distinct sender outcomes seen (encryption|action|reason -> packets), in the order first seen:
   * the first inline (most flows have one), further ones in `outcomes`, made for a second outcome.
   */
  outcome1: string | null;
  outcome1Packets: number;
  outcomes: Map<string, number> | null;
  /** Packets of both directions resolved (delivered or dropped) so far. */
  resolved: number;
  /** The flow table's handles of this flow at its source NIC (direction O) and destination NIC (I), or null. */
  logO: FlowHandle | null;
  logI: FlowHandle | null;
}

/**
 * The per-reason and per-encryption records of a flow direction before its first count: one
 * frozen object shared by every flow (most directions never drop, one-way flows never answer), so
 * a flow does not allocate four empty objects. countIn() replaces it on the first count; a write
 * that bypassed countIn would throw (modules are strict).
 */
export const NO_COUNTS: Readonly<Record<string, number>> = Object.freeze({});

/** rec with rec[k] + n: rec itself, or a new record when rec is NO_COUNTS. */
export function countIn<K extends string>(rec: Partial<Record<K, number>>, k: K, n = 1): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = rec === NO_COUNTS ? {} : rec;
  out[k] = (out[k] ?? 0) + n;
  return out;
}

function flowCounters(): DirectionCounters {
  return { sent: 0, delivered: 0, dropped: 0, bytesSent: 0, bytesDelivered: 0, encrypted: 0, plaintext: 0, duplicates: 0, forwarded: 0, denied: 0, dropReasons: NO_COUNTS, byEncryption: NO_COUNTS };
}

export function newDirState(flow: Flow): DirState {
  return {
    flow, srcIpN: -1, verdict: null, topologyVersion: -1, validUntilMs: -Infinity, sender: null, receiver: null, senderNic: null,
    receiverNic: null, pair: null, pairLo: "", pairHi: "", srcIsLo: true, counters: flowCounters(),
  };
}
