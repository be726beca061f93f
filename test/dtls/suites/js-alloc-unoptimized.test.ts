/**
 * The js backend's seal allocates nothing per record even while V8 runs the small helpers of the
 * record path unoptimized (before it optimizes them, or after a deoptimization). Unoptimized code
 * boxes every number that is not a 32-bit integer as a 16-byte heap number: a fraction such as
 * seq / 2^32 or length / 64, or a word above 2^31 such as x >>> 0 of a negative word. The bench's
 * allocation meter caught that as 13-25 B per record in some full runs, in a different js row each
 * time. %NeverOptimizeFunction keeps the helpers unoptimized here, so the test sees that state on
 * every run. (Poly1305's and ChaCha20's block functions compute in doubles and words above 2^31 by
 * design; they are hot enough to be optimized first and are not forced here.)
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import { ContentType } from "../../../src/dtls/constants.js";
import { CipherState } from "../../../src/dtls/record/cipher-state.js";
import { writeEpochSeq } from "../../../src/dtls/record/header.js";
import { ChaCha20 } from "../../../src/dtls/suites/js-chacha20.js";
import { Poly1305 } from "../../../src/dtls/suites/js-poly1305.js";
import { getBackend } from "../../../src/dtls/suites/aead.js";
import { suiteByName } from "../../../src/dtls/suites/registry.js";

setFlagsFromString("--expose-gc");
setFlagsFromString("--allow-natives-syntax");
const gc = runInNewContext("gc") as () => void;
// Parsed after the flag is set, so the %-call is allowed.
const neverOptimize = new Function("f", "%NeverOptimizeFunction(f);") as (f: unknown) => void;

/** Median over windows of heap growth per call (a window with a collection in it shrinks the heap and sorts low). */
function bytesPerCall(op: () => void, windows: number, perWindow: number): number {
  const perCall: number[] = [];
  for (let w = 0; w < windows; w++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < perWindow; i++) op();
    perCall.push((process.memoryUsage().heapUsed - before) / perWindow);
  }
  perCall.sort((a, b) => a - b);
  return perCall[Math.floor(perCall.length / 2)]!;
}

function jsSeal(payloadBytes: number, startSeq: number): () => void {
  const suite = suiteByName("TLS_PSK_WITH_CHACHA20_POLY1305_SHA256");
  const key = new Uint8Array(suite.encKeyBytes).fill(3);
  const tx = new CipherState(suite, getBackend("js").importKey(suite.aead, key), new Uint8Array(suite.fixedIvBytes).fill(5), 1);
  const payload = new Uint8Array(payloadBytes).fill(0x5a);
  const out = new Uint8Array(payloadBytes + tx.overheadBytes);
  let seq = startSeq;
  return () => {
    tx.seal(ContentType.ApplicationData, seq++, payload, out, 0);
  };
}

describe("js backend seal with the record path's helpers unoptimized", () => {
  neverOptimize(writeEpochSeq);
  neverOptimize(ChaCha20.prototype.xorAt);
  neverOptimize(Poly1305.prototype.lengths);

  // 1400 B: 21 whole blocks and a 56-byte tail of whole words; 1401 B: a 1-byte tail (the last
  // keystream word split into bytes); 64 B: whole blocks only. (Sequence numbers stay below 2^31:
  // above it the number itself is a heap number in the caller, whatever CipherState does.)
  beforeAll(() => {
    // Long enough for V8 to optimize the block functions (the ones not forced unoptimized) for
    // every shape of call below: the first measurement otherwise sees them still being compiled.
    for (const bytes of [64, 1401, 1400]) {
      const op = jsSeal(bytes, 0);
      for (let i = 0; i < 30_000; i++) op();
    }
  });

  for (const bytes of [64, 1401, 1400]) {
    // Under half a heap number per record: a boxed number on every record is 16 B. (A few bytes per
    // record remain in this harness at 64 B, none in a plain node process.)
    it(`${bytes} B: under 8 B per record`, () => {
      const op = jsSeal(bytes, 0);
      for (let i = 0; i < 2000; i++) op();
      expect(bytesPerCall(op, 9, 1000)).toBeLessThan(8);
    });
  }

  it("writeEpochSeq still writes sequence numbers at and above 2^32 (the division path)", () => {
    const out = new Uint8Array(8);
    writeEpochSeq(out, 0, 0x0102, 0x0304_0506_0708);
    expect([...out]).toEqual([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]);
    writeEpochSeq(out, 0, 1, 2 ** 32);
    expect([...out]).toEqual([0, 1, 0, 1, 0, 0, 0, 0]);
    writeEpochSeq(out, 0, 1, 2 ** 32 - 1);
    expect([...out]).toEqual([0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  });
});
