/**
 * HostOffload: the accelerated-networking NIC of one physical host (the FPGA/SmartNIC that
 * terminates the DTLS tunnels, domain.md §1). It owns the host's tunnel table (pair key -> tunnel,
 * bounded: tunnelsPerHost, least recently used evicted first), the demultiplexer from underlay
 * (peer, peer port, local port) to a tunnel half, the client-half port allocator, and the scratch
 * buffer in which inner packets are built before sealing (no buffer per packet). The scratch is
 * one buffer shared by every host: a packet is built and sealed in one synchronous call and the
 * endpoint does not keep its plaintext (api.ts), so hosts never use it at the same time, and
 * 2,500 hosts do not hold 2,500 copies of 64 KiB.
 */
import type { KeyService } from "./keys.js";
import type { Tunnel, TunnelHalf } from "./tunnel.js";
import { EPHEMERAL_PORT_MAX, EPHEMERAL_PORT_MIN } from "./encap.js";
import { INNER_PACKET_BYTES_MAX } from "./packet.js";

/** Ports a host can give client halves (RFC 6335 §6 dynamic range). */
export const CLIENT_PORTS = EPHEMERAL_PORT_MAX - EPHEMERAL_PORT_MIN + 1;

/** The inner-packet scratch of every host (see above); the largest inner packet fits. */
const SHARED_SCRATCH = new Uint8Array(INNER_PACKET_BYTES_MAX);

export class HostOffload {
  /** pair key -> tunnel (both hosts of a tunnel hold it). */
  readonly tunnels = new Map<string, Tunnel>();
  /** (peer host index, peer port, local port) -> half. */
  readonly demux = new Map<number, TunnelHalf>();
  readonly scratch: Uint8Array = SHARED_SCRATCH;
  private readonly portsInUse = new Set<number>();
  private nextPort = EPHEMERAL_PORT_MIN;
  /** Counters of this host. */
  readonly stats = { tunnelsEvicted: 0, strayDatagrams: 0, portsExhausted: 0, tunnelsPeak: 0, portsPeak: 0 };

  constructor(
    readonly index: number,
    readonly name: string,
    readonly underlayIp: string,
    readonly region: string,
    public keys: KeyService,
  ) {}

  static demuxKey(peerIndex: number, peerPort: number, localPort: number): number {
    return peerIndex * 4_294_967_296 + peerPort * 65_536 + localPort;
  }

  /** Next free client port, round robin so a closed tunnel's port is reused as late as possible; -1 if none. */
  allocPort(): number {
    if (this.portsInUse.size >= CLIENT_PORTS) {
      this.stats.portsExhausted++;
      return -1;
    }
    let p = this.nextPort;
    while (this.portsInUse.has(p)) p = p >= EPHEMERAL_PORT_MAX ? EPHEMERAL_PORT_MIN : p + 1;
    this.portsInUse.add(p);
    if (this.portsInUse.size > this.stats.portsPeak) this.stats.portsPeak = this.portsInUse.size;
    this.nextPort = p >= EPHEMERAL_PORT_MAX ? EPHEMERAL_PORT_MIN : p + 1;
    return p;
  }

  /** Records a tunnel added to this host's table (the peak feeds parallel runs' exactness check). */
  addTunnel(key: string, t: Tunnel): void {
    this.tunnels.set(key, t);
    if (this.tunnels.size > this.stats.tunnelsPeak) this.stats.tunnelsPeak = this.tunnels.size;
  }

  freePort(p: number): void {
    this.portsInUse.delete(p);
  }

  /** The least recently used tunnel of this host (failed markers first, then idle ones), or null. */
  lruTunnel(): Tunnel | null {
    let best: Tunnel | null = null;
    for (const t of this.tunnels.values()) {
      if (best === null) best = t;
      else if ((t.state === "failed") !== (best.state === "failed")) {
        if (t.state === "failed") best = t;
      } else if (t.lastUsedMs < best.lastUsedMs) best = t;
    }
    return best;
  }
}
