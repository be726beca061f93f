/** EpochSlots (the epoch table's small map) and the epoch-0 duplicate filter: behaviour and limits. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { EPOCH_SLOTS_MAX, EpochSlots } from "../../../src/dtls/epoch-slots.js";
import { EpochTable, PlaintextDuplicateFilter } from "../../../src/dtls/epochs.js";
import { REPLAY_WINDOW_RECORDS } from "../../../src/dtls/constants.js";

describe("EpochSlots", () => {
  it("behaves like a Map for any sequence of set/delete", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 6 }), fc.integer()), { maxLength: 40 }),
        (ops) => {
          const slots = new EpochSlots<number>();
          const model = new Map<number, number>();
          for (const [isSet, epoch, value] of ops) {
            if (isSet) {
              slots.set(epoch, value);
              model.set(epoch, value);
            } else {
              expect(slots.delete(epoch)).toBe(model.delete(epoch));
            }
            expect(slots.size).toBe(model.size);
            for (let e = 0; e <= 6; e++) {
              expect(slots.get(e)).toBe(model.get(e));
              expect(slots.has(e)).toBe(model.has(e));
            }
            const entries = Array.from({ length: slots.size }, (_, i) => [slots.epochAt(i), slots.valueAt(i)]);
            expect(entries).toEqual([...model.entries()]);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it(`refuses a new epoch beyond EPOCH_SLOTS_MAX (${EPOCH_SLOTS_MAX}), naming the epoch; replacing one still works`, () => {
    const slots = new EpochSlots<string>();
    for (let e = 0; e < EPOCH_SLOTS_MAX; e++) slots.set(e, "x");
    expect(() => slots.set(EPOCH_SLOTS_MAX, "y")).toThrow(new RegExp(`epoch ${EPOCH_SLOTS_MAX} would exceed EPOCH_SLOTS_MAX`));
    slots.set(3, "z");
    expect(slots.get(3)).toBe("z");
    expect(slots.size).toBe(EPOCH_SLOTS_MAX);
    expect(slots.delete(0)).toBe(true);
    slots.set(EPOCH_SLOTS_MAX, "y");
    expect(slots.get(EPOCH_SLOTS_MAX)).toBe("y");
  });
});

describe("PlaintextDuplicateFilter", () => {
  const rec = (seq: number, fill: number): Uint8Array => new Uint8Array(20).fill(fill).map((b, i) => (i === 10 ? seq & 0xff : b));

  it("knows a record by sequence number and bytes: another record with the same number is not a duplicate", () => {
    const f = new PlaintextDuplicateFilter();
    expect(f.has(1, rec(1, 7))).toBe(false);
    f.add(1, rec(1, 7));
    expect(f.has(1, rec(1, 7))).toBe(true);
    expect(f.has(1, rec(1, 8))).toBe(false);
    expect(f.has(2, rec(1, 7))).toBe(false);
    f.add(1, rec(1, 7));
    expect(f.size).toBe(1);
  });

  it(`remembers the last REPLAY_WINDOW_RECORDS (${REPLAY_WINDOW_RECORDS}) records, forgetting the oldest`, () => {
    const f = new PlaintextDuplicateFilter();
    for (let s = 0; s < REPLAY_WINDOW_RECORDS + 5; s++) f.add(s, rec(s, 1));
    expect(f.size).toBe(REPLAY_WINDOW_RECORDS);
    for (let s = 0; s < 5; s++) expect(f.has(s, rec(s, 1))).toBe(false);
    for (let s = 5; s < REPLAY_WINDOW_RECORDS + 5; s++) expect(f.has(s, rec(s, 1))).toBe(true);
  });

  it("an epoch table makes its filter only when an epoch-0 record is remembered", () => {
    const t = new EpochTable(0);
    expect(t.isPlaintextDuplicate(0, rec(0, 1))).toBe(false);
    expect((t as unknown as { duplicates: unknown }).duplicates).toBeNull();
    t.plaintextDuplicates.add(0, rec(0, 1));
    expect(t.isPlaintextDuplicate(0, rec(0, 1))).toBe(true);
  });
});
