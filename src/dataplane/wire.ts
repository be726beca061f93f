/**
 * The underlay between host offloads. Two implementations:
 * - MemoryWire (default): datagrams are events on the simulator's virtual clock; FaultModel
 *   (sim/faults.ts) decides each one's fate (loss, duplication, reordering, latency, jitter,
 *   partition, host down). Deterministic for a seed.
 * - UdpWire (udp-wire.ts): each host binds a UDP socket on 127.0.0.1 and real datagrams flow.
 * Both call the WireTap for every datagram handed to the wire (before its fate is decided), with
 * the underlay addresses and UDP ports, which is what a capture on the underlay would show.
 */
import type { FaultModel } from "../../sim/faults.js";
import type { Simulator } from "../../sim/engine.js";

/** Receives every datagram that crosses the wire: the pcap writer's hook (payload = the UDP payload). */
export type WireTap = (tMs: number, srcUnderlayIp: string, srcPort: number, dstUnderlayIp: string, dstPort: number, payload: Uint8Array) => void;

/** Why the wire lost a datagram. */
export type WireDropReason = "loss" | "partition" | "host-down";

/** A host as the wire sees it. */
export interface WireHost {
  readonly name: string;
  readonly underlayIp: string;
}

/** Where the wire hands datagrams and drops. */
export interface WireSink<H extends WireHost> {
  arrive(src: H, dst: H, srcPort: number, dstPort: number, payload: Uint8Array): void;
  /** A datagram that carried the accounted packet `tag` was lost (tag >= 0 only). */
  lost(tag: number, reason: WireDropReason): void;
}

export interface Wire<H extends WireHost> {
  readonly kind: "memory" | "udp";
  /**
   * Sends one datagram. `payload` must not be changed afterwards (the wire may hold it while it is
   * in flight). `tag` >= 0 names the inner packet it carries, so a loss can be accounted.
   */
  send(src: H, dst: H, srcPort: number, dstPort: number, payload: Uint8Array, tag: number): void;
  close(): Promise<void>;
}

interface InFlightDatagram<H extends WireHost> {
  wire: MemoryWire<H>;
  src: H;
  dst: H;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  tag: number;
}

function arriveEvent<H extends WireHost>(d: InFlightDatagram<H>): void {
  const w = d.wire;
  // A host that crashed while the datagram was in flight does not receive it.
  if (!w.faults.isHostUp(d.dst.name)) {
    w.stats.lostOnArrival++;
    if (d.tag >= 0) w.sink.lost(d.tag, "host-down");
    return;
  }
  w.stats.arrived++;
  w.sink.arrive(d.src, d.dst, d.srcPort, d.dstPort, d.payload);
}

export interface MemoryWireStats {
  datagrams: number;
  bytes: number;
  arrived: number;
  /** Dropped at send by the fault model (loss, partition, a host down). */
  dropped: number;
  /** Dropped on arrival because the receiving host crashed meanwhile. */
  lostOnArrival: number;
}

export class MemoryWire<H extends WireHost> implements Wire<H> {
  readonly kind = "memory" as const;
  readonly stats: MemoryWireStats = { datagrams: 0, bytes: 0, arrived: 0, dropped: 0, lostOnArrival: 0 };
  private readonly delays: number[] = [0, 0];

  constructor(
    readonly sim: Simulator,
    readonly faults: FaultModel,
    readonly sink: WireSink<H>,
    private readonly tap: WireTap | undefined,
  ) {}

  send(src: H, dst: H, srcPort: number, dstPort: number, payload: Uint8Array, tag: number): void {
    const sim = this.sim;
    this.stats.datagrams++;
    this.stats.bytes += payload.length;
    this.tap?.(sim.nowMs, src.underlayIp, srcPort, dst.underlayIp, dstPort, payload);
    const n = this.faults.plan(src.name, dst.name, this.delays);
    if (n === 0) {
      this.stats.dropped++;
      if (tag >= 0) this.sink.lost(tag, this.faults.lastDrop ?? "loss");
      return;
    }
    const d: InFlightDatagram<H> = { wire: this, src, dst, srcPort, dstPort, payload, tag };
    for (let i = 0; i < n; i++) sim.post(sim.nowMs + this.delays[i]!, arriveEvent<H>, d);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
