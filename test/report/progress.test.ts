import { describe, expect, it } from "vitest";
import { createProgress, PROGRESS_BAR_CHARS, PROGRESS_STEPS_MAX, renderProgress } from "../../src/report/progress.js";

function fakeStream(isTTY: boolean | undefined) {
  const writes: string[] = [];
  return { isTTY, writes, write: (t: string) => writes.push(t) };
}

describe("progress bar", () => {
  it.each([[false], [undefined]])("writes nothing when stderr is not a terminal (isTTY %s)", (isTTY) => {
    const stream = fakeStream(isTTY);
    const p = createProgress({ stream, enabled: true, label: "default" });
    for (let i = 0; i <= 100; i += 1) p.update(i, 100);
    p.finish();
    expect(p.active).toBe(false);
    expect(stream.writes).toEqual([]);
  });

  it("writes nothing when disabled (--json), even on a terminal", () => {
    const stream = fakeStream(true);
    const p = createProgress({ stream, enabled: false });
    p.update(1, 2);
    p.finish();
    expect(stream.writes).toEqual([]);
  });

  it("on a terminal draws the bar, redraws only on visible change (bounded), and erases it at the end", () => {
    const stream = fakeStream(true);
    const p = createProgress({ stream, enabled: true, label: "default" });
    const total = 1_000_000;
    for (let i = 0; i <= total; i += 1) p.update(i, total);
    expect(p.active).toBe(true);
    // One redraw per shown step (0..PROGRESS_STEPS_MAX), not one per update.
    expect(stream.writes.length).toBe(PROGRESS_STEPS_MAX + 1);
    expect(stream.writes[0]).toBe(`\r[${".".repeat(PROGRESS_BAR_CHARS)}]   0.0% 0/1000000 default\u001b[K`);
    expect(stream.writes.at(-1)).toBe(`\r[${"#".repeat(PROGRESS_BAR_CHARS)}] 100.0% 1000000/1000000 default\u001b[K`);
    p.finish();
    expect(stream.writes.at(-1)).toBe("\r\u001b[K");
  });

  it("renders half, clamps out-of-range values, and counts when the total is unknown", () => {
    expect(renderProgress(50, 100)).toBe(`[${"#".repeat(15)}${".".repeat(15)}]  50.0% 50/100`);
    expect(renderProgress(150, 100)).toContain("100.0% 100/100");
    expect(renderProgress(-3, 100)).toContain("  0.0% 0/100");
    expect(renderProgress(42, 0, "x")).toBe("42 x");
  });
});
