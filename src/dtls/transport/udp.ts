/**
 * Real UDP transports (node:dgram) for interop tests and tools. Loopback only (127.0.0.1 / ::1):
 * this project never sends traffic off the machine. Uses the real clock by nature (socket events).
 */
import { createSocket, type Socket } from "node:dgram";
import type { Transport } from "../api.js";

const LOOPBACK = new Set(["127.0.0.1", "::1"]);

function checkLoopback(host: string): "udp4" | "udp6" {
  if (!LOOPBACK.has(host)) {
    throw new Error(`UDP transport: "host" expected 127.0.0.1 or ::1 (loopback only), got ${JSON.stringify(host)}`);
  }
  return host === "::1" ? "udp6" : "udp4";
}

/** "127.0.0.1:5684" or "[::1]:5684": the peer key DtlsServer demultiplexes on. */
export function formatPeer(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

export function parsePeer(peer: string): { address: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(peer) ?? /^([^:]+):(\d+)$/.exec(peer);
  if (m === null) throw new Error(`peer "${peer}" expected "host:port" or "[v6]:port"`);
  return { address: m[1]!, port: Number(m[2]) };
}

export interface UdpClientTransport extends Transport {
  /** Local port the socket is bound to. */
  readonly localPort: number;
}

/** A connected UDP socket to host:port as a Transport (one peer). */
export async function udpClientTransport(host: string, port: number): Promise<UdpClientTransport> {
  const type = checkLoopback(host);
  const socket = createSocket(type);
  let handler: ((d: Uint8Array) => void) | null = null;
  let closed = false;
  socket.on("message", (msg) => {
    if (handler !== null) handler(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
  });
  socket.on("error", () => {
    // ICMP port unreachable and similar: UDP is lossy; the DTLS timers handle it.
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.connect(port, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  return {
    localPort: socket.address().port,
    // Buffer.from(d) copies before socket.send, so the endpoint may reuse `d` (Transport.sendCopies).
    sendCopies: true,
    send(d) {
      if (!closed) socket.send(Buffer.from(d));
    },
    onReceive(h) {
      handler = h;
    },
    close() {
      if (!closed) {
        closed = true;
        socket.close();
      }
    },
  };
}

export interface UdpListener {
  readonly port: number;
  send(peer: string, d: Uint8Array): void;
  close(): Promise<void>;
}

/** Binds host:port (port 0 = any free port) and reports each datagram with its "addr:port" peer key. */
export async function listenUdp(
  host: string,
  port: number,
  onDatagram: (peer: string, d: Uint8Array) => void,
): Promise<UdpListener> {
  const type = checkLoopback(host);
  const socket: Socket = createSocket(type);
  let closed = false;
  socket.on("message", (msg, rinfo) => {
    onDatagram(formatPeer(rinfo.address, rinfo.port), new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
  });
  socket.on("error", () => {
    // see udpClientTransport
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  return {
    port: socket.address().port,
    send(peer, d) {
      if (closed) return;
      const { address, port: p } = parsePeer(peer);
      socket.send(Buffer.from(d), p, address);
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
}
