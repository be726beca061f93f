import { describe, expect, it } from "vitest";
import type { CipherSuiteName, NamedGroup } from "../../../src/dtls/api.js";
import { AlertDescription, ContentType, HandshakeType } from "../../../src/dtls/constants.js";
import { readHandshakeFragments } from "../../../src/dtls/handshake/header.js";
import { SUITES } from "../../../src/dtls/suites/registry.js";
import { connect, makePair, type Pair } from "./harness.js";

/** Every record header in the datagrams of one direction. */
function records(p: Pair, dir: "a->b" | "b->a"): { type: number; epoch: number; seq: number; payload: Uint8Array }[] {
  const out = [];
  for (const w of p.wire.filter((x) => x.dir === dir)) {
    let off = 0;
    while (off + 13 <= w.d.length) {
      const len = (w.d[off + 11]! << 8) | w.d[off + 12]!;
      const seq = w.d.subarray(off + 5, off + 11).reduce((a, b) => a * 256 + b, 0);
      out.push({ type: w.d[off]!, epoch: (w.d[off + 3]! << 8) | w.d[off + 4]!, seq, payload: w.d.subarray(off + 13, off + 13 + len) });
      off += 13 + len;
    }
  }
  return out;
}

function exchange(p: Pair): void {
  const enc = new TextEncoder();
  expect(p.client.send(enc.encode("client->server"))).toBe(true);
  expect(p.server.send(enc.encode("server->client"))).toBe(true);
  p.clock.runUntilIdle();
  expect(p.serverData.map((d) => new TextDecoder().decode(d))).toEqual(["client->server"]);
  expect(p.clientData.map((d) => new TextDecoder().decode(d))).toEqual(["server->client"]);
}

describe("full handshakes over the memory link (ManualClock)", () => {
  const cases: { suite: CipherSuiteName; group?: NamedGroup }[] = [];
  for (const s of SUITES) {
    if (s.keyExchange === "ecdhe-psk") for (const g of ["x25519", "secp256r1"] as const) cases.push({ suite: s.name, group: g });
    else cases.push({ suite: s.name });
  }
  for (const c of cases) {
    it(`${c.suite}${c.group ? ` over ${c.group}` : ""}: connects, data both ways`, () => {
      const keyLog: string[] = [];
      const p = makePair({
        clientSuites: [c.suite],
        ...(c.group ? { clientGroups: [c.group] } : {}),
        client: { keyLog: (l) => keyLog.push(l) },
      });
      expect(connect(p)).toBe(true);
      expect(p.client.suite).toBe(c.suite);
      expect(p.server.suite).toBe(c.suite);
      expect(p.client.currentEpoch).toBe(1);
      exchange(p);
      expect(p.client.stats.handshakes).toBe(1);
      expect(p.server.stats.handshakes).toBe(1);
      expect(keyLog).toHaveLength(1);
      expect(keyLog[0]).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
      // The cookie exchange happened: the first ClientHello drew a HelloVerifyRequest.
      const fromServer = records(p, "b->a").filter((r) => r.type === ContentType.Handshake && r.epoch === 0);
      expect(readHandshakeFragments(fromServer[0]!.payload)[0]!.msgType).toBe(HandshakeType.HelloVerifyRequest);
      if (c.group) {
        const ske = fromServer.flatMap((r) => readHandshakeFragments(r.payload)).find((f) => f.msgType === HandshakeType.ServerKeyExchange)!;
        // hint(2+0) curve_type(1) named_curve(2) point_len(1) point: 32 (X25519) or 65 (P-256)
        expect(ske.length).toBe(2 + 3 + 1 + (c.group === "x25519" ? 32 : 65));
      }
    });
  }

  it("server picks its most preferred suite among the client's offer", () => {
    const p = makePair({
      clientSuites: ["TLS_PSK_WITH_AES_128_CCM_8", "TLS_PSK_WITH_AES_256_GCM_SHA384", "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256"],
      serverSuites: ["TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "TLS_PSK_WITH_AES_256_GCM_SHA384"],
    });
    expect(connect(p)).toBe(true);
    expect(p.client.suite).toBe("TLS_PSK_WITH_CHACHA20_POLY1305_SHA256");
  });

  it("defaults: ECDHE_PSK first, X25519 preferred by the server's group order", () => {
    const p = makePair({ clientGroups: ["secp256r1", "x25519"], serverGroups: ["x25519", "secp256r1"] });
    expect(connect(p)).toBe(true);
    expect(p.client.suite).toBe("TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256");
    const ske = records(p, "b->a")
      .filter((r) => r.type === ContentType.Handshake && r.epoch === 0)
      .flatMap((r) => readHandshakeFragments(r.payload))
      .find((f) => f.msgType === HandshakeType.ServerKeyExchange)!;
    expect((ske.body[3]! << 8) | ske.body[4]!).toBe(29); // x25519 (RFC 8422 §5.1.1)
  });

  it("ECDHE_PSK is skipped when no group is shared; PSK suite chosen instead", () => {
    const p = makePair({ clientGroups: ["secp256r1"], serverGroups: ["x25519"] });
    expect(connect(p)).toBe(true);
    expect(p.client.suite).toBe("TLS_PSK_WITH_AES_128_GCM_SHA256");
  });

  it("PSK identity hint makes the server send ServerKeyExchange; handshake still completes", () => {
    const p = makePair({ clientSuites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"], hint: "azure-hint" });
    expect(connect(p)).toBe(true);
    const types = records(p, "b->a")
      .filter((r) => r.type === ContentType.Handshake && r.epoch === 0)
      .flatMap((r) => readHandshakeFragments(r.payload).map((f) => f.msgType));
    expect(types).toContain(HandshakeType.ServerKeyExchange);
  });

  it("flights are batched: several records in one datagram", () => {
    const p = makePair({ clientSuites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"], hint: "h" });
    expect(connect(p)).toBe(true);
    // Server flight 4 (ServerHello, ServerKeyExchange, ServerHelloDone) in one datagram; client
    // flight 5 (ClientKeyExchange, ChangeCipherSpec, Finished) in one datagram.
    const s = p.wire.filter((w) => w.dir === "b->a");
    const c = p.wire.filter((w) => w.dir === "a->b");
    const count = (d: Uint8Array) => {
      let n = 0;
      for (let off = 0; off + 13 <= d.length; off += 13 + ((d[off + 11]! << 8) | d[off + 12]!)) n++;
      return n;
    };
    expect(count(s[1]!.d)).toBe(3);
    expect(count(c[2]!.d)).toBe(3);
  });

  it("extended master secret is negotiated (both sides offer it by default)", () => {
    const p = makePair({ clientSuites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"] });
    expect(connect(p)).toBe(true);
    const sh = records(p, "b->a")
      .filter((r) => r.type === ContentType.Handshake && r.epoch === 0)
      .flatMap((r) => readHandshakeFragments(r.payload))
      .find((f) => f.msgType === HandshakeType.ServerHello)!;
    // extension type 23 (RFC 7627) and 0xff01 (RFC 5746) echoed in the ServerHello
    const hex = Buffer.from(sh.body).toString("hex");
    expect(hex).toContain("00170000");
    expect(hex).toContain("ff01000100");
  });
});

describe("handshake failures end with the right alert on both sides", () => {
  function run(p: Pair): void {
    p.server.start();
    p.client.start();
    p.clock.runUntilIdle(100_000);
  }

  it("wrong key: the peer's Finished cannot be authenticated -> bad_record_mac", () => {
    const p = makePair({ clientSuites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"], clientKey: new Uint8Array(32).fill(9) });
    run(p);
    expect(p.server.state).toBe("failed");
    expect(p.server.failure!.reason).toBe("bad-record-mac");
    expect(p.serverAlerts).toContainEqual({ level: "fatal", description: AlertDescription.BadRecordMac, sent: true });
    expect(p.client.state).toBe("failed");
    expect(p.client.failure!.reason).toBe("alert-received");
    expect(p.clientAlerts).toContainEqual({ level: "fatal", description: AlertDescription.BadRecordMac, sent: false });
  });

  it("unknown PSK identity -> unknown_psk_identity", () => {
    const p = makePair({ clientIdentity: "nobody" });
    run(p);
    expect(p.server.failure!.reason).toBe("unknown-psk-identity");
    expect(p.serverAlerts).toContainEqual({ level: "fatal", description: AlertDescription.UnknownPskIdentity, sent: true });
    expect(p.client.state).toBe("failed");
    expect(p.clientAlerts).toContainEqual({ level: "fatal", description: AlertDescription.UnknownPskIdentity, sent: false });
  });

  it("no shared suite -> handshake_failure", () => {
    const p = makePair({ clientSuites: ["TLS_PSK_WITH_AES_128_CCM_8"], serverSuites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"] });
    run(p);
    expect(p.server.failure!.reason).toBe("no-shared-suite");
    expect(p.serverAlerts).toContainEqual({ level: "fatal", description: AlertDescription.HandshakeFailure, sent: true });
    expect(p.client.failure!.reason).toBe("alert-received");
    expect(p.clientAlerts).toContainEqual({ level: "fatal", description: AlertDescription.HandshakeFailure, sent: false });
  });

  it("no hang: every failure leaves no timers running", () => {
    const p = makePair({ clientIdentity: "nobody" });
    run(p);
    expect(p.clock.pendingTimers).toBe(0);
  });
});

describe("Finished verification", () => {
  it("a tampered handshake message (same keys, different transcript) -> decrypt_error from the server", () => {
    // Without EMS the keys do not depend on the transcript, so flipping a byte of the PSK hint in
    // ServerKeyExchange leaves the record keys equal and only the Finished check can catch it.
    const p = makePair({ clientSuites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"], hint: "hint", client: { extendedMasterSecret: false } });
    const send = p.st.send;
    let n = 0;
    p.st.send = (d: Uint8Array) => {
      if (n++ === 1) {
        const c = d.slice();
        const i = Buffer.from(c).indexOf("hint");
        c[i] = c[i]! ^ 0x20;
        return send(c);
      }
      send(d);
    };
    p.server.start();
    p.client.start();
    p.clock.runUntilIdle(100_000);
    expect(p.server.failure!.reason).toBe("bad-finished");
    expect(p.serverAlerts).toContainEqual({ level: "fatal", description: AlertDescription.DecryptError, sent: true });
    expect(p.client.failure!.reason).toBe("alert-received");
    expect(p.clientAlerts).toContainEqual({ level: "fatal", description: AlertDescription.DecryptError, sent: false });
  });

  it("EMS mismatch is impossible to miss: with EMS on both sides the same tamper breaks the keys", () => {
    const p = makePair({ clientSuites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"], hint: "hint" });
    const send = p.st.send;
    let n = 0;
    p.st.send = (d: Uint8Array) => {
      if (n++ === 1) {
        const c = d.slice();
        const i = Buffer.from(c).indexOf("hint");
        c[i] = c[i]! ^ 0x20;
        return send(c);
      }
      send(d);
    };
    p.server.start();
    p.client.start();
    p.clock.runUntilIdle(100_000);
    expect(p.server.failure!.reason).toBe("bad-record-mac");
  });
});
