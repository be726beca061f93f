import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { flightItemArb } from "./flight-items.js";
import { ContentType } from "../../../src/dtls/constants.js";
import { packFlight, type FlightItem, type RecordSealer } from "../../../src/dtls/handshake/flight.js";
import { readHandshakeFragments } from "../../../src/dtls/handshake/header.js";

/**
 * A stand-in record layer that is deterministic but not trivial: header (type, epoch, per-epoch
 * sequence number, length), payload XORed with the sequence number, then a tag-like trailer.
 */
function fakeSealer(withInto: boolean): RecordSealer & { sealed: number } {
  const seq = new Map<number, number>();
  const overheadBytes = (epoch: number): number => (epoch === 0 ? 13 : 13 + 8 + 16);
  const sealInto = (epoch: number, type: ContentType, payload: Uint8Array, out: Uint8Array, offset: number): number => {
    const n = (seq.get(epoch) ?? 0) + 1;
    seq.set(epoch, n);
    s.sealed++;
    const len = payload.length + overheadBytes(epoch);
    out[offset] = type;
    out[offset + 1] = epoch;
    out[offset + 2] = n;
    out[offset + 11] = payload.length >>> 8;
    out[offset + 12] = payload.length & 0xff;
    for (let i = 0; i < payload.length; i++) out[offset + 13 + i] = payload[i]! ^ n;
    for (let i = 13 + payload.length; i < len; i++) out[offset + i] = 0xa0 + epoch;
    return len;
  };
  const s: RecordSealer & { sealed: number } = {
    sealed: 0,
    overheadBytes,
    seal(epoch, type, payload) {
      const out = new Uint8Array(payload.length + overheadBytes(epoch));
      sealInto(epoch, type, payload, out, 0);
      return out;
    },
  };
  if (withInto) s.sealInto = sealInto;
  return s;
}

const item = flightItemArb;

describe("packFlight with a sealer that seals into the datagram", () => {
  it("gives the same datagrams, byte for byte, as sealing record by record (200 runs, seed printed on failure)", () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 6 }), fc.integer({ min: 60, max: 1500 }), (items: FlightItem[], mtu) => {
        const a = fakeSealer(false);
        const b = fakeSealer(true);
        const byRecord = packFlight(items, mtu, a);
        const into = packFlight(items, mtu, b);
        expect(into).toEqual(byRecord);
        expect(b.sealed).toBe(a.sealed);
        for (const d of into) expect(d.length).toBeLessThanOrEqual(mtu);
      }),
      { numRuns: 200 },
    );
  });

  it("fragments a message that does not fit, each fragment a valid handshake header (RFC 6347 §4.2.3)", () => {
    const body = Uint8Array.from({ length: 500 }, (_, i) => i & 0xff);
    const s = fakeSealer(true);
    const ds = packFlight([{ kind: "handshake", epoch: 0, msgType: 11, messageSeq: 3, body }], 200, s);
    const got = new Uint8Array(500);
    let covered = 0;
    let seq = 0;
    for (const d of ds) {
      for (let off = 0; off < d.length; ) {
        const len = (d[off + 11]! << 8) | d[off + 12]!;
        seq++;
        const payload = d.subarray(off + 13, off + 13 + len).map((x) => x ^ seq);
        for (const f of readHandshakeFragments(payload)) {
          expect([f.msgType, f.length, f.messageSeq]).toEqual([11, 500, 3]);
          got.set(f.body, f.fragmentOffset);
          covered += f.fragmentLength;
        }
        off += 13 + len;
      }
    }
    expect(covered).toBe(500);
    expect(got).toEqual(body);
  });

  it("refuses an MTU with no room for a fragment, naming it", () => {
    expect(() => packFlight([{ kind: "handshake", epoch: 1, msgType: 1, messageSeq: 0, body: new Uint8Array(4) }], 40, fakeSealer(true))).toThrow(
      /"mtuBytes" 40 leaves no room/,
    );
  });
});
