/**
 * Seeded randomness for the simulator and tests (replayable runs). NOT for real keys: real use
 * passes crypto.randomFillSync as the Rng.
 * splitmix32-style mixing of a 32-bit state; fast, well distributed, deterministic per seed.
 */
import type { Rng } from "../api.js";

/** A float in [0, 1) per call, deterministic for a given seed. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 0x1_0000_0000;
  };
}

/** An Rng (byte filler) deterministic for a given seed. */
export function seededRng(seed: number): Rng {
  // The same draws as Math.floor(seededRandom(seed)() * 256): z / 2^32 * 256 is exact in a double,
  // so its floor is z >>> 24. Integer arithmetic only: no float boxed per byte.
  // The state lives in a Uint32Array: a 32-bit number kept in a closure variable is boxed (a heap
  // number) on every store once it leaves the small-integer range.
  const state = Uint32Array.of(seed >>> 0);
  return (out) => {
    let s = state[0]!;
    for (let i = 0; i < out.length; i++) {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      out[i] = (z ^ (z >>> 16)) >>> 24;
    }
    state[0] = s;
  };
}
