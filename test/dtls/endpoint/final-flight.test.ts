/**
 * The server's kept final flight (final-flight.ts): a compact record instead of the handshake machine,
 * answering the client's retransmitted final flight (RFC 6347 §4.2.4) for at most finalFlightRetainMs
 * of virtual time, and released earlier by the client's authenticated data.
 */
import { describe, expect, it } from "vitest";
import { ContentType, HandshakeType } from "../../../src/dtls/constants.js";
import { FinalFlight } from "../../../src/dtls/final-flight.js";
import type { HandshakeFragment } from "../../../src/dtls/handshake/header.js";
import { DEFAULT_LIMITS, FINAL_FLIGHT_RETAIN_MS, finalFlightRetainMs } from "../../../src/dtls/limits.js";
import { connect, makePair, settle } from "./harness.js";

const kept = (ep: object): unknown => (ep as { lastFlight: unknown }).lastFlight;

function fragment(msgType: number, messageSeq: number, fragmentOffset = 0): HandshakeFragment {
  return { msgType, length: 40, messageSeq, fragmentOffset, fragmentLength: 40 - fragmentOffset, body: new Uint8Array(40 - fragmentOffset) } as HandshakeFragment;
}

describe("finalFlightRetainMs", () => {
  it("is the peer's whole retransmission budget: retransmitCountMax + 1 timeouts, doubling up to retransmitMaxMs", () => {
    expect(finalFlightRetainMs(DEFAULT_LIMITS)).toBe(FINAL_FLIGHT_RETAIN_MS);
    expect(FINAL_FLIGHT_RETAIN_MS).toBe((1 + 2 + 4 + 8 + 16 + 32 + 60 + 60 + 60) * 1000);
    expect(finalFlightRetainMs({ retransmitCountMax: 0, retransmitInitialMs: 500, retransmitMaxMs: 60_000 })).toBe(500);
    expect(finalFlightRetainMs({ retransmitCountMax: 3, retransmitInitialMs: 100, retransmitMaxMs: 250 })).toBe(100 + 200 + 250 + 250);
  });
});

describe("FinalFlight.items", () => {
  it("gives back the flight it was made with: kinds, epochs, message_seq, types and bodies", () => {
    const body = Uint8Array.from({ length: 300 }, (_, i) => (i * 7 + 255) & 0xff);
    const items = [
      { kind: "ccs" as const, epoch: 513 },
      { kind: "handshake" as const, epoch: 514, msgType: HandshakeType.Finished, messageSeq: 65535, body },
      { kind: "handshake" as const, epoch: 0, msgType: HandshakeType.ServerHelloDone, messageSeq: 0, body: new Uint8Array(0) },
    ];
    const f = new FinalFlight(items, 513, 1, 3);
    expect(f.items).toEqual(items);
    body.fill(0); // the kept flight is a copy
    expect((f.items[1] as { body: Uint8Array }).body[1]).toBe(6);
  });
});

describe("FinalFlight.classify", () => {
  // A server's final flight after a first handshake: the client's last flight was
  // ClientKeyExchange (message_seq 1) + Finished (message_seq 2), the next would be 3.
  const f = new FinalFlight([{ kind: "ccs", epoch: 0 }], 0, 1, 3);

  it("the first fragment of the peer's last flight asks for a resend; the rest of it is old", () => {
    expect(f.classify(fragment(HandshakeType.ClientKeyExchange, 1), 0)).toBe("resend");
    expect(f.classify(fragment(HandshakeType.ClientKeyExchange, 1, 20), 0)).toBe("old");
    expect(f.classify(fragment(HandshakeType.Finished, 2), 1)).toBe("old");
    expect(f.classify(fragment(HandshakeType.ClientHello, 0), 0)).toBe("old");
  });

  it("a message in the wrong epoch for its type, or after the finished handshake, is unexpected", () => {
    expect(f.classify(fragment(HandshakeType.ClientKeyExchange, 1), 1)).toBe("unexpected");
    expect(f.classify(fragment(HandshakeType.Finished, 2), 0)).toBe("unexpected");
    expect(f.classify(fragment(HandshakeType.ClientHello, 3), 0)).toBe("unexpected");
  });
});

describe("the server's kept final flight", () => {
  it("is a FinalFlight, not the handshake machine, and its timer goes when the client's data arrives", () => {
    const p = makePair({ seed: 21 });
    expect(connect(p)).toBe(true);
    settle(p);
    expect(kept(p.server)).toBeInstanceOf(FinalFlight);
    expect((p.server as unknown as { lastHs?: unknown }).lastHs).toBeUndefined();
    const timers = p.clock.pendingTimers;
    expect(timers).toBeGreaterThan(0);
    expect(p.client.send(new Uint8Array([7]))).toBe(true);
    expect(p.clock.runUntil(() => p.serverData.length === 1, 10_000)).toBe(true);
    expect(kept(p.server)).toBeNull();
    expect(p.clock.pendingTimers).toBe(timers - 1);
  });

  it("answers the client's retransmissions for finalFlightRetainMs, then is released and answers no more", () => {
    // The server's limits give it a short retain time (1 + 2 s); the client keeps retransmitting longer.
    const serverLimits = { retransmitCountMax: 1, retransmitInitialMs: 1000, retransmitMaxMs: 60_000 };
    const retainMs = finalFlightRetainMs(serverLimits);
    expect(retainMs).toBe(3000);
    let serverFinalFlights = 0;
    const p = makePair({
      seed: 22,
      server: { limits: serverLimits },
      client: { limits: { retransmitCountMax: 6, retransmitInitialMs: 1000, retransmitMaxMs: 60_000 } },
      link: {
        // Every server final flight (CCS + Finished) is lost: the client keeps retransmitting its own.
        drop: (dir, _i, d) => {
          if (dir !== "b->a" || d[0] !== ContentType.ChangeCipherSpec) return false;
          serverFinalFlights++;
          return true;
        },
      },
    });
    p.server.start();
    p.client.start();
    expect(p.clock.runUntil(() => p.server.state === "connected", 10_000)).toBe(true);
    const doneMs = p.clock.nowMs();
    expect(kept(p.server)).toBeInstanceOf(FinalFlight);
    expect(serverFinalFlights).toBe(1);
    // Within the retain time every client retransmission is answered.
    p.clock.advance(retainMs - 1);
    expect(kept(p.server)).toBeInstanceOf(FinalFlight);
    const answered = p.server.stats.retransmissions;
    expect(answered).toBeGreaterThanOrEqual(1);
    expect(serverFinalFlights).toBe(1 + answered);
    // Then it is released by the clock, and later retransmissions get nothing.
    p.clock.advance(1);
    expect(p.clock.nowMs() - doneMs).toBe(retainMs);
    expect(kept(p.server)).toBeNull();
    const unexpectedBefore = p.server.stats.rejected.unexpected;
    p.clock.advance(20_000);
    expect(p.client.stats.retransmissions).toBeGreaterThan(answered + 1);
    expect(p.server.stats.retransmissions).toBe(answered);
    expect(serverFinalFlights).toBe(1 + answered);
    expect(p.server.stats.rejected.unexpected).toBeGreaterThan(unexpectedBefore);
    expect(p.server.state).toBe("connected");
  });

  it("a rekey keeps the new final flight and releases it again on data", () => {
    const p = makePair({ seed: 23 });
    expect(connect(p)).toBe(true);
    expect(p.client.send(new Uint8Array([1]))).toBe(true);
    expect(p.clock.runUntil(() => p.serverData.length === 1, 10_000)).toBe(true);
    expect(kept(p.server)).toBeNull();
    p.client.rekey();
    expect(p.clock.runUntil(() => p.client.stats.rekeys === 1 && p.server.stats.rekeys === 1, 100_000)).toBe(true);
    const f = kept(p.server) as FinalFlight;
    expect(f).toBeInstanceOf(FinalFlight);
    expect(f.oldEpoch).toBe(1);
    expect(f.items.map((i) => i.epoch)).toEqual([1, 2]);
    expect(p.client.send(new Uint8Array([2]))).toBe(true);
    expect(p.clock.runUntil(() => p.serverData.length === 2, 10_000)).toBe(true);
    expect(kept(p.server)).toBeNull();
  });
});
