/**
 * The machine-readable result of one benchmark run (issue 5 §1): exactly
 *   { machine: { cpu, cores, node, openssl }, seed, rows: Row[], targets: Target[] }
 * with null wherever a figure does not apply. validateReport() checks that shape so a report
 * built from any rows can be trusted by whoever reads latest.json.
 */

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  /** `openssl version`, or null when openssl is missing. */
  openssl: string | null;
}

export interface Row {
  /** "record", "openssl-speed", "tunnel", "tunnel-udp", "workers", "handshake", "simulator". */
  benchmark: string;
  /** Cipher suite name; for openssl-speed rows the openssl cipher name; null when not applicable. */
  suite: string | null;
  /** "node" | "noble" | "sodium" | "js" | "openssl" | "werift-dtls" | "node-dtls-client"; null when not applicable. */
  backend: string | null;
  sizeBytes: number | null;
  /** "seal", "open", "seal+open", "records", "handshake", "flows", ... */
  operation: string;
  /** Operations (records, handshakes, flows) per second. */
  perSecond: number | null;
  /** perSecond x size over openssl's bytes/s for the same cipher and size (seal rows only). */
  ratioToOpenssl: number | null;
  p50Us: number | null;
  p99Us: number | null;
  p999Us: number | null;
  allocBytesPerOp: number | null;
}

export interface Target {
  name: string;
  /** The threshold in words, e.g. ">= 0.35". */
  target: string;
  /** The figure compared, null when it could not be measured in this run. */
  measured: number | null;
  met: boolean;
}

export interface BenchReport {
  machine: Machine;
  seed: number;
  rows: Row[];
  targets: Target[];
}

const ROW_KEYS = [
  "benchmark",
  "suite",
  "backend",
  "sizeBytes",
  "operation",
  "perSecond",
  "ratioToOpenssl",
  "p50Us",
  "p99Us",
  "p999Us",
  "allocBytesPerOp",
] as const;
const ROW_STRING: ReadonlySet<string> = new Set(["benchmark", "operation"]);
const ROW_NULLABLE_STRING: ReadonlySet<string> = new Set(["suite", "backend"]);

/** A row with every figure null: suites fill in what applies. */
export function emptyRow(benchmark: string, operation: string): Row {
  return {
    benchmark,
    suite: null,
    backend: null,
    sizeBytes: null,
    operation,
    perSecond: null,
    ratioToOpenssl: null,
    p50Us: null,
    p99Us: null,
    p999Us: null,
    allocBytesPerOp: null,
  };
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function checkKeys(where: string, obj: unknown, keys: readonly string[], problems: string[]): obj is Record<string, unknown> {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    problems.push(`${where}: expected an object, got ${JSON.stringify(obj)}`);
    return false;
  }
  const have = Object.keys(obj).sort();
  const want = [...keys].sort();
  if (have.join(",") !== want.join(",")) {
    problems.push(`${where}: expected exactly the keys ${want.join(", ")}, got ${have.join(", ")}`);
  }
  return true;
}

/** Every way `value` differs from the report schema; empty when it conforms. */
export function validateReport(value: unknown): string[] {
  const problems: string[] = [];
  if (!checkKeys("report", value, ["machine", "seed", "rows", "targets"], problems)) return problems;
  const m = value.machine;
  if (checkKeys("machine", m, ["cpu", "cores", "node", "openssl"], problems)) {
    if (typeof m.cpu !== "string") problems.push(`machine.cpu: expected a string, got ${JSON.stringify(m.cpu)}`);
    if (!Number.isInteger(m.cores) || (m.cores as number) < 1) problems.push(`machine.cores: expected an integer >= 1, got ${JSON.stringify(m.cores)}`);
    if (typeof m.node !== "string") problems.push(`machine.node: expected a string, got ${JSON.stringify(m.node)}`);
    if (m.openssl !== null && typeof m.openssl !== "string") problems.push(`machine.openssl: expected a string or null, got ${JSON.stringify(m.openssl)}`);
  }
  if (!Number.isInteger(value.seed)) problems.push(`seed: expected an integer, got ${JSON.stringify(value.seed)}`);
  if (!Array.isArray(value.rows)) problems.push(`rows: expected an array`);
  else {
    value.rows.forEach((row: unknown, i: number) => {
      if (!checkKeys(`rows[${i}]`, row, ROW_KEYS, problems)) return;
      for (const k of ROW_KEYS) {
        const v = row[k];
        const where = `rows[${i}].${k}`;
        if (ROW_STRING.has(k)) {
          if (typeof v !== "string" || v === "") problems.push(`${where}: expected a non-empty string, got ${JSON.stringify(v)}`);
        } else if (ROW_NULLABLE_STRING.has(k)) {
          if (v !== null && typeof v !== "string") problems.push(`${where}: expected a string or null, got ${JSON.stringify(v)}`);
        } else if (v !== null && !isFiniteNumber(v)) {
          problems.push(`${where}: expected a finite number or null, got ${JSON.stringify(v)}`);
        } else if (v !== null && k !== "allocBytesPerOp" && (v as number) < 0) {
          problems.push(`${where}: expected >= 0, got ${v}`);
        }
      }
    });
  }
  if (!Array.isArray(value.targets)) problems.push(`targets: expected an array`);
  else {
    value.targets.forEach((t: unknown, i: number) => {
      if (!checkKeys(`targets[${i}]`, t, ["name", "target", "measured", "met"], problems)) return;
      if (typeof t.name !== "string" || t.name === "") problems.push(`targets[${i}].name: expected a non-empty string`);
      if (typeof t.target !== "string" || t.target === "") problems.push(`targets[${i}].target: expected a non-empty string`);
      if (t.measured !== null && !isFiniteNumber(t.measured)) problems.push(`targets[${i}].measured: expected a finite number or null, got ${JSON.stringify(t.measured)}`);
      if (typeof t.met !== "boolean") problems.push(`targets[${i}].met: expected a boolean, got ${JSON.stringify(t.met)}`);
      if (t.measured === null && t.met === true) problems.push(`targets[${i}]: met without a measured figure`);
    });
  }
  return problems;
}
