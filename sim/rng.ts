/**
 * The seeded random source every random choice of a run derives from (issue 4 §1: same scenario
 * and seed, byte-identical output). The generator is pure-rand's xoroshiro128+.
 *
 * Streams: fork(label) derives an independent stream from this stream's key and the label only,
 * never from how many numbers this stream has already produced. So giving each flow its own
 * stream (fork("workload/" + name)) means adding a flow does not shift the choices of the others.
 *
 * Keys are 128 bits. A 32-bit key (FNV-1a of label ^ seed) would not do at this project's scale:
 * with 1,000,000 flows the birthday bound predicts ~116 pairs of flows sharing one stream. Each
 * of the four 32-bit lanes is an FNV-1a-style hash of the label with its own offset and odd
 * multiplier, finished with MurmurHash3's fmix32 and a cross-lane mix.
 */
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import type { Rng } from "../src/dtls/api.js";
import { fmix32 } from "../src/util/fmix32.js";

/** Longest fork label accepted, in UTF-16 code units (labels are names, not data). */
export const FORK_LABEL_MAX_CHARS = 4_096;

const TWO_POW_32 = 4_294_967_296;
/** 2^-53: nextFloat() yields multiples of it (53 random bits, the precision of a double). */
const TWO_POW_MINUS_53 = 1 / 9_007_199_254_740_992;

type Key = readonly [number, number, number, number];

/** Lane offsets and odd multipliers (lane 0 is FNV-1a 32's offset basis and prime). */
const LANE_OFFSET = [0x811c9dc5, 0x9e3779b9, 0x7f4a7c15, 0x6a09e667] as const;
const LANE_PRIME = [0x01000193, 0x5bd1e995, 0x27d4eb2f, 0x165667b1] as const;

/** Mixes four key words into four new words (the key of a child stream, or a root key). */
function mixKey(k0: number, k1: number, k2: number, k3: number, label: string): Key {
  let h0 = (k0 ^ LANE_OFFSET[0]) >>> 0;
  let h1 = (k1 ^ LANE_OFFSET[1]) >>> 0;
  let h2 = (k2 ^ LANE_OFFSET[2]) >>> 0;
  let h3 = (k3 ^ LANE_OFFSET[3]) >>> 0;
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    h0 = Math.imul(h0 ^ c, LANE_PRIME[0]);
    h1 = Math.imul(h1 ^ c, LANE_PRIME[1]);
    h2 = Math.imul(h2 ^ c, LANE_PRIME[2]);
    h3 = Math.imul(h3 ^ c, LANE_PRIME[3]);
  }
  // The length separates "a" + "" from "" + "a" across nested forks.
  h0 = fmix32(h0 ^ label.length);
  h1 = fmix32(h1 ^ label.length);
  h2 = fmix32(h2 ^ label.length);
  h3 = fmix32(h3 ^ label.length);
  h0 = fmix32((h0 + h3) >>> 0);
  h1 = fmix32(h1 ^ h0);
  h2 = fmix32((h2 + h1) >>> 0);
  h3 = fmix32(h3 ^ h2);
  // xoroshiro128+ must not start from the all-zero state.
  if ((h0 | h1 | h2 | h3) === 0) h0 = 1;
  return [h0, h1, h2, h3];
}

/** Set only while fork() constructs a child, so the constructor's public signature stays (seed). */
let forkKey: Key | null = null;

export class SeededRng {
  private readonly gen: RandomGenerator;
  /** The stream's identity; forks derive from it. */
  private readonly key: Key;

  /** seed: any safe integer (scenario settings.seed, --seed). */
  constructor(seed: number) {
    let key = forkKey;
    forkKey = null;
    if (key === null) {
      if (!Number.isSafeInteger(seed)) {
        throw new RangeError(`SeededRng: "seed" expected a safe integer, got ${seed}`);
      }
      const lo = seed >>> 0;
      const hi = Math.floor(seed / TWO_POW_32) >>> 0;
      key = mixKey(lo, hi, lo ^ 0x5a5a5a5a, hi ^ 0xa5a5a5a5, "vnetsim/root");
    }
    this.key = key;
    this.gen = xoroshiro128plusFromState([key[0] | 0, key[1] | 0, key[2] | 0, key[3] | 0]);
  }

  /** An independent stream named by `label`, derived from this stream's key and the label. */
  fork(label: string): SeededRng {
    if (typeof label !== "string" || label.length > FORK_LABEL_MAX_CHARS) {
      throw new RangeError(`SeededRng.fork: "label" expected a string of at most ${FORK_LABEL_MAX_CHARS} chars (FORK_LABEL_MAX_CHARS), got ${typeof label === "string" ? `${label.length} chars` : typeof label}`);
    }
    const k = this.key;
    forkKey = mixKey(k[0], k[1], k[2], k[3], label);
    return new SeededRng(0);
  }

  /** Uniform in [0, 2^32). */
  nextU32(): number {
    return this.gen.next() >>> 0;
  }

  /** Uniform in [0, 1), a multiple of 2^-53 (the top 27 + 26 bits of two draws). */
  nextFloat(): number {
    const a = (this.gen.next() >>> 5) * 67_108_864; // 2^26
    const b = this.gen.next() >>> 6;
    return (a + b) * TWO_POW_MINUS_53;
  }

  /** Uniform integer in [minIncl, maxIncl]. */
  nextInt(minIncl: number, maxIncl: number): number {
    if (!Number.isSafeInteger(minIncl) || !Number.isSafeInteger(maxIncl) || minIncl > maxIncl) {
      throw new RangeError(`SeededRng.nextInt: expected safe integers with minIncl <= maxIncl, got [${minIncl}, ${maxIncl}]`);
    }
    return uniformInt(this.gen, minIncl, maxIncl);
  }

  /** True with probability p (p in [0, 1]). */
  chance(p: number): boolean {
    return this.nextFloat() < p;
  }

  /** An exponential variate with the given rate (events per ms): mean 1 / ratePerMs ms. */
  exponential(ratePerMs: number): number {
    if (!(ratePerMs > 0) || ratePerMs === Infinity) {
      throw new RangeError(`SeededRng.exponential: "ratePerMs" expected a finite number > 0, got ${ratePerMs}`);
    }
    // Inversion: -ln(1 - U) with U in [0, 1) never takes the log of 0.
    return -Math.log1p(-this.nextFloat()) / ratePerMs;
  }

  /** Fills `out` with random bytes, four per draw, little-endian. */
  fill(out: Uint8Array): void {
    const n = out.length;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const v = this.gen.next();
      out[i] = v & 0xff;
      out[i + 1] = (v >>> 8) & 0xff;
      out[i + 2] = (v >>> 16) & 0xff;
      out[i + 3] = (v >>> 24) & 0xff;
    }
    if (i < n) {
      let v = this.gen.next();
      for (; i < n; i++) {
        out[i] = v & 0xff;
        v >>>= 8;
      }
    }
  }
}

/** The DTLS endpoint's Rng (api.ts) drawing from a simulator stream. */
export function dtlsRngFrom(r: SeededRng): Rng {
  return (out: Uint8Array): void => r.fill(out);
}
