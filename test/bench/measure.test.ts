/**
 * The allocation and latency helpers of the harness on operations whose answer is known: a call
 * that allocates a 1000-byte buffer, a call that allocates nothing. (gc is exposed here through
 * V8 flags, as `node --expose-gc` does for the benchmark.)
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import { allocBytesPerOp, batchSizeFor, BATCH_MAX, latencies } from "../../bench/lib/measure.js";

beforeAll(() => {
  setFlagsFromString("--expose-gc");
  (globalThis as { gc?: unknown }).gc = runInNewContext("gc");
});

describe("allocBytesPerOp", () => {
  it("sees a 1000-byte buffer per call (plus its two small objects) and nothing for a pure call", async () => {
    const keep: Uint8Array[] = new Array(64);
    let i = 0;
    const allocating = (): void => {
      keep[i++ & 63] = new Uint8Array(1000);
    };
    let x = 0;
    const pure = (): void => {
      x = (x + 1) & 0xffff;
    };
    for (let k = 0; k < 20_000; k++) {
      allocating();
      pure();
    }
    const a = await allocBytesPerOp(allocating, 20_000, 2_000, 0.5);
    expect(a).not.toBeNull();
    expect(a!).toBeGreaterThanOrEqual(1000);
    expect(a!).toBeLessThan(1400);
    expect(await allocBytesPerOp(pure, 20_000, 2_000, 0.01)).toBeLessThan(1);
  });
});

describe("latencies and batches", () => {
  it("percentiles are ordered and the sample count is capped", () => {
    let x = 0;
    const r = latencies(() => (x = Math.sqrt(x + 2)), 500, 1000, 0);
    expect(r.samples).toBe(500);
    expect(r.p50Us).toBeLessThanOrEqual(r.p99Us);
    expect(r.p99Us).toBeLessThanOrEqual(r.p999Us);
  });

  it("batch sizes aim at ~200 µs and stay within 1..BATCH_MAX", () => {
    expect(batchSizeFor(2)).toBe(100);
    expect(batchSizeFor(1000)).toBe(1);
    expect(batchSizeFor(0)).toBe(BATCH_MAX);
    expect(batchSizeFor(0.001)).toBe(BATCH_MAX);
  });
});
