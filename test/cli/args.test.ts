import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { DURATION_CHARS_MAX, parseAtOption, parseDurationMs, parseSeedOption, SEED_MAX } from "../../src/cli/args.js";
import { withSeed } from "../../src/cli/seed.js";
import { formatDurationMs } from "../../src/report/table.js";

describe("parseSeedOption", () => {
  it("accepts whole numbers up to SEED_MAX", () => {
    expect(parseSeedOption("0")).toBe(0);
    expect(parseSeedOption("42")).toBe(42);
    expect(parseSeedOption(String(SEED_MAX))).toBe(SEED_MAX);
  });
  it.each(["", "-1", "1.5", "abc", "1e3", String(SEED_MAX + 1)])("rejects %j naming the value", (value) => {
    expect(() => parseSeedOption(value)).toThrow(InvalidArgumentError);
    expect(() => parseSeedOption(value)).toThrow(`"${value}"`);
  });
});

describe("parseDurationMs / parseAtOption", () => {
  it.each([
    ["0", 0],
    ["1500", 1500],
    ["250ms", 250],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["-1h", -3_600_000],
    ["2d", 172_800_000],
    ["1.5s", 1500],
  ])("%s -> %d ms", (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
    expect(parseAtOption(text)).toBe(ms);
  });
  it.each(["", "abc", "5 minutes", "1w", "--5m", "1".repeat(DURATION_CHARS_MAX + 1)])("rejects %j", (text) => {
    expect(parseDurationMs(text)).toBeNull();
    expect(() => parseAtOption(text)).toThrow(InvalidArgumentError);
  });
  it("round-trips what formatDurationMs prints", () => {
    for (const ms of [0, 1, 999, 1500, 30_000, 610_000, 600_000, -3_600_000, 86_400_000, 90_061_001]) {
      expect(parseDurationMs(formatDurationMs(ms))).toBe(ms);
    }
  });
});

describe("withSeed", () => {
  it("replaces an existing top-level seed in place, keeping every other byte", () => {
    const text = "# c\nname: x\nseed: 1   # the seed\nvms: []\n";
    expect(withSeed(text, 77)).toBe("# c\nname: x\nseed: 77   # the seed\nvms: []\n");
  });
  it("appends a seed line when there is none, so earlier line numbers do not move", () => {
    expect(withSeed("name: x\nvms: []", 5)).toBe("name: x\nvms: []\nseed: 5\n");
    expect(withSeed("name: x\n", 5)).toBe("name: x\nseed: 5\n");
  });
  it("leaves nested seeds alone", () => {
    const text = "name: x\nsettings:\n  seed: 3\n";
    expect(withSeed(text, 9)).toBe("name: x\nsettings:\n  seed: 3\nseed: 9\n");
  });
  it("returns invalid or non-mapping YAML unchanged, for the loader to report", () => {
    for (const text of ["name: [unclosed\n", "- a\n- b\n", "just text", "{ name: x }"]) {
      expect(withSeed(text, 9)).toBe(text);
    }
  });
});
