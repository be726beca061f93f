/**
 * The server keeps the handshake machine that can resend its final flight (RFC 6347 §4.2.4) only until
 * the client's authenticated data under the new epoch shows the flight arrived; the client keeps none
 * (its final flight was answered by the server's Finished). A retransmitted client final flight is
 * answered before that point and ignored after it.
 */
import { describe, expect, it } from "vitest";
import { ContentType } from "../../../src/dtls/constants.js";
import { connect, makePair, settle } from "./harness.js";

/** The machine kept to resend the final flight (private; read to check when the memory is released). */
const kept = (ep: object): unknown => (ep as { lastFlight: unknown }).lastFlight;

describe("release of the final flight", () => {
  it("with the server's final flight lost, the client's retransmission is answered and both connect", () => {
    let dropped = 0;
    const p = makePair({
      seed: 11,
      link: {
        // The server's CCS + Finished datagram, once.
        drop: (dir, _i, d) => dir === "b->a" && d[0] === ContentType.ChangeCipherSpec && dropped++ === 0,
      },
    });
    expect(connect(p)).toBe(true);
    expect(dropped).toBeGreaterThanOrEqual(2); // dropped once, then the resent flight passed
    expect(p.client.stats.retransmissions + p.server.stats.retransmissions).toBeGreaterThan(0);
  });

  it("the server holds its final flight until the client's data under the new epoch arrives; the client holds none", () => {
    const p = makePair({ seed: 13 });
    expect(connect(p)).toBe(true);
    settle(p);
    expect(kept(p.client)).toBeNull();
    expect(kept(p.server)).not.toBeNull();
    // Server data does not prove anything about the server's own flight.
    expect(p.server.send(new Uint8Array([9]))).toBe(true);
    expect(p.clock.runUntil(() => p.clientData.length === 1, 10_000)).toBe(true);
    expect(kept(p.server)).not.toBeNull();
    expect(p.client.send(new Uint8Array([1, 2, 3]))).toBe(true);
    expect(p.clock.runUntil(() => p.serverData.length === 1, 10_000)).toBe(true);
    expect(kept(p.server)).toBeNull();
    // The association keeps working both ways, and a rekey still completes and is released again.
    expect(p.server.send(new Uint8Array([4]))).toBe(true);
    expect(p.clock.runUntil(() => p.clientData.length === 2, 10_000)).toBe(true);
    p.client.rekey();
    expect(p.clock.runUntil(() => p.client.stats.rekeys === 1 && p.server.stats.rekeys === 1, 100_000)).toBe(true);
    expect(kept(p.server)).not.toBeNull();
    expect(p.client.send(new Uint8Array([5]))).toBe(true);
    expect(p.clock.runUntil(() => p.serverData.length === 2, 10_000)).toBe(true);
    expect(kept(p.server)).toBeNull();
  });

  it("a duplicate of the server's final flight after the client connected leaves the client connected and silent", () => {
    const p = makePair({ seed: 12 });
    expect(connect(p)).toBe(true);
    settle(p);
    const fromServer = p.wire.filter((w) => w.dir === "b->a");
    const last = fromServer.at(-1)!.d;
    const clientSentBefore = p.wire.filter((w) => w.dir === "a->b").length;
    p.client.handleDatagram(last.slice());
    settle(p);
    expect(p.wire.filter((w) => w.dir === "a->b").length).toBe(clientSentBefore);
    expect(p.client.state).toBe("connected");
  });
});
