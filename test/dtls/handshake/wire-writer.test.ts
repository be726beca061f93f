import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BYTE_WRITER_POOL_MAX, BYTE_WRITER_POOLED_BYTES_MAX, ByteWriter, byteWriterPoolSize } from "../../../src/dtls/handshake/wire.js";

describe("ByteWriter with pooled buffers", () => {
  it("results are independent copies, whatever writers are interleaved or nested (200 runs, seed printed on failure)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { minLength: 1, maxLength: 12 }), (chunks) => {
        // Nest all writers, then finish them in reverse, then reuse the pool for another round.
        const ws = chunks.map(() => new ByteWriter(16));
        chunks.forEach((c, i) => ws[i]!.bytes(c).u16(i));
        const outs = ws.map((_, i) => ws[ws.length - 1 - i]!.finish()).reverse();
        const again = chunks.map((c) => new ByteWriter().vec16(c.subarray(0, 10), "x").finish());
        chunks.forEach((c, i) => {
          expect(outs[i]).toEqual(Uint8Array.from([...c, i >>> 8, i & 0xff]));
          expect(again[i]).toEqual(Uint8Array.from([0, Math.min(10, c.length), ...c.subarray(0, 10)]));
        });
        expect(byteWriterPoolSize()).toBeLessThanOrEqual(BYTE_WRITER_POOL_MAX);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps at most BYTE_WRITER_POOL_MAX buffers and none larger than BYTE_WRITER_POOLED_BYTES_MAX", () => {
    const ws = Array.from({ length: BYTE_WRITER_POOL_MAX + 5 }, () => new ByteWriter());
    for (const w of ws) w.finish();
    expect(byteWriterPoolSize()).toBe(BYTE_WRITER_POOL_MAX);
    const drained = Array.from({ length: BYTE_WRITER_POOL_MAX }, () => new ByteWriter());
    expect(byteWriterPoolSize()).toBe(0);
    new ByteWriter().bytes(new Uint8Array(BYTE_WRITER_POOLED_BYTES_MAX + 1)).finish();
    expect(byteWriterPoolSize()).toBe(0);
    for (const w of drained) w.finish();
  });

  it("a finished writer refuses more writes and a second finish()", () => {
    const w = new ByteWriter();
    w.u8(1).finish();
    expect(() => w.u8(2)).toThrow(/written to after finish/);
    expect(() => w.finish()).toThrow(/finish\(\) called twice/);
  });
});
