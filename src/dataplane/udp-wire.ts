/**
 * The udp wire: every host offload binds one UDP socket on 127.0.0.1 and real datagrams flow
 * between them through the kernel (issue 4 §2: "each host binds a UDP socket on 127.0.0.1").
 * All hosts share the loopback address, so the underlay's UDP ports (the tunnel's client port and
 * DTLS_SERVER_PORT, or VXLAN's) travel in a 4-byte shim ahead of each datagram: source port, then
 * destination port, big-endian. The WireTap sees the datagram as the underlay would carry it
 * (underlay addresses and ports, no shim).
 *
 * Time is real: pump() advances the simulator's clock to the real milliseconds elapsed since it
 * started, so the DTLS timers, workloads and events run on real time while datagrams arrive from
 * the sockets. This file (with src/dtls's real clock and UDP transport) is the only place the data
 * plane reads the wall clock. No fault model applies: loopback does not lose datagrams.
 */
import { createSocket, type Socket } from "node:dgram";
import type { Simulator } from "../../sim/engine.js";
import type { Wire, WireHost, WireSink, WireTap } from "./wire.js";

/** Source port (2) + destination port (2) of the underlay UDP header. */
export const UDP_WIRE_SHIM_BYTES = 4;
const LOOPBACK = "127.0.0.1";
/** Real time between pump slices (ms): how often virtual time catches up with the wall clock. */
export const UDP_PUMP_INTERVAL_MS = 1;
/** Longest a udp-wire run may take unless the caller says otherwise. */
export const UDP_RUN_TIMEOUT_MS_DEFAULT = 30_000;

export interface UdpWireStats {
  datagrams: number;
  bytes: number;
  arrived: number;
  /** Datagrams from an unknown port or shorter than the shim. */
  foreign: number;
  /** Datagrams not sent because a host's socket was not bound yet (counted as host-down). */
  unbound: number;
}

export class UdpWire<H extends WireHost> implements Wire<H> {
  readonly kind = "udp" as const;
  readonly stats: UdpWireStats = { datagrams: 0, bytes: 0, arrived: 0, foreign: 0, unbound: 0 };
  private readonly sockets = new Map<H, Socket>();
  private readonly ports = new Map<H, number>();
  private readonly byPort = new Map<number, H>();
  private closed = false;

  private constructor(
    private readonly sim: Simulator,
    private readonly sink: WireSink<H>,
    private readonly tap: WireTap | undefined,
  ) {}

  /** Binds one loopback socket per host. */
  static async open<H extends WireHost>(sim: Simulator, hosts: readonly H[], sink: WireSink<H>, tap: WireTap | undefined): Promise<UdpWire<H>> {
    const w = new UdpWire<H>(sim, sink, tap);
    try {
      for (const h of hosts) await w.bind(h);
    } catch (e) {
      await w.close();
      throw e;
    }
    return w;
  }

  /** Binds a socket for a host that appeared later (a redeploy to a new host). */
  async bind(h: H): Promise<void> {
    if (this.sockets.has(h)) return;
    const socket = createSocket("udp4");
    socket.on("message", (msg, rinfo) => this.onMessage(h, msg, rinfo.port));
    socket.on("error", () => {
      // Loopback ICMP errors (port closed at teardown): UDP is lossy, the accounting covers it.
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, LOOPBACK, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    const port = socket.address().port;
    this.sockets.set(h, socket);
    this.ports.set(h, port);
    this.byPort.set(port, h);
  }

  private onMessage(dst: H, msg: Buffer, fromPort: number): void {
    const src = this.byPort.get(fromPort);
    if (src === undefined || msg.length < UDP_WIRE_SHIM_BYTES || this.closed) {
      this.stats.foreign++;
      return;
    }
    const srcPort = (msg[0]! << 8) | msg[1]!;
    const dstPort = (msg[2]! << 8) | msg[3]!;
    this.stats.arrived++;
    const payload = new Uint8Array(msg.buffer, msg.byteOffset + UDP_WIRE_SHIM_BYTES, msg.length - UDP_WIRE_SHIM_BYTES);
    this.sink.arrive(src, dst, srcPort, dstPort, payload);
  }

  send(src: H, dst: H, srcPort: number, dstPort: number, payload: Uint8Array, tag: number): void {
    if (this.closed) return;
    const socket = this.sockets.get(src);
    const port = this.ports.get(dst);
    if (socket === undefined || port === undefined) {
      // A host that appeared mid-run (redeploy to a new host) whose socket is still binding.
      this.stats.unbound++;
      if (tag >= 0) this.sink.lost(tag, "host-down");
      return;
    }
    this.stats.datagrams++;
    this.stats.bytes += payload.length;
    this.tap?.(this.sim.nowMs, src.underlayIp, srcPort, dst.underlayIp, dstPort, payload);
    const out = Buffer.allocUnsafe(UDP_WIRE_SHIM_BYTES + payload.length);
    out[0] = srcPort >>> 8;
    out[1] = srcPort & 0xff;
    out[2] = dstPort >>> 8;
    out[3] = dstPort & 0xff;
    out.set(payload, UDP_WIRE_SHIM_BYTES);
    socket.send(out, port, LOOPBACK);
  }

  /**
   * Runs the simulator on real time until done() holds or timeoutMs of real time passed.
   * Resolves with how it ended.
   */
  async pump(done: () => boolean, timeoutMs: number): Promise<"done" | "timeout"> {
    const t0 = performance.now() - this.sim.nowMs;
    const deadline = performance.now() + timeoutMs;
    while (true) {
      const now = performance.now();
      const target = now - t0;
      if (target > this.sim.nowMs) this.sim.run({ untilMs: target });
      if (done()) return "done";
      if (now >= deadline) return "timeout";
      await new Promise<void>((resolve) => setTimeout(resolve, UDP_PUMP_INTERVAL_MS));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.sockets.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.sockets.clear();
  }
}
