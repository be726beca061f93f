/**
 * Plain-text rendering for the CLI: aligned tables and colour.
 *
 * Colour is a presentation detail decided once per output stream (`colorsFor`), then passed
 * down as a `Colors` object, so the renderers stay pure functions of their input and are easy
 * to test with colour off. Widths are computed on the uncoloured text and colour is applied
 * after padding, so ANSI escapes never break the alignment.
 */
import picocolors from "picocolors";

export type Colors = ReturnType<typeof picocolors.createColors>;

/** Upper bound on a rendered cell; longer text is cut with an ellipsis so one long name cannot wreck a table. */
export const TABLE_CELL_CHARS_MAX = 80;

/** Spaces between two columns. */
export const TABLE_GAP_CHARS = 2;

export interface ColorEnvironment {
  isTTY?: boolean | undefined;
  env: Record<string, string | undefined>;
}

/**
 * Colour only on a terminal, and never when NO_COLOR is set to a non-empty value
 * (https://no-color.org); FORCE_COLOR turns it on for non-terminals (tests, pagers).
 */
export function colorEnabled(environment: ColorEnvironment): boolean {
  const noColor = environment.env["NO_COLOR"];
  if (noColor !== undefined && noColor !== "") return false;
  const force = environment.env["FORCE_COLOR"];
  if (force !== undefined && force !== "" && force !== "0" && force !== "false") return true;
  return environment.isTTY === true && environment.env["TERM"] !== "dumb";
}

export function colorsFor(environment: ColorEnvironment): Colors {
  return picocolors.createColors(colorEnabled(environment));
}

/** Colours that do nothing: for JSON, tests and files. */
export const NO_COLORS: Colors = picocolors.createColors(false);

export type Align = "left" | "right";

export interface Column<Row> {
  header: string;
  align?: Align;
  /** The cell's plain text (used for width). */
  text: (row: Row) => string;
  /** Optional colouring of the already padded cell; receives the plain text too. */
  color?: (padded: string, plain: string, row: Row) => string;
}

function clip(text: string): string {
  const oneLine = text.replace(/[\r\n\t]+/g, " ");
  if (oneLine.length <= TABLE_CELL_CHARS_MAX) return oneLine;
  return `${oneLine.slice(0, TABLE_CELL_CHARS_MAX - 1)}…`;
}

function pad(text: string, width: number, align: Align): string {
  const fill = " ".repeat(Math.max(0, width - text.length));
  return align === "right" ? fill + text : text + fill;
}

/**
 * Renders rows as an aligned table with a header line and a rule under it. The last column
 * is not padded on the right, so lines carry no trailing spaces.
 */
export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], colors: Colors = NO_COLORS): string {
  const cells = rows.map((row) => columns.map((column) => clip(column.text(row))));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => (line[i] ?? "").length)),
  );
  const gap = " ".repeat(TABLE_GAP_CHARS);
  const last = columns.length - 1;
  const header = columns
    .map((column, i) => (i === last ? column.header : pad(column.header, widths[i] ?? 0, column.align ?? "left")))
    .join(gap);
  const rule = widths.map((w) => "─".repeat(w)).join(gap);
  const lines = [colors.bold(header.trimEnd()), colors.dim(rule)];
  rows.forEach((row, r) => {
    const line = columns.map((column, i) => {
      const plain = cells[r]?.[i] ?? "";
      const align = column.align ?? "left";
      const padded = i === last && align === "left" ? plain : pad(plain, widths[i] ?? 0, align);
      return column.color ? column.color(padded, plain, row) : padded;
    });
    lines.push(line.join(gap).trimEnd());
  });
  return lines.join("\n");
}

/**
 * Formats virtual milliseconds in the largest unit that represents them exactly ("0", "1500ms",
 * "90s", "5m", "-1h", "2d"), so that a printed time can be pasted back into `--at` or a scenario.
 */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms) || !Number.isInteger(ms)) return `${ms}ms`;
  if (ms === 0) return "0";
  const units: [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1_000],
  ];
  for (const [unit, size] of units) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
