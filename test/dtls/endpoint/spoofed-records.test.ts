/**
 * Records that fail authentication (RFC 6347 §4.1.2.7): discarded and counted "auth-failed" in an
 * established session, including a rekey's next epoch, whether they arrive before the peer's
 * ChangeCipherSpec (the early-records buffer) or after it; a fatal bad_record_mac only in the
 * initial handshake (the wrong-PSK fast failure).
 */
import { describe, expect, it } from "vitest";
import { ContentType, DTLS12_VERSION } from "../../../src/dtls/constants.js";
import { EARLY_RECORDS_MAX } from "../../../src/dtls/limits.js";
import { writeRecordHeader } from "../../../src/dtls/record/header.js";
import type { DtlsEndpoint } from "../../../src/dtls/endpoint.js";
import { connect, makePair, payloadSeq, seqPayload, type Pair } from "./harness.js";

interface Rec {
  type: number;
  epoch: number;
  seq: number;
  bytes: Uint8Array;
}

function splitRecords(d: Uint8Array): Rec[] {
  const out: Rec[] = [];
  for (let off = 0; off + 13 <= d.length; ) {
    const len = (d[off + 11]! << 8) | d[off + 12]!;
    const seq = (d[off + 5]! * 2 ** 40) + (d[off + 6]! * 2 ** 32) + ((d[off + 7]! << 24) >>> 0) + (d[off + 8]! << 16) + (d[off + 9]! << 8) + d[off + 10]!;
    out.push({ type: d[off]!, epoch: (d[off + 3]! << 8) | d[off + 4]!, seq, bytes: d.slice(off, off + 13 + len) });
    off += 13 + len;
  }
  return out;
}

/** A record nobody with the keys made: right header, garbage ciphertext. */
function forged(epoch: number, seq: number, type = ContentType.Handshake): Uint8Array {
  const out = new Uint8Array(13 + 40).fill(7);
  writeRecordHeader(out, 0, type, DTLS12_VERSION, epoch, seq, 40);
  return out;
}

/** A pair whose datagrams carrying `holdEpoch` records are held back (not delivered) while `hold.on` (client->server ones only if `hold.toServer`). */
function heldPair(holdEpoch: number): { p: Pair; hold: { on: boolean; toServer: boolean }; held: { toServer: Uint8Array[]; toClient: Uint8Array[] } } {
  const hold = { on: false, toServer: true };
  const held = { toServer: [] as Uint8Array[], toClient: [] as Uint8Array[] };
  const p = makePair({
    clientSuites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"],
    link: {
      drop: (dir, _i, d) => {
        if (!hold.on || (dir === "a->b" && !hold.toServer) || !splitRecords(d).some((r) => r.epoch === holdEpoch)) return false;
        (dir === "a->b" ? held.toServer : held.toClient).push(d.slice());
        return true;
      },
    },
  });
  return { p, hold, held };
}

/**
 * Delivers one held flight to `ep` record by record: the old-epoch handshake records first, then
 * `inject` (forged records), then the genuine new-epoch records (buffered: no ChangeCipherSpec yet)
 * and last the ChangeCipherSpec; with `afterCcs` the ChangeCipherSpec goes before the forged records.
 */
function deliverSplit(ep: DtlsEndpoint, flight: Uint8Array, newEpoch: number, inject: Uint8Array[], afterCcs = false): void {
  const recs = splitRecords(flight);
  const ccs = recs.filter((r) => r.type === ContentType.ChangeCipherSpec);
  const next = recs.filter((r) => r.epoch === newEpoch);
  expect(ccs).toHaveLength(1);
  expect(next.length).toBeGreaterThan(0);
  for (const r of recs) if (r.type !== ContentType.ChangeCipherSpec && r.epoch !== newEpoch) ep.handleDatagram(r.bytes);
  if (afterCcs) ep.handleDatagram(ccs[0]!.bytes);
  for (const d of inject) ep.handleDatagram(d);
  for (const r of next) ep.handleDatagram(r.bytes);
  if (!afterCcs) ep.handleDatagram(ccs[0]!.bytes);
}

function expectWorks(p: Pair, epoch: number): void {
  expect(p.client.failure).toBeNull();
  expect(p.server.failure).toBeNull();
  expect(p.client.state).toBe("connected");
  expect(p.server.state).toBe("connected");
  expect(p.client.currentEpoch).toBe(epoch);
  expect(p.server.currentEpoch).toBe(epoch);
  const before = { c: p.clientData.length, s: p.serverData.length };
  expect(p.client.send(seqPayload(101))).toBe(true);
  expect(p.server.send(seqPayload(202))).toBe(true);
  p.clock.advance(100);
  expect(p.serverData.slice(before.s).map(payloadSeq)).toEqual([101]);
  expect(p.clientData.slice(before.c).map(payloadSeq)).toEqual([202]);
}

describe("forged records of the next epoch during a rekey are discarded, the rekey completes", () => {
  for (const initiator of ["client", "server"] as const) {
    for (const afterCcs of [false, true]) {
      it(`${initiator}-initiated rekey: a forged epoch-2 record with the genuine Finished's sequence number, ${afterCcs ? "after" : "before"} the ChangeCipherSpec, into each side`, () => {
        const { p, hold, held } = heldPair(2);
        expect(connect(p)).toBe(true);
        hold.on = true;
        (initiator === "client" ? p.client : p.server).rekey();
        p.clock.advance(100); // the client's flight 5 (CKE, CCS, Finished) is held back
        expect(held.toServer).toHaveLength(1);
        const finSeqToServer = splitRecords(held.toServer[0]!).find((r) => r.epoch === 2)!.seq;
        deliverSplit(p.server, held.toServer[0]!, 2, [forged(2, finSeqToServer)], afterCcs);
        expect(p.server.stats.rejected["auth-failed"]).toBe(1);
        expect(p.server.failure).toBeNull();
        expect(p.server.currentEpoch).toBe(2);
        p.clock.advance(100); // the server's flight 6 (CCS, Finished) is held back
        expect(held.toClient).toHaveLength(1);
        const finSeqToClient = splitRecords(held.toClient[0]!).find((r) => r.epoch === 2)!.seq;
        deliverSplit(p.client, held.toClient[0]!, 2, [forged(2, finSeqToClient)], afterCcs);
        expect(p.client.stats.rejected["auth-failed"]).toBe(1);
        hold.on = false;
        p.clock.advance(100);
        expectWorks(p, 2);
        // No genuine record was lost to the forged one: nothing had to be retransmitted.
        expect(p.client.stats.retransmissions).toBe(0);
        expect(p.server.stats.retransmissions).toBe(0);
      });
    }
  }

  it(`more forged epoch-2 records than EARLY_RECORDS_MAX (${EARLY_RECORDS_MAX}) before the ChangeCipherSpec take no place in the buffer`, () => {
    const { p, hold, held } = heldPair(2);
    expect(connect(p)).toBe(true);
    hold.on = true;
    p.client.rekey();
    p.clock.advance(100);
    const flood = Array.from({ length: EARLY_RECORDS_MAX + 8 }, (_, i) => forged(2, i, i % 2 === 0 ? ContentType.Handshake : ContentType.ApplicationData));
    hold.on = false;
    deliverSplit(p.server, held.toServer[0]!, 2, flood);
    expect(p.server.stats.rejected["auth-failed"]).toBe(flood.length);
    expect(p.server.stats.rejected["over-limit"]).toBe(0);
    expect(p.server.gauges().earlyRecords).toBe(0);
    p.clock.runUntilIdle(100_000);
    expectWorks(p, 2);
    expect(p.client.stats.retransmissions).toBe(0);
  });

  it("a forged record of the established epoch (and of an unknown epoch) is counted and dropped", () => {
    const p = makePair();
    expect(connect(p)).toBe(true);
    p.client.handleDatagram(forged(1, 1000, ContentType.ApplicationData));
    p.client.handleDatagram(forged(1, 1001, ContentType.Handshake));
    p.client.handleDatagram(forged(2, 0));
    expect(p.client.stats.rejected["auth-failed"]).toBe(2);
    expect(p.client.stats.rejected["unknown-epoch"]).toBe(1);
    expectWorks(p, 1);
  });
});

describe("the initial handshake keeps the fast bad_record_mac", () => {
  it("a record of epoch 1 that fails authentication while the client waits for the server's Finished ends the handshake", () => {
    const { p, hold, held } = heldPair(1);
    hold.on = true;
    hold.toServer = false;
    p.server.start();
    p.client.start();
    p.clock.advance(100);
    expect(held.toClient).toHaveLength(1); // the server's CCS + Finished
    p.client.handleDatagram(forged(1, 0));
    expect(p.client.state).toBe("failed");
    expect(p.client.failure!.reason).toBe("bad-record-mac");
    expect(p.client.stats.rejected["auth-failed"]).toBe(1);
  });
});
