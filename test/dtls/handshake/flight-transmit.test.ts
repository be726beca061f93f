import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { flightItemArb } from "./flight-items.js";
import { ContentType } from "../../../src/dtls/constants.js";
import {
  FLIGHT_SCRATCH_BYTES_MAX,
  flightScratchBytes,
  packFlight,
  transmitFlight,
  type FlightItem,
  type FlightOutput,
} from "../../../src/dtls/handshake/flight.js";

/**
 * A deterministic record layer: epoch 0 is plaintext (13-byte header with the epoch's sequence
 * number), epoch 1 "encrypts" (payload XORed with the sequence number, 24-byte trailer). The
 * in-place path must give the bytes sealInto gives.
 */
function fakeOutput(opts: { sendCopies: boolean; inPlace: boolean }): FlightOutput & { datagrams: Uint8Array[]; seqs: Map<number, number> } {
  const seqs = new Map<number, number>();
  const overheadBytes = (epoch: number): number => (epoch === 0 ? 13 : 13 + 24);
  const header = (epoch: number, type: number, payloadBytes: number, out: Uint8Array, offset: number): number => {
    const seq = seqs.get(epoch) ?? 0;
    seqs.set(epoch, seq + 1);
    out[offset] = type;
    out[offset + 1] = 0xfe;
    out[offset + 2] = 0xfd;
    out[offset + 3] = 0;
    out[offset + 4] = epoch;
    for (let i = 5; i < 11; i++) out[offset + i] = i === 10 ? seq : 0;
    out[offset + 11] = payloadBytes >>> 8;
    out[offset + 12] = payloadBytes & 0xff;
    return seq;
  };
  const o: FlightOutput & { datagrams: Uint8Array[]; seqs: Map<number, number> } = {
    datagrams: [],
    seqs,
    sendCopies: opts.sendCopies,
    overheadBytes,
    sealInto(epoch, type, payload, out, offset) {
      const seq = header(epoch, type, payload.length, out, offset);
      for (let i = 0; i < payload.length; i++) out[offset + 13 + i] = epoch === 0 ? payload[i]! : payload[i]! ^ seq;
      for (let i = 13 + payload.length; i < payload.length + overheadBytes(epoch); i++) out[offset + i] = 0xa0 + seq;
      return payload.length + overheadBytes(epoch);
    },
    send(d) {
      // The flight scratch is reused: keep a copy, as a copying transport would.
      o.datagrams.push(d.slice());
    },
  };
  if (opts.inPlace) {
    o.sealPlaintextInPlace = (epoch, type, payloadBytes, out, offset) => {
      if (epoch !== 0) return -1;
      header(epoch, type, payloadBytes, out, offset);
      return payloadBytes + 13;
    };
  }
  return o;
}

const item = flightItemArb;

describe("transmitFlight", () => {
  it("sends the same datagrams as packFlight, shared scratch or not, in place or not (150 runs, seed printed on failure)", () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 6 }), fc.integer({ min: 60, max: 1500 }), (items: FlightItem[], mtu) => {
        const ref = fakeOutput({ sendCopies: false, inPlace: false });
        const packed = packFlight(items, mtu, { overheadBytes: ref.overheadBytes, seal: () => new Uint8Array(0), sealInto: ref.sealInto });
        for (const sendCopies of [false, true]) {
          for (const inPlace of [false, true]) {
            const o = fakeOutput({ sendCopies, inPlace });
            transmitFlight(items, mtu, o);
            expect(o.datagrams).toEqual(packed);
            expect([...o.seqs]).toEqual([...ref.seqs]);
          }
        }
        for (const d of packed) expect(d.length).toBeLessThanOrEqual(mtu);
      }),
      { numRuns: 150 },
    );
  });

  it(`a flight over FLIGHT_SCRATCH_BYTES_MAX (${FLIGHT_SCRATCH_BYTES_MAX}) gets a buffer of its own; the scratch never grows past it`, () => {
    const body = new Uint8Array(FLIGHT_SCRATCH_BYTES_MAX + 100).fill(7);
    const o = fakeOutput({ sendCopies: true, inPlace: true });
    const sent: Uint8Array[] = [];
    const send = o.send;
    o.send = (d) => {
      sent.push(d);
      send(d);
    };
    transmitFlight([{ kind: "handshake", epoch: 0, msgType: 1, messageSeq: 0, body }], 1400, o);
    expect(flightScratchBytes()).toBeLessThanOrEqual(FLIGHT_SCRATCH_BYTES_MAX);
    expect(sent.length).toBeGreaterThan(10);
    // Not the scratch: the datagrams stay as sent after the call.
    expect(sent.map((d) => d.slice())).toEqual(o.datagrams);
    const covered = o.datagrams.reduce((n, d) => n + d.length, 0);
    expect(covered).toBe(body.length + sent.length * (13 + 12));
  });

  it("a send that re-enters transmitFlight (a synchronous transport) leaves the outer flight's datagrams intact", () => {
    const items = (seq: number, fill: number): FlightItem[] => [
      { kind: "handshake", epoch: 0, msgType: 2, messageSeq: seq, body: new Uint8Array(300).fill(fill) },
      { kind: "handshake", epoch: 0, msgType: 14, messageSeq: seq + 1, body: new Uint8Array(300).fill(fill + 1) },
    ];
    const inner = fakeOutput({ sendCopies: true, inPlace: true });
    const outer = fakeOutput({ sendCopies: true, inPlace: true });
    let nested = false;
    const outerSend = outer.send;
    outer.send = (d) => {
      if (!nested) {
        nested = true;
        transmitFlight(items(5, 9), 400, inner); // runs while the outer flight sits in the scratch
      }
      outerSend(d);
    };
    transmitFlight(items(0, 1), 400, outer);
    const alone = fakeOutput({ sendCopies: false, inPlace: false });
    transmitFlight(items(0, 1), 400, alone);
    expect(outer.datagrams).toEqual(alone.datagrams);
    expect(outer.datagrams).toHaveLength(2);
    expect(inner.datagrams).toHaveLength(2);
  });

  it("a sealer that returns another length than payload + overheadBytes is a bug, reported", () => {
    const o = fakeOutput({ sendCopies: false, inPlace: false });
    o.sealInto = () => 5;
    expect(() => transmitFlight([{ kind: "ccs", epoch: 1 }], 1400, o)).toThrow(/sealInto returned 5 bytes for a record of epoch 1, expected 38/);
    expect(o.datagrams).toHaveLength(0);
  });

  it("nothing is sent when a record in the middle cannot be sealed (every record is sealed before the first send)", () => {
    const o = fakeOutput({ sendCopies: true, inPlace: false });
    const seal = o.sealInto;
    let n = 0;
    o.sealInto = (...a) => {
      if (++n === 3) throw new Error("records-per-key limit");
      return seal(...a);
    };
    const items: FlightItem[] = [0, 1, 2].map((i) => ({ kind: "handshake", epoch: 0, msgType: 1, messageSeq: i, body: new Uint8Array(500) }));
    expect(() => transmitFlight(items, 600, o)).toThrow(/records-per-key/);
    expect(o.datagrams).toHaveLength(0);
  });
});

describe("ContentType of in-place records", () => {
  it("ChangeCipherSpec in place carries the single byte 1 (RFC 5246 §7.1)", () => {
    const o = fakeOutput({ sendCopies: true, inPlace: true });
    transmitFlight([{ kind: "ccs", epoch: 0 }], 1400, o);
    expect([...o.datagrams[0]!]).toEqual([ContentType.ChangeCipherSpec, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
  });
});
