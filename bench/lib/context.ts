/** What every benchmark suite gets: the run's settings, a place for rows and notes, a logger. */
import type { MeasureConfig } from "./measure.js";
import type { Row } from "./report.js";

export interface RunSettings {
  quick: boolean;
  seed: number;
  /** Only benchmarks whose id matches run (ids look like "record/seal/TLS_PSK_.../node/1400"). */
  only: RegExp | null;
  sizes: number[];
  measure: MeasureConfig;
  opensslSeconds: number;
}

export interface BenchContext {
  settings: RunSettings;
  rows: Row[];
  /** Plain-words notes that go into RESULTS.md (e.g. "sodium-native is not installed"). */
  notes: string[];
  /** Median cost of the hrtime timer pair, subtracted from single-call latencies. */
  timerOverheadNs: number;
  log(message: string): void;
  /** Whether the benchmark with this id is selected by --only. */
  selected(id: string): boolean;
}

export function makeContext(settings: RunSettings, timerOverheadNs: number, log: (m: string) => void): BenchContext {
  return {
    settings,
    rows: [],
    notes: [],
    timerOverheadNs,
    log,
    selected: (id) => settings.only === null || settings.only.test(id),
  };
}
