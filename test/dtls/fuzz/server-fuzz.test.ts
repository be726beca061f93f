/**
 * DtlsServer under a flood of datagrams from many peers: no session (and no per-peer state) may
 * exist for a peer that has not returned a valid cookie (RFC 6347 §4.2.1), replies are at most one
 * small datagram per datagram received (no amplification), nothing throws, and a genuine client
 * still gets its session afterwards.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/dtls/clock.js";
import { DtlsEndpoint } from "../../../src/dtls/endpoint.js";
import { DtlsServer } from "../../../src/dtls/server.js";
import { seededRng } from "../../../src/dtls/transport/seeded.js";
import { FUZZ_SEED, IDENTITY, PSK, runs } from "./harness.js";
import { applyMutation, craftRecord, mutationArb } from "./mutate.js";

/** A HelloVerifyRequest is record(13) + handshake header(12) + version(2) + cookie (<= 255, RFC 6347 §4.2.1). */
const HVR_BYTES_MAX = 13 + 12 + 2 + 1 + 255;
const GENUINE_PEER = "127.0.0.1:40000";

interface Rig {
  clock: ManualClock;
  server: DtlsServer;
  replies: Array<{ peer: string; d: Uint8Array }>;
  sessions: string[];
  /** A client at `peer` wired to the server; returns it after the handshake settles. */
  connect(peer: string, seed: number): DtlsEndpoint;
  /** Delivers queued datagrams and fires timers until quiet. */
  pump(): void;
}

function rig(seed: number): Rig {
  const clock = new ManualClock(0);
  const replies: Rig["replies"] = [];
  const clients = new Map<string, DtlsEndpoint>();
  const sessions: string[] = [];
  const queue: Array<() => void> = [];
  const server = new DtlsServer({
    clock,
    rng: seededRng(seed),
    psk: { lookup: (id) => (id === IDENTITY ? PSK : undefined) },
    send: (peer, d) => {
      const copy = Uint8Array.from(d);
      replies.push({ peer, d: copy });
      const c = clients.get(peer);
      if (c !== undefined) queue.push(() => c.handleDatagram(copy));
    },
  });
  server.on("session", (peer) => sessions.push(peer));
  const pump = (): void => {
    for (let i = 0; i < 10_000 && (queue.length > 0 || clock.nextDueMs !== undefined); i++) {
      const next = queue.shift();
      if (next !== undefined) next();
      else clock.advance(clock.nextDueMs! - clock.nowMs());
      if ([...clients.values()].every((c) => c.state !== "handshaking") && queue.length === 0) return;
    }
  };
  return {
    clock,
    server,
    replies,
    sessions,
    pump,
    connect(peer, clientSeed) {
      const client = new DtlsEndpoint({
        role: "client",
        clock,
        rng: seededRng(clientSeed),
        psk: { identity: IDENTITY, key: PSK },
        transport: {
          send: (d) => {
            const copy = Uint8Array.from(d);
            queue.push(() => server.handleDatagram(peer, copy));
          },
          onReceive: () => undefined,
          close: () => undefined,
        },
      });
      clients.set(peer, client);
      client.start();
      pump();
      return client;
    },
  };
}

/** The genuine client's first and second ClientHello (the second carries a cookie bound to GENUINE_PEER). */
function genuineHellos(seed: number): { ch1: Uint8Array; ch2: Uint8Array } {
  const r = rig(seed);
  const sent: Uint8Array[] = [];
  const client = new DtlsEndpoint({
    role: "client",
    clock: r.clock,
    rng: seededRng(seed + 1),
    psk: { identity: IDENTITY, key: PSK },
    transport: { send: (d) => sent.push(Uint8Array.from(d)), onReceive: () => undefined, close: () => undefined },
  });
  client.start();
  r.server.handleDatagram(GENUINE_PEER, sent[0]!);
  client.handleDatagram(r.replies[0]!.d);
  return { ch1: sent[0]!, ch2: sent[1]! };
}

describe(`DtlsServer fuzz (FUZZ_SEED=${FUZZ_SEED})`, () => {
  it("random and replayed ClientHellos from many peers create no session; at most one small reply each; a genuine client still connects", () => {
    const SERVER_SEED = 21;
    // The cookie in ch2 is valid only for GENUINE_PEER on a server with SERVER_SEED's secret.
    const { ch1, ch2 } = genuineHellos(SERVER_SEED);
    const datagramArb = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.constant(ch1),
      fc.constant(ch2),
      fc.tuple(fc.constantFrom(ch1, ch2), fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([d, ms]) => ms.reduce(applyMutation, d)),
      fc.record({
        type: fc.constantFrom(20, 21, 22, 23),
        version: fc.constantFrom(0xfefd, 0xfeff, 0xfefc),
        epoch: fc.constantFrom(0, 1),
        seq: fc.nat({ max: 100 }),
        body: fc.uint8Array({ maxLength: 120 }),
      }).map(craftRecord),
    );
    fc.assert(
      fc.property(
        fc.array(fc.record({ peer: fc.integer({ min: 1, max: 50 }), d: datagramArb }), { minLength: 1, maxLength: 40 }),
        (flood) => {
          const r = rig(SERVER_SEED);
          const rejectedTotal = (): number => Object.values(r.server.stats.rejected).reduce((a, b) => a + b, 0);
          for (const { peer, d } of flood) {
            const before = rejectedTotal() + r.replies.length;
            // Port 40000 + n for n >= 1: never the genuine peer, so ch2's cookie is never valid.
            expect(() => r.server.handleDatagram(`127.0.0.1:${40000 + peer}`, d)).not.toThrow();
            // Each datagram was either answered (HelloVerifyRequest / protocol_version) or counted.
            expect(rejectedTotal() + r.replies.length).toBeGreaterThan(before);
          }
          expect(r.sessions).toEqual([]);
          expect(r.server.sessionCount).toBe(0);
          expect(r.server.stats.sessionsCreated).toBe(0);
          expect(r.replies.length).toBeLessThanOrEqual(flood.length);
          for (const { d } of r.replies) expect(d.length).toBeLessThanOrEqual(HVR_BYTES_MAX);
          // After the flood, the genuine peer gets its session.
          const client = r.connect(GENUINE_PEER, 99);
          expect(client.state).toBe("connected");
          expect(r.sessions).toEqual([GENUINE_PEER]);
        },
      ),
      { seed: FUZZ_SEED, numRuns: runs(150) },
    );
  });

  it("hostile datagrams spoofed from a live client's own address leave its session in place and working", () => {
    const SERVER_SEED = 23;
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }),
            fc.record({
              type: fc.constantFrom(20, 21, 22, 23),
              version: fc.constantFrom(0xfefd, 0xfeff),
              epoch: fc.constantFrom(0, 1, 2),
              seq: fc.oneof(fc.nat({ max: 100 }), fc.constant(2 ** 48 - 1)),
              body: fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.constant(Uint8Array.of(2, 40)), fc.constant(Uint8Array.of(1, 0))),
            }).map(craftRecord),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (flood) => {
          const r = rig(SERVER_SEED);
          const client = r.connect(GENUINE_PEER, 5);
          expect(client.state).toBe("connected");
          const session = r.server.session(GENUINE_PEER)!;
          const received: string[] = [];
          session.on("data", (d) => received.push(new TextDecoder().decode(d)));
          for (const d of flood) r.server.handleDatagram(GENUINE_PEER, d);
          expect(r.server.session(GENUINE_PEER)).toBe(session);
          expect(session.state).toBe("connected");
          expect(r.sessions).toEqual([GENUINE_PEER]);
          client.send(new TextEncoder().encode("still-here"));
          r.pump();
          expect(received).toEqual(["still-here"]);
        },
      ),
      { seed: FUZZ_SEED, numRuns: runs(100) },
    );
  });

  it("the genuine ClientHello with its cookie, replayed from another address, creates nothing; from its own address it does", () => {
    const SERVER_SEED = 22;
    const { ch2 } = genuineHellos(SERVER_SEED);
    const r = rig(SERVER_SEED);
    r.server.handleDatagram("127.0.0.1:40001", ch2);
    r.server.handleDatagram("[::1]:40000", ch2);
    expect(r.server.sessionCount).toBe(0);
    expect(r.server.stats.helloVerifyRequestsSent).toBe(2);
    r.server.handleDatagram(GENUINE_PEER, ch2);
    expect(r.server.sessionCount).toBe(1);
    expect(r.sessions).toEqual([GENUINE_PEER]);
  });
});
