import { describe, expect, it } from "vitest";
import { ContentType, DTLS12_VERSION, HandshakeType } from "../../../src/dtls/constants.js";
import { writeHandshakeHeader } from "../../../src/dtls/handshake/header.js";
import { DEFAULT_LIMITS, EARLY_RECORDS_MAX, resolveLimits } from "../../../src/dtls/limits.js";
import { writeRecordHeader } from "../../../src/dtls/record/header.js";
import { makePair, payloadSeq, seqPayload } from "./harness.js";

function handshakeRecord(seq: number, msgType: number, length: number, messageSeq: number, offset: number, fragment: Uint8Array): Uint8Array {
  const out = new Uint8Array(13 + 12 + fragment.length);
  writeRecordHeader(out, 0, ContentType.Handshake, DTLS12_VERSION, 0, seq, 12 + fragment.length);
  writeHandshakeHeader(out, 13, msgType, length, messageSeq, offset, fragment.length);
  out.set(fragment, 25);
  return out;
}

describe("limits", () => {
  it("defaults are the named constants; bad overrides throw naming the field", () => {
    expect(resolveLimits(undefined)).toEqual(DEFAULT_LIMITS);
    expect(resolveLimits({ retransmitCountMax: 3 }).retransmitCountMax).toBe(3);
    expect(() => resolveLimits({ recordsPerKeyMax: 0 })).toThrow(/recordsPerKeyMax/);
    expect(() => resolveLimits({ retransmitMaxMs: 10, retransmitInitialMs: 100 })).toThrow(/retransmitMaxMs/);
  });

  it("reassemblyBytesMax: fragments of messages bigger than the buffer end the handshake with reason reassembly-limit", () => {
    const p = makePair({ limits: { reassemblyBytesMax: 1024 } });
    p.server.start();
    // First fragment of a 4000-byte ClientHello: buffering it would exceed 1024 bytes.
    p.server.handleDatagram(handshakeRecord(0, HandshakeType.ClientHello, 4000, 0, 0, new Uint8Array(100)));
    expect(p.server.state).toBe("failed");
    expect(p.server.failure!.reason).toBe("reassembly-limit");
  });

  it("within reassemblyBytesMax a fragmented message is held (no failure)", () => {
    const p = makePair({ limits: { reassemblyBytesMax: 8192 } });
    p.server.start();
    p.server.handleDatagram(handshakeRecord(0, HandshakeType.ClientHello, 4000, 0, 0, new Uint8Array(100)));
    expect(p.server.state).toBe("handshaking");
    expect(p.server.gauges().reassemblyBytes).toBe(4000);
  });

  it(`records of the next epoch before its ChangeCipherSpec are buffered up to ${EARLY_RECORDS_MAX}, the rest counted over-limit; copies counted replayed`, () => {
    // The server's flight 6 (ChangeCipherSpec + Finished) and the application records it sends
    // right after are held back, then the application records (distinct, authentic epoch-1
    // records) reach the client before the ChangeCipherSpec.
    const APP_RECORDS = EARLY_RECORDS_MAX + 5;
    const held: Uint8Array[] = [];
    const p = makePair({
      clientSuites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"],
      link: {
        drop: (dir, i, d) => {
          if (dir === "b->a" && i >= 2) {
            held.push(d.slice());
            return true;
          }
          return false;
        },
      },
    });
    p.server.on("connected", () => {
      for (let i = 0; i < APP_RECORDS; i++) expect(p.server.send(seqPayload(i))).toBe(true);
    });
    p.server.start();
    p.client.start();
    p.clock.advance(100);
    expect(p.server.state).toBe("connected");
    expect(held).toHaveLength(1 + APP_RECORDS);
    const [flight6, ...app] = held as [Uint8Array, ...Uint8Array[]];
    for (const d of app) expect(d[4]).toBe(1); // epoch 1
    for (const d of app) p.client.handleDatagram(d);
    expect(p.client.gauges().earlyRecords).toBe(EARLY_RECORDS_MAX);
    expect(p.client.stats.rejected["over-limit"]).toBe(APP_RECORDS - EARLY_RECORDS_MAX);
    // A second copy of a buffered record takes no place: it is the same record.
    p.client.handleDatagram(app[0]!);
    expect(p.client.stats.rejected.replayed).toBe(1);
    expect(p.client.gauges().earlyRecords).toBe(EARLY_RECORDS_MAX);
    p.client.handleDatagram(flight6);
    expect(p.client.state).toBe("connected");
    expect(p.client.gauges().earlyRecords).toBe(0);
    // The buffered ones are delivered once the Finished is verified; the rest were dropped.
    expect(p.clientData.map(payloadSeq)).toEqual(Array.from({ length: EARLY_RECORDS_MAX }, (_, i) => i));
    expect(p.client.stats.rejected["auth-failed"]).toBe(0);
  });

  it("application records of an epoch whose Finished is not verified are held, then delivered", () => {
    // The server's first application record overtakes its Finished (reordering): delivered after.
    let held: Uint8Array | null = null;
    const p = makePair({
      clientSuites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"],
      link: {
        drop: (dir, i, d) => {
          if (dir === "b->a" && i === 2) {
            held = d.slice();
            return true;
          }
          return false;
        },
      },
    });
    p.server.on("connected", () => p.server.send(new TextEncoder().encode("early")));
    p.server.start();
    p.client.start();
    p.clock.advance(200);
    expect(p.client.state).toBe("handshaking");
    expect(p.clientData).toHaveLength(0);
    p.client.handleDatagram(held!);
    expect(p.client.state).toBe("connected");
    expect(p.clientData.map((x) => new TextDecoder().decode(x))).toEqual(["early"]);
  });
});
