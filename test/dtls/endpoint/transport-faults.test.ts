import { describe, expect, it } from "vitest";
import { AlertDescription, ContentType, DTLS10_VERSION, DTLS12_VERSION, HandshakeType } from "../../../src/dtls/constants.js";
import { readHandshakeFragments, fragmentMessage } from "../../../src/dtls/handshake/header.js";
import { encodeClientHello } from "../../../src/dtls/handshake/messages.js";
import { DtlsEndpoint } from "../../../src/dtls/endpoint.js";
import { ManualClock } from "../../../src/dtls/clock.js";
import { createMemoryLink } from "../../../src/dtls/transport/memory.js";
import { seededRng } from "../../../src/dtls/transport/seeded.js";
import { writeRecordHeader } from "../../../src/dtls/record/header.js";
import { RETRANSMIT_COUNT_MAX } from "../../../src/dtls/limits.js";
import { IDENTITY, PSK, connect, makePair, seqPayload, type Pair } from "./harness.js";

function fragments(p: Pair, dir: "a->b" | "b->a") {
  const out = [];
  for (const w of p.wire.filter((x) => x.dir === dir)) {
    for (let off = 0; off + 13 <= w.d.length; off += 13 + ((w.d[off + 11]! << 8) | w.d[off + 12]!)) {
      const len = (w.d[off + 11]! << 8) | w.d[off + 12]!;
      if (w.d[off] === ContentType.Handshake && w.d[off + 3] === 0 && w.d[off + 4] === 0) {
        out.push(...readHandshakeFragments(w.d.subarray(off + 13, off + 13 + len)));
      }
    }
  }
  return out;
}

function record(type: number, version: number, epoch: number, seq: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(13 + payload.length);
  writeRecordHeader(out, 0, type, version, epoch, seq, payload.length);
  out.set(payload, 13);
  return out;
}

function clientHelloRecord(clientVersion: number): Uint8Array {
  const body = encodeClientHello({
    clientVersion,
    random: new Uint8Array(32).fill(7),
    sessionId: new Uint8Array(0),
    cookie: new Uint8Array(0),
    cipherSuites: [0x00a8],
    compressionMethods: [0],
    extensions: [],
  });
  return record(ContentType.Handshake, DTLS10_VERSION, 0, 0, fragmentMessage(HandshakeType.ClientHello, 0, body, 1000)[0]!);
}

describe("fragmentation at a small MTU", () => {
  it("200-byte MTU with long identity and hint: both directions fragment, datagrams fit, handshake completes", () => {
    const longId = "x".repeat(300);
    const p = makePair({
      mtuBytes: 200,
      hint: "h".repeat(300),
      clientIdentity: longId,
      clientGroups: ["secp256r1"],
      server: { psk: { lookup: (id) => (id === longId ? PSK : undefined), hint: "h".repeat(300) } },
    });
    expect(connect(p)).toBe(true);
    for (const w of p.wire) expect(w.d.length).toBeLessThanOrEqual(200);
    const split = (dir: "a->b" | "b->a") => fragments(p, dir).filter((f) => f.fragmentOffset > 0);
    expect(split("a->b").some((f) => f.msgType === HandshakeType.ClientKeyExchange)).toBe(true);
    expect(split("b->a").some((f) => f.msgType === HandshakeType.ServerKeyExchange)).toBe(true);
    expect(p.client.send(seqPayload(1))).toBe(true);
    expect(p.server.send(seqPayload(2))).toBe(true);
    p.clock.runUntilIdle();
    expect(p.serverData).toHaveLength(1);
    expect(p.clientData).toHaveLength(1);
  });
});

describe("retransmission (RFC 6347 §4.2.4)", () => {
  it("first flight lost: the client resends after 1 s and connects", () => {
    const p = makePair({ link: { drop: (dir, i) => dir === "a->b" && i === 0 } });
    expect(connect(p)).toBe(true);
    expect(p.client.stats.retransmissions).toBe(1);
    expect(p.clock.nowMs()).toBeGreaterThanOrEqual(1000);
    expect(p.clock.nowMs()).toBeLessThan(1100);
  });

  it("server's flight 4 lost: the server's timer resends it", () => {
    const p = makePair({ link: { drop: (dir, i) => dir === "b->a" && i === 1 } });
    expect(connect(p)).toBe(true);
    expect(p.server.stats.retransmissions + p.client.stats.retransmissions).toBeGreaterThanOrEqual(1);
  });

  it("server's final flight lost: the client resends flight 5 and the server answers from FINISHED", () => {
    const p = makePair({ link: { drop: (dir, i) => dir === "b->a" && i === 2 } });
    expect(connect(p)).toBe(true);
    expect(p.client.stats.retransmissions).toBe(1);
    expect(p.server.stats.retransmissions).toBe(1);
  });

  it("configurable initial timer", () => {
    const p = makePair({ limits: { retransmitInitialMs: 250 }, link: { drop: (dir, i) => dir === "a->b" && i === 0 } });
    expect(connect(p)).toBe(true);
    expect(p.clock.nowMs()).toBeLessThan(300);
  });

  it(`retries exhausted after ${RETRANSMIT_COUNT_MAX} retransmissions with doubling up to 60 s -> failed "retransmit-exhausted"`, () => {
    const p = makePair({ link: { drop: (dir) => dir === "a->b" } });
    const sendTimes: number[] = [];
    p.ct.send = ((orig) => (d: Uint8Array) => {
      sendTimes.push(p.clock.nowMs());
      orig(d);
    })(p.ct.send);
    p.server.start();
    p.client.start();
    p.clock.runUntilIdle();
    expect(p.client.state).toBe("failed");
    expect(p.client.failure!.reason).toBe("retransmit-exhausted");
    expect(p.client.stats.retransmissions).toBe(RETRANSMIT_COUNT_MAX);
    const gaps = sendTimes.slice(1).map((t, i) => t - sendTimes[i]!);
    expect(gaps).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    expect(p.clock.pendingTimers).toBe(0);
  });

  it("retransmitCountMax is configurable", () => {
    const p = makePair({ limits: { retransmitCountMax: 2 }, link: { drop: () => true } });
    p.server.start();
    p.client.start();
    p.clock.runUntilIdle();
    expect(p.client.failure!.reason).toBe("retransmit-exhausted");
    expect(p.client.stats.retransmissions).toBe(2);
    expect(p.clock.nowMs()).toBe(1000 + 2000 + 4000);
  });
});

describe("record-level rejection", () => {
  it("duplicated datagrams are rejected by the replay window and delivered once", () => {
    const p = makePair({ seed: 3, link: { duplicateRate: 1 } });
    expect(connect(p)).toBe(true);
    for (let i = 0; i < 10; i++) p.client.send(seqPayload(i));
    p.clock.runUntilIdle();
    expect(p.serverData).toHaveLength(10);
    expect(p.server.stats.rejected.replayed).toBeGreaterThanOrEqual(10);
  });

  it("records from an unknown epoch, bad version, bad type, truncated: counted, session intact", () => {
    const p = makePair();
    expect(connect(p)).toBe(true);
    const s = p.server.stats.rejected;
    p.server.handleDatagram(record(ContentType.ApplicationData, DTLS12_VERSION, 7, 1, new Uint8Array(40)));
    p.server.handleDatagram(record(ContentType.ApplicationData, 0x0303, 1, 1, new Uint8Array(40)));
    p.server.handleDatagram(record(99, DTLS12_VERSION, 1, 1, new Uint8Array(40)));
    p.server.handleDatagram(new Uint8Array(7));
    p.server.handleDatagram(record(ContentType.ApplicationData, DTLS12_VERSION, 1, 1, new Uint8Array(40)).subarray(0, 30));
    p.server.handleDatagram(record(ContentType.ApplicationData, DTLS12_VERSION, 1, 1000, new Uint8Array(40)));
    expect(s["unknown-epoch"]).toBe(1);
    expect(s["bad-version"]).toBe(1);
    expect(s["bad-content-type"]).toBe(1);
    expect(s["short-record"]).toBe(1);
    expect(s["bad-length"]).toBe(1);
    expect(s["auth-failed"]).toBe(1);
    expect(p.server.state).toBe("connected");
  });

  it("plaintext application data is never delivered", () => {
    const p = makePair();
    expect(connect(p)).toBe(true);
    p.server.handleDatagram(record(ContentType.ApplicationData, DTLS12_VERSION, 0, 99, new Uint8Array(16)));
    expect(p.serverData).toHaveLength(0);
    expect(p.server.stats.rejected.unexpected).toBe(1);
  });

  it("application data before the handshake is rejected (plaintext) and send() refuses", () => {
    const p = makePair();
    expect(p.client.send(seqPayload(1))).toBe(false);
    p.server.start();
    p.server.handleDatagram(record(ContentType.ApplicationData, DTLS12_VERSION, 0, 0, new Uint8Array(16)));
    expect(p.server.stats.rejected.unexpected).toBe(1);
    expect(p.serverData).toHaveLength(0);
  });

  it("a datagram of random bytes never throws out of handleDatagram", () => {
    const p = makePair();
    expect(connect(p)).toBe(true);
    const rng = seededRng(11);
    for (let i = 0; i < 200; i++) {
      const d = new Uint8Array(1 + (i % 90));
      rng(d);
      if (i % 2 === 0 && d.length >= 5) d.set([ContentType.Handshake, 0xfe, 0xfd, 0, 0], 0);
      expect(() => p.server.handleDatagram(d)).not.toThrow();
    }
  });
});

describe("version refusal", () => {
  it("ClientHello from a DTLS 1.0-only client (client_version 0xfeff) -> protocol_version", () => {
    const clock = new ManualClock();
    const [ct, st] = createMemoryLink({ clock });
    const got: Uint8Array[] = [];
    ct.onReceive((d) => got.push(d.slice())); // the link reuses its buffer after the handler
    const server = new DtlsEndpoint({ role: "server", transport: st, clock, rng: seededRng(1), psk: { lookup: () => PSK }, cookieExchange: false });
    const alerts: unknown[] = [];
    server.on("alert", (a) => alerts.push(a));
    server.start();
    ct.send(clientHelloRecord(DTLS10_VERSION));
    clock.runUntilIdle();
    expect(server.state).toBe("failed");
    expect(server.failure!.reason).toBe("protocol-version");
    expect(alerts).toContainEqual({ level: "fatal", description: AlertDescription.ProtocolVersion, sent: true });
    expect(got).toHaveLength(1);
    expect([...got[0]!.subarray(0, 1), ...got[0]!.subarray(13)]).toEqual([ContentType.Alert, 2, AlertDescription.ProtocolVersion]);
  });

  it("a ServerHello that is not DTLS 1.2 makes the client fail with protocol_version", () => {
    const p = makePair();
    // Rewrite server_version in the ServerHello (first server datagram after HVR) to DTLS 1.0.
    const send = p.st.send;
    let n = 0;
    p.st.send = (d: Uint8Array) => {
      if (n++ === 1) {
        const c = d.slice();
        c[13 + 12] = 0xfe;
        c[13 + 13] = 0xff;
        return send(c);
      }
      send(d);
    };
    p.server.start();
    p.client.start();
    p.clock.runUntilIdle();
    expect(p.client.failure!.reason).toBe("protocol-version");
    expect(p.clientAlerts).toContainEqual({ level: "fatal", description: AlertDescription.ProtocolVersion, sent: true });
    expect(p.server.state).toBe("failed");
    expect(p.server.failure!.reason).toBe("alert-received");
  });
});

describe("close", () => {
  it("close_notify: the closer reports local, the peer close-notify, both closed, no timers", () => {
    const p = makePair();
    expect(connect(p)).toBe(true);
    const events: string[] = [];
    p.client.on("closed", (c) => events.push(`client:${c.reason}`));
    p.server.on("closed", (c) => events.push(`server:${c.reason}`));
    p.client.close();
    p.clock.runUntilIdle();
    expect(events).toEqual(["client:local", "server:close-notify"]);
    expect(p.client.state).toBe("closed");
    expect(p.server.state).toBe("closed");
    expect(p.serverAlerts).toContainEqual({ level: "warning", description: AlertDescription.CloseNotify, sent: false });
    expect(p.client.send(seqPayload(1))).toBe(false);
    expect(p.clock.pendingTimers).toBe(0);
  });
});

describe("identity", () => {
  it("connected event carries suite, epoch and identity", () => {
    const p = makePair();
    const infos: unknown[] = [];
    p.server.on("connected", (i) => infos.push(i));
    expect(connect(p)).toBe(true);
    expect(infos).toEqual([{ suite: "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", epoch: 1, identity: IDENTITY }]);
  });
});

describe("unprotected (epoch 0) noise cannot stop a handshake", () => {
  it("a forged epoch-0 record with sequence 2^48-1 does not make genuine records look old", () => {
    const p = makePair();
    p.server.start();
    p.server.handleDatagram(record(ContentType.Handshake, DTLS12_VERSION, 0, 2 ** 48 - 1, fragmentMessage(HandshakeType.ClientHello, 0, new Uint8Array(10), 100)[0]!));
    expect(connect(p)).toBe(true);
  });

  it("exact duplicates of epoch-0 records are dropped as replays, without retransmission storms", () => {
    const p = makePair({ link: { duplicateRate: 1 }, seed: 4 });
    expect(connect(p)).toBe(true);
    expect(p.server.stats.rejected.replayed + p.client.stats.rejected.replayed).toBeGreaterThan(0);
    expect(p.client.stats.retransmissions + p.server.stats.retransmissions).toBe(0);
  });

  it("a server waiting for a ClientHello drops any other message (no state, no failure)", () => {
    const p = makePair();
    p.server.start();
    p.server.handleDatagram(record(ContentType.Handshake, DTLS12_VERSION, 0, 0, fragmentMessage(HandshakeType.ServerHello, 0, new Uint8Array(40), 100)[0]!));
    expect(p.server.state).toBe("handshaking");
    expect(p.server.stats.rejected.unexpected).toBe(1);
    expect(connect(p)).toBe(true);
  });
});
