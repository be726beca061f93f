/**
 * The zero-copy record path (src/dtls/record/scratch.ts, endpoint.ts): records sealed into a
 * shared scratch only for transports that copy on send, application records opened into a shared
 * plaintext scratch, nested use (a listener that sends, a transport that delivers synchronously)
 * falling back to fresh buffers, and the received datagram never written to.
 */
import { describe, expect, it } from "vitest";
import type { AeadBackendName, CipherSuiteName, Transport } from "../../src/dtls/api.js";
import { ManualClock } from "../../src/dtls/clock.js";
import { ContentType, RECORD_CIPHERTEXT_BYTES_MAX, RECORD_HEADER_BYTES } from "../../src/dtls/constants.js";
import { DtlsEndpoint } from "../../src/dtls/endpoint.js";
import { EpochTable } from "../../src/dtls/epochs.js";
import { OPEN_SCRATCH, SEAL_SCRATCH, ScratchBuffer } from "../../src/dtls/record/scratch.js";
import { availableBackends } from "../../src/dtls/suites/aead.js";
import { seededRng } from "../../src/dtls/transport/seeded.js";
import { IDENTITY, PSK, connect, makePair, payloadSeq, seqPayload } from "./endpoint/harness.js";

/**
 * Two transports whose datagrams wait in queues until pump(); with `sync` on, send() hands the
 * datagram (the sender's own buffer) straight to the peer endpoint before returning.
 */
function queuedPair(sendCopies: boolean) {
  const queues: { toServer: Uint8Array[]; toClient: Uint8Array[] } = { toServer: [], toClient: [] };
  const sent: { client: Uint8Array[]; server: Uint8Array[] } = { client: [], server: [] };
  const state = { sync: false, client: null as DtlsEndpoint | null, server: null as DtlsEndpoint | null };
  const make = (side: "client" | "server"): Transport => ({
    ...(sendCopies ? { sendCopies: true } : {}),
    send(d) {
      sent[side].push(d); // deliberately NOT copied: shows whether the endpoint reuses the buffer
      const peer = side === "client" ? state.server : state.client;
      if (state.sync) peer!.handleDatagram(d);
      else (side === "client" ? queues.toServer : queues.toClient).push(d.slice());
    },
    onReceive() {},
    close() {},
  });
  const clock = new ManualClock();
  const client = new DtlsEndpoint({ role: "client", transport: make("client"), clock, rng: seededRng(11), psk: { identity: IDENTITY, key: PSK } });
  const server = new DtlsEndpoint({
    role: "server",
    transport: make("server"),
    clock,
    rng: seededRng(12),
    psk: { lookup: (id) => (id === IDENTITY ? PSK : undefined) },
    peerAddress: "10.0.0.4:1000",
  });
  state.client = client;
  state.server = server;
  const pump = (): void => {
    for (let guard = 0; guard < 1000 && (queues.toServer.length > 0 || queues.toClient.length > 0); guard++) {
      const s = queues.toServer.splice(0);
      for (const d of s) server.handleDatagram(d);
      const c = queues.toClient.splice(0);
      for (const d of c) client.handleDatagram(d);
    }
  };
  server.start();
  client.start();
  pump();
  expect(client.state).toBe("connected");
  expect(server.state).toBe("connected");
  sent.client.length = 0;
  sent.server.length = 0;
  return { client, server, queues, sent, state, pump };
}

describe("ScratchBuffer", () => {
  it("lends its buffer once at a time; a nested acquire gets null", () => {
    const s = new ScratchBuffer(64);
    const a = s.acquire();
    expect(a).not.toBeNull();
    expect(s.inUse).toBe(true);
    expect(s.acquire()).toBeNull();
    s.release();
    expect(s.inUse).toBe(false);
    expect(s.acquire()).toBe(a);
    s.release();
  });

  it("view(n) is buf[0..n) and the same object while n repeats", () => {
    const s = new ScratchBuffer(64);
    const buf = s.acquire()!;
    buf[0] = 7;
    const v = s.view(10);
    expect(v.length).toBe(10);
    expect(v.buffer).toBe(buf.buffer);
    expect(v[0]).toBe(7);
    expect(s.view(10)).toBe(v);
    expect(s.view(11)).not.toBe(v);
    s.release();
    expect(() => new ScratchBuffer(0)).toThrow(/bytes/);
  });

  it("the shared scratches hold the largest record and the largest plaintext", () => {
    expect(SEAL_SCRATCH.bytes).toBe(RECORD_HEADER_BYTES + RECORD_CIPHERTEXT_BYTES_MAX);
    expect(OPEN_SCRATCH.bytes).toBe(RECORD_CIPHERTEXT_BYTES_MAX);
  });
});

describe("EpochTable.sealInto", () => {
  it("writes a plaintext record at the offset; too small an `out` throws without taking a sequence number", () => {
    const t = new EpochTable(5);
    const out = new Uint8Array(40).fill(0xee);
    expect(() => t.sealInto(0, ContentType.Alert, Uint8Array.of(1, 0), out, 30)).toThrow(/room for 15 bytes/);
    expect(t.write.get(0)!.nextSeq).toBe(5);
    expect(t.sealInto(0, ContentType.Alert, Uint8Array.of(1, 0), out, 2)).toBe(15);
    expect(out[1]).toBe(0xee);
    expect(out[2]).toBe(ContentType.Alert);
    expect(out.subarray(2 + 3, 2 + 11)).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 5)); // epoch 0, seq 5
    expect(out.subarray(15, 17)).toEqual(Uint8Array.of(1, 0));
    expect(out[17]).toBe(0xee);
    expect(t.write.get(0)!.nextSeq).toBe(6);
    // seal() gives a record of its own with the next sequence number.
    const r = t.seal(0, ContentType.Alert, Uint8Array.of(2, 40));
    expect(r.length).toBe(15);
    expect(r[10]).toBe(6);
    expect(() => t.sealInto(3, ContentType.Alert, Uint8Array.of(1, 0), out, 0)).toThrow(/epoch 3/);
  });
});

describe("endpoint record path", () => {
  it("a transport with sendCopies gets every record in the same reused buffer; one without gets a buffer per record that stays valid", () => {
    for (const copies of [true, false]) {
      const p = queuedPair(copies);
      for (let i = 0; i < 3; i++) expect(p.client.send(seqPayload(i, 100))).toBe(true);
      const [a, b, c] = p.sent.client;
      expect(p.sent.client).toHaveLength(3);
      if (copies) {
        expect(a!.buffer).toBe(b!.buffer);
        expect(b!.buffer).toBe(c!.buffer);
      } else {
        expect(new Set([a!.buffer, b!.buffer, c!.buffer]).size).toBe(3);
        // Kept datagrams are still the records as sent: delivered late, all three open.
        const got: number[] = [];
        p.server.on("data", (d) => got.push(payloadSeq(d)));
        for (const d of p.sent.client) p.server.handleDatagram(d);
        expect(got).toEqual([0, 1, 2]);
      }
      // The queued copies decrypt either way.
      const got2: number[] = [];
      p.server.on("data", (d) => got2.push(payloadSeq(d)));
      p.pump();
      expect(got2).toEqual(copies ? [0, 1, 2] : []); // without copies they were already delivered (replays now)
    }
  });

  it("records of every size up to the maximum arrive intact over the memory link", () => {
    const p = makePair({ link: { latencyMs: 0 } });
    expect(connect(p)).toBe(true);
    const sizes = [0, 1, 15, 16, 17, 100, 1400, 1401, 9000, 16384];
    for (const n of sizes) {
      const b = new Uint8Array(n);
      seededRng(n)(b);
      expect(p.client.send(b)).toBe(true);
      expect(p.server.send(b)).toBe(true);
    }
    p.clock.runUntilIdle();
    expect(p.serverData.map((d) => d.length)).toEqual(sizes);
    expect(p.clientData.map((d) => d.length)).toEqual(sizes);
    for (let i = 0; i < sizes.length; i++) {
      const b = new Uint8Array(sizes[i]!);
      seededRng(sizes[i]!)(b);
      expect(p.serverData[i]).toEqual(b);
      expect(p.clientData[i]).toEqual(b);
    }
  });

  it("nested use: a listener that answers over a synchronous transport keeps its payload intact", () => {
    const p = queuedPair(true);
    p.state.sync = true;
    const atClient: number[] = [];
    const checks: boolean[] = [];
    p.client.on("data", (d) => atClient.push(payloadSeq(d)));
    p.server.on("data", (d) => {
      const before = d.slice();
      // Inside this listener OPEN_SCRATCH is lent out (d is a view of it); the answer is sealed
      // while the client's datagram (SEAL_SCRATCH) is still being delivered, and the client opens
      // the answer while d is still in use: both must fall back to fresh buffers.
      expect(OPEN_SCRATCH.inUse).toBe(true);
      expect(SEAL_SCRATCH.inUse).toBe(true);
      const answer = seqPayload(payloadSeq(d) + 1000, d.length + 7);
      expect(p.server.send(answer)).toBe(true);
      checks.push(d.length === before.length && d.every((x, i) => x === before[i]));
    });
    for (let i = 0; i < 5; i++) expect(p.client.send(seqPayload(i, 64 + i))).toBe(true);
    expect(checks).toEqual([true, true, true, true, true]);
    expect(atClient).toEqual([1000, 1001, 1002, 1003, 1004]);
    expect(OPEN_SCRATCH.inUse).toBe(false);
    expect(SEAL_SCRATCH.inUse).toBe(false);
  });

  it("a listener that throws does not leave the scratches lent out", () => {
    const p = queuedPair(true);
    p.state.sync = true;
    p.server.on("data", () => {
      throw new Error("listener bug");
    });
    p.client.send(seqPayload(1));
    expect(OPEN_SCRATCH.inUse).toBe(false);
    expect(SEAL_SCRATCH.inUse).toBe(false);
    expect(p.server.state).toBe("failed"); // a bug in a listener is reported like any other (internal-error)
    expect(p.server.failure!.reason).toBe("internal-error");
  });

  const backends: [CipherSuiteName, AeadBackendName][] = [
    ["TLS_PSK_WITH_AES_128_GCM_SHA256", "node"],
    ["TLS_PSK_WITH_AES_128_CCM_8", "node"],
    ["TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "noble"],
  ];
  if (availableBackends().includes("sodium")) backends.push(["TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "sodium"]);
  for (const [suite, backend] of backends) {
    it(`${suite} on ${backend}: the received datagram is never written, genuine or forged`, () => {
      const p = makePair({ link: { latencyMs: 0 }, clientSuites: [suite], serverSuites: [suite], client: { backend }, server: { backend } });
      expect(connect(p)).toBe(true);
      expect(p.client.send(seqPayload(9, 300))).toBe(true);
      const forged = p.wire.at(-1)!.d.slice();
      forged[forged.length - 1]! ^= 1; // a bad tag (libsodium zeroes its output on failure)
      const forgedCopy = forged.slice();
      p.server.handleDatagram(forged); // before the genuine one: not a replay, opened and refused
      expect(forged).toEqual(forgedCopy);
      expect(p.server.stats.rejected["auth-failed"]).toBe(1);
      p.clock.runUntilIdle(); // the genuine record, over the link
      // A fresh record handed in directly: opened, and its datagram left as it was.
      expect(p.client.send(seqPayload(10, 300))).toBe(true);
      const rec2 = p.wire.at(-1)!.d.slice();
      const rec2Copy = rec2.slice();
      p.server.handleDatagram(rec2);
      expect(rec2).toEqual(rec2Copy);
      expect(p.serverData.map((d) => payloadSeq(d))).toEqual([9, 10]);
      p.clock.runUntilIdle(); // the link's copy of rec2 is now a replay
      expect(p.server.stats.rejected.replayed).toBe(1);
      expect(p.server.state).toBe("connected");
    });
  }
});
