import { describe, expect, it } from "vitest";
import { AlertDescription } from "../../../src/dtls/constants.js";
import { PREVIOUS_EPOCH_RETAIN_MS } from "../../../src/dtls/limits.js";
import { connect, makePair, payloadSeq, seqPayload, type Pair } from "./harness.js";

/** (epoch, seq) of every protected record in one direction: must never repeat (nonce reuse). */
function protectedRecordIds(p: Pair, dir: "a->b" | "b->a"): string[] {
  const ids: string[] = [];
  for (const w of p.wire.filter((x) => x.dir === dir)) {
    for (let off = 0; off + 13 <= w.d.length; off += 13 + ((w.d[off + 11]! << 8) | w.d[off + 12]!)) {
      const epoch = (w.d[off + 3]! << 8) | w.d[off + 4]!;
      if (epoch === 0) continue;
      ids.push(`${epoch}:${Buffer.from(w.d.subarray(off + 5, off + 11)).toString("hex")}`);
    }
  }
  return ids;
}

/** Sends `count` sequence-numbered records from `from`, one every `gapMs`, while time runs. */
function stream(p: Pair, from: "client" | "server", count: number, gapMs: number, during?: (i: number) => void): void {
  const ep = from === "client" ? p.client : p.server;
  for (let i = 0; i < count; i++) {
    during?.(i);
    expect(ep.send(seqPayload(i, 64))).toBe(true);
    p.clock.advance(gapMs);
  }
  p.clock.runUntil(() => !p.client.handshaking && !p.server.handshaking, 100_000);
  p.clock.advance(1000);
}

function expectExactlyOnce(received: Uint8Array[], count: number): void {
  const seqs = received.map(payloadSeq);
  expect(new Set(seqs).size).toBe(seqs.length); // no duplicates
  expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i)); // none lost
}

describe("rekey = RFC 5746 renegotiation inside the association (make before break)", () => {
  for (const who of ["client", "server"] as const) {
    it(`${who}-initiated rekey under a continuous stream both ways, with reordering: nothing lost or duplicated`, () => {
      const p = makePair({ seed: 5, link: { reorderRate: 0.3, latencyMs: 3 } });
      expect(connect(p)).toBe(true);
      const ep = who === "client" ? p.client : p.server;
      const N = 400;
      for (let i = 0; i < N; i++) {
        if (i === 50 || i === 200) ep.rekey();
        expect(p.client.send(seqPayload(i, 64))).toBe(true);
        expect(p.server.send(seqPayload(i, 64))).toBe(true);
        p.clock.advance(1);
      }
      p.clock.runUntilIdle(100_000);
      expect(p.client.stats.rekeys).toBe(2);
      expect(p.server.stats.rekeys).toBe(2);
      expect(p.client.currentEpoch).toBe(3);
      expect(p.server.currentEpoch).toBe(3);
      expectExactlyOnce(p.serverData, N);
      expectExactlyOnce(p.clientData, N);
      for (const dir of ["a->b", "b->a"] as const) {
        const ids = protectedRecordIds(p, dir);
        expect(new Set(ids).size).toBe(ids.length);
      }
      expect(p.client.state).toBe("connected");
    });
  }

  it("RekeyPolicy.afterRecords starts a rekey by itself", () => {
    const p = makePair({ clientRekey: { afterRecords: 100 } });
    expect(connect(p)).toBe(true);
    stream(p, "client", 350, 1);
    expect(p.client.stats.rekeys).toBe(3);
    expectExactlyOnce(p.serverData, 350);
  });

  it("RekeyPolicy.afterMs rekeys on the clock", () => {
    const p = makePair({ serverRekey: { afterMs: 60_000 } });
    expect(connect(p)).toBe(true);
    p.clock.advance(60_000 * 3 + 1000);
    expect(p.server.stats.rekeys).toBe(3);
    expect(p.client.currentEpoch).toBe(4);
    expect(p.client.send(seqPayload(1))).toBe(true);
    p.clock.advance(100);
    expect(p.serverData).toHaveLength(1);
  });

  it("records-per-key hard limit: nothing sealed beyond it; records queue and flow after the rekey", () => {
    const limit = 64;
    const p = makePair({ limits: { recordsPerKeyMax: limit } });
    expect(connect(p)).toBe(true);
    // the client's epoch 1 already sealed its Finished: 1 record
    for (let i = 0; i < 200; i++) expect(p.client.send(seqPayload(i, 32))).toBe(true);
    p.clock.runUntilIdle(100_000);
    expectExactlyOnce(p.serverData, 200);
    const ids = protectedRecordIds(p, "a->b");
    const perEpoch = new Map<string, number>();
    for (const id of ids) perEpoch.set(id.split(":")[0]!, (perEpoch.get(id.split(":")[0]!) ?? 0) + 1);
    // Every record under a key, handshake records of the rekey included, stays within the limit.
    for (const [, n] of perEpoch) expect(n).toBeLessThanOrEqual(limit);
    expect(p.client.stats.rekeys).toBeGreaterThanOrEqual(3);
  });

  it("peer refusing renegotiation: no_renegotiation warning, old keys stay in use", () => {
    const p = makePair({ server: { acceptRenegotiation: false } });
    expect(connect(p)).toBe(true);
    p.client.rekey();
    p.clock.runUntilIdle(100_000);
    expect(p.clientAlerts).toContainEqual({ level: "warning", description: AlertDescription.NoRenegotiation, sent: false });
    expect(p.client.handshaking).toBe(false);
    expect(p.client.currentEpoch).toBe(1);
    expect(p.client.send(seqPayload(7))).toBe(true);
    p.clock.runUntilIdle();
    expect(p.serverData.map(payloadSeq)).toEqual([7]);
  });

  it("pendingRecordsMax: with the key used up and the rekey refused, send() returns false", () => {
    const p = makePair({ server: { acceptRenegotiation: false }, limits: { recordsPerKeyMax: 10, pendingRecordsMax: 5 } });
    expect(connect(p)).toBe(true);
    const results: boolean[] = [];
    for (let i = 0; i < 20; i++) results.push(p.client.send(seqPayload(i)));
    p.clock.runUntilIdle();
    // Application share of the key: 10 - reserve 2 = 8 records, the Finished used seq 0, so 7
    // application records are sealed, 5 queued, the rest refused.
    expect(results.filter((r) => r)).toHaveLength(12);
    expect(results.slice(12).every((r) => !r)).toBe(true);
    expect(p.client.stats.rejected["over-limit"]).toBe(8);
    expect(p.serverData).toHaveLength(7);
  });
});

describe("rekey events and retirement", () => {
  it("'connected' fires once; each rekey fires 'rekeyed' with the new epoch", () => {
    const p = makePair();
    const events: string[] = [];
    p.client.on("connected", (i) => events.push(`connected:${i.epoch}`));
    p.client.on("rekeyed", (i) => events.push(`rekeyed:${i.epoch}`));
    expect(connect(p)).toBe(true);
    p.client.rekey();
    p.clock.runUntilIdle(100_000);
    p.server.rekey();
    p.clock.runUntilIdle(100_000);
    expect(events).toEqual(["connected:1", "rekeyed:2", "rekeyed:3"]);
  });

  it("old epochs stop being readable after PREVIOUS_EPOCH_RETAIN_MS", () => {
    const p = makePair({ clientSuites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"] });
    expect(connect(p)).toBe(true);
    p.client.send(seqPayload(1));
    p.clock.runUntilIdle();
    const old = p.wire.filter((w) => w.dir === "a->b").at(-1)!.d; // an epoch-1 application record
    p.client.rekey();
    p.clock.runUntil(() => !p.client.handshaking && !p.server.handshaking);
    // Replaying the old record: replay window of epoch 1 still there -> "replayed".
    p.server.handleDatagram(old);
    expect(p.server.stats.rejected.replayed).toBe(1);
    p.clock.advance(PREVIOUS_EPOCH_RETAIN_MS + 1);
    p.server.handleDatagram(old);
    expect(p.server.stats.rejected["unknown-epoch"]).toBe(1);
    expect(p.server.state).toBe("connected");
  });
});

describe("records-per-key hard stop", () => {
  it("no record of any type is sealed past recordsPerKeyMax; running into it ends the session", () => {
    const p = makePair({ server: { acceptRenegotiation: false }, limits: { recordsPerKeyMax: 8 } });
    expect(connect(p)).toBe(true);
    for (let i = 0; i < 10; i++) p.client.send(seqPayload(i)); // 5 sealed (Finished = seq 0), rest queued
    p.clock.runUntilIdle(); // the automatic rekey is refused
    for (let i = 0; i < 3; i++) {
      p.client.rekey(); // explicit retries, each ClientHello costs a record of epoch 1
      p.clock.runUntilIdle();
    }
    expect(p.client.state).toBe("failed");
    expect(p.client.failure!.reason).toBe("internal-error");
    const seqs = protectedRecordIds(p, "a->b").filter((id) => id.startsWith("1:")).map((id) => parseInt(id.slice(2), 16));
    expect(Math.max(...seqs)).toBe(7);
  });
});

describe("rekey corner cases", () => {
  it("both sides call rekey() at the same moment: one renegotiation, both on epoch 2", () => {
    const p = makePair({ seed: 8 });
    expect(connect(p)).toBe(true);
    p.client.rekey();
    p.server.rekey();
    p.clock.runUntilIdle(100_000);
    expect(p.client.currentEpoch).toBe(2);
    expect(p.server.currentEpoch).toBe(2);
    expect(p.client.stats.rekeys).toBe(1);
    expect(p.client.send(seqPayload(1))).toBe(true);
    p.clock.runUntilIdle();
    expect(p.serverData.map(payloadSeq)).toEqual([1]);
  });

  it("rekey at a 120-byte MTU: the protected handshake messages are fragmented and reassembled", () => {
    const p = makePair({ mtuBytes: 120, clientGroups: ["secp256r1"] });
    expect(connect(p)).toBe(true);
    const before = p.wire.length;
    p.client.rekey();
    p.clock.runUntilIdle(100_000);
    expect(p.client.stats.rekeys).toBe(1);
    for (const w of p.wire.slice(before)) expect(w.d.length).toBeLessThanOrEqual(120);
  });

  it("rekey() before connected or after close is a no-op", () => {
    const p = makePair();
    p.client.rekey();
    expect(p.client.handshaking).toBe(false);
    expect(connect(p)).toBe(true);
    p.client.close();
    p.client.rekey();
    expect(p.client.handshaking).toBe(false);
  });
});

describe("timer-driven failures", () => {
  it("the hard stop reached by a retransmission (from the clock) fails the session without throwing", () => {
    let blackhole = false;
    const p = makePair({ limits: { recordsPerKeyMax: 8 }, link: { drop: (dir) => blackhole && dir === "a->b" } });
    expect(connect(p)).toBe(true);
    for (let i = 0; i < 5; i++) p.client.send(seqPayload(i)); // epoch 1: Finished + 5 = 6 = application share
    blackhole = true;
    p.client.rekey(); // ClientHello = seq 6; the first resend = seq 7; the second would be seq 8
    expect(() => p.clock.runUntilIdle()).not.toThrow();
    expect(p.client.state).toBe("failed");
    expect(p.client.failure!.reason).toBe("internal-error");
    expect(p.client.stats.retransmissions).toBe(2);
    expect(p.clock.pendingTimers).toBe(0);
  });
});
