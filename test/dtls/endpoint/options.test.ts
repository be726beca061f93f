import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/dtls/clock.js";
import { ContentType, DTLS12_VERSION, HandshakeType } from "../../../src/dtls/constants.js";
import { DtlsEndpoint } from "../../../src/dtls/endpoint.js";
import { HELLO_VERIFY_REQUESTS_MAX } from "../../../src/dtls/handshake/client.js";
import { fragmentMessage } from "../../../src/dtls/handshake/header.js";
import { RENEGOTIATION_INFO_SCSV } from "../../../src/dtls/handshake/extensions.js";
import { encodeClientHello, encodeHelloVerifyRequest, decodeServerHello } from "../../../src/dtls/handshake/messages.js";
import { readHandshakeFragments } from "../../../src/dtls/handshake/header.js";
import { writeRecordHeader } from "../../../src/dtls/record/header.js";
import { createMemoryLink, MEMORY_LINK_IN_FLIGHT_MAX } from "../../../src/dtls/transport/memory.js";
import { seededRng } from "../../../src/dtls/transport/seeded.js";
import { ExtensionType } from "../../../src/dtls/constants.js";
import { PSK } from "./harness.js";

function rec(payload: Uint8Array, seq = 0): Uint8Array {
  const out = new Uint8Array(13 + payload.length);
  writeRecordHeader(out, 0, ContentType.Handshake, DTLS12_VERSION, 0, seq, payload.length);
  out.set(payload, 13);
  return out;
}

describe("option validation (bad input throws, naming the field)", () => {
  const clock = new ManualClock();
  const base = { clock, rng: seededRng(1) };
  const t = () => createMemoryLink({ clock })[0];
  it.each([
    [{ role: "client", psk: { identity: "a", key: new Uint8Array(0) } }, /psk/],
    [{ role: "server", psk: { identity: "a", key: PSK } }, /lookup/],
    [{ role: "client", psk: { identity: "a", key: PSK }, suites: [] }, /suites/],
    [{ role: "client", psk: { identity: "a", key: PSK }, suites: ["TLS_NOPE"] }, /TLS_NOPE/],
    [{ role: "client", psk: { identity: "a", key: PSK }, groups: ["x448"] }, /x448/],
    [{ role: "client", psk: { identity: "a", key: PSK }, mtuBytes: 20 }, /mtuBytes/],
    [{ role: "client", psk: { identity: "a", key: PSK }, limits: { retransmitCountMax: -1 } }, /retransmitCountMax/],
    [{ role: "peer", psk: { identity: "a", key: PSK } }, /role/],
  ])("%j", (o, re) => {
    expect(() => new DtlsEndpoint({ ...base, transport: t(), ...(o as object) } as never)).toThrow(re);
  });

  it("send() rejects oversize records", () => {
    const ep = new DtlsEndpoint({ ...base, transport: t(), role: "client", psk: { identity: "a", key: PSK } });
    expect(() => ep.send(new Uint8Array(16385))).toThrow(/16384/);
  });
});

describe("handshake limits and extensions", () => {
  it(`a client accepts at most ${HELLO_VERIFY_REQUESTS_MAX} HelloVerifyRequests per handshake`, () => {
    const clock = new ManualClock();
    const [ct, st] = createMemoryLink({ clock });
    let n = 0;
    st.onReceive((d) => {
      if (d[0] !== ContentType.Handshake) return; // the client's final alert
      // A server that answers every ClientHello with a new cookie, forever.
      const body = encodeHelloVerifyRequest({ serverVersion: 0xfeff, cookie: new Uint8Array(16).fill(n) });
      st.send(rec(fragmentMessage(HandshakeType.HelloVerifyRequest, n, body, 1000)[0]!, n));
      n++;
    });
    const c = new DtlsEndpoint({ role: "client", transport: ct, clock, rng: seededRng(2), psk: { identity: "a", key: PSK } });
    c.start();
    clock.runUntilIdle();
    expect(c.state).toBe("failed");
    expect(c.failure!.reason).toBe("unexpected-message");
    expect(n).toBe(HELLO_VERIFY_REQUESTS_MAX + 1);
  });

  it("a ClientHello with only the SCSV (RFC 5746 §3.3) gets secure renegotiation: empty renegotiation_info back", () => {
    const clock = new ManualClock();
    const [ct, st] = createMemoryLink({ clock });
    const got: Uint8Array[] = [];
    ct.onReceive((d) => got.push(d.slice())); // the link reuses its buffer after the handler
    const s = new DtlsEndpoint({ role: "server", transport: st, clock, rng: seededRng(3), psk: { lookup: () => PSK }, cookieExchange: false });
    s.start();
    const body = encodeClientHello({
      clientVersion: 0xfefd,
      random: new Uint8Array(32).fill(1),
      sessionId: new Uint8Array(0),
      cookie: new Uint8Array(0),
      cipherSuites: [0x00a8, RENEGOTIATION_INFO_SCSV],
      compressionMethods: [0],
      extensions: [],
    });
    ct.send(rec(fragmentMessage(HandshakeType.ClientHello, 0, body, 1000)[0]!));
    clock.runUntilIdle();
    const sh = readHandshakeFragments(got[0]!.subarray(13, 13 + ((got[0]![11]! << 8) | got[0]![12]!)))[0]!;
    expect(sh.msgType).toBe(HandshakeType.ServerHello);
    const ext = decodeServerHello(sh.body).extensions;
    expect(ext).toContainEqual({ type: ExtensionType.renegotiation_info, data: Uint8Array.of(0) });
    // Without EMS offered, none is echoed (RFC 7627 §5.1).
    expect(ext.find((e) => e.type === ExtensionType.extended_master_secret)).toBeUndefined();
  });
});

describe("memory link", () => {
  it(`holds at most ${MEMORY_LINK_IN_FLIGHT_MAX} datagrams in flight per direction`, () => {
    const clock = new ManualClock();
    const [a, b] = createMemoryLink({ clock, latencyMs: 10 });
    let got = 0;
    b.onReceive(() => got++);
    for (let i = 0; i < MEMORY_LINK_IN_FLIGHT_MAX + 10; i++) a.send(new Uint8Array(1));
    clock.runUntilIdle();
    expect(got).toBe(MEMORY_LINK_IN_FLIGHT_MAX);
    expect(a.stats.lost).toBe(10);
  });

  it("is deterministic for a seed and validates rates", async () => {
    const { seededRandom } = await import("../../../src/dtls/transport/seeded.js");
    const run = () => {
      const clock = new ManualClock();
      const [a, b] = createMemoryLink({ clock, lossRate: 0.3, duplicateRate: 0.2, reorderRate: 0.3, rng: seededRandom(42) });
      const order: number[] = [];
      b.onReceive((d) => order.push(d[0]!));
      for (let i = 0; i < 100; i++) a.send(Uint8Array.of(i));
      clock.runUntilIdle();
      return order;
    };
    expect(run()).toEqual(run());
    expect(run().length).toBeLessThan(100 * 1.2);
    expect(() => createMemoryLink({ clock: new ManualClock(), lossRate: 2, rng: Math.random })).toThrow(/lossRate/);
    expect(() => createMemoryLink({ clock: new ManualClock(), lossRate: 0.1 })).toThrow(/rng/);
  });
});
