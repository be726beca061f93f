/**
 * Every way a datagram is discarded is counted under its reason in stats.rejected, the session
 * survives, and a forged record does not poison the replay window for the genuine one (RFC 6347
 * §4.1.2.6: mark the window only after authentication). Deterministic cases per reason, then a
 * property: random bytes and tampered application records are always counted.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RejectReason } from "../../../src/dtls/api.js";
import { REPLAY_WINDOW_RECORDS } from "../../../src/dtls/constants.js";
import { FUZZ_SEED, runs, bothConnected, exchange, handshake, makePair, rejectedTotal, settle, step, type Pair } from "./harness.js";
import { applyMutation, craftRecord, gauges } from "./mutate.js";

function connectedPair(seed = 11): Pair {
  const p = makePair({ seed, suite: "TLS_PSK_WITH_AES_128_GCM_SHA256" });
  handshake(p);
  if (!bothConnected(p)) throw new Error("handshake failed");
  return p;
}

/** The server seals `text` as one application record; returns that datagram undelivered. */
function serverRecord(p: Pair, text: string): Uint8Array {
  expect(p.server.send(new TextEncoder().encode(text))).toBe(true);
  const d = p.outbox.server.pop();
  if (d === undefined) throw new Error("server sent nothing");
  return d;
}

const texts = (p: Pair): string[] => p.received.client.map((d) => new TextDecoder().decode(d));

function expectCounted(p: Pair, reason: RejectReason, feed: () => void): void {
  const before = { ...p.client.stats.rejected };
  const total = rejectedTotal(p.client);
  feed();
  expect(p.client.stats.rejected[reason], `rejected["${reason}"]`).toBe(before[reason] + 1);
  expect(rejectedTotal(p.client)).toBe(total + 1);
  expect(p.client.state).toBe("connected");
}

describe("stats.rejected: each discarded datagram is counted by reason", () => {
  it("short-record, bad-content-type, bad-version, bad-length, unknown-epoch", () => {
    const p = connectedPair();
    expectCounted(p, "short-record", () => p.client.handleDatagram(Uint8Array.of(23, 0xfe, 0xfd, 0, 1)));
    const d = serverRecord(p, "genuine");
    expectCounted(p, "bad-content-type", () => p.client.handleDatagram(applyMutation(d, { kind: "type", value: 99 })));
    expectCounted(p, "bad-version", () => p.client.handleDatagram(applyMutation(d, { kind: "version", value: 0x0303 })));
    expectCounted(p, "bad-length", () => p.client.handleDatagram(applyMutation(d, { kind: "length", value: d.length })));
    expectCounted(p, "unknown-epoch", () => p.client.handleDatagram(applyMutation(d, { kind: "epoch", value: 5 })));
    // None of the above consumed the sequence number: the genuine record still arrives, once.
    p.client.handleDatagram(d);
    expect(texts(p)).toEqual(["genuine"]);
  });

  it("auth-failed: a tampered record is dropped and does not block the genuine one (window marked only after authentication)", () => {
    const p = connectedPair();
    const d = serverRecord(p, "authentic");
    for (const at of [13, 21, d.length - 1]) {
      // explicit nonce, ciphertext, tag: each flip fails the AEAD check
      expectCounted(p, "auth-failed", () => p.client.handleDatagram(applyMutation(d, { kind: "flip", at, bit: 0 })));
    }
    expectCounted(p, "auth-failed", () => p.client.handleDatagram(applyMutation(d, { kind: "seq", value: 999 })));
    p.client.handleDatagram(d);
    expect(texts(p)).toEqual(["authentic"]);
  });

  it("replayed: a duplicate record is delivered once and counted", () => {
    const p = connectedPair();
    const d = serverRecord(p, "once");
    p.client.handleDatagram(d);
    expectCounted(p, "replayed", () => p.client.handleDatagram(d));
    expect(texts(p)).toEqual(["once"]);
  });

  it(`too-old: a record more than ${REPLAY_WINDOW_RECORDS} behind the newest is counted (RFC 6347 §4.1.2.6)`, () => {
    const p = connectedPair();
    const first = serverRecord(p, "first");
    const later: Uint8Array[] = [];
    for (let i = 0; i < REPLAY_WINDOW_RECORDS; i++) later.push(serverRecord(p, `n${i}`));
    p.client.handleDatagram(later[later.length - 1]!);
    expectCounted(p, "too-old", () => p.client.handleDatagram(first));
    // One inside the window still arrives.
    p.client.handleDatagram(later[1]!);
    expect(texts(p)).toEqual([`n${REPLAY_WINDOW_RECORDS - 1}`, "n1"]);
  });

  it("unexpected: unprotected application data, CCS and alerts after the handshake", () => {
    const p = connectedPair();
    expectCounted(p, "unexpected", () => p.client.handleDatagram(craftRecord({ type: 23, version: 0xfefd, epoch: 0, seq: 50, body: Uint8Array.of(1, 2, 3) })));
    expectCounted(p, "unexpected", () => p.client.handleDatagram(craftRecord({ type: 21, version: 0xfefd, epoch: 0, seq: 51, body: Uint8Array.of(2, 40) })));
    expectCounted(p, "unexpected", () => p.client.handleDatagram(craftRecord({ type: 21, version: 0xfefd, epoch: 0, seq: 52, body: Uint8Array.of(1, 0) })));
    expect(exchange(p, "still-up")).toBe(true);
  });

  it("bad-cookie: a ClientHello with a forged cookie gets another HelloVerifyRequest, no session state", () => {
    const p = makePair({ seed: 12, suite: "TLS_PSK_WITH_AES_128_GCM_SHA256" });
    p.server.start();
    p.client.start();
    settle(p, () => p.outbox.client.length > 0 && p.sent.client.length === 2); // CH1 -> HVR -> CH2 queued
    const ch2 = p.outbox.client[0]!;
    // The cookie is the last field before the cipher suites; flip a byte near its end: 13 record +
    // 12 handshake + 2 version + 32 random + 1 session-id length(0) + 1 cookie length + cookie.
    const cookieLength = ch2[13 + 12 + 2 + 32 + 1]!;
    expect(cookieLength).toBeGreaterThan(0);
    const forged = applyMutation(ch2, { kind: "flip", at: 13 + 12 + 2 + 32 + 2 + cookieLength - 1, bit: 3 });
    const before = p.server.stats.rejected["bad-cookie"];
    p.server.handleDatagram(forged);
    expect(p.server.stats.rejected["bad-cookie"]).toBe(before + 1);
    settle(p);
    expect(bothConnected(p)).toBe(true);
  });
});

describe("handshake reassembly is bounded by reassemblyBytesMax", () => {
  it("a flood of fragments of large, never-completed handshake messages stays under the limit and is counted", () => {
    const reassemblyBytesMax = 1024;
    const p = makePair({ seed: 15, suite: "TLS_PSK_WITH_AES_128_GCM_SHA256", limits: { reassemblyBytesMax } });
    p.server.start();
    p.client.start();
    for (let i = 0; i < 3; i++) step(p); // CH1, HVR, CH2: the client now waits for message_seq 1
    let seq = 100;
    const before = p.client.stats.rejected["over-limit"];
    for (let messageSeq = 1; messageSeq <= 9; messageSeq++) {
      for (let offset = 0; offset < 900; offset += 100) {
        // DTLS handshake header (RFC 6347 §4.2.2): type, length(3), message_seq(2), offset(3), fragment length(3).
        const body = new Uint8Array(12 + 50);
        body[0] = 2; // server_hello
        body.set([0, 0x03, 0xe8], 1); // length 1000
        body.set([messageSeq >> 8, messageSeq & 0xff], 4);
        body.set([0, offset >> 8, offset & 0xff], 6);
        body.set([0, 0, 50], 9);
        p.client.handleDatagram(craftRecord({ type: 22, version: 0xfefd, epoch: 0, seq: seq++, body }));
        expect(gauges(p.client).reassemblyBytes).toBeLessThanOrEqual(reassemblyBytesMax);
      }
    }
    // Either outcome is a named one: the fragment is dropped and counted, or the handshake ends
    // with "reassembly-limit" (what the endpoint does today). Memory stayed bounded in both.
    if (p.client.state === "failed") expect(p.client.failure?.reason).toBe("reassembly-limit");
    else expect(p.client.stats.rejected["over-limit"]).toBeGreaterThan(before);
    expect(() => settle(p)).not.toThrow();
  });
});

describe("unauthenticated epoch-0 records must not poison the replay window", () => {
  // RFC 6347 §4.1.2.6: the window is updated only for records that authenticate. Epoch 0 has no MAC,
  // so a spoofed record (here: one the endpoint itself rejects) must not move the window; otherwise
  // one datagram with sequence number 2^48-1 makes every genuine handshake record "too-old".
  for (const side of ["client", "server"] as const) {
    it(`${side}: a rejected epoch-0 record with sequence 2^48-1, received before the handshake, does not stop it`, () => {
      const p = makePair({ seed: 14, suite: "TLS_PSK_WITH_AES_128_GCM_SHA256" });
      const spoof = craftRecord({ type: 22, version: 0xfefd, epoch: 0, seq: 2 ** 48 - 1, body: Uint8Array.of(0xff, 0xff) });
      (side === "client" ? p.client : p.server).handleDatagram(spoof);
      handshake(p);
      expect(p.client.stats.rejected["too-old"] + p.server.stats.rejected["too-old"]).toBe(0);
      expect(bothConnected(p)).toBe(true);
    });
  }
});

describe("a spoofed record of the next epoch during a rekey is discarded, not fatal", () => {
  // RFC 6347 §4.1.2.7: a record that fails authentication is discarded. During a rekey the session
  // is established; one off-path datagram with a garbage epoch-2 record must not end it.
  for (const initiator of ["client", "server"] as const) {
    it(`${initiator}-initiated rekey: garbage epoch-2 record into the client and the server; the rekey completes`, () => {
      const p = connectedPair(16);
      (initiator === "client" ? p.client : p.server).rekey();
      step(p);
      step(p);
      for (const ep of [p.client, p.server]) ep.handleDatagram(craftRecord({ type: 22, version: 0xfefd, epoch: 2, seq: 0, body: new Uint8Array(40).fill(7) }));
      settle(p);
      expect(p.client.failure).toBeNull();
      expect(p.server.failure).toBeNull();
      expect(p.client.currentEpoch).toBe(2);
      expect(exchange(p, "after-rekey")).toBe(true);
    });
  }
});

describe(`stats.rejected property (FUZZ_SEED=${FUZZ_SEED})`, () => {
  it("random datagrams and tampered application records into a live session: each counted, nothing delivered, session fine", () => {
    const p = connectedPair(13);
    let n = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 0, maxLength: 200 }).map((bytes) => ({ kind: "random" as const, bytes })),
          fc.record({ kind: fc.constant("tamper" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        ),
        (c) => {
          let d: Uint8Array;
          if (c.kind === "random") {
            d = c.bytes;
          } else {
            const genuine = serverRecord(p, `t${n++}`);
            // Any flip from the epoch onwards: epoch, sequence, length, nonce, ciphertext or tag.
            d = applyMutation(genuine, { kind: "flip", at: 3 + (c.at % (genuine.length - 3)), bit: c.bit });
          }
          const total = rejectedTotal(p.client);
          const delivered = p.received.client.length;
          p.client.handleDatagram(d);
          expect(rejectedTotal(p.client)).toBeGreaterThanOrEqual(total + (d.length === 0 ? 0 : 1));
          expect(p.received.client.length).toBe(delivered);
          expect(p.client.state).toBe("connected");
        },
      ),
      { seed: FUZZ_SEED, numRuns: runs(300) },
    );
    p.outbox.server.length = 0;
    expect(exchange(p, "after")).toBe(true);
  });
});
