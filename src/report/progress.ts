/**
 * A progress bar for long runs, on stderr, only on a terminal: piped or redirected stderr, CI
 * logs and `--json` runs get nothing (a bar full of carriage returns is noise in a file).
 *
 * Redraws are throttled by what is drawn, not by the clock: the line is written again only when
 * the rendered text changes (at most PROGRESS_STEPS_MAX times per run), so even a run that
 * reports every packet costs a string comparison per call.
 */

/** Width of the bar itself, in characters. */
export const PROGRESS_BAR_CHARS = 30;
/** Redraws per run at most: the shown fraction is rounded to 1/PROGRESS_STEPS_MAX. */
export const PROGRESS_STEPS_MAX = 1000;

/** The part of a stream the bar needs (process.stderr fits). */
export interface ProgressStream {
  isTTY?: boolean | undefined;
  write(text: string): unknown;
}

export interface ProgressOptions {
  stream: ProgressStream;
  /** Off with --json (and whenever the caller wants no bar). */
  enabled: boolean;
  /** Shown after the counters, e.g. the scenario name. */
  label?: string;
}

export interface Progress {
  /** done of total units (events, packets); total 0 or less draws an indeterminate count. */
  update(done: number, total: number): void;
  /** Erases the bar (the summary follows on stdout). */
  finish(): void;
  /** Whether anything is drawn at all (stderr is a terminal and the bar is enabled). */
  readonly active: boolean;
}

/** The text of the bar line (without the leading carriage return). */
export function renderProgress(done: number, total: number, label = ""): string {
  const suffix = label === "" ? "" : ` ${label}`;
  if (!(total > 0)) return `${Math.max(0, Math.floor(done))}${suffix}`;
  const fraction = Math.min(1, Math.max(0, done / total));
  const steps = Math.floor(fraction * PROGRESS_STEPS_MAX);
  const filled = Math.floor((steps * PROGRESS_BAR_CHARS) / PROGRESS_STEPS_MAX);
  const bar = `${"#".repeat(filled)}${".".repeat(PROGRESS_BAR_CHARS - filled)}`;
  const percent = (steps / (PROGRESS_STEPS_MAX / 100)).toFixed(1).padStart(5);
  return `[${bar}] ${percent}% ${Math.floor(Math.min(Math.max(done, 0), total))}/${Math.floor(total)}${suffix}`;
}

const NO_PROGRESS: Progress = { update: () => undefined, finish: () => undefined, active: false };

/** A bar on `stream` when it is a terminal and `enabled`; otherwise one that writes nothing. */
export function createProgress(options: ProgressOptions): Progress {
  if (!options.enabled || options.stream.isTTY !== true) return NO_PROGRESS;
  const { stream } = options;
  const label = options.label ?? "";
  let shown = "";
  return {
    active: true,
    update(done, total) {
      // Redraw only when the rounded state changes; the counter part changes every call, so
      // compare the bar without it for determinate progress.
      const fraction = total > 0 ? Math.floor(Math.min(1, Math.max(0, done / total)) * PROGRESS_STEPS_MAX) : done;
      const key = `${fraction}`;
      if (key === shown) return;
      shown = key;
      // \r back to column 0, ESC[K erase to end of line (ECMA-48 §8.3.41 EL).
      stream.write(`\r${renderProgress(done, total, label)}\u001b[K`);
    },
    finish() {
      if (shown !== "") stream.write("\r\u001b[K");
      shown = "";
    },
  };
}
