import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VIEW_TABLE_SETS, VIEW_TABLE_WAYS, ViewTable } from "../../../src/dtls/record/view-table.js";

describe("ViewTable (shared subarray views)", () => {
  it("answers exactly what subarray answers, for any buffers and ranges (200 runs, seed printed on failure)", () => {
    const bufs = [new Uint8Array(64), new Uint8Array(64), new Uint8Array(300).subarray(10, 200)];
    bufs.forEach((b, k) => b.forEach((_, i) => (b[i] = (i * 7 + k) & 0xff)));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2), fc.nat(200), fc.nat(200)), { maxLength: 60 }), (calls) => {
        const t = new ViewTable();
        for (const [k, a, b] of calls) {
          const buf = bufs[k]!;
          const [s, e] = a <= b ? [a, b] : [b, a];
          const got = t.get(buf, s, e);
          const want = buf.subarray(s, e);
          expect(got.buffer).toBe(want.buffer);
          expect([got.byteOffset, got.length]).toEqual([want.byteOffset, want.length]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("gives the same object again while cached; forget() drops a buffer's views", () => {
    const t = new ViewTable();
    const buf = new Uint8Array(100);
    const v = t.get(buf, 3, 40);
    expect(t.get(buf, 3, 40)).toBe(v);
    expect(t.get(new Uint8Array(100), 3, 40)).not.toBe(v); // another buffer, same range
    expect(t.get(buf, 3, 40)).toBe(v);
    t.forget(buf);
    expect(t.get(buf, 3, 40)).not.toBe(v);
  });

  it(`stays bounded: at most ${VIEW_TABLE_WAYS} buffers per range are remembered (${VIEW_TABLE_SETS} sets)`, () => {
    const t = new ViewTable();
    const bufs = Array.from({ length: VIEW_TABLE_WAYS + 1 }, () => new Uint8Array(16));
    const first = bufs.map((b) => t.get(b, 0, 8));
    // The (ways + 1)-th buffer evicted the first one (round-robin); the others are still cached.
    expect(t.get(bufs[0]!, 0, 8)).not.toBe(first[0]);
    const hits = t.hits;
    expect(t.get(bufs[VIEW_TABLE_WAYS]!, 0, 8)).toBe(first[VIEW_TABLE_WAYS]);
    expect(t.hits).toBe(hits + 1);
  });
});
