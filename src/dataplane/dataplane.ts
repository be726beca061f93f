/**
 * The data plane: the packet path through the host offloads, the tunnels and the wire.
 *
 * Send (emit), for one packet of one flow direction, at the sending VM's host:
 *   1. the verdict: decide() on the current topology, cached per flow direction until the topology
 *      changes or a VM's start / not-ready boundary passes;
 *   2. the sending host is down -> "host-down"; the verdict drops -> "policy" (flow log D);
 *   3. both ends on one host (NX_LOCAL_DST) -> delivered locally, never on the wire;
 *   4. X -> MTU check with the suite's record overhead, then the pair's tunnel: found, or opened
 *      (evicting the least recently used past tunnelsPerHost); connected -> the inner packet is
 *      built in the host's scratch buffer and sealed into one DTLS record; handshaking -> queued
 *      (bounded, "queue-full" past it); failed and in back-off -> outcomeFor("handshake-failed",
 *      enforcement): NX_FALLBACK plaintext or NX_NOT_ACCEPTED drop;
 *   5. any other delivered value -> MTU check, then VXLAN to the receiving host (or the edge).
 * Receive: a DTLS record opened by the peer half ("data" event) or a VXLAN datagram; the inner
 * packet's marker names the flow and packet, which is resolved exactly once (a second copy from a
 * duplicating wire counts as a duplicate). Everything the wire loses is resolved as dropped with the
 * wire's reason; what never comes out of a tunnel is resolved at the end ("tunnel-lost").
 * Conservation, per flow direction: sent = delivered + dropped, and dropped splits by reason.
 */
import { decide, outcomeFor, type FlowEncryption, type Reason, type Verdict } from "../policy/index.js";
import { DtlsEndpoint } from "../dtls/endpoint.js";
import type { Clock } from "../dtls/api.js";
import type { CipherSuiteName } from "../dtls/api.js";
import type { Enforcement, Flow, Topology, Vm } from "../topology/model.js";
import type { FlowKey, FlowObservation, FlowTable, NicRef } from "../flowlog/table.js";
import { flowLogResourceId } from "../flowlog/ids.js";
import type { FaultModel } from "../../sim/faults.js";
import type { Simulator } from "../../sim/engine.js";
import { dtlsRngFrom, type SeededRng } from "../../sim/rng.js";
import type { FlowSpec } from "../scenario/types.js";
import { flowHash } from "../policy/hash.js";
import { ContentType } from "../dtls/constants.js";
import { KeyService } from "./keys.js";
import { HostOffload } from "./offload.js";
import { Tunnel, TunnelHalf, pairKey, type HalfSink, type PendingPacket } from "./tunnel.js";
import { DTLS_SERVER_PORT, VXLAN_ENCAP_BYTES, VXLAN_UDP_PORT, vxlanInnerOffset, vxlanSourcePort, writeVxlanEthernet } from "./encap.js";
import { IP_PROTOCOL, ipv4Number, minInnerPacketBytes, parseInnerPacket, writeInnerPacketN, type InnerProtocol } from "./packet.js";
import { encryptedInnerBytesMax, type DataplaneSettings } from "./settings.js";
import { countIn, newDirState, type DirState, type ExpectationProbe, type FlowState, type PacketDropReason } from "./flow-state.js";
import type { Wire, WireDropReason, WireSink } from "./wire.js";

/** Underlay address of the edge: where traffic to and from endpoints without a host (appliances,
 * external addresses, the AKS control plane) enters and leaves the hosts (100.64/10, RFC 6598). */
export const EDGE_UNDERLAY_IP = "100.127.255.254";
export const EDGE_HOST_NAME = "edge";
/** Flow ids are flowIndex * 2 + direction and packet keys flowId * 2^32 + index: at most 2^20 flows stay exact in a double. */
export const DATAPLANE_FLOWS_MAX = 2 ** 20;
/** Hosts (plus the edge) one data plane serves. */
export const DATAPLANE_HOSTS_MAX = 1_000_000;
const TWO_POW_32 = 4_294_967_296;
/** IPv4 texts whose parsed numbers a data plane keeps (cleared past it). */
export const DATAPLANE_IP_CACHE_MAX = 65_536;
/** MAC written for an inner Ethernet end that has no NIC (the edge), locally administered. */
const EDGE_MAC = "02000000FFFE";

export interface DataPlaneOptions {
  sim: Simulator;
  topology: Topology;
  tunnelScope: "vm-pair" | "host-pair";
  settings: DataplaneSettings;
  faults: FaultModel;
  /** Root stream; each tunnel forks its own from the pair and generation. */
  rng: SeededRng;
  keyService: KeyService;
  /** Hosts whose view of the key service is stale (derive other keys): their handshakes fail. */
  staleKeyHosts?: readonly string[];
  flowTable: FlowTable | null;
  keyLog?: (line: string) => void;
  enforcement?: Enforcement;
}

/** What happens to a packet in flight (sealed into a tunnel or put on the wire in plaintext). */
interface InFlight {
  flow: FlowState;
  dir: 0 | 1;
  index: number;
  bytes: number;
  encryption: FlowEncryption;
  reason: string;
}

export interface TunnelCounters {
  opened: number;
  established: number;
  failed: number;
  rekeys: number;
  evicted: number;
  idleClosed: number;
  eventClosed: number;
  handshakes: number;
  retransmissions: number;
  /** Handshake attempts refused because the pair was in its back-off (packets took the fallback). */
  fallbackPackets: number;
}

export interface PacketCounters {
  sent: number;
  delivered: number;
  dropped: number;
  duplicates: number;
  dropReasons: Partial<Record<PacketDropReason, number>>;
  /** Datagrams that reached a host but matched no tunnel half (other than alerts). */
  strayDatagrams: number;
  /** Alert records (close_notify at teardown) that arrived after their tunnel half was gone. */
  lateAlerts: number;
  /** A plaintext datagram whose sender stamped X: must never happen (tests assert 0). */
  plaintextLeaks: number;
}

function bump<K extends string>(rec: Partial<Record<K, number>>, k: K, n = 1): void {
  rec[k] = (rec[k] ?? 0) + n;
}

function protocolOf(p: Flow["protocol"]): InnerProtocol {
  return p;
}

function reverseFlow(f: Flow, fwd: Verdict | null): Flow {
  return { srcIp: fwd?.dst?.ip ?? f.dstIp, dstIp: f.srcIp, protocol: f.protocol, srcPort: f.dstPort, dstPort: f.srcPort };
}

function withEnforcement(t: Topology, e: Enforcement | undefined): Topology {
  if (e === undefined) return t;
  return { ...t, vnets: t.vnets.map((v) => (v.encryption.enforcement === e ? v : { ...v, encryption: { ...v.encryption, enforcement: e } })) };
}

export class DataPlane implements WireSink<HostOffload>, HalfSink {
  readonly sim: Simulator;
  readonly settings: DataplaneSettings;
  readonly tunnelScope: "vm-pair" | "host-pair";
  /** Flows held, by flow index (released flows leave: releaseFlow). */
  private readonly flows = new Map<number, FlowState>();
  /** The index addFlow gives a flow when the caller names none. */
  private nextFlowIndex = 0;
  readonly tunnelStats: TunnelCounters = { opened: 0, established: 0, failed: 0, rekeys: 0, evicted: 0, idleClosed: 0, eventClosed: 0, handshakes: 0, retransmissions: 0, fallbackPackets: 0 };
  readonly packetStats: PacketCounters = { sent: 0, delivered: 0, dropped: 0, duplicates: 0, dropReasons: {}, strayDatagrams: 0, lateAlerts: 0, plaintextLeaks: 0 };
  /** Bytes the DTLS layer put on the wire beyond the inner packets it carried (headers, nonces, tags, handshakes, alerts). */
  dtlsWireBytes = 0;
  dtlsInnerBytes = 0;

  private topology: Topology;
  private topologyVersion = 0;
  private vms = new Map<string, Vm>();
  private readonly hosts = new Map<string, HostOffload>();
  private readonly hostList: HostOffload[] = [];
  readonly edge: HostOffload;
  /** VM name -> IP -> its NIC (null: none); two lookups instead of a key string per verdict. */
  private readonly nicCache = new Map<string, Map<string, NicRef | null>>();
  private readonly ipNumbers = new Map<string, number>();
  private readonly vniByVnet = new Map<string, number>();
  private readonly faults: FaultModel;
  private readonly rng: SeededRng;
  private readonly keyService: KeyService;
  private readonly staleKeys: KeyService;
  private readonly staleKeyHosts: ReadonlySet<string>;
  private readonly flowTable: FlowTable | null;
  private readonly keyLog: ((line: string) => void) | undefined;
  private readonly enforcement: Enforcement | undefined;
  private readonly encMax: number;
  private wire: Wire<HostOffload> | null = null;
  private readonly inFlight = new Map<number, InFlight>();
  /** Every live tunnel (also failed markers) by pair key. */
  private readonly tunnels = new Map<string, Tunnel>();
  private readonly generations = new Map<string, number>();
  private readonly pairFailures = new Map<string, number>();
  /** Called after each packet of a flow is resolved (delivered or dropped); the runner ends finished flows in the flow log. */
  onResolved: ((fs: FlowState) => void) | null = null;
  /** The packet being sealed right now: the next application-data datagram carries it. */
  private tag = -1;
  private readonly swWindowMs: number;
  private readonly obs: FlowObservation = {
    tMs: 0, nic: null as unknown as NicRef, direction: "O", srcIp: "", dstIp: "", srcPort: 0, dstPort: 0, protocol: 0,
    encryption: "NX", denied: false, fwdPackets: 0, fwdBytes: 0, revPackets: 0, revBytes: 0,
  };
  private readonly endKey: FlowKey = { mac: "", direction: "O", srcIp: "", dstIp: "", srcPort: 0, dstPort: 0, protocol: 0 };
  /** Outcome keys (FlowState.outcomes) by encryption, then reason. */
  private readonly deliverKeys = new Map<string, Map<string, string>>();
  private readonly dropKeys = new Map<string, Map<string, string>>();
  /** One function for every tunnel's idle event (no closure per tunnel or packet). */
  private readonly idleFn = (t: Tunnel): void => this.onIdleCheck(t);
  /** One function for every tunnel's rekeyed event. */
  private readonly rekeyedFn = (): void => {
    this.tunnelStats.rekeys++;
  };
  /** Endpoint options every tunnel half shares (the endpoint copies what it keeps: config.ts). */
  private readonly endpointCommon: { clock: Clock; suites: CipherSuiteName[]; limits: { retransmitInitialMs: number; retransmitCountMax: number; retransmitMaxMs: number }; rekey: DataplaneSettings["rekey"]; mtuBytes: number };

  constructor(o: DataPlaneOptions) {
    this.sim = o.sim;
    this.settings = o.settings;
    this.tunnelScope = o.tunnelScope;
    this.faults = o.faults;
    this.rng = o.rng;
    this.keyService = o.keyService;
    // A stale view: the same service one root rotation behind (a different root secret).
    const stale = new Uint8Array(32);
    o.rng.fork("keys/stale").fill(stale);
    this.staleKeys = new KeyService(stale);
    this.staleKeyHosts = new Set(o.staleKeyHosts ?? []);
    this.flowTable = o.flowTable;
    this.keyLog = o.keyLog;
    this.enforcement = o.enforcement;
    this.encMax = encryptedInnerBytesMax(o.settings.mtuBytes, o.settings.suite);
    this.swWindowMs = o.topology.settings.swNotReadyWindowMs;
    const s = o.settings;
    this.endpointCommon = {
      clock: o.sim.clock(),
      suites: [s.suite],
      limits: { retransmitInitialMs: s.handshakeRetransmitInitialMs, retransmitCountMax: s.handshakeRetransmits, retransmitMaxMs: Math.max(s.handshakeRetransmitInitialMs, 60_000) },
      rekey: s.rekey,
      // Handshake fragments fit the underlay MTU less the IPv4 (RFC 791 §3.1, 20 bytes) and UDP (RFC 768, 8 bytes) headers, at most 1232 bytes.
      mtuBytes: Math.min(1232, s.mtuBytes - 28),
    };
    this.edge = new HostOffload(0, EDGE_HOST_NAME, EDGE_UNDERLAY_IP, "global", this.keyService);
    this.hostList.push(this.edge);
    this.topology = withEnforcement(o.topology, o.enforcement);
    o.topology.vnets.forEach((v, i) => this.vniByVnet.set(v.name, (i + 1) & 0xffffff));
    this.onTopology();
  }

  attachWire(wire: Wire<HostOffload>): void {
    this.wire = wire;
  }

  get currentTopology(): Topology {
    return this.topology;
  }

  /** Every host offload (index 0 is the edge). */
  get hostOffloads(): readonly HostOffload[] {
    return this.hostList;
  }

  hostByName(name: string): HostOffload | undefined {
    return this.hosts.get(name);
  }

  get liveTunnels(): number {
    return this.tunnels.size;
  }

  /** Tunnels with this pair key (for tests and reports). */
  tunnelFor(pair: string): Tunnel | undefined {
    return this.tunnels.get(pair);
  }

  private onTopology(): void {
    this.topologyVersion++;
    this.vms = new Map(this.topology.vms.map((v) => [v.name, v]));
    for (const h of this.topology.hosts) {
      if (this.hosts.has(h.name)) continue;
      if (this.hostList.length >= DATAPLANE_HOSTS_MAX) throw new RangeError(`DataPlane: more than ${DATAPLANE_HOSTS_MAX} hosts (DATAPLANE_HOSTS_MAX)`);
      const keys = this.staleKeyHosts.has(h.name) ? this.staleKeys : this.keyService;
      const off = new HostOffload(this.hostList.length, h.name, h.underlayIp, h.region, keys);
      this.hosts.set(h.name, off);
      this.hostList.push(off);
    }
  }

  // ---- flows ----

  /**
   * A flow's state, under `index` (default: one past the last index given). Indices name the flow in
   * packet keys, so each must be below DATAPLANE_FLOWS_MAX and held by one flow at a time.
   */
  addFlow(spec: FlowSpec, index: number = this.nextFlowIndex): FlowState {
    if (!Number.isSafeInteger(index) || index < 0 || index >= DATAPLANE_FLOWS_MAX) {
      throw new RangeError(`DataPlane.addFlow: flow index expected an integer in [0, ${DATAPLANE_FLOWS_MAX}) (DATAPLANE_FLOWS_MAX); expected fewer flows, got index ${index} for flow ${JSON.stringify(spec.name)}`);
    }
    if (this.flows.has(index)) throw new RangeError(`DataPlane.addFlow: flow index ${index} is already held (flow ${JSON.stringify(spec.name)}); expected a free index`);
    this.nextFlowIndex = Math.max(this.nextFlowIndex, index + 1);
    const protocol = protocolOf(spec.flow.protocol);
    const fs: FlowState = {
      index,
      spec,
      protocol,
      srcIpN: this.ipNumber(spec.flow.srcIp, "srcIp"),
      dstIpN: this.ipNumber(spec.flow.dstIp, "dstIp"),
      packetBytes: Math.max(spec.sizeBytes, minInnerPacketBytes(protocol)),
      vxlanPort: vxlanSourcePort(flowHash(spec.flow, 0x7e5)),
      dirs: [newDirState(spec.flow), newDirState(spec.flow)],
      expect: null,
      probes: 0,
      endsChanged: false,
      lastActivityMs: -1,
      outcome1: null,
      outcome1Packets: 0,
      outcomes: null,
      resolved: 0,
      logO: null,
      logI: null,
    };
    this.flows.set(index, fs);
    return fs;
  }

  /** An IPv4 text as a number, from a bounded cache (flows of one VM share its address). */
  private ipNumber(ip: string, what: string): number {
    const hit = this.ipNumbers.get(ip);
    if (hit !== undefined) return hit;
    const n = ipv4Number(ip, what);
    if (this.ipNumbers.size >= DATAPLANE_IP_CACHE_MAX) this.ipNumbers.clear();
    this.ipNumbers.set(ip, n);
    return n;
  }

  /** The source address of a response packet (the forward verdict's destination), parsed once per verdict. */
  private replySrcIpN(d: DirState): number {
    if (d.srcIpN < 0) d.srcIpN = this.ipNumber(d.flow.srcIp, "srcIp");
    return d.srcIpN;
  }

  /** IPv4 texts whose numbers are cached (at most DATAPLANE_IP_CACHE_MAX). */
  get cachedIps(): number {
    return this.ipNumbers.size;
  }

  /**
   * Ends flow `fs` in the flow table at its last activity, at both NICs (its source NIC "O", its
   * destination NIC "I"), as the runner does for a finished flow; the flow's handles spare the
   * table a key string per end. Nothing when there is no table or the flow never had a packet.
   */
  endFlowLog(fs: FlowState): void {
    const table = this.flowTable;
    if (table === null || fs.lastActivityMs < 0) return;
    const f = fs.spec.flow;
    const d = fs.dirs[0];
    // One key object reused for every end: FlowTable.end does not keep it.
    const k = this.endKey;
    k.srcIp = f.srcIp;
    k.dstIp = f.dstIp;
    k.srcPort = f.srcPort;
    k.dstPort = f.dstPort;
    k.protocol = IP_PROTOCOL[fs.protocol];
    if (d.senderNic !== null) {
      k.mac = d.senderNic.mac;
      k.direction = "O";
      table.end(fs.lastActivityMs, k, fs.logO);
    }
    if (d.receiverNic !== null) {
      k.mac = d.receiverNic.mac;
      k.direction = "I";
      table.end(fs.lastActivityMs, k, fs.logI);
    }
  }

  /** Flows currently held. */
  get flowCount(): number {
    return this.flows.size;
  }

  /** The flows currently held, in the order they were added. */
  heldFlows(): FlowState[] {
    return [...this.flows.values()];
  }

  /** The state of flow `index`, or undefined when it was never added or was released. */
  flowAt(index: number): FlowState | undefined {
    return this.flows.get(index);
  }

  /**
   * Forgets a flow whose packets are all resolved, so a long run holds only its live flows. A late
   * duplicate of one of its packets then counts in packetStats only.
   */
  releaseFlow(fs: FlowState): void {
    if (this.flows.get(fs.index) === fs) this.flows.delete(fs.index);
  }

  /** The verdict of one direction, from the cache when still valid. */
  verdictFor(fs: FlowState, dir: 0 | 1): Verdict {
    const d = fs.dirs[dir];
    const now = this.sim.nowMs;
    if (d.verdict !== null && d.topologyVersion === this.topologyVersion && now < d.validUntilMs) return d.verdict;
    if (dir === 1) {
      d.flow = reverseFlow(fs.spec.flow, this.verdictFor(fs, 0));
      d.srcIpN = -1;
    }
    const v = decide(d.flow, this.topology, now);
    const first = d.verdict === null;
    d.verdict = v;
    d.validUntilMs = Math.min(this.boundaryAfter(v.src?.vm ?? null, now), this.boundaryAfter(v.dst?.vm ?? null, now));
    d.sender = this.hostFor(v.src?.host ?? null);
    d.receiver = this.hostFor(v.dst?.host ?? null);
    const senderNic = v.src === null ? null : this.nicFor(v.src.vm, v.src.ip);
    const receiverNic = v.dst === null ? null : this.nicFor(v.dst.vm, v.dst.ip);
    // The NICs a flow is logged at can change over its life (a load balancer's backend starts, a
    // VM is redeployed): reports say so, since per-NIC totals then split between NICs.
    if (!first && (senderNic !== d.senderNic || receiverNic !== d.receiverNic)) fs.endsChanged = true;
    d.topologyVersion = this.topologyVersion;
    d.senderNic = senderNic;
    d.receiverNic = receiverNic;
    if (v.encryption === "X" && v.src !== null && v.dst !== null) {
      const a = this.pairMember(v.src);
      const b = this.pairMember(v.dst);
      d.pair = pairKey(a, b);
      d.pairLo = a <= b ? a : b;
      d.pairHi = a <= b ? b : a;
      d.srcIsLo = a <= b;
    } else {
      d.pair = null;
    }
    return v;
  }

  /**
   * The name an end contributes to a tunnel's pair key: its VM (the node of a pod, the hosting VM of
   * PaaS), or its own name when it has none (an appliance the policy lets encrypt); with
   * tunnelScope host-pair its host, or the edge for ends without one.
   */
  private pairMember(e: NonNullable<Verdict["src"]>): string {
    return this.tunnelScope === "host-pair" ? e.host ?? EDGE_HOST_NAME : e.vm ?? e.name;
  }

  /** The next time a verdict involving this VM may change by itself (its start, the end of its not-ready window). */
  private boundaryAfter(vmName: string | null, now: number): number {
    if (vmName === null) return Infinity;
    const s = this.vms.get(vmName)?.lastStartedAtMs ?? null;
    if (s === null) return Infinity;
    if (now < s) return s;
    if (now < s + this.swWindowMs) return s + this.swWindowMs;
    return Infinity;
  }

  private hostFor(name: string | null): HostOffload {
    if (name === null) return this.edge;
    return this.hosts.get(name) ?? this.edge;
  }

  private nicFor(vmName: string | null, ip: string): NicRef | null {
    if (vmName === null) return null;
    let byIp = this.nicCache.get(vmName);
    if (byIp === undefined) {
      byIp = new Map();
      this.nicCache.set(vmName, byIp);
    }
    const hit = byIp.get(ip);
    if (hit !== undefined) return hit;
    const vm = this.vms.get(vmName);
    let ref: NicRef | null = null;
    if (vm !== undefined && vm.nics.length > 0) {
      const nic = vm.nics.find((n) => n.ipConfigs.some((c) => c.privateIp === ip)) ?? vm.nics[0]!;
      const cfg = nic.ipConfigs.find((c) => c.privateIp === ip) ?? nic.ipConfigs.find((c) => c.primary) ?? nic.ipConfigs[0];
      const vnetName = cfg?.subnet.split("/")[0] ?? "";
      const vnet = this.topology.vnets.find((v) => v.name === vnetName);
      if (vnet !== undefined) {
        ref = {
          mac: nic.macAddress,
          vm: vm.name,
          targetResourceId: `/subscriptions/${vnet.subscriptionId}/resourceGroups/${vnet.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${vnet.name}`,
          flowLogResourceId: flowLogResourceId({ subscriptionId: vnet.subscriptionId, region: vnet.region, name: `flowlog-${vnet.name}` }),
          region: vnet.region,
          subscriptionId: vnet.subscriptionId,
        };
      }
    }
    byIp.set(ip, ref);
    return ref;
  }

  // ---- send path ----

  /** One packet of flow `fs` in direction `dir` (0 request, 1 response), index within that direction. */
  emit(fs: FlowState, dir: 0 | 1, index: number): void {
    const v = this.verdictFor(fs, dir);
    const d = fs.dirs[dir];
    const bytes = fs.packetBytes;
    const c = d.counters;
    c.sent++;
    c.bytesSent += bytes;
    this.packetStats.sent++;
    fs.lastActivityMs = this.sim.nowMs;
    const sender = d.sender!;
    if (sender !== this.edge && !this.faults.isHostUp(sender.name)) {
      this.drop(fs, dir, index, v.encryption, v.reason, "host-down", false);
      return;
    }
    if (v.action === "drop") {
      this.drop(fs, dir, index, v.encryption, v.reason, "policy", true);
      return;
    }
    // X between two ends on one host cannot come from decide() (same-host precedes it) except for
    // two host-less ends (both at the edge): they still get a tunnel, whose halves share the edge.
    if (v.encryption === "X" && d.pair !== null) {
      this.tunnelSend(fs, dir, index, v);
      return;
    }
    if (d.receiver === sender) {
      this.forwarded(fs, dir, v.encryption, v.reason);
      this.deliver({ flow: fs, dir, index, bytes, encryption: v.encryption, reason: v.reason }, "local");
      return;
    }
    this.plainSend(fs, dir, index, v.encryption, v.reason);
  }

  private outcome(fs: FlowState, encryption: FlowEncryption, action: "deliver" | "drop", reason: string): void {
    // The key string is made once per (encryption, action, reason), not per packet: the values
    // come from closed sets (FlowEncryption, the policy's reasons, PacketDropReason).
    const byEnc = action === "deliver" ? this.deliverKeys : this.dropKeys;
    let byReason = byEnc.get(encryption);
    if (byReason === undefined) {
      byReason = new Map();
      byEnc.set(encryption, byReason);
    }
    let k = byReason.get(reason);
    if (k === undefined) {
      k = `${encryption}|${action}|${reason}`;
      byReason.set(reason, k);
    }
    if (fs.outcome1 === k) fs.outcome1Packets++;
    else if (fs.outcome1 === null) {
      fs.outcome1 = k;
      fs.outcome1Packets = 1;
    } else {
      const more = (fs.outcomes ??= new Map());
      more.set(k, (more.get(k) ?? 0) + 1);
    }
  }

  /** The sending host accepted the packet onto the wire (or local delivery): flow log at the sender. */
  private forwarded(fs: FlowState, dir: 0 | 1, encryption: FlowEncryption, reason: string): void {
    const d = fs.dirs[dir];
    d.counters.forwarded++;
    this.outcome(fs, encryption, "deliver", reason);
    this.observe(fs, dir, d.senderNic, true, encryption, false);
  }

  private observe(fs: FlowState, dir: 0 | 1, nic: NicRef | null, atSender: boolean, encryption: FlowEncryption, denied: boolean): void {
    const table = this.flowTable;
    if (table === null || nic === null) return;
    const f = fs.spec.flow;
    // The flow's NIC at its source logs direction O, at its destination I; responses count as dst->src.
    const atSource = dir === 0 ? atSender : !atSender;
    const b = fs.packetBytes;
    // One observation object reused for every packet: FlowTable.observe copies what it keeps.
    const o = this.obs;
    o.tMs = this.sim.nowMs;
    o.nic = nic;
    o.direction = atSource ? "O" : "I";
    o.srcIp = f.srcIp;
    o.dstIp = f.dstIp;
    o.srcPort = f.srcPort;
    o.dstPort = f.dstPort;
    o.protocol = IP_PROTOCOL[fs.protocol];
    o.encryption = encryption;
    o.denied = denied;
    o.fwdPackets = dir === 0 ? 1 : 0;
    o.fwdBytes = dir === 0 ? b : 0;
    o.revPackets = dir === 1 ? 1 : 0;
    o.revBytes = dir === 1 ? b : 0;
    // The flow's handle at this NIC and direction is the hint (the table ignores a stale one).
    if (atSource) fs.logO = table.observe(o, fs.logO);
    else fs.logI = table.observe(o, fs.logI);
  }

  /**
   * Resolves a packet as dropped. `atSender`: the sending host dropped it (it never reached the
   * wire), so it is one of the sender's outcomes; drops on the wire or inside a tunnel are not
   * (the sender's outcome was "deliver").
   */
  private drop(fs: FlowState, dir: 0 | 1, index: number, encryption: FlowEncryption, reason: string, why: PacketDropReason, denied: boolean, atSender = true): void {
    const d = fs.dirs[dir];
    const c = d.counters;
    c.dropped++;
    c.dropReasons = countIn(c.dropReasons, why);
    c.byEncryption = countIn(c.byEncryption, encryption);
    if (atSender) this.outcome(fs, encryption, "drop", denied ? reason : why);
    if (denied) {
      c.denied++;
      this.observe(fs, dir, d.senderNic, true, encryption, true);
    }
    this.packetStats.dropped++;
    bump(this.packetStats.dropReasons, why);
    fs.lastActivityMs = this.sim.nowMs;
    if (dir === 0 && fs.expect !== null) this.observeExpectation(fs, index, { encryption, action: "drop", reason: why === "policy" ? reason : why === "handshake-failed" ? "handshake-failed" : why, via: "none" });
    fs.resolved++;
    this.onResolved?.(fs);
  }

  private deliver(p: InFlight, via: "tunnel" | "plaintext" | "local"): void {
    const { flow: fs, dir } = p;
    const d = fs.dirs[dir];
    const c = d.counters;
    const observed: FlowEncryption = via === "tunnel" ? "X" : p.encryption;
    if (via !== "tunnel" && p.encryption === "X") this.packetStats.plaintextLeaks++;
    c.delivered++;
    c.bytesDelivered += p.bytes;
    if (via === "tunnel") c.encrypted++;
    else c.plaintext++;
    c.byEncryption = countIn(c.byEncryption, observed);
    this.packetStats.delivered++;
    fs.lastActivityMs = this.sim.nowMs;
    this.observe(fs, dir, d.receiverNic, false, observed, false);
    if (dir === 0 && fs.expect !== null) this.observeExpectation(fs, p.index, { encryption: observed, action: "deliver", reason: p.reason, via });
    fs.resolved++;
    this.onResolved?.(fs);
  }

  private observeExpectation(fs: FlowState, index: number, o: Omit<NonNullable<ExpectationProbe["observed"]>, "atMs">): void {
    const list = fs.expect!.get(index);
    if (list === undefined) return;
    for (const e of list) if (e.observed === null) e.observed = { ...o, atMs: this.sim.nowMs };
  }

  private packetKey(fs: FlowState, dir: 0 | 1, index: number): number {
    return (fs.index * 2 + dir) * TWO_POW_32 + index;
  }

  private plainSend(fs: FlowState, dir: 0 | 1, index: number, encryption: FlowEncryption, reason: string): void {
    const d = fs.dirs[dir];
    const bytes = fs.packetBytes;
    if (bytes > this.settings.mtuBytes) {
      this.drop(fs, dir, index, encryption, reason, "mtu-exceeded", false);
      return;
    }
    this.forwarded(fs, dir, encryption, reason);
    const sender = d.sender!;
    const receiver = d.receiver!;
    const buf = new Uint8Array(VXLAN_ENCAP_BYTES + bytes);
    const vni = this.vniByVnet.get(d.verdict?.src?.vnet ?? d.verdict?.dst?.vnet ?? "") ?? 0;
    writeVxlanEthernet(buf, vni, d.receiverNic?.mac ?? EDGE_MAC, d.senderNic?.mac ?? EDGE_MAC);
    const srcIpN = dir === 0 ? fs.srcIpN : this.replySrcIpN(d);
    const dstIpN = dir === 0 ? fs.dstIpN : fs.srcIpN;
    writeInnerPacketN(buf, VXLAN_ENCAP_BYTES, srcIpN, dstIpN, fs.protocol, d.flow.srcPort, d.flow.dstPort, fs.index * 2 + dir, index, bytes);
    const key = this.packetKey(fs, dir, index);
    this.inFlight.set(key, { flow: fs, dir, index, bytes, encryption, reason });
    this.wire!.send(sender, receiver, fs.vxlanPort, VXLAN_UDP_PORT, buf, key);
  }

  private fallback(fs: FlowState, dir: 0 | 1, index: number, v: Verdict): void {
    this.tunnelStats.fallbackPackets++;
    const o = outcomeFor("handshake-failed", v.enforcement);
    if (o.action === "deliver") this.plainSend(fs, dir, index, o.encryption, "handshake-failed");
    else this.drop(fs, dir, index, o.encryption, "handshake-failed", "handshake-failed", true);
  }

  private tunnelSend(fs: FlowState, dir: 0 | 1, index: number, v: Verdict): void {
    const d = fs.dirs[dir];
    if (fs.packetBytes > this.encMax) {
      this.drop(fs, dir, index, "X", v.reason, "mtu-exceeded", false);
      return;
    }
    const pair = d.pair!;
    let t = this.tunnels.get(pair);
    if (t !== undefined && t.state === "failed") {
      if (this.sim.nowMs < t.retryAtMs) {
        this.fallback(fs, dir, index, v);
        return;
      }
      this.closeTunnel(t, "retry");
      t = undefined;
    }
    if (t === undefined) {
      const opened = this.openTunnel(pair, d);
      if (opened === null) {
        this.drop(fs, dir, index, "X", v.reason, "table-full", false);
        return;
      }
      t = opened;
    }
    t.lastUsedMs = this.sim.nowMs;
    const half = t.halfAt(d.sender!);
    if (half.endpoint.state === "connected") {
      this.seal(half, fs, dir, index, fs.packetBytes);
      return;
    }
    if (half.pending.length >= this.settings.pendingPackets) {
      this.drop(fs, dir, index, "X", v.reason, "queue-full", false);
      return;
    }
    half.pending.push({ flow: fs, dir, index, bytes: fs.packetBytes });
  }

  /** Builds the inner packet in the host's scratch buffer and seals it into one record. */
  private seal(half: TunnelHalf, fs: FlowState, dir: 0 | 1, index: number, bytes: number): void {
    const d = fs.dirs[dir];
    const scratch = half.host.scratch;
    const srcIpN = dir === 0 ? fs.srcIpN : this.replySrcIpN(d);
    const dstIpN = dir === 0 ? fs.dstIpN : fs.srcIpN;
    const n = writeInnerPacketN(scratch, 0, srcIpN, dstIpN, fs.protocol, d.flow.srcPort, d.flow.dstPort, fs.index * 2 + dir, index, bytes);
    const key = this.packetKey(fs, dir, index);
    const reason = d.verdict?.reason ?? "encrypted";
    this.inFlight.set(key, { flow: fs, dir, index, bytes, encryption: "X", reason });
    this.tag = key;
    const ok = half.endpoint.send(scratch.subarray(0, n));
    this.tag = -1;
    if (!ok) {
      this.inFlight.delete(key);
      this.drop(fs, dir, index, "X", reason, "queue-full", false);
      return;
    }
    this.dtlsInnerBytes += n;
    this.forwarded(fs, dir, "X", reason);
  }

  // ---- tunnels ----

  private openTunnel(pair: string, d: DirState): Tunnel | null {
    const lo = d.pairLo;
    const hi = d.pairHi;
    const srcIsLo = d.srcIsLo;
    const clientHost = srcIsLo ? d.sender! : d.receiver!;
    const serverHost = srcIsLo ? d.receiver! : d.sender!;
    for (const h of [clientHost, serverHost]) {
      while (h.tunnels.size >= this.settings.tunnelsPerHost) {
        const victim = h.lruTunnel();
        if (victim === null) break;
        h.stats.tunnelsEvicted++;
        this.tunnelStats.evicted++;
        this.closeTunnel(victim, "evicted");
      }
    }
    const clientPort = clientHost.allocPort();
    if (clientPort < 0) return null;
    const generation = (this.generations.get(pair) ?? 0) + 1;
    this.generations.set(pair, generation);
    const now = this.sim.nowMs;
    const t = new Tunnel(pair, generation, lo, hi, now);
    const s = this.settings;
    const c = this.endpointCommon;
    const psk = clientHost.keys.pskFor(clientHost.region, pair, generation);
    const ch = new TunnelHalf(t, clientHost, serverHost, clientPort, DTLS_SERVER_PORT, this);
    const sh = new TunnelHalf(t, serverHost, clientHost, DTLS_SERVER_PORT, clientPort, this);
    // Each half's stream is forked from the pair and generation (replays depend on these labels).
    const label = `tunnel/${pair}/g${generation}/`;
    ch.endpoint = new DtlsEndpoint({
      role: "client", transport: ch, clock: c.clock, rng: dtlsRngFrom(this.rng.fork(`${label}client`)), suites: c.suites, limits: c.limits,
      rekey: c.rekey, mtuBytes: c.mtuBytes, psk, keyLog: this.keyLog,
    });
    const serverKeys = serverHost.keys;
    // Both hosts usually see the same key service: the server half then gets the key the client half
    // was given for this identity (one HKDF per tunnel, not one per half). A host with a stale view
    // has its own service and derives its own (different) key.
    const shared = serverKeys === clientHost.keys;
    const lookup = (identity: string): Uint8Array | undefined => (shared && identity === psk.identity ? psk.key.slice() : serverKeys.lookup(identity));
    sh.endpoint = new DtlsEndpoint({
      role: "server", transport: sh, clock: c.clock, rng: dtlsRngFrom(this.rng.fork(`${label}server`)), suites: c.suites, limits: c.limits,
      rekey: c.rekey, mtuBytes: c.mtuBytes, psk: { lookup }, cookieExchange: s.cookieExchange,
      peerAddress: `${clientHost.underlayIp}:${clientPort}`,
    });
    t.client = ch;
    t.server = sh;
    // Listeners: one closure per half for data and connected, one per tunnel for failed, none for rekeyed.
    const failed = (): void => this.onFailed(t);
    ch.endpoint.on("data", (payload) => this.onTunnelData(ch, payload));
    ch.endpoint.on("connected", () => this.onConnected(ch));
    ch.endpoint.on("failed", failed);
    sh.endpoint.on("data", (payload) => this.onTunnelData(sh, payload));
    sh.endpoint.on("connected", () => this.onConnected(sh));
    sh.endpoint.on("failed", failed);
    ch.endpoint.on("rekeyed", this.rekeyedFn);
    clientHost.demux.set(HostOffload.demuxKey(serverHost.index, DTLS_SERVER_PORT, clientPort), ch);
    serverHost.demux.set(HostOffload.demuxKey(clientHost.index, clientPort, DTLS_SERVER_PORT), sh);
    clientHost.addTunnel(pair, t);
    serverHost.addTunnel(pair, t);
    this.tunnels.set(pair, t);
    this.tunnelStats.opened++;
    t.idleEvent = this.sim.scheduleCall(now + s.tunnelIdleMs, this.idleFn, t);
    // The control plane asks the client half to start, whichever side sent the first packet.
    ch.endpoint.start();
    return t;
  }

  /** A half's endpoint sends a datagram (TunnelHalf is its Transport): onto the wire, tagged when it carries the packet being sealed. */
  sendFromHalf(half: TunnelHalf, datagram: Uint8Array): void {
    let tag = -1;
    if (this.tag >= 0 && datagram[0] === ContentType.ApplicationData) {
      tag = this.tag;
      this.tag = -1;
    }
    this.dtlsWireBytes += datagram.length;
    this.wire!.send(half.host, half.peer, half.localPort, half.peerPort, datagram, tag);
  }

  private onConnected(half: TunnelHalf): void {
    const t = half.tunnel;
    if (half === t.client) {
      t.state = "up";
      this.tunnelStats.established++;
      this.pairFailures.delete(t.key);
    }
    const q = half.pending;
    half.pending = [];
    for (const p of q) {
      if (half.endpoint.state !== "connected") {
        this.dropPending(p, "tunnel-closed");
        continue;
      }
      this.seal(half, p.flow, p.dir, p.index, p.bytes);
    }
  }

  private dropPending(p: PendingPacket, why: PacketDropReason): void {
    this.drop(p.flow, p.dir, p.index, "X", p.flow.dirs[p.dir].verdict?.reason ?? "encrypted", why, false);
  }

  private onFailed(t: Tunnel): void {
    if (t.state === "failed" || t.state === "closed") return;
    t.state = "failed";
    this.tunnelStats.failed++;
    const failures = (this.pairFailures.get(t.key) ?? 0) + 1;
    this.pairFailures.set(t.key, failures);
    const s = this.settings;
    t.retryAtMs = this.sim.nowMs + Math.min(s.retryBackoffMs * 2 ** Math.min(failures - 1, 30), s.retryBackoffMaxMs);
    this.retireEndpoints(t);
    // Packets waiting for the handshake take the enforcement's fallback (NX_FALLBACK / NX_NOT_ACCEPTED).
    for (const half of [t.client, t.server]) {
      const q = half.pending;
      half.pending = [];
      for (const p of q) this.fallback(p.flow, p.dir, p.index, p.flow.dirs[p.dir].verdict!);
    }
  }

  /** Closes both endpoints, frees the port and the demultiplexer entries (the table entry stays). */
  private retireEndpoints(t: Tunnel): void {
    const ch = t.client;
    const sh = t.server;
    this.collectStats(t);
    ch.endpoint.close();
    sh.endpoint.close();
    ch.host.demux.delete(HostOffload.demuxKey(sh.host.index, DTLS_SERVER_PORT, ch.localPort));
    sh.host.demux.delete(HostOffload.demuxKey(ch.host.index, ch.localPort, DTLS_SERVER_PORT));
    ch.host.freePort(ch.localPort);
  }

  private collectStats(t: Tunnel): void {
    if (t.statsCollected) return;
    t.statsCollected = true;
    const cs = t.client.endpoint.stats;
    const ss = t.server.endpoint.stats;
    this.tunnelStats.handshakes += cs.handshakes;
    this.tunnelStats.retransmissions += cs.retransmissions + ss.retransmissions;
  }

  closeTunnel(t: Tunnel, why: "idle" | "evicted" | "event" | "retry" | "end"): void {
    if (t.state === "closed") return;
    const wasFailed = t.state === "failed";
    t.state = "closed";
    if (why === "idle") this.tunnelStats.idleClosed++;
    if (why === "event") this.tunnelStats.eventClosed++;
    if (t.idleEvent !== null) this.sim.cancel(t.idleEvent);
    t.idleEvent = null;
    if (!wasFailed) this.retireEndpoints(t);
    for (const half of [t.client, t.server]) {
      const q = half.pending;
      half.pending = [];
      for (const p of q) this.dropPending(p, why === "end" ? "in-flight" : "tunnel-closed");
      if (half.host.tunnels.get(t.key) === t) half.host.tunnels.delete(t.key);
    }
    if (this.tunnels.get(t.key) === t) this.tunnels.delete(t.key);
  }

  onIdleCheck(t: Tunnel): void {
    t.idleEvent = null;
    if (t.state === "closed") return;
    const now = this.sim.nowMs;
    const due = t.lastUsedMs + this.settings.tunnelIdleMs;
    // A failed marker lives at least until its retry time, so the back-off holds.
    const until = t.state === "failed" ? Math.max(due, t.retryAtMs) : due;
    if (now >= until) {
      this.closeTunnel(t, "idle");
      return;
    }
    t.idleEvent = this.sim.scheduleCall(until, this.idleFn, t);
  }

  // ---- receive path ----

  arrive(src: HostOffload, dst: HostOffload, srcPort: number, dstPort: number, payload: Uint8Array): void {
    if (dstPort === VXLAN_UDP_PORT) {
      const off = vxlanInnerOffset(payload);
      const p = off < 0 ? null : parseInnerPacket(payload, off, payload.length - off);
      if (p === null) {
        this.packetStats.strayDatagrams++;
        return;
      }
      this.resolveArrival(p.flowId * TWO_POW_32 + p.packetIndex, "plaintext");
      return;
    }
    const half = dst.demux.get(HostOffload.demuxKey(src.index, srcPort, dstPort));
    if (half === undefined || half.handler === null) {
      // Both halves send close_notify when a tunnel is torn down; the peer half is already gone.
      if (payload[0] === ContentType.Alert) this.packetStats.lateAlerts++;
      else {
        dst.stats.strayDatagrams++;
        this.packetStats.strayDatagrams++;
      }
      return;
    }
    half.handler(payload);
  }

  private onTunnelData(half: TunnelHalf, payload: Uint8Array): void {
    const p = parseInnerPacket(payload, 0, payload.length);
    if (p === null) {
      half.host.stats.strayDatagrams++;
      return;
    }
    half.tunnel.lastUsedMs = this.sim.nowMs;
    this.resolveArrival(p.flowId * TWO_POW_32 + p.packetIndex, "tunnel");
  }

  private resolveArrival(key: number, via: "tunnel" | "plaintext"): void {
    const e = this.inFlight.get(key);
    if (e === undefined) {
      // Already resolved: a duplicate copy from the wire.
      this.packetStats.duplicates++;
      const fi = Math.floor(key / TWO_POW_32);
      const fs = this.flows.get(fi >>> 1);
      if (fs !== undefined) fs.dirs[(fi & 1) as 0 | 1].counters.duplicates++;
      return;
    }
    this.inFlight.delete(key);
    this.deliver(e, via);
  }

  lost(tag: number, reason: WireDropReason): void {
    const e = this.inFlight.get(tag);
    if (e === undefined) return;
    this.inFlight.delete(tag);
    this.drop(e.flow, e.dir, e.index, e.encryption, e.reason, reason, false, false);
  }

  // ---- events ----

  /** The topology changed (a timed event): new verdicts from now on; tunnels of affected VMs/hosts close. */
  setTopology(next: Topology, affected: { vm?: string; host?: string }): void {
    const before = this.topology;
    this.topology = withEnforcement(next, this.enforcement);
    this.onTopology();
    const closing: Tunnel[] = [];
    for (const t of this.tunnels.values()) {
      if (affected.host !== undefined && (t.client.host.name === affected.host || t.server.host.name === affected.host)) closing.push(t);
      else if (affected.vm !== undefined) {
        if (this.tunnelScope === "vm-pair" && (t.lo === affected.vm || t.hi === affected.vm)) closing.push(t);
        else if (this.tunnelScope === "host-pair") {
          // The VM moved (redeploy): host-pair tunnels stay, the VM's next packets find the new pair.
        }
      }
    }
    for (const t of closing) this.closeTunnel(t, "event");
    void before;
  }

  /** A host crashed: its tunnels are gone (state lost), its VMs cannot send. */
  crashHost(name: string): void {
    this.faults.crashHost(name);
    for (const t of [...this.tunnels.values()]) {
      if (t.client.host.name === name || t.server.host.name === name) this.closeTunnel(t, "event");
    }
  }

  recoverHost(name: string): void {
    this.faults.recoverHost(name);
  }

  partition(a: string, b: string): void {
    this.faults.partition(a, b);
  }

  repair(a: string, b: string): void {
    this.faults.repair(a, b);
  }

  // ---- end of run ----

  /** Closes every tunnel (close_notify on the wire) at the end of the traffic. */
  closeAllTunnels(): void {
    for (const t of [...this.tunnels.values()]) this.closeTunnel(t, "end");
  }

  /** Resolves what is still unresolved: in flight on the wire or in a tunnel ("tunnel-lost" / "in-flight"). */
  finish(ended: "complete" | "cut"): void {
    for (const t of this.tunnels.values()) this.collectStats(t);
    for (const [key, e] of this.inFlight) {
      this.inFlight.delete(key);
      this.drop(e.flow, e.dir, e.index, e.encryption, e.reason, ended === "cut" ? "in-flight" : e.encryption === "X" ? "tunnel-lost" : "in-flight", false, false);
    }
  }

  /** Packets not yet resolved (in flight or queued). */
  get unresolved(): number {
    let queued = 0;
    for (const t of this.tunnels.values()) queued += t.client.pending.length + t.server.pending.length;
    return this.inFlight.size + queued;
  }
}

export type { Reason };
