/** Shared test harness: a client and a server endpoint over a memory link on a ManualClock. */
import type { CipherSuiteName, DtlsLimits, EndpointOptions, NamedGroup, RekeyPolicy } from "../../../src/dtls/api.js";
import { ManualClock } from "../../../src/dtls/clock.js";
import { DtlsEndpoint } from "../../../src/dtls/endpoint.js";
import { createMemoryLink, type MemoryLinkOptions, type MemoryTransport } from "../../../src/dtls/transport/memory.js";
import { seededRandom, seededRng } from "../../../src/dtls/transport/seeded.js";

export const PSK = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
export const IDENTITY = "vnet-region-westeurope";

export interface PairOptions {
  seed?: number;
  link?: Omit<MemoryLinkOptions, "clock" | "rng">;
  clientSuites?: CipherSuiteName[];
  serverSuites?: CipherSuiteName[];
  clientGroups?: NamedGroup[];
  serverGroups?: NamedGroup[];
  clientKey?: Uint8Array;
  clientIdentity?: string;
  mtuBytes?: number;
  limits?: Partial<DtlsLimits>;
  clientRekey?: Partial<RekeyPolicy>;
  serverRekey?: Partial<RekeyPolicy>;
  hint?: string;
  client?: Partial<EndpointOptions>;
  server?: Partial<EndpointOptions>;
}

export interface Pair {
  clock: ManualClock;
  client: DtlsEndpoint;
  server: DtlsEndpoint;
  ct: MemoryTransport;
  st: MemoryTransport;
  clientData: Uint8Array[];
  serverData: Uint8Array[];
  clientAlerts: { level: string; description: number; sent: boolean }[];
  serverAlerts: { level: string; description: number; sent: boolean }[];
  /** Datagrams client->server and server->client as handed to the link. */
  wire: { dir: "a->b" | "b->a"; d: Uint8Array }[];
}

export function makePair(o: PairOptions = {}): Pair {
  const seed = o.seed ?? 1;
  const clock = new ManualClock();
  const wire: Pair["wire"] = [];
  const [ct, st] = createMemoryLink({
    clock,
    rng: seededRandom(seed * 7919 + 1),
    latencyMs: 5,
    ...o.link,
    tap: (dir, d) => wire.push({ dir, d: d.slice() }),
  });
  const client = new DtlsEndpoint({
    role: "client",
    transport: ct,
    clock,
    rng: seededRng(seed * 31 + 2),
    psk: { identity: o.clientIdentity ?? IDENTITY, key: o.clientKey ?? PSK },
    ...(o.clientSuites ? { suites: o.clientSuites } : {}),
    ...(o.clientGroups ? { groups: o.clientGroups } : {}),
    ...(o.mtuBytes ? { mtuBytes: o.mtuBytes } : {}),
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.clientRekey ? { rekey: o.clientRekey } : {}),
    ...o.client,
  });
  const server = new DtlsEndpoint({
    role: "server",
    transport: st,
    clock,
    rng: seededRng(seed * 31 + 3),
    psk: { lookup: (id) => (id === IDENTITY ? PSK : undefined), ...(o.hint !== undefined ? { hint: o.hint } : {}) },
    peerAddress: "10.0.0.4:1000",
    ...(o.serverSuites ? { suites: o.serverSuites } : {}),
    ...(o.serverGroups ? { groups: o.serverGroups } : {}),
    ...(o.mtuBytes ? { mtuBytes: o.mtuBytes } : {}),
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.serverRekey ? { rekey: o.serverRekey } : {}),
    ...o.server,
  });
  const p: Pair = { clock, client, server, ct, st, clientData: [], serverData: [], clientAlerts: [], serverAlerts: [], wire };
  client.on("data", (d) => p.clientData.push(d.slice()));
  server.on("data", (d) => p.serverData.push(d.slice()));
  client.on("alert", (a) => p.clientAlerts.push(a));
  server.on("alert", (a) => p.serverAlerts.push(a));
  return p;
}

/** Starts both and runs virtual time until both are connected (or the clock goes idle). */
export function connect(p: Pair): boolean {
  p.server.start();
  p.client.start();
  return p.clock.runUntil(() => p.client.state === "connected" && p.server.state === "connected", 100_000);
}

export function settle(p: Pair): void {
  p.clock.runUntil(() => p.clock.pendingTimers === 0 || (p.client.state !== "handshaking" && p.server.state !== "handshaking" && !p.client.handshaking && !p.server.handshaking), 1_000_000);
}

/** 8-byte big-endian counter payload padded to `bytes`. */
export function seqPayload(n: number, bytes = 16): Uint8Array {
  const b = new Uint8Array(bytes);
  new DataView(b.buffer).setUint32(0, Math.floor(n / 2 ** 32));
  new DataView(b.buffer).setUint32(4, n >>> 0);
  for (let i = 8; i < bytes; i++) b[i] = (n + i) & 0xff;
  return b;
}

export function payloadSeq(b: Uint8Array): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return v.getUint32(0) * 2 ** 32 + v.getUint32(4);
}
