/**
 * One DTLS tunnel between two host offloads for one pair key (the sorted VM pair, or the sorted
 * host pair with tunnelScope host-pair). Each side holds a half: a DtlsEndpoint plus the packets it
 * queued while its handshake runs. The client half sits on the host of the pair member whose name
 * sorts first (design.md: "one pair, one key: pairKey(a, b) sorts its arguments").
 *
 * Life: handshaking -> up (client connected) -> closed (idle timeout, eviction, a VM or host event),
 * or handshaking -> failed (the handshake gave up, or a key mismatch) -> after the back-off the next
 * packet opens a new tunnel with the next key generation.
 */
import type { DtlsEndpoint } from "../dtls/endpoint.js";
import type { Transport } from "../dtls/api.js";
import type { EventHandle } from "../../sim/engine.js";
import type { FlowState } from "./flow-state.js";
import type { HostOffload } from "./offload.js";

export type TunnelState = "handshaking" | "up" | "failed" | "closed";

/** A packet waiting for its half's handshake. */
export interface PendingPacket {
  flow: FlowState;
  dir: 0 | 1;
  index: number;
  bytes: number;
}

/** Where a half's endpoint hands its datagrams (the data plane: it puts them on the wire). */
export interface HalfSink {
  sendFromHalf(half: TunnelHalf, datagram: Uint8Array): void;
}

/**
 * One side of a tunnel. It is also its endpoint's Transport (api.ts): send() goes to the sink with
 * the half, so a tunnel needs no transport object or closures per half.
 */
export class TunnelHalf implements Transport {
  endpoint!: DtlsEndpoint;
  /** Set by the endpoint (Transport.onReceive). */
  handler: ((d: Uint8Array) => void) | null = null;
  pending: PendingPacket[] = [];

  constructor(
    readonly tunnel: Tunnel,
    readonly host: HostOffload,
    readonly peer: HostOffload,
    readonly localPort: number,
    readonly peerPort: number,
    private readonly sink: HalfSink,
  ) {}

  send(datagram: Uint8Array): void {
    this.sink.sendFromHalf(this, datagram);
  }

  onReceive(handler: (d: Uint8Array) => void): void {
    this.handler = handler;
  }

  close(): void {}
}

/** Sorted pair key: "a|b" with a <= b (design.md style rule 5). */
export function pairKey(a: string, b: string): string {
  return a <= b ? `${a}|${b}` : `${b}|${a}`;
}

export class Tunnel {
  state: TunnelState = "handshaking";
  lastUsedMs: number;
  /** When a failed tunnel may be replaced by a new handshake. */
  retryAtMs = 0;
  idleEvent: EventHandle | null = null;
  client!: TunnelHalf;
  server!: TunnelHalf;
  /** Counted once when the tunnel ends (or at the end of the run). */
  statsCollected = false;

  constructor(
    readonly key: string,
    readonly generation: number,
    /** The pair members (VM names, or host names with tunnelScope host-pair), sorted. */
    readonly lo: string,
    readonly hi: string,
    nowMs: number,
  ) {
    this.lastUsedMs = nowMs;
  }

  halfAt(host: HostOffload): TunnelHalf {
    return this.client.host === host ? this.client : this.server;
  }
}
