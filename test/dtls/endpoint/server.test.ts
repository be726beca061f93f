import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/dtls/clock.js";
import { AlertDescription, ContentType, DTLS10_VERSION, HandshakeType } from "../../../src/dtls/constants.js";
import { DtlsEndpoint } from "../../../src/dtls/endpoint.js";
import { fragmentMessage, readHandshakeFragments } from "../../../src/dtls/handshake/header.js";
import { decodeHelloVerifyRequest, encodeClientHello } from "../../../src/dtls/handshake/messages.js";
import { COOKIE_SECRET_ROTATE_MS } from "../../../src/dtls/limits.js";
import { writeRecordHeader } from "../../../src/dtls/record/header.js";
import { DtlsServer } from "../../../src/dtls/server.js";
import type { Transport } from "../../../src/dtls/api.js";
import { seededRng } from "../../../src/dtls/transport/seeded.js";
import { IDENTITY, PSK } from "./harness.js";

function helloRecord(random: number, cookie: Uint8Array = new Uint8Array(0), clientVersion = 0xfefd, seq = 0): Uint8Array {
  const body = encodeClientHello({
    clientVersion,
    random: new Uint8Array(32).fill(random),
    sessionId: new Uint8Array(0),
    cookie,
    cipherSuites: [0x00a8],
    compressionMethods: [0],
    extensions: [],
  });
  const frag = fragmentMessage(HandshakeType.ClientHello, seq, body, 1000)[0]!;
  const out = new Uint8Array(13 + frag.length);
  writeRecordHeader(out, 0, ContentType.Handshake, DTLS10_VERSION, 0, seq, frag.length);
  out.set(frag, 13);
  return out;
}

/** A server plus a way to connect real endpoint clients through an in-memory "network". */
function setup(opts: { sessionsMax?: number; sessionIdleMs?: number; sendCopies?: boolean } = {}) {
  const clock = new ManualClock();
  const clients = new Map<string, (d: Uint8Array) => void>();
  const toClients: { peer: string; d: Uint8Array }[] = [];
  const server = new DtlsServer({
    clock,
    rng: seededRng(9),
    psk: { lookup: (id) => (id === IDENTITY ? PSK : undefined) },
    send: (peer, d) => {
      toClients.push({ peer, d });
      const h = clients.get(peer);
      const copy = d.slice();
      if (h) clock.setTimer(1, () => h(copy));
    },
    ...(opts.sessionsMax ? { sessionsMax: opts.sessionsMax } : {}),
    ...(opts.sessionIdleMs ? { sessionIdleMs: opts.sessionIdleMs } : {}),
    ...(opts.sendCopies !== undefined ? { sendCopies: opts.sendCopies } : {}),
  });
  const client = (peer: string, seed: number) => {
    const transport: Transport = {
      send: (d) => {
        const copy = d.slice();
        clock.setTimer(1, () => server.handleDatagram(peer, copy));
      },
      onReceive: (h) => clients.set(peer, h),
      close: () => {},
    };
    return new DtlsEndpoint({ role: "client", transport, clock, rng: seededRng(seed), psk: { identity: IDENTITY, key: PSK } });
  };
  return { clock, server, client, toClients };
}

describe("DtlsServer", () => {
  it.each([true, false])("sendCopies %s: sessions seal application records into a reused buffer only when send() copies", (sendCopies) => {
    const { clock, server, client, toClients } = setup({ sendCopies });
    const c = client("10.0.0.1:4000", 21);
    const got: number[] = [];
    c.on("data", (d) => got.push(d[0]!));
    let session: DtlsEndpoint | null = null;
    server.on("session", (_p: string, ep: DtlsEndpoint) => (session = ep));
    c.start();
    expect(clock.runUntil(() => c.state === "connected" && session?.state === "connected", 100_000)).toBe(true);
    const before = toClients.length;
    for (let i = 1; i <= 3; i++) expect(session!.send(new Uint8Array([i, 0, 0, 0]))).toBe(true);
    expect(clock.runUntil(() => got.length === 3, 10_000)).toBe(true);
    // The setup's send() copies before delivery, so the client sees every record intact either way.
    expect(got).toEqual([1, 2, 3]);
    const sent = toClients.slice(before).map((x) => x.d);
    expect(sent).toHaveLength(3);
    // What send() was handed: views of one scratch buffer with the flag, a buffer per record without.
    const buffers = new Set(sent.map((d) => d.buffer));
    expect(buffers.size).toBe(sendCopies ? 1 : 3);
  });

  it("a flood of ClientHellos without cookies creates no sessions (stateless HelloVerifyRequest)", () => {
    const { server, toClients } = setup();
    for (let i = 0; i < 1000; i++) server.handleDatagram(`10.1.${i >> 8}.${i & 255}:5000`, helloRecord(i & 255));
    expect(server.sessionCount).toBe(0);
    expect(server.stats.sessionsCreated).toBe(0);
    expect(server.stats.helloVerifyRequestsSent).toBe(1000);
    const f = readHandshakeFragments(toClients[0]!.d.subarray(13))[0]!;
    expect(f.msgType).toBe(HandshakeType.HelloVerifyRequest);
  });

  it("a wrong cookie is counted and answered with a fresh HelloVerifyRequest, still no session", () => {
    const { server } = setup();
    server.handleDatagram("10.0.0.1:1", helloRecord(1, new Uint8Array(32).fill(1)));
    expect(server.stats.rejected["bad-cookie"]).toBe(1);
    expect(server.sessionCount).toBe(0);
  });

  it("a cookie is bound to the peer address", () => {
    const { server, toClients } = setup();
    server.handleDatagram("10.0.0.1:1", helloRecord(1));
    const cookie = decodeHelloVerifyRequest(readHandshakeFragments(toClients[0]!.d.subarray(13))[0]!.body).cookie;
    server.handleDatagram("10.0.0.2:1", helloRecord(1, cookie, 0xfefd, 1));
    expect(server.sessionCount).toBe(0);
    server.handleDatagram("10.0.0.1:1", helloRecord(1, cookie, 0xfefd, 1));
    expect(server.sessionCount).toBe(1);
  });

  it("cookie secret rotation: previous secret still accepted, two periods later not", () => {
    const { server, toClients, clock } = setup();
    server.handleDatagram("10.0.0.1:1", helloRecord(1));
    const cookie = decodeHelloVerifyRequest(readHandshakeFragments(toClients[0]!.d.subarray(13))[0]!.body).cookie;
    clock.advance(COOKIE_SECRET_ROTATE_MS + 1);
    server.handleDatagram("10.0.0.1:1", helloRecord(1, cookie, 0xfefd, 1));
    expect(server.sessionCount).toBe(1);
    server.handleDatagram("10.0.0.3:1", helloRecord(3));
    const cookie3 = decodeHelloVerifyRequest(readHandshakeFragments(toClients.at(-1)!.d.subarray(13))[0]!.body).cookie;
    clock.advance(2 * COOKIE_SECRET_ROTATE_MS + 1);
    server.handleDatagram("10.0.0.3:1", helloRecord(3, cookie3, 0xfefd, 1));
    expect(server.stats.rejected["bad-cookie"]).toBe(1);
  });

  it("DTLS 1.0 ClientHello is refused statelessly with protocol_version", () => {
    const { server, toClients } = setup();
    server.handleDatagram("10.0.0.1:1", helloRecord(1, new Uint8Array(0), 0xfeff));
    expect(server.sessionCount).toBe(0);
    expect([...toClients[0]!.d.subarray(13)]).toEqual([2, AlertDescription.ProtocolVersion]);
    expect(toClients[0]!.d[0]).toBe(ContentType.Alert);
  });

  it("many clients connect and are demultiplexed by address; data goes to the right session", () => {
    const { server, client, clock } = setup();
    const got = new Map<string, string[]>();
    server.on("session", (peer, ep) => ep.on("data", (d) => got.set(peer, [...(got.get(peer) ?? []), new TextDecoder().decode(d)])));
    const cs = Array.from({ length: 5 }, (_, i) => ({ peer: `10.0.1.${i}:4000`, ep: client(`10.0.1.${i}:4000`, 100 + i) }));
    for (const c of cs) c.ep.start();
    clock.runUntil(() => cs.every((c) => c.ep.state === "connected"));
    for (const c of cs) c.ep.send(new TextEncoder().encode(`from ${c.peer}`));
    clock.runUntilIdle();
    expect(server.sessionCount).toBe(5);
    for (const c of cs) expect(got.get(c.peer)).toEqual([`from ${c.peer}`]);
  });

  it("sessionsMax: beyond the limit a valid-cookie ClientHello creates no session", () => {
    const { server, client, clock } = setup({ sessionsMax: 2 });
    const cs = Array.from({ length: 3 }, (_, i) => client(`10.0.2.${i}:4000`, 200 + i));
    for (const c of cs) c.start();
    clock.advance(100);
    expect(server.sessionCount).toBe(2);
    expect(server.stats.rejected["over-limit"]).toBeGreaterThanOrEqual(1);
    expect(cs.filter((c) => c.state === "connected")).toHaveLength(2);
  });

  it("at sessionsMax, a session silent for sessionIdleMs is evicted for a new client", () => {
    const { server, client, clock } = setup({ sessionsMax: 1, sessionIdleMs: 5000 });
    const a = client("10.0.5.1:4000", 500);
    a.start();
    clock.runUntil(() => a.state === "connected");
    const b = client("10.0.5.2:4000", 501);
    b.start();
    clock.advance(100);
    expect(b.state).toBe("handshaking");
    expect(server.stats.rejected["over-limit"]).toBeGreaterThanOrEqual(1);
    // b keeps retransmitting its ClientHello (1, 2, 4 s ...); once a has been silent 5 s, a goes.
    clock.runUntil(() => b.state === "connected" || b.state === "failed");
    expect(b.state).toBe("connected");
    expect(server.stats.sessionsEvicted).toBe(1);
    expect(server.session("10.0.5.1:4000")).toBeUndefined();
  });

  it("a closed session is forgotten and the peer can connect again", () => {
    const { server, client, clock } = setup();
    const a = client("10.0.3.1:4000", 300);
    a.start();
    clock.runUntil(() => a.state === "connected");
    a.close();
    clock.runUntilIdle();
    expect(server.sessionCount).toBe(0);
    const b = client("10.0.3.1:4000", 301);
    b.start();
    clock.runUntil(() => b.state === "connected");
    expect(b.state).toBe("connected");
    expect(server.stats.sessionsCreated).toBe(2);
  });

  it("a restarted client (new random) replaces its connected session", () => {
    const { server, client, clock } = setup();
    const a = client("10.0.4.1:4000", 400);
    a.start();
    clock.runUntil(() => a.state === "connected");
    const b = client("10.0.4.1:4000", 401);
    b.start();
    clock.runUntil(() => b.state === "connected");
    expect(b.state).toBe("connected");
    expect(server.sessionCount).toBe(1);
    expect(server.stats.sessionsCreated).toBe(2);
  });
});
