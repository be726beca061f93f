/**
 * Fuzz/property tests of DtlsEndpoint (client and server roles) over a hand-driven wire with a
 * ManualClock. A clean session is recorded; then, for a handshake stopped after any flight (0-6
 * steps) or an established session (7), we inject into either side:
 *  A. network faults made of genuine datagrams (replays, duplicates, reordering, early future
 *     flights): the session must still come up and carry data both ways, each payload once;
 *  B. hostile datagrams (mutated recordings, random bytes, reflections): handleDatagram never
 *     throws, every buffer stays under its limit, the pair settles (no livelock), the outcome is a
 *     named state, and an established session is unaffected and keeps working.
 *
 * Seeds: FUZZ_SEED (default below) is in each title; `FUZZ_SEED=123 npx vitest run test/dtls/fuzz`
 * replays or explores. fast-check prints the failing case and its path on failure.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CipherSuiteName } from "../../../src/dtls/api.js";
import {
  FUZZ_SEED,
  runs,
  HANDSHAKE_STEPS,
  bothConnected,
  endpoint,
  exchange,
  handshake,
  makePair,
  other,
  pairAtStep,
  recordSession,
  settle,
  step,
  type Pair,
  type Side,
} from "./harness.js";
import { assertBounded, injectionArb, materialise } from "./mutate.js";

/** Session (key) seed for the recordings; fixed so a failing case replays byte for byte. */
const SESSION_SEED = 7;

const SUITES: CipherSuiteName[] = [
  "TLS_PSK_WITH_AES_128_GCM_SHA256",
  "TLS_PSK_WITH_AES_128_CCM_8",
  "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
];
/** Stage = flight steps of the clean handshake already delivered; CONNECTED_STAGE = session up and one exchange done. */
const CONNECTED_STAGE = HANDSHAKE_STEPS + 1;

/** An earlier session between the same peers (same PSK, other randoms): what an attacker can replay. */
const OLD_SESSION_SEED = 8;

const recordings = new Map(SUITES.map((suite) => [suite, recordSession({ seed: SESSION_SEED, suite })]));
const oldSessions = new Map(SUITES.map((suite) => [suite, recordSession({ seed: OLD_SESSION_SEED, suite })]));

function pairAtStage(suite: CipherSuiteName, stage: number): Pair {
  if (stage < CONNECTED_STAGE) return pairAtStep({ seed: SESSION_SEED, suite }, stage);
  const p = pairAtStep({ seed: SESSION_SEED, suite }, 0);
  handshake(p);
  // Same payload as the recording, so recorded application records are true replays.
  if (!exchange(p, "recording")) throw new Error("clean exchange failed");
  return p;
}

/** Each side received each distinct payload at most once (no replayed application data). */
function expectNoDuplicateData(p: Pair): void {
  for (const side of ["client", "server"] as const) {
    const seen = p.received[side].map((d) => Buffer.from(d).toString("hex"));
    expect(new Set(seen).size, `${side} received a payload twice`).toBe(seen.length);
  }
}

const stageArb = fc.integer({ min: 0, max: CONNECTED_STAGE });
const suiteArb = fc.constantFrom(...SUITES);

describe(`DtlsEndpoint fuzz (FUZZ_SEED=${FUZZ_SEED})`, () => {
  it("A: datagrams already on the wire replayed, duplicated or reordered at any stage: the session comes up and works", () => {
    fc.assert(
      fc.property(
        suiteArb,
        stageArb,
        fc.array(fc.record({ from: fc.constantFrom<Side>("client", "server"), index: fc.nat(), copies: fc.integer({ min: 1, max: 3 }) }), {
          minLength: 1,
          maxLength: 6,
        }),
        (suite, stage, injections) => {
          const p = pairAtStage(suite, stage);
          // Only what has really been sent by this stage (including datagrams still in flight, which
          // this delivers before their turn): a network can replay and reorder, not invent.
          const onWire = { client: [...p.sent.client], server: [...p.sent.server] };
          for (const inj of injections) {
            const list = onWire[inj.from];
            if (list.length === 0) continue;
            const d = list[inj.index % list.length]!;
            const to = endpoint(p, other(inj.from));
            for (let i = 0; i < inj.copies; i++) to.handleDatagram(Uint8Array.from(d));
            assertBounded(to, p.limits);
          }
          settle(p);
          expect(p.client.state).toBe("connected");
          expect(p.server.state).toBe("connected");
          expect(exchange(p, "after-faults")).toBe(true);
          expectNoDuplicateData(p);
        },
      ),
      { seed: FUZZ_SEED, numRuns: runs(120) },
    );
  });

  it("B: hostile datagrams into either side at any stage: no throw, bounded buffers, settles, named outcome; a live session survives", () => {
    fc.assert(
      fc.property(
        suiteArb,
        stageArb,
        fc.constantFrom<Side>("client", "server"),
        fc.array(injectionArb(), { minLength: 1, maxLength: 8 }),
        (suite, stage, target, injections) => {
          const p = pairAtStage(suite, stage);
          // Material an attacker really has: this session's datagrams sent so far (not its future
          // records, which only our fixed seeds make predictable) and an old session's datagrams.
          const old = oldSessions.get(suite)!;
          const rec = { client: [...p.sent.client, ...old.client], server: [...p.sent.server, ...old.server] };
          const ep = endpoint(p, target);
          const wasConnected = bothConnected(p);
          for (const inj of injections) {
            const d = materialise(inj, rec);
            expect(() => ep.handleDatagram(d)).not.toThrow();
            assertBounded(ep, p.limits);
          }
          expect(ep.failure?.reason).not.toBe("internal-error");
          settle(p); // throws if the pair livelocks
          assertBounded(p.client, p.limits);
          assertBounded(p.server, p.limits);
          if (wasConnected) {
            // Nothing unauthenticated may end or disturb an established session.
            expect(p.client.state).toBe("connected");
            expect(p.server.state).toBe("connected");
          }
          expect(["connected", "failed", "closed"]).toContain(p.client.state);
          if (p.client.state === "connected") {
            expect(p.server.state).toBe("connected");
            expect(exchange(p, "after-hostile")).toBe(true);
            expectNoDuplicateData(p);
          } else if (p.client.state === "failed") {
            // The server may be anywhere: e.g. connected, when only its final flight was lost.
            expect(p.client.failure).not.toBeNull();
          }
          for (const e of [p.client, p.server]) {
            if (e.state === "failed") expect(e.failure?.reason).not.toBe("internal-error");
          }
        },
      ),
      { seed: FUZZ_SEED, numRuns: runs(200) },
    );
  });

  it("idle: endpoints that have not started yet take hostile datagrams without throwing, then handshake normally", () => {
    fc.assert(
      fc.property(suiteArb, fc.array(injectionArb(), { minLength: 1, maxLength: 8 }), (suite, injections) => {
        const p = makePair({ seed: SESSION_SEED, suite });
        const rec = oldSessions.get(suite)!;
        for (const inj of injections) {
          const d = materialise(inj, rec);
          expect(() => p.client.handleDatagram(d)).not.toThrow();
          expect(() => p.server.handleDatagram(d)).not.toThrow();
        }
        // An idle client answers nothing but an alert (e.g. its own close_notify to a close_notify).
        expect(p.outbox.client.filter((d) => d[0] !== 21)).toEqual([]);
        assertBounded(p.client, p.limits);
        assertBounded(p.server, p.limits);
        p.outbox.server.length = 0; // whatever the idle server answered went to the attacker
        // An unprotected alert or an unexpected handshake message may end an endpoint that has no
        // keys yet (as during any handshake); that must be a named outcome. Otherwise nothing the
        // endpoints saw while idle may stop the handshake that follows.
        // (A server may also have started on a ClientHello: then it is simply "handshaking".)
        const ended = [p.client, p.server].filter((e) => e.state === "failed" || e.state === "closed");
        for (const e of ended) if (e.state === "failed") expect(e.failure?.reason).not.toBe("internal-error");
        if (ended.length > 0) return;
        handshake(p);
        expect(bothConnected(p)).toBe(true);
        expect(exchange(p, "after-idle")).toBe(true);
      }),
      { seed: FUZZ_SEED, numRuns: runs(80) },
    );
  });

  it("R: hostile datagrams during a rekey (renegotiation inside epoch 1): the rekey completes and the session works", () => {
    fc.assert(
      fc.property(
        suiteArb,
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom<Side>("client", "server"),
        fc.constantFrom<Side>("client", "server"),
        fc.array(injectionArb(), { minLength: 1, maxLength: 6 }),
        (suite, steps, initiator, target, injections) => {
          const p = pairAtStage(suite, CONNECTED_STAGE);
          endpoint(p, initiator).rekey();
          for (let i = 0; i < steps; i++) if (!step(p)) break;
          // This session's datagrams so far (including the rekey's, all under epoch 1) and an old session's.
          const old = oldSessions.get(suite)!;
          const rec = { client: [...p.sent.client, ...old.client], server: [...p.sent.server, ...old.server] };
          const ep = endpoint(p, target);
          for (const inj of injections) {
            expect(() => ep.handleDatagram(materialise(inj, rec))).not.toThrow();
            assertBounded(ep, p.limits);
          }
          settle(p);
          expect(p.client.state).toBe("connected");
          expect(p.server.state).toBe("connected");
          expect(p.client.currentEpoch).toBe(2);
          expect(p.server.currentEpoch).toBe(2);
          expect(exchange(p, "after-rekey")).toBe(true);
          expectNoDuplicateData(p);
        },
      ),
      { seed: FUZZ_SEED, numRuns: runs(120) },
    );
  });

  it("B': a datagram reflected back to its own sender (either side, any stage) is harmless once the session is up", () => {
    fc.assert(
      fc.property(suiteArb, fc.constantFrom<Side>("client", "server"), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (suite, side, indexes) => {
        const rec = recordings.get(suite)!;
        const p = pairAtStage(suite, CONNECTED_STAGE);
        const ep = endpoint(p, side);
        for (const i of indexes) ep.handleDatagram(Uint8Array.from(rec[side][i % rec[side].length]!));
        settle(p);
        expect(bothConnected(p)).toBe(true);
        expect(exchange(p, "after-reflection")).toBe(true);
      }),
      { seed: FUZZ_SEED, numRuns: runs(60) },
    );
  });
});
