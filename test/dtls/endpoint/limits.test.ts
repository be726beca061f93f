import { describe, expect, it } from "vitest";
import { ContentType, DTLS12_VERSION, HandshakeType } from "../../../src/dtls/constants.js";
import { writeHandshakeHeader } from "../../../src/dtls/handshake/header.js";
import { DEFAULT_LIMITS, EARLY_RECORDS_MAX, resolveLimits } from "../../../src/dtls/limits.js";
import { writeRecordHeader } from "../../../src/dtls/record/header.js";
import { makePair } from "./harness.js";

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

  it(`records of the next epoch before its ChangeCipherSpec are buffered up to ${EARLY_RECORDS_MAX}, the rest counted over-limit`, () => {
    let flight5: Uint8Array | null = null;
    const p = makePair({
      clientSuites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"],
      link: {
        // Hold back the client's flight 5 (third client datagram) so the test can split it.
        drop: (dir, i, d) => {
          if (dir === "a->b" && i === 2) {
            flight5 = d.slice();
            return true;
          }
          return false;
        },
      },
    });
    p.server.start();
    p.client.start();
    p.clock.advance(100);
    expect(flight5).not.toBeNull();
    const d = flight5!;
    const recs: Uint8Array[] = [];
    for (let off = 0; off + 13 <= d.length; off += 13 + ((d[off + 11]! << 8) | d[off + 12]!)) recs.push(d.slice(off, off + 13 + ((d[off + 11]! << 8) | d[off + 12]!)));
    const [cke, ccs, fin] = recs as [Uint8Array, Uint8Array, Uint8Array];
    expect(fin[4]).toBe(1); // epoch 1
    p.server.handleDatagram(cke);
    for (let i = 0; i < EARLY_RECORDS_MAX + 5; i++) p.server.handleDatagram(fin);
    expect(p.server.stats.rejected["over-limit"]).toBe(5);
    expect(p.server.gauges().earlyRecords).toBe(EARLY_RECORDS_MAX);
    p.server.handleDatagram(ccs);
    expect(p.server.state).toBe("connected");
    // The buffered copies of the same record are replays once the first is accepted.
    expect(p.server.stats.rejected.replayed).toBe(EARLY_RECORDS_MAX - 1);
    p.clock.runUntilIdle();
    expect(p.client.state).toBe("connected");
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
