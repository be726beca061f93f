/**
 * Lossy-link suite (as in pion/dtls's e2e lossy tests): the handshake over a link that loses,
 * duplicates and reorders datagrams, several seeds per loss rate (seed in the title: a failure
 * replays exactly, the whole run is virtual time).
 *
 * Application data assertion: DTLS does not retransmit application records (RFC 6347 §4.1.2.7
 * leaves reliability to the application), so over a lossy link the right property is
 * "delivered is a duplicate-free subset of what was sent" (the replay window removes link
 * duplicates; order may differ). After the lossy phase the link turns lossless and every record
 * sent then must arrive exactly once.
 */
import { describe, expect, it } from "vitest";
import { RETRANSMIT_COUNT_MAX } from "../../../src/dtls/limits.js";
import { seededRandom } from "../../../src/dtls/transport/seeded.js";
import { makePair, payloadSeq, seqPayload } from "../endpoint/harness.js";

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const RATES = [0, 0.1, 0.2, 0.5];

describe("lossy link: handshake and data", () => {
  for (const lossRate of RATES) {
    for (const seed of SEEDS) {
      it(`loss ${lossRate * 100}% + 10% duplication + 20% reordering, seed ${seed}`, () => {
        const lossRng = seededRandom(seed * 1009 + Math.round(lossRate * 100));
        let lossy = true;
        const p = makePair({
          seed,
          link: {
            duplicateRate: 0.1,
            reorderRate: 0.2,
            latencyMs: 20,
            // Loss decided here (not by the link) so the test can end the lossy phase.
            drop: () => lossy && lossRng() < lossRate,
          },
        });
        p.server.start();
        p.client.start();
        p.clock.runUntil(
          () => (p.client.state === "connected" && p.server.state === "connected") || p.client.state === "failed" || p.server.state === "failed",
          1_000_000,
        );
        // Let the tail of the handshake (final flight retransmissions) finish.
        p.clock.runUntil(() => p.client.state !== "handshaking", 1_000_000);

        if (lossRate <= 0.2) {
          expect(p.client.failure).toBeNull();
          expect(p.client.state).toBe("connected");
          expect(p.server.state).toBe("connected");
          expect(p.client.stats.retransmissions).toBeLessThanOrEqual(RETRANSMIT_COUNT_MAX * 3);
        } else if (p.client.state !== "connected") {
          // At 50% loss the handshake may fail, but only with a named reason and no timers left.
          expect(p.client.state).toBe("failed");
          expect(["retransmit-exhausted", "alert-received"]).toContain(p.client.failure!.reason);
          p.clock.runUntilIdle(1_000_000);
          return;
        }
        if (lossRate === 0) expect(p.client.stats.retransmissions).toBe(0);

        // Lossy data phase: a duplicate-free subset arrives.
        const N = 200;
        for (let i = 0; i < N; i++) {
          p.client.send(seqPayload(i, 32));
          p.clock.advance(2);
        }
        p.clock.advance(1000);
        const lossySeqs = p.serverData.map(payloadSeq);
        expect(new Set(lossySeqs).size).toBe(lossySeqs.length);
        for (const s of lossySeqs) expect(s).toBeLessThan(N);
        if (lossRate === 0) expect(lossySeqs.length).toBe(N);
        else expect(lossySeqs.length).toBeGreaterThan(0);

        // Lossless phase (duplication and reordering stay on): every record exactly once.
        lossy = false;
        p.serverData.length = 0;
        for (let i = N; i < 2 * N; i++) {
          p.client.send(seqPayload(i, 32));
          p.clock.advance(2);
        }
        p.clock.advance(1000);
        const seqs = p.serverData.map(payloadSeq).sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: N }, (_, i) => N + i));
        expect(p.server.stats.rejected.replayed + p.server.stats.rejected["too-old"]).toBeGreaterThan(0);
      });
    }
  }
});

describe("lossy link: rekey", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`rekey handshakes over 10% loss + duplication + reordering complete, seed ${seed}`, () => {
      const lossRng = seededRandom(seed * 7 + 3);
      const p = makePair({ seed, link: { duplicateRate: 0.1, reorderRate: 0.2, latencyMs: 20, drop: () => lossRng() < 0.1 } });
      p.server.start();
      p.client.start();
      p.clock.runUntil(() => p.client.state === "connected" && p.server.state === "connected", 1_000_000);
      for (let r = 0; r < 3; r++) {
        (r % 2 === 0 ? p.client : p.server).rekey();
        p.clock.runUntil(() => !p.client.handshaking && !p.server.handshaking, 1_000_000);
        // The client finishes last; the server may still be waiting for a lost flight's retransmission.
        p.clock.advance(200_000);
      }
      expect(p.client.state).toBe("connected");
      expect(p.server.state).toBe("connected");
      expect(p.client.stats.rekeys).toBe(3);
      expect(p.client.currentEpoch).toBe(4);
      expect(p.server.currentEpoch).toBe(4);
      // Data still flows (lossy: a duplicate-free subset arrives).
      for (let i = 0; i < 50; i++) p.client.send(seqPayload(i, 24));
      p.clock.advance(1000);
      const got = p.serverData.map(payloadSeq);
      expect(new Set(got).size).toBe(got.length);
      expect(got.length).toBeGreaterThan(25);
    });
  }
});
