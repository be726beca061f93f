/**
 * A recording UDP relay on loopback: a client talks to the relay's port, the relay forwards to the
 * server and back, and keeps every datagram with its direction. Tests use it to prove what really
 * went over the wire (datagram sizes under the MTU, handshake messages split into fragments),
 * which neither OpenSSL's nor our own output can show.
 */
import { createSocket, type Socket } from "node:dgram";
import { LOOPBACK_V4 } from "./ports.js";

export type Direction = "c->s" | "s->c";

export interface RelayedDatagram {
  direction: Direction;
  bytes: Uint8Array;
}

/** Datagrams kept per relay; a test session is a few dozen. */
export const RELAY_DATAGRAMS_MAX = 10_000;

export interface Relay {
  readonly port: number;
  readonly datagrams: RelayedDatagram[];
  close(): Promise<void>;
}

export async function startRelay(serverPort: number, host = LOOPBACK_V4): Promise<Relay> {
  const front: Socket = createSocket("udp4");
  const back: Socket = createSocket("udp4");
  const datagrams: RelayedDatagram[] = [];
  let client: { address: string; port: number } | null = null;
  const keep = (direction: Direction, msg: Buffer): void => {
    if (datagrams.length < RELAY_DATAGRAMS_MAX) datagrams.push({ direction, bytes: Uint8Array.from(msg) });
  };
  front.on("message", (msg, rinfo) => {
    client = { address: rinfo.address, port: rinfo.port };
    keep("c->s", msg);
    back.send(msg, serverPort, host);
  });
  back.on("message", (msg) => {
    keep("s->c", msg);
    if (client !== null) front.send(msg, client.port, client.address);
  });
  front.on("error", () => undefined);
  back.on("error", () => undefined);
  await Promise.all([
    new Promise<void>((r) => front.bind(0, host, () => r())),
    new Promise<void>((r) => back.bind(0, host, () => r())),
  ]);
  return {
    port: front.address().port,
    datagrams,
    async close() {
      await Promise.all([new Promise<void>((r) => front.close(() => r())), new Promise<void>((r) => back.close(() => r()))]);
    },
  };
}

export interface WireRecord {
  type: number;
  version: number;
  epoch: number;
  seq: number;
  length: number;
  /** For plaintext (epoch 0) handshake records: the DTLS handshake header (RFC 6347 §4.2.2). */
  handshake?: { msgType: number; length: number; messageSeq: number; fragmentOffset: number; fragmentLength: number };
}

/** Splits a datagram into DTLS records (RFC 6347 §4.1) without decrypting anything. */
export function parseRecords(d: Uint8Array): WireRecord[] {
  const out: WireRecord[] = [];
  let off = 0;
  while (off + 13 <= d.length) {
    const dv = new DataView(d.buffer, d.byteOffset + off);
    const type = d[off]!;
    const version = dv.getUint16(1);
    const epoch = dv.getUint16(3);
    const seq = dv.getUint16(5) * 2 ** 32 + dv.getUint32(7);
    const length = dv.getUint16(11);
    const rec: WireRecord = { type, version, epoch, seq, length };
    if (type === 22 && epoch === 0 && length >= 12) {
      const b = off + 13;
      const u24 = (i: number): number => (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
      rec.handshake = {
        msgType: d[b]!,
        length: u24(b + 1),
        messageSeq: (d[b + 4]! << 8) | d[b + 5]!,
        fragmentOffset: u24(b + 6),
        fragmentLength: u24(b + 9),
      };
    }
    out.push(rec);
    off += 13 + length;
  }
  return out;
}

/** Handshake records that carry only part of their message (fragment_length < length). */
export function fragmentedHandshakes(datagrams: readonly RelayedDatagram[], direction: Direction): WireRecord[] {
  return datagrams
    .filter((g) => g.direction === direction)
    .flatMap((g) => parseRecords(g.bytes))
    .filter((r) => r.handshake !== undefined && r.handshake.fragmentLength < r.handshake.length);
}
