import { describe, expect, it } from "vitest";
import {
  colorEnabled,
  colorsFor,
  formatDurationMs,
  NO_COLORS,
  renderTable,
  TABLE_CELL_CHARS_MAX,
  type Column,
} from "../../src/report/table.js";

interface Row {
  name: string;
  count: number;
}
const columns: Column<Row>[] = [
  { header: "NAME", text: (r) => r.name },
  { header: "COUNT", align: "right", text: (r) => String(r.count) },
];

describe("renderTable", () => {
  it("aligns columns, right-aligns numbers and leaves no trailing spaces", () => {
    const text = renderTable(
      [
        { name: "a", count: 1 },
        { name: "longer-name", count: 1234 },
      ],
      columns,
    );
    expect(text.split("\n")).toEqual([
      "NAME         COUNT",
      "───────────  ─────",
      "a                1",
      "longer-name   1234",
    ]);
  });
  it("keeps alignment when colour is on (widths ignore escape codes)", () => {
    const colors = colorsFor({ isTTY: true, env: {} });
    const coloured: Column<Row>[] = [{ ...columns[0]!, color: (p) => colors.red(p) }, columns[1]!];
    const text = renderTable([{ name: "ab", count: 7 }], coloured, colors);
    // eslint-disable-next-line no-control-regex
    const plain = text.replace(/\u001b\[[0-9;]*m/g, "");
    expect(text).not.toBe(plain);
    expect(plain.split("\n")[2]).toBe("ab        7");
  });
  it("cuts cells longer than TABLE_CELL_CHARS_MAX and flattens newlines", () => {
    const text = renderTable([{ name: `${"x".repeat(TABLE_CELL_CHARS_MAX + 10)}\nnext`, count: 1 }], columns);
    const row = text.split("\n")[2] ?? "";
    expect(row.startsWith(`${"x".repeat(TABLE_CELL_CHARS_MAX - 1)}…`)).toBe(true);
    expect(text.split("\n")).toHaveLength(3);
  });
  it("renders a header for an empty table", () => {
    expect(renderTable([], columns, NO_COLORS)).toBe("NAME  COUNT\n────  ─────");
  });
});

describe("colorEnabled", () => {
  it("is on for a terminal and off otherwise", () => {
    expect(colorEnabled({ isTTY: true, env: {} })).toBe(true);
    expect(colorEnabled({ isTTY: false, env: {} })).toBe(false);
    expect(colorEnabled({ isTTY: undefined, env: {} })).toBe(false);
  });
  it("honours NO_COLOR (non-empty), TERM=dumb and FORCE_COLOR", () => {
    expect(colorEnabled({ isTTY: true, env: { NO_COLOR: "1" } })).toBe(false);
    expect(colorEnabled({ isTTY: true, env: { NO_COLOR: "" } })).toBe(true);
    expect(colorEnabled({ isTTY: true, env: { TERM: "dumb" } })).toBe(false);
    expect(colorEnabled({ isTTY: false, env: { FORCE_COLOR: "1" } })).toBe(true);
    expect(colorEnabled({ isTTY: false, env: { FORCE_COLOR: "0" } })).toBe(false);
    expect(colorEnabled({ isTTY: false, env: { FORCE_COLOR: "1", NO_COLOR: "1" } })).toBe(false);
  });
});

describe("formatDurationMs", () => {
  it.each([
    [0, "0"],
    [1500, "1500ms"],
    [30_000, "30s"],
    [610_000, "610s"],
    [600_000, "10m"],
    [-3_600_000, "-1h"],
    [86_400_000, "1d"],
  ])("%d -> %s", (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });
});
