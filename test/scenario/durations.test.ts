import { describe, expect, it } from "vitest";
import { durationMs, parseDuration, parseRate } from "../../src/scenario/durations.js";
import { DURATION_MAX_MS, RATE_MAX_PER_SECOND } from "../../src/scenario/limits.js";
import { closest, didYouMean, editDistance } from "../../src/scenario/suggest.js";

describe("parseDuration", () => {
  it.each([
    [0, 0], [1500, 1500], [-250, -250], ["0", null], ["0s", 0], ["-0s", 0], ["250ms", 250], ["30s", 30_000], ["1.5s", 1500], ["0.1s", 100],
    ["5m", 300_000], ["-30m", -1_800_000], ["2h", 7_200_000], ["-1h", -3_600_000], ["1d", 86_400_000], ["-1d", -86_400_000], [" 5m ", 300_000],
  ] as const)("%j -> %j", (input, ms) => {
    const r = parseDuration(input);
    if (ms === null) expect(r.ok).toBe(false);
    else expect(r).toEqual({ ok: true, value: ms });
  });
  it.each([
    ["5 minutes", "is not a duration"], ["5x", "is not a duration"], ["m", "is not a duration"], ["1e3ms", "is not a duration"],
    ["+5s", "is not a duration"], ["--5s", "is not a duration"], [true, "is not a duration"], [null, "is not a duration"], [Infinity, "is not a duration"],
    ["0.5ms", "is not a whole number of milliseconds"], [1.25, "is not a whole number of milliseconds"], ["400d", "is longer than the limit"],
    [DURATION_MAX_MS + 1, "is longer than the limit"],
  ] as const)("rejects %j (%s)", (input, message) => {
    const r = parseDuration(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message.startsWith(message)).toBe(true);
  });
  it("accepts exactly the limit", () => {
    expect(parseDuration(DURATION_MAX_MS)).toEqual({ ok: true, value: DURATION_MAX_MS });
    expect(parseDuration(-DURATION_MAX_MS)).toEqual({ ok: true, value: -DURATION_MAX_MS });
  });
  it("durationMs throws a message naming the input and what was expected", () => {
    expect(durationMs("30s")).toBe(30_000);
    expect(() => durationMs("soon", "events[0].at")).toThrow(/^events\[0\]\.at: "soon" is not a duration \(expected milliseconds as a number, or "<number><unit>"/);
  });
});

describe("parseRate", () => {
  it.each([["100/s", 100], ["60/m", 1], ["3600/h", 1], ["0.5/s", 0.5]] as const)("%s -> %d/s", (input, perSecond) => {
    expect(parseRate(input)).toEqual({ ok: true, value: perSecond });
  });
  it.each([["fast", "is not a rate"], ["100", "is not a rate"], [100, "is not a rate"], ["100/d", "is not a rate"], ["0/s", "is not a positive rate"],
    [`${RATE_MAX_PER_SECOND + 1}/s`, "is faster than the limit"]] as const)("rejects %j", (input, message) => {
    const r = parseRate(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message.startsWith(message)).toBe(true);
  });
});

describe("suggestions", () => {
  it("editDistance", () => {
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("subnetz", "subnets")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });
  it("closest stays within a distance that grows with the word", () => {
    expect(closest("subnetz", ["name", "subnets", "region"])).toBe("subnets");
    expect(closest("colour", ["name", "vnets", "vms"])).toBeNull();
    expect(closest("ab", ["xy"])).toBeNull();
    expect(didYouMean("vm-pairs", ["vm-pair", "host-pair"])).toBe(' (did you mean "vm-pair"?)');
    expect(didYouMean("zzz", ["vm-pair"])).toBe("");
  });
});
