import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ReplayWindow } from "../../../src/dtls/record/replay.js";
import { REPLAY_WINDOW_RECORDS, SEQ_MAX } from "../../../src/dtls/constants.js";

/** Feed a sequence the way the endpoint does: check, and mark only what was accepted. */
function run(w: ReplayWindow, steps: Array<[seq: number, accepted: boolean]>): void {
  for (const [i, [seq, accepted]] of steps.entries()) {
    const fresh = !w.isReplay(seq);
    expect(fresh, `step ${i}: seq ${seq}`).toBe(accepted);
    if (fresh) w.mark(seq);
  }
}

describe("ReplayWindow (RFC 6347 §4.1.2.6, 64 records)", () => {
  it("uses the 64-record window", () => {
    expect(REPLAY_WINDOW_RECORDS).toBe(64);
    expect(ReplayWindow.sizeRecords).toBe(64);
  });

  it("accepts everything in order, rejects every duplicate", () => {
    const w = new ReplayWindow();
    expect(w.highest).toBe(-1);
    for (let s = 0; s < 200; s++) run(w, [[s, true], [s, false]]);
    expect(w.highest).toBe(199);
  });

  // Case table in the style of the Linux kernel / wireguard-go replay tests: a script of
  // (sequence number, expected verdict) with marks after each accepted record.
  it("kernel-style script: reordering, duplicates, too old, window edges 63/64/65, far jump", () => {
    const w = new ReplayWindow();
    run(w, [
      [0, true],
      [1, true],
      [1, false], // duplicate
      [9, true], // gap
      [8, true], // reordered inside the window
      [7, true],
      [7, false],
      [100, true], // jump: top = 100
      [100 - 63, true], // window edge: 63 below top is still tracked
      [100 - 63, false],
      [100 - 64, false], // 64 below: outside the window, too old
      [100 - 65, false],
      [9, false], // was seen, and is too old now anyway
      [101, true],
      [101 - 63, true], // 38: new edge after the slide by one
      [101 - 64, false], // 37: marked before, now out of the window
      [164, true], // slide by 63
      [101, false], // 101 is 63 below 164: tracked, and was marked -> duplicate
      [102, true], // 62 below, never seen
      [165, true], // slide by 1: 101 is now 64 below
      [101, false],
      [10_000, true], // far jump: the whole window is replaced
      [165, false],
      [10_000 - 63, true],
      [10_000 - 1, true],
      [10_000 - 64, false],
    ]);
    expect(w.highest).toBe(10_000);
  });

  it("keeps marks across 32-bit half boundaries (shifts of 31, 32, 33)", () => {
    for (const shift of [31, 32, 33, 63]) {
      const w = new ReplayWindow();
      for (let s = 0; s < 10; s++) w.mark(s); // top 9
      w.mark(9 + shift);
      for (let s = 0; s < 10; s++) {
        const d = 9 + shift - s;
        expect(w.classify(s), `shift ${shift} seq ${s}`).toBe(d < 64 ? "duplicate" : "too-old");
      }
      for (let s = 10; s < 9 + shift; s++) expect(w.classify(s), `shift ${shift} seq ${s}`).toBe("fresh");
    }
  });

  it("handles 48-bit sequence numbers near SEQ_MAX exactly", () => {
    const w = new ReplayWindow();
    run(w, [
      [SEQ_MAX - 100, true],
      [SEQ_MAX - 37, true],
      [SEQ_MAX, true],
      [SEQ_MAX, false],
      [SEQ_MAX - 37, false],
      [SEQ_MAX - 63, true],
      [SEQ_MAX - 64, false],
      [SEQ_MAX - 100, false],
      [SEQ_MAX - 1, true],
    ]);
    expect(w.highest).toBe(SEQ_MAX);
    expect(w.classify(2 ** 32)).toBe("too-old");
  });

  it("tells duplicates from too-old records", () => {
    const w = new ReplayWindow();
    w.mark(70);
    w.mark(69);
    expect(w.classify(69)).toBe("duplicate");
    expect(w.classify(68)).toBe("fresh");
    expect(w.classify(6)).toBe("too-old");
    expect(w.classify(71)).toBe("fresh");
  });

  it("marking an old or duplicate seq changes nothing; reset forgets", () => {
    const w = new ReplayWindow();
    w.mark(500);
    w.mark(3); // far below: ignored
    w.mark(500);
    expect(w.highest).toBe(500);
    expect(w.classify(499)).toBe("fresh");
    w.reset();
    expect(w.highest).toBe(-1);
    expect(w.isReplay(500)).toBe(false);
    expect(w.isReplay(0)).toBe(false);
  });

  it("rejects sequence numbers that are not 48-bit integers", () => {
    const w = new ReplayWindow();
    expect(() => w.isReplay(-1)).toThrow(/"seq".*-1/);
    expect(() => w.mark(SEQ_MAX + 1)).toThrow(/"seq"/);
    expect(() => w.isReplay(1.5)).toThrow(/"seq"/);
  });

  it("agrees with a set-based model on random traffic (300 runs)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: SEQ_MAX - 5000 }),
        fc.array(fc.integer({ min: -80, max: 80 }), { maxLength: 200 }),
        (base, deltas) => {
          const w = new ReplayWindow();
          const seen = new Set<number>();
          let top = -1;
          let cursor = base;
          for (const d of deltas) {
            cursor = Math.max(0, cursor + d);
            const expectFresh = !(seen.has(cursor) || (top >= 0 && top - cursor >= 64));
            expect(w.isReplay(cursor)).toBe(!expectFresh);
            if (expectFresh) {
              w.mark(cursor);
              seen.add(cursor);
              top = Math.max(top, cursor);
            }
          }
          expect(w.highest).toBe(top);
        },
      ),
      { numRuns: 300 },
    );
  });
});
