/**
 * The report the benchmark writes: targets computed from rows (met, missed, unmeasured), the JSON
 * schema of issue 5 §1 (exact keys, null where a figure does not apply), and RESULTS.md rendering.
 * Built from fake rows: nothing here measures anything.
 */
import { describe, expect, it } from "vitest";
import { parseArgs } from "../../bench/lib/args.js";
import { percentile } from "../../bench/lib/measure.js";
import { fmt, renderResultsMd } from "../../bench/lib/markdown.js";
import { emptyRow, validateReport, type BenchReport, type Row } from "../../bench/lib/report.js";
import { BARE_NODE_SEAL_OPERATION, computeTargets, SIM_FULL_RUN_OPERATION, SIM_STOPPED_SUFFIX, TARGET, WERIFT_BACKEND } from "../../bench/lib/targets.js";

function rec(suite: string, backend: string, operation: string, o: Partial<Row> = {}): Row {
  return { ...emptyRow("record", operation), suite, backend, sizeBytes: 1400, perSecond: 100_000, p50Us: 5, p99Us: 9, p999Us: 20, allocBytesPerOp: 0, ...o };
}

const FASTEST_SEAL_OPEN_P99 = 6;

/** A run in which every target is met. */
function goodRows(): Row[] {
  return [
    rec("TLS_PSK_WITH_AES_128_GCM_SHA256", "node", "seal", { ratioToOpenssl: 0.2, allocBytesPerOp: 2100 }),
    rec("TLS_PSK_WITH_AES_256_GCM_SHA384", "node", "seal", { ratioToOpenssl: 0.15, allocBytesPerOp: 2100 }),
    rec("TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "sodium", "seal", { ratioToOpenssl: 0.4 }),
    rec("TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "sodium", "open", { allocBytesPerOp: 0.2 }),
    rec("TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "js", "seal", { ratioToOpenssl: 0.1, allocBytesPerOp: 0 }),
    rec("TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "noble", "seal", { ratioToOpenssl: 0.05, allocBytesPerOp: 7000 }),
    rec("TLS_PSK_WITH_AES_128_GCM_SHA256", "noble", "seal", { ratioToOpenssl: 0.01, allocBytesPerOp: 80_000 }),
    rec("TLS_PSK_WITH_AES_128_GCM_SHA256", "node", "seal+open", { p99Us: 12 }),
    rec("TLS_PSK_WITH_AES_128_GCM_SHA256", "noble", "seal+open", { p99Us: 900 }),
    rec("TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "sodium", "seal+open", { perSecond: 300_000, p99Us: FASTEST_SEAL_OPEN_P99 }),
    rec("TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "js", "seal+open", { perSecond: 50_000, p99Us: 3 }),
    // another size must not count for the 1400 B targets
    rec("TLS_PSK_WITH_AES_128_GCM_SHA256", "node", "seal+open", { sizeBytes: 8192, p99Us: 50 }),
    { ...emptyRow("tunnel", "records one way"), suite: "TLS_PSK_WITH_AES_128_GCM_SHA256", backend: "node", sizeBytes: 1400, perSecond: 60_000 },
    { ...emptyRow("tunnel", "records one way"), suite: "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", backend: "sodium", sizeBytes: 1400, perSecond: 90_000 },
    { ...emptyRow("tunnel", "records one way"), suite: "x", backend: WERIFT_BACKEND, sizeBytes: 1400, perSecond: 10_000 },
    { ...emptyRow("handshake", "handshake"), suite: "TLS_PSK_WITH_AES_128_GCM_SHA256", backend: "node", perSecond: 4000 },
    { ...emptyRow("handshake", "handshake"), suite: "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", backend: "node", perSecond: 1500 },
    { ...emptyRow("handshake", "handshake"), suite: "x", backend: WERIFT_BACKEND, perSecond: 50 },
    { ...emptyRow("workers", "seal, 1 thread"), backend: "node", perSecond: 100 },
    { ...emptyRow("workers", "seal, 2 threads"), backend: "node", perSecond: 180 },
    // another backend's rows must not mix into the node:crypto ratio
    { ...emptyRow("workers", "seal, 1 thread"), backend: "sodium", perSecond: 1000 },
    { ...emptyRow("workers", "seal, 2 threads"), backend: "sodium", perSecond: 1850 },
    { ...emptyRow("simulator", SIM_FULL_RUN_OPERATION), perSecond: 1 / 40, allocBytesPerOp: 1500 * 2 ** 20 },
  ];
}

const byName = (rows: Row[]) => Object.fromEntries(computeTargets(rows).map((t) => [t.name, t]));

describe("targets from rows", () => {
  it("all met on a good run, with the measured figures derived from the rows", () => {
    const t = byName(goodRows());
    for (const target of Object.values(t)) expect(target.met, target.name).toBe(true);
    expect(t[TARGET.sealFastest]!.measured).toBe(0.4);
    expect(t[TARGET.sealNodeAes128]!.measured).toBe(0.2);
    expect(t[TARGET.sealOpenP99]!.measured).toBe(12); // node only, 1400 B only
    expect(t[TARGET.sealOpenP99Fastest]!.measured).toBe(FASTEST_SEAL_OPEN_P99); // the seal+open row with the most records/s
    expect(t[TARGET.zeroAlloc]!.measured).toBe(0.2); // sodium + js; noble (ChaCha20 and GCM) excluded
    expect(t[TARGET.tunnelVsWerift]!.measured).toBe(9); // our fastest tunnel row
    expect(t[TARGET.tunnelVsWeriftSame]!.measured).toBe(6); // AES-128-GCM on node:crypto
    expect(t[TARGET.hsPskVsWerift]!.measured).toBe(80);
    expect(t[TARGET.hsEcdhePskVsWerift]!.measured).toBe(30);
    expect(t[TARGET.workers]!.measured).toBeCloseTo(1.8, 10);
    expect(t[TARGET.workersFastest]!.measured).toBeCloseTo(1.85, 10); // sodium: 1,000/s on one thread, 1,850 on two
    expect(t[TARGET.simSeconds]!.measured).toBeCloseTo(40, 10);
    expect(t[TARGET.simRss]!.measured).toBeCloseTo(1500, 10);
  });

  it("each threshold is applied on the right side, boundaries included as the issue words them", () => {
    const rows = goodRows();
    const set = (pred: (r: Row) => boolean, o: Partial<Row>) => rows.map((r) => (pred(r) ? { ...r, ...o } : r));
    expect(byName(set((r) => r.backend === "sodium" && r.operation === "seal", { ratioToOpenssl: 0.34 }))[TARGET.sealFastest]!.met).toBe(false);
    expect(byName(set((r) => r.backend === "sodium" && r.operation === "seal", { ratioToOpenssl: 0.35 }))[TARGET.sealFastest]!.met).toBe(true);
    expect(byName(set((r) => r.operation === "seal+open" && r.backend === "node" && r.sizeBytes === 1400, { p99Us: 15 }))[TARGET.sealOpenP99]!.met).toBe(false);
    expect(byName(set((r) => r.backend === "js", { allocBytesPerOp: 7000 }))[TARGET.zeroAlloc]!.met).toBe(false);
    const fastestSealOpen = (r: Row): boolean => r.operation === "seal+open" && r.backend === "sodium";
    expect(byName(set(fastestSealOpen, { p99Us: 15 }))[TARGET.sealOpenP99Fastest]!.met).toBe(false);
    expect(byName(set(fastestSealOpen, { p99Us: 14.9 }))[TARGET.sealOpenP99Fastest]!.met).toBe(true);
    // a slower backend with a better tail (js: 50k/s, p99 3) is not the fastest: with sodium slowed down, node (100k/s) is
    expect(byName(set(fastestSealOpen, { perSecond: 10_000 }))[TARGET.sealOpenP99Fastest]!.measured).toBe(12);
    expect(byName(set((r) => r.operation === "seal, 2 threads" && r.backend === "node", { perSecond: 169 }))[TARGET.workers]!.met).toBe(false);
    const slowSodium = byName(set((r) => r.operation === "seal, 2 threads" && r.backend === "sodium", { perSecond: 1100 }));
    expect(slowSodium[TARGET.workersFastest]!.met).toBe(false); // the fastest backend's own pair, not node's
    expect(slowSodium[TARGET.workers]!.met).toBe(true);
    expect(byName(set((r) => r.backend === WERIFT_BACKEND && r.benchmark === "handshake", { perSecond: 200 }))[TARGET.hsEcdhePskVsWerift]!.met).toBe(false);
    expect(byName(set((r) => r.benchmark === "simulator", { perSecond: 1 / 61 }))[TARGET.simSeconds]!.met).toBe(false);
  });

  it("a target whose rows are missing is unmeasured (null) and not met", () => {
    const rows = goodRows().filter((r) => r.backend !== WERIFT_BACKEND && r.benchmark !== "simulator");
    const t = byName(rows);
    expect(t[TARGET.tunnelVsWerift]).toMatchObject({ measured: null, met: false });
    expect(t[TARGET.tunnelVsWeriftSame]).toMatchObject({ measured: null, met: false });
    expect(t[TARGET.hsPskVsWerift]).toMatchObject({ measured: null, met: false });
    expect(t[TARGET.simSeconds]).toMatchObject({ measured: null, met: false });
    expect(byName([])[TARGET.sealFastest]).toMatchObject({ measured: null, met: false });
  });

  it("a full-scale simulation stopped at its time limit counts as missed with its lower bounds", () => {
    const rows = goodRows().map((r) => (r.benchmark === "simulator" ? { ...r, operation: SIM_FULL_RUN_OPERATION + SIM_STOPPED_SUFFIX, perSecond: 1 / 240, allocBytesPerOp: 4000 * 2 ** 20 } : r));
    const t = byName(rows);
    expect(t[TARGET.simSeconds]).toMatchObject({ met: false });
    expect(t[TARGET.simSeconds]!.measured).toBeCloseTo(240, 6);
    expect(t[TARGET.simRss]!.measured).toBeCloseTo(4000, 6);
    const failed = goodRows().map((r) => (r.benchmark === "simulator" ? { ...r, operation: `${SIM_FULL_RUN_OPERATION} (failed)` } : r));
    expect(byName(failed)[TARGET.simSeconds]).toMatchObject({ measured: null, met: false });
  });

  it("a 1/100-scale simulator run cannot satisfy the full-scale targets", () => {
    const rows = goodRows().map((r) => (r.benchmark === "simulator" ? { ...r, operation: "run 100 VMs / 10000 flows" } : r));
    expect(byName(rows)[TARGET.simSeconds]!.measured).toBeNull();
  });
});

function report(rows: Row[]): BenchReport {
  return { machine: { cpu: "AMD EPYC", cores: 2, node: "v20.20.2", openssl: "OpenSSL 3.0.19" }, seed: 7, rows, targets: computeTargets(rows) };
}

describe("report schema", () => {
  it("a report built from rows conforms, also after a JSON round trip", () => {
    const r = report(goodRows());
    expect(validateReport(r)).toEqual([]);
    expect(validateReport(JSON.parse(JSON.stringify(r)))).toEqual([]);
    expect(Object.keys(r)).toEqual(["machine", "seed", "rows", "targets"]);
  });

  it("openssl missing is a valid machine (null), figures may be null", () => {
    const r = report([emptyRow("record", "seal")]);
    r.machine.openssl = null;
    expect(validateReport(r)).toEqual([]);
  });

  it("names each departure from the schema", () => {
    const r = report(goodRows()) as unknown as Record<string, unknown>;
    const rows = r.rows as Record<string, unknown>[];
    rows[0]!.extra = 1;
    rows[1]!.perSecond = Number.NaN;
    rows[2]!.suite = 3;
    delete rows[3]!.p999Us;
    rows[4]!.p50Us = -1;
    (r.targets as Record<string, unknown>[])[0]!.met = "yes";
    (r.machine as Record<string, unknown>).cores = 0;
    r.seed = 1.5;
    const problems = validateReport(r);
    expect(problems.join("\n")).toMatch(/rows\[0\]: expected exactly the keys/);
    expect(problems.join("\n")).toMatch(/rows\[1\]\.perSecond: expected a finite number or null/);
    expect(problems.join("\n")).toMatch(/rows\[2\]\.suite: expected a string or null/);
    expect(problems.join("\n")).toMatch(/rows\[3\]: expected exactly the keys/);
    expect(problems.join("\n")).toMatch(/rows\[4\]\.p50Us: expected >= 0/);
    expect(problems.join("\n")).toMatch(/targets\[0\]\.met: expected a boolean/);
    expect(problems.join("\n")).toMatch(/machine\.cores/);
    expect(problems.join("\n")).toMatch(/seed: expected an integer/);
    expect(validateReport(null)).toEqual(["report: expected an object, got null"]);
  });

  it("a target claimed met without a figure is refused", () => {
    const r = report(goodRows());
    r.targets[0] = { ...r.targets[0]!, measured: null, met: true };
    expect(validateReport(r).join()).toMatch(/met without a measured figure/);
  });
});

describe("RESULTS.md", () => {
  const ctx = {
    generatedAt: "2026-11-29T02:00:00.000Z",
    mode: "full" as const,
    loadPerCore: { start: 0.4, end: 0.6 },
    nodeFlags: ["--expose-gc", "--single-threaded-gc"],
    notes: ["sodium-native is here."],
    limits: { [TARGET.sealOpenP99]: "node:crypto makes a new cipher context per record." },
  };

  it("the bare node:crypto rows get their own table with our seal beside them, and never count as a seal target", () => {
    const rows = [
      ...goodRows(),
      rec("TLS_PSK_WITH_AES_128_GCM_SHA256", "node", BARE_NODE_SEAL_OPERATION, { perSecond: 125_000, ratioToOpenssl: 0.9 }),
    ];
    const md = renderResultsMd(report(rows), ctx);
    expect(md).toContain("### node:crypto's own per-call ceiling");
    // ours (100,000/s in goodRows) over the bare call (125,000/s)
    expect(md).toContain("| TLS_PSK_WITH_AES_128_GCM_SHA256 | 1,400 | 125,000 | 0.900 | 100,000 | 0.800 |");
    expect(byName(rows)[TARGET.sealFastest]!.measured).toBe(0.4);
    expect(byName(rows)[TARGET.sealNodeAes128]!.measured).toBe(0.2);
  });

  it("starts with the machine, has the tables and a targets table with met/missed", () => {
    const md = renderResultsMd(report(goodRows()), ctx);
    const lines = md.split("\n");
    expect(lines[0]).toBe("# vnetsim benchmark results");
    expect(md.indexOf("| CPU | AMD EPYC |")).toBeLessThan(md.indexOf("## Targets"));
    expect(md).toContain("| OpenSSL | OpenSSL 3.0.19 |");
    expect(md).toContain("| Node flags | `--expose-gc` `--single-threaded-gc` |");
    expect(md).toContain("seed 7");
    expect(md).toMatch(/\| TLS_PSK_WITH_AES_128_GCM_SHA256 \| node \| 1,400 \| 100,000 \| 140 \| 0\.200 \| 5\.00 \| 9\.00 \| 20\.0 \| 2,100 \|/);
    expect(md).toContain(`| ${TARGET.workers} | >= 1.7 | 1.80 | met |  |`);
    expect(md).toContain("Every target was met in this run.");
    expect(md).toContain("- sodium-native is here.");
  });

  it("a missed target says so in words beside the figure, with what limits it", () => {
    const rows = goodRows().map((r) => (r.operation === "seal+open" && r.backend === "node" && r.sizeBytes === 1400 ? { ...r, p99Us: 31.5 } : r));
    const md = renderResultsMd(report(rows), ctx);
    const line = md.split("\n").find((l) => l.startsWith(`| ${TARGET.sealOpenP99} |`))!;
    expect(line).toContain("**missed**");
    expect(line).toContain("Missed: measured 31.5 against a target of < 15 µs.");
    expect(line).toContain("node:crypto makes a new cipher context per record.");
    expect(md).not.toContain("Every target was met");
  });

  it("says when openssl is missing and when a target was not measured", () => {
    const r = report(goodRows().filter((x) => x.benchmark !== "simulator"));
    r.machine.openssl = null;
    const md = renderResultsMd(r, ctx);
    expect(md).toContain("not found: no native reference in this run");
    expect(md.split("\n").find((l) => l.startsWith(`| ${TARGET.simSeconds} |`))).toContain("Not measured in this run.");
    // what limits a figure is only said beside a figure
    const unmeasured = renderResultsMd(report(goodRows().filter((x) => x.benchmark !== "record")), ctx);
    expect(unmeasured.split("\n").find((l) => l.startsWith(`| ${TARGET.sealOpenP99} |`))).not.toContain("cipher context");
  });

  it("formats numbers readably", () => {
    expect(fmt(null)).toBe("–");
    expect(fmt(1234567.8)).toBe("1,234,568");
    expect(fmt(12.34)).toBe("12.3");
    expect(fmt(1.234)).toBe("1.23");
    expect(fmt(0.1234)).toBe("0.123");
  });
});

describe("harness helpers", () => {
  it("percentile is nearest-rank", () => {
    const xs = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(xs, 0.5)).toBe(500);
    expect(percentile(xs, 0.99)).toBe(990);
    expect(percentile(xs, 0.999)).toBe(999);
    expect(percentile([3], 0.999)).toBe(3);
    expect(() => percentile([], 0.5)).toThrow(/at least one value/);
  });

  it("parses the command line and names bad arguments", () => {
    expect(parseArgs([])).toEqual({ quick: false, only: null, seed: 1, write: true });
    const a = parseArgs(["--quick", "--only", "^record/seal", "--seed", "42", "--no-write"]);
    expect(a).toMatchObject({ quick: true, seed: 42, write: false });
    expect(a.only?.test("record/seal/x")).toBe(true);
    expect(() => parseArgs(["--seed", "x"])).toThrow(/"--seed" expected a non-negative integer, got "x"/);
    expect(() => parseArgs(["--only", "("])).toThrow(/"--only" expected a regular expression/);
    expect(() => parseArgs(["--only"])).toThrow(/expected a value/);
    expect(() => parseArgs(["--fast"])).toThrow(/unknown argument "--fast"/);
  });
});
