import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fragmentMessage, readHandshakeFragments } from "../../../src/dtls/handshake/header.js";
import { Reassembler } from "../../../src/dtls/handshake/reassembly.js";

const frag = (seq: number, body: Uint8Array, size: number) => fragmentMessage(22, seq, body, 12 + size).flatMap((f) => readHandshakeFragments(f));

describe("Reassembler", () => {
  it("property: any fragmentation, any order, with duplicates and overlaps, yields the messages in order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 64 }),
        fc.infiniteStream(fc.nat()),
        (bodies, sizeA, sizeB, order) => {
          const r = new Reassembler(10_000, 8, 10_000);
          // Two different fragmentations of the same messages overlap each other.
          const pieces = bodies.flatMap((b, seq) => [...frag(seq, b, sizeA), ...frag(seq, b, sizeB)]);
          const it = order[Symbol.iterator]();
          for (let i = pieces.length - 1; i > 0; i--) {
            const j = it.next().value! % (i + 1);
            [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!];
          }
          const out: Uint8Array[] = [];
          for (const p of pieces) {
            r.add(p);
            for (let m = r.take(); m; m = r.take()) out.push(m.body);
          }
          expect(out).toEqual(bodies);
          expect(r.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("old, too-far, inconsistent and duplicate fragments are classified", () => {
    const r = new Reassembler(10_000, 2, 10_000);
    const [a] = frag(0, new Uint8Array(10), 100);
    expect(r.add(a!)).toBe("buffered");
    expect(r.add(a!)).toBe("duplicate");
    expect(r.take()?.messageSeq).toBe(0);
    expect(r.add(a!)).toBe("old");
    expect(r.add(frag(4, new Uint8Array(4), 100)[0]!)).toBe("too-far"); // next is 1, look-ahead 2
    expect(r.add(frag(1, new Uint8Array(4), 2)[0]!)).toBe("buffered");
    expect(r.add({ ...frag(1, new Uint8Array(5), 2)[0]! })).toBe("inconsistent");
  });

  it("a whole message replaces a disagreeing partial one (a forged fragment cannot block a message_seq)", () => {
    const r = new Reassembler(10_000, 8, 10_000);
    const forged = { msgType: 1, length: 300, messageSeq: 0, fragmentOffset: 0, fragmentLength: 10, body: new Uint8Array(10) };
    expect(r.add(forged)).toBe("buffered");
    const genuine = frag(0, Uint8Array.from([1, 2, 3]), 100)[0]!;
    expect(r.add(genuine)).toBe("buffered");
    expect(r.take()?.body).toEqual(Uint8Array.from([1, 2, 3]));
    expect(r.bufferedBytes).toBe(0);
  });

  it("reassemblyBytesMax bounds all buffered messages together", () => {
    const r = new Reassembler(1000, 8, 10_000);
    expect(r.add(frag(0, new Uint8Array(600), 10)[0]!)).toBe("buffered");
    expect(r.add(frag(1, new Uint8Array(600), 10)[0]!)).toBe("over-limit");
    expect(r.bufferedBytes).toBe(600);
  });

  it("one message longer than the per-message limit is refused before allocating", () => {
    const r = new Reassembler(1 << 20, 8, 1000);
    expect(r.add({ msgType: 1, length: 5000, messageSeq: 0, fragmentOffset: 0, fragmentLength: 0, body: new Uint8Array(0) })).toBe("over-limit");
  });
});
