import { describe, expect, it } from "vitest";
import { SeededRng, dtlsRngFrom, FORK_LABEL_MAX_CHARS } from "../../sim/rng.js";

const draw = (r: SeededRng, n: number): number[] => Array.from({ length: n }, () => r.nextU32());

describe("SeededRng determinism", () => {
  it("the same seed gives the same sequence; other seeds differ", () => {
    expect(draw(new SeededRng(42), 64)).toEqual(draw(new SeededRng(42), 64));
    const base = draw(new SeededRng(42), 64);
    for (const seed of [0, 1, 43, -42, 2 ** 32 + 42, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      expect(draw(new SeededRng(seed), 64)).not.toEqual(base);
    }
    // Seeds that agree in their low 32 bits are still different streams.
    expect(draw(new SeededRng(2 ** 40), 8)).not.toEqual(draw(new SeededRng(2 ** 41), 8));
  });

  it("rejects seeds that are not safe integers", () => {
    expect(() => new SeededRng(1.5)).toThrow(/"seed" expected a safe integer, got 1.5/);
    expect(() => new SeededRng(2 ** 53)).toThrow(/safe integer/);
    expect(() => new SeededRng(Number.NaN)).toThrow(/got NaN/);
  });

  it("a fork depends on the seed and label only, not on what the parent already drew", () => {
    const fresh = new SeededRng(9).fork("workload/web->db");
    const used = new SeededRng(9);
    draw(used, 1_000);
    expect(draw(used.fork("workload/web->db"), 32)).toEqual(draw(fresh, 32));
    // Forking does not move the parent either.
    const p1 = new SeededRng(9);
    const p2 = new SeededRng(9);
    p1.fork("x");
    expect(draw(p1, 8)).toEqual(draw(p2, 8));
  });

  it("forks are distinct from each other, from the parent, and across seeds and nesting", () => {
    const root = new SeededRng(5);
    const streams = [
      draw(new SeededRng(5), 8),
      draw(root.fork("a"), 8),
      draw(root.fork("b"), 8),
      draw(root.fork(""), 8),
      draw(root.fork("ab"), 8),
      draw(root.fork("a").fork("b"), 8),
      draw(root.fork("b").fork("a"), 8),
      draw(root.fork("a").fork(""), 8),
      draw(new SeededRng(6).fork("a"), 8),
    ].map((s) => s.join(","));
    expect(new Set(streams).size).toBe(streams.length);
  });

  it("20,000 flow-like labels give 20,000 distinct streams (first 64 bits)", () => {
    const root = new SeededRng(1);
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const f = root.fork(`workload/vm-${i % 200}->vm-${Math.floor(i / 200)}`);
      seen.add(`${f.nextU32()}:${f.nextU32()}`);
    }
    expect(seen.size).toBe(20_000);
  });

  it("rejects an over-long fork label", () => {
    const r = new SeededRng(1);
    expect(() => r.fork("x".repeat(FORK_LABEL_MAX_CHARS + 1))).toThrow(/FORK_LABEL_MAX_CHARS/);
    expect(() => r.fork("x".repeat(FORK_LABEL_MAX_CHARS))).not.toThrow();
  });
});

describe("SeededRng distributions (seed 2024)", () => {
  it("nextFloat is in [0, 1) with mean 0.5 and variance 1/12", () => {
    const r = new SeededRng(2024);
    const n = 50_000;
    let sum = 0;
    let sumSq = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const x = r.nextFloat();
      sum += x;
      sumSq += x * x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    const mean = sum / n;
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    // Standard error of the mean: sqrt(1/12 / n) ≈ 0.0013; allow ~4 of them.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sumSq / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  it("every bit of nextU32 is set about half the time", () => {
    const r = new SeededRng(2024);
    const n = 20_000;
    const ones = new Array<number>(32).fill(0);
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const v = r.nextU32();
      if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) outOfRange++;
      for (let b = 0; b < 32; b++) if ((v >>> b) & 1) ones[b]!++;
    }
    expect(outOfRange).toBe(0);
    for (const c of ones) expect(Math.abs(c / n - 0.5)).toBeLessThan(0.02);
  });

  it("exponential(rate) has mean 1/rate and is never negative", () => {
    const r = new SeededRng(2024);
    const n = 50_000;
    const ratePerMs = 0.1;
    let sum = 0;
    let below = 0;
    let min = Infinity;
    for (let i = 0; i < n; i++) {
      const x = r.exponential(ratePerMs);
      min = Math.min(min, x);
      sum += x;
      if (x < 10) below++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    // Mean 10 ms (standard error 10/sqrt(n) ≈ 0.045); P(X < mean) = 1 - 1/e ≈ 0.632.
    expect(Math.abs(sum / n - 10)).toBeLessThan(0.2);
    expect(Math.abs(below / n - (1 - Math.exp(-1)))).toBeLessThan(0.01);
    expect(() => r.exponential(0)).toThrow(/"ratePerMs" expected a finite number > 0, got 0/);
    expect(() => r.exponential(-1)).toThrow(/got -1/);
  });

  it("nextInt covers its inclusive range uniformly and rejects bad ranges", () => {
    const r = new SeededRng(2024);
    const counts = new Map<number, number>();
    for (let i = 0; i < 12_000; i++) {
      const v = r.nextInt(-2, 3);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
    for (const c of counts.values()) expect(Math.abs(c - 2_000)).toBeLessThan(200);
    expect(r.nextInt(7, 7)).toBe(7);
    expect(() => r.nextInt(3, 2)).toThrow(/minIncl <= maxIncl, got \[3, 2\]/);
    expect(() => r.nextInt(0, 1.5)).toThrow(/safe integers/);
  });
});

describe("SeededRng bytes and the DTLS Rng adapter", () => {
  it("fill writes every byte, deterministically, for lengths that are not multiples of 4", () => {
    for (const len of [0, 1, 3, 4, 5, 32, 33]) {
      const a = new Uint8Array(len);
      const b = new Uint8Array(len);
      new SeededRng(3).fill(a);
      new SeededRng(3).fill(b);
      expect(a).toEqual(b);
    }
    // Bytes are the little-endian draws.
    const r = new SeededRng(3);
    const v = r.nextU32();
    const out = new Uint8Array(4);
    new SeededRng(3).fill(out);
    expect(out).toEqual(new Uint8Array([v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24]));
    // 4 KiB of bytes: all 256 values occur, none wildly over-represented.
    const big = new Uint8Array(4_096);
    new SeededRng(3).fill(big);
    const hist = new Array<number>(256).fill(0);
    for (const x of big) hist[x]!++;
    expect(Math.min(...hist)).toBeGreaterThan(0);
    expect(Math.max(...hist)).toBeLessThan(45);
  });

  it("dtlsRngFrom draws from the given stream", () => {
    const r = new SeededRng(11);
    const rng = dtlsRngFrom(r);
    const a = new Uint8Array(32);
    rng(a);
    const b = new Uint8Array(32);
    new SeededRng(11).fill(b);
    expect(a).toEqual(b);
    // The next call continues the stream.
    const c = new Uint8Array(32);
    rng(c);
    expect(c).not.toEqual(a);
  });
});
