/**
 * The summary of a simulated run (`vnetsim run`): what the data plane did, as a JSON document
 * (DIR/summary.json) and as text.
 *
 * summary.json is deterministic: the same scenario, seed and options give the same bytes. Keys
 * come in a fixed order (objects are built field by field below; open-ended maps such as drop
 * reasons are sorted by key), flows keep the scenario's order, and nothing depends on the wall
 * clock or the output directory.
 */
import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ExpectationResult, FlowResult, ParallelInfo, RunResult } from "../../sim/runner.js";
import { FLOW_ENCRYPTION_VALUES, type FlowAction, type FlowEncryption } from "../policy/values.js";
import type { Scenario } from "../scenario/types.js";
import { formatDurationMs, NO_COLORS, renderTable, type Colors } from "./table.js";

/** Version of the summary.json layout; bumped when a field changes meaning or disappears. */
export const SUMMARY_FORMAT_VERSION = 1;
/** Flows listed one per line in the text summary; the rest are counted (summary.json has them all). */
export const SUMMARY_TEXT_FLOWS_MAX = 200;
/** Expectation lines in the text summary; failures are listed first. */
export const SUMMARY_TEXT_EXPECTATIONS_MAX = 200;

/** The part of a flow's result the totals are computed from (FlowResult has it). */
export type SummaryFlow = Pick<
  FlowResult,
  "verdicts" | "sent" | "delivered" | "dropped" | "droppedBy" | "bytesSent" | "bytesDelivered" | "encryptedPackets" | "plaintextPackets" | "duplicates"
>;

/** One row of "flows by encryption value and action". */
export interface EncryptionActionRow {
  encryption: FlowEncryption;
  action: FlowAction;
  /** Flows that had at least one packet with this outcome. */
  flows: number;
  /** Packets the sending hosts handled with this outcome. */
  packets: number;
}

export interface SummaryTotals {
  flows: number;
  /** Every (encryption value, action) pair that occurred, in the order of FLOW_ENCRYPTION_VALUES, deliver before drop. */
  byEncryptionAction: EncryptionActionRow[];
  /** Flows per encryption value, all eight values (zeros included); a flow that showed two values counts under both. */
  flowsByEncryption: Record<FlowEncryption, number>;
  packets: {
    sent: number;
    delivered: number;
    dropped: number;
    duplicates: number;
    encrypted: number;
    plaintext: number;
    bytesSent: number;
    bytesDelivered: number;
    /** Dropped packets by reason, keys sorted. */
    droppedBy: Record<string, number>;
  };
}

export interface SummaryRunInfo {
  wire: "memory" | "udp";
  /** --duration; null = until the traffic is done. */
  durationMs: number | null;
  /** --enforcement forced on every VNet, or null. */
  enforcement: string | null;
}

export interface RunSummary {
  format: number;
  scenario: { name: string; description: string; file: string; seed: number; epoch: string };
  run: SummaryRunInfo & { endedAtMs: number; stoppedBy: string };
  /** Present when the run was asked for worker threads (`--workers`): how it was split. */
  parallel?: ParallelInfo;
  totals: SummaryTotals;
  tunnels: RunResult["tunnels"];
  dtls: {
    /** Bytes the DTLS layer put on the wire beyond the inner packets (record headers, nonces, tags, handshakes, alerts). */
    overheadBytes: number;
  };
  wire: { datagrams: number; bytes: number; strayDatagrams: number; plaintextLeaks: number };
  flowLogs: { records: number; overflow: RunResult["flowLogOverflow"] };
  /** Every flow of the scenario, in its order, with its verdicts and counters (FlowResult). */
  flows: FlowResult[];
  /** Every `expect:` entry, checked on what the wire carried. */
  expectations: ExpectationResult[];
  ok: boolean;
}

/** A copy of a counter map with its keys sorted and zeros left out (stable JSON). */
export function sortedCounts(map: Readonly<Record<string, number | undefined>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(map).sort()) {
    const value = map[key];
    if (value !== undefined && value !== 0) out[key] = value;
  }
  return out;
}

/** Totals over the flows: by encryption value and action, and packet sums. */
export function computeTotals(flows: readonly SummaryFlow[]): SummaryTotals {
  const flowsByEncryption = Object.fromEntries(FLOW_ENCRYPTION_VALUES.map((v) => [v, 0])) as Record<FlowEncryption, number>;
  const rows = new Map<string, EncryptionActionRow>();
  const packets = { sent: 0, delivered: 0, dropped: 0, duplicates: 0, encrypted: 0, plaintext: 0, bytesSent: 0, bytesDelivered: 0 };
  const droppedBy: Record<string, number> = {};
  for (const flow of flows) {
    const values = new Set<FlowEncryption>();
    const pairs = new Set<string>();
    for (const v of flow.verdicts) {
      const key = `${v.encryption}|${v.action}`;
      let row = rows.get(key);
      if (row === undefined) {
        row = { encryption: v.encryption, action: v.action, flows: 0, packets: 0 };
        rows.set(key, row);
      }
      row.packets += v.packets;
      if (!pairs.has(key)) row.flows += 1;
      pairs.add(key);
      values.add(v.encryption);
    }
    for (const value of values) flowsByEncryption[value] += 1;
    packets.sent += flow.sent;
    packets.delivered += flow.delivered;
    packets.dropped += flow.dropped;
    packets.duplicates += flow.duplicates;
    packets.encrypted += flow.encryptedPackets;
    packets.plaintext += flow.plaintextPackets;
    packets.bytesSent += flow.bytesSent;
    packets.bytesDelivered += flow.bytesDelivered;
    for (const [reason, n] of Object.entries(flow.droppedBy)) droppedBy[reason] = (droppedBy[reason] ?? 0) + (n ?? 0);
  }
  const order = (r: EncryptionActionRow): number => FLOW_ENCRYPTION_VALUES.indexOf(r.encryption) * 2 + (r.action === "deliver" ? 0 : 1);
  const byEncryptionAction = [...rows.values()].sort((a, b) => order(a) - order(b));
  return { flows: flows.length, byEncryptionAction, flowsByEncryption, packets: { ...packets, droppedBy: sortedCounts(droppedBy) } };
}

/** The summary of a run, from the scenario it ran and the runner's result. */
export function buildRunSummary(scenario: Scenario, result: RunResult, run: SummaryRunInfo): RunSummary {
  return {
    format: SUMMARY_FORMAT_VERSION,
    scenario: {
      name: scenario.name,
      description: scenario.description,
      file: scenario.file,
      seed: result.scenario.seed,
      epoch: scenario.topology.epochIso,
    },
    run: { wire: run.wire, durationMs: run.durationMs, enforcement: run.enforcement, endedAtMs: result.endedAtMs, stoppedBy: result.stoppedBy },
    ...(result.parallel !== undefined ? { parallel: result.parallel } : {}),
    totals: computeTotals(result.flows),
    tunnels: { ...result.tunnels },
    dtls: { overheadBytes: result.dtlsOverheadBytes },
    wire: {
      datagrams: result.wireStats.datagrams,
      bytes: result.wireStats.bytes,
      strayDatagrams: result.packets.strayDatagrams,
      plaintextLeaks: result.packets.plaintextLeaks,
    },
    flowLogs: { records: result.flowLogRecords.length, overflow: { ...result.flowLogOverflow } },
    flows: result.flows,
    expectations: result.expectations.map((e) => ({
      flow: e.flow,
      atMs: e.atMs,
      expected: { encryption: e.expected.encryption, action: e.expected.action, reason: e.expected.reason },
      observed:
        e.observed === null
          ? null
          : { encryption: e.observed.encryption, action: e.observed.action, reason: e.observed.reason, via: e.observed.via, atMs: e.observed.atMs },
      packetIndex: e.packetIndex,
      probe: e.probe,
      ok: e.ok,
      mismatches: [...e.mismatches],
    })),
    ok: result.ok,
  };
}

/** Characters buffered by writeSummaryJson between writes to the file. */
export const SUMMARY_WRITE_BUFFER_CHARS = 1 << 20;

/** Indents every line after the first by `spaces` (a value nested `spaces / 2` levels deep in JSON.stringify(x, null, 2)). */
function nest(json: string, spaces: number): string {
  return json.replace(/\n/g, `\n${" ".repeat(spaces)}`);
}

/**
 * summary.json's text in pieces: exactly `JSON.stringify({ ...summary, ...extra }, null, 2)` and a
 * newline, but produced one flow and one expectation at a time, so a run with a million flows never
 * needs the whole document as one string (V8 caps strings at about 2^29 characters).
 */
export function* summaryJsonChunks(summary: RunSummary, extra: Readonly<Record<string, unknown>> = {}): Generator<string> {
  const entries: [string, unknown][] = [...Object.entries(summary), ...Object.entries(extra)];
  yield "{\n";
  for (let i = 0; i < entries.length; i += 1) {
    const [key, value] = entries[i] ?? ["", null];
    const tail = i === entries.length - 1 ? "\n" : ",\n";
    if (Array.isArray(value) && value.length > 0) {
      yield `  ${JSON.stringify(key)}: [\n`;
      for (let j = 0; j < value.length; j += 1) {
        yield `    ${nest(JSON.stringify(value[j], null, 2), 4)}${j === value.length - 1 ? "\n" : ",\n"}`;
      }
      yield `  ]${tail}`;
    } else {
      yield `  ${JSON.stringify(key)}: ${nest(JSON.stringify(value, null, 2), 2)}${tail}`;
    }
  }
  yield "}\n";
}

/** summary.json's bytes as one string (small runs, tests). */
export function summaryJson(summary: RunSummary, extra: Readonly<Record<string, unknown>> = {}): string {
  return [...summaryJsonChunks(summary, extra)].join("");
}

/**
 * Writes summary.json atomically and without holding it in memory: a temporary file in the same
 * directory, filled through a bounded buffer, fsync'ed, then renamed over `path`.
 */
export function writeSummaryJson(path: string, summary: RunSummary): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = fs.openSync(temp, "w", 0o644);
  try {
    let pending = "";
    const flush = (): void => {
      const bytes = Buffer.from(pending, "utf8");
      let off = 0;
      while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
      pending = "";
    };
    for (const chunk of summaryJsonChunks(summary)) {
      pending += chunk;
      if (pending.length >= SUMMARY_WRITE_BUFFER_CHARS) flush();
    }
    flush();
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, path);
}

function colorEncryption(colors: Colors, value: FlowEncryption, text: string): string {
  if (value === "X") return colors.green(text);
  if (value === "NX") return text;
  if (value === "NX_LOCAL_DST") return colors.cyan(text);
  return colors.yellow(text);
}

/** "10m", "90s" when exact, else seconds with milliseconds ("300.009s"); sub-millisecond digits are cut. */
export function formatVirtualTime(ms: number): string {
  const whole = Math.round(ms);
  if (whole % 1000 === 0) return formatDurationMs(whole);
  return `${(whole / 1000).toFixed(3)}s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function countsText(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? "none" : entries.map(([k, n]) => `${k} ${n}`).join(", ");
}

function outcomeText(o: { encryption: FlowEncryption; action: FlowAction; reason: string | null }): string {
  return `${o.encryption} ${o.action}${o.reason === null ? "" : ` (${o.reason})`}`;
}

function expectationLine(e: ExpectationResult, colors: Colors): string {
  const where = `${e.flow} at ${formatDurationMs(e.atMs)}${e.probe ? " (probe packet)" : ""}`;
  if (e.ok) return `${colors.green("PASS")} ${where}: ${outcomeText(e.expected)}`;
  const seen = e.observed === null ? "nothing (the packet was never resolved)" : `${outcomeText(e.observed)} via ${e.observed.via}`;
  const lines = [`${colors.red("FAIL")} ${where}: expected ${outcomeText(e.expected)}`, `       on the wire: ${seen}`];
  for (const m of e.mismatches) lines.push(colors.dim(`       ${m}`));
  return lines.join("\n");
}

function verdictsText(f: FlowResult): string {
  return f.verdicts.length === 0 ? "-" : f.verdicts.map((v) => `${v.encryption} ${v.action}`).join(", ");
}

/** Where the run wrote its files; printed at the end of the text summary. */
export interface SummaryOutputs {
  dir: string;
  summaryFile: string;
  flowLogBlobs: number;
  /** The blob container folder (insights-logs-flowlogflowevent) under dir. */
  flowLogDir: string;
  vmsFile: string | null;
  pcapFile: string | null;
  pcapFrames: number | null;
  keylogFile: string | null;
  keylogLines: number | null;
}

/** The text summary printed by `vnetsim run`. */
export function renderSummary(s: RunSummary, outputs: SummaryOutputs | null, colors: Colors = NO_COLORS): string {
  const out: string[] = [];
  out.push(colors.bold(s.scenario.description === "" ? s.scenario.name : `${s.scenario.name}: ${s.scenario.description}`));
  const bound = s.run.durationMs === null ? "until idle" : `for ${formatDurationMs(s.run.durationMs)}`;
  const enforcement = s.run.enforcement === null ? "" : ` · enforcement ${s.run.enforcement} on every VNet`;
  out.push(colors.dim(`${s.scenario.file} · seed ${s.scenario.seed} · wire ${s.run.wire} · simulated ${bound}, ended at ${formatVirtualTime(s.run.endedAtMs)}${enforcement}`));
  if (s.run.stoppedBy === "events-max" || s.run.stoppedBy === "timeout") {
    out.push(colors.yellow(`The run was cut short (${s.run.stoppedBy}); packets still in flight count as dropped ("in-flight").`));
  }
  const par = s.parallel;
  if (par !== undefined) {
    if (par.refused !== null) out.push(colors.yellow(`Ran on one thread, not ${par.requested}: ${par.refused}.`));
    else if (par.workers > 1) {
      out.push(colors.dim(`Split by tunnel over ${par.workers} worker threads (flows ${par.flowsPerWorker.join(" / ")}).`));
      for (const n of par.notes) out.push(colors.yellow(`Not exactly a one-thread run: ${n}.`));
    }
  }
  out.push("");

  out.push(colors.bold("Flows by encryption value and action"));
  if (s.totals.byEncryptionAction.length === 0) {
    out.push(colors.dim("(no packets were sent)"));
  } else {
    out.push(
      renderTable(
        s.totals.byEncryptionAction,
        [
          { header: "ENCRYPTION", text: (r) => r.encryption, color: (p, _t, r) => colorEncryption(colors, r.encryption, p) },
          { header: "ACTION", text: (r) => r.action, color: (p, _t, r) => (r.action === "drop" ? colors.red(p) : p) },
          { header: "FLOWS", align: "right", text: (r) => String(r.flows) },
          { header: "PACKETS", align: "right", text: (r) => String(r.packets) },
        ],
        colors,
      ),
    );
  }
  out.push("");

  const p = s.totals.packets;
  const t = s.tunnels;
  out.push(colors.bold("Data plane"));
  out.push(`  packets     sent ${p.sent}, delivered ${p.delivered} (${p.encrypted} encrypted, ${p.plaintext} plaintext), dropped ${p.dropped}, duplicates ${p.duplicates}`);
  out.push(`  drops       ${countsText(p.droppedBy)}`);
  out.push(`  bytes       sent ${p.bytesSent}, delivered ${p.bytesDelivered}`);
  out.push(`  tunnels     established ${t.established}, failed ${t.failed}, rekeys ${t.rekeys}, evicted ${t.evicted}, closed idle ${t.idleClosed}`);
  out.push(`  handshakes  ${t.handshakes}, retransmissions ${t.retransmissions}`);
  out.push(`  DTLS        ${s.dtls.overheadBytes} bytes of overhead on the wire`);
  const overflow = s.flowLogs.overflow;
  if (overflow.observations > 0) {
    out.push(colors.yellow(`  flow logs   the flow table was full: ${overflow.packets} packets (${overflow.bytes} bytes) are not in the flow logs`));
  }
  out.push("");

  if (s.flows.length > 0) {
    out.push(colors.bold("Flows"));
    const shown = s.flows.slice(0, SUMMARY_TEXT_FLOWS_MAX);
    out.push(
      renderTable(
        shown,
        [
          { header: "FLOW", text: (f) => f.name, color: (pad) => colors.bold(pad) },
          { header: "SOURCE", text: (f) => (f.from === f.srcIp ? f.srcIp : `${f.from} ${f.srcIp}`) },
          { header: "DESTINATION", text: (f) => (f.to === f.dstIp ? f.dstIp : `${f.to} ${f.dstIp}`) },
          { header: "SENT", align: "right", text: (f) => String(f.sent) },
          { header: "DELIVERED", align: "right", text: (f) => String(f.delivered) },
          { header: "DROPPED", align: "right", text: (f) => String(f.dropped) },
          { header: "ENCRYPTED", align: "right", text: (f) => String(f.encryptedPackets) },
          { header: "OUTCOMES", text: verdictsText },
        ],
        colors,
      ),
    );
    if (s.flows.length > shown.length) out.push(colors.dim(`... and ${s.flows.length - shown.length} more flows (see summary.json)`));
    out.push("");
  }

  if (s.expectations.length === 0) {
    out.push(colors.dim("No expectations (add an `expect:` section to check outcomes)."));
  } else {
    out.push(colors.bold("Expectations (checked on what the wire carried)"));
    const ordered = [...s.expectations.filter((e) => !e.ok), ...s.expectations.filter((e) => e.ok)];
    for (const e of ordered.slice(0, SUMMARY_TEXT_EXPECTATIONS_MAX)) out.push(expectationLine(e, colors));
    if (ordered.length > SUMMARY_TEXT_EXPECTATIONS_MAX) out.push(colors.dim(`... and ${ordered.length - SUMMARY_TEXT_EXPECTATIONS_MAX} more (see summary.json)`));
  }
  out.push("");

  if (outputs !== null) {
    out.push(colors.bold(`Output in ${outputs.dir}`));
    out.push(`  ${outputs.summaryFile}`);
    out.push(`  ${outputs.flowLogDir}/ (${plural(outputs.flowLogBlobs, "flow-log blob")}, PT1H.json in Azure's layout)`);
    if (outputs.vmsFile !== null) out.push(`  ${outputs.vmsFile} (MAC -> VM, for vnetsim flows --vm)`);
    if (outputs.pcapFile !== null) out.push(`  ${outputs.pcapFile} (${plural(outputs.pcapFrames ?? 0, "frame")})`);
    if (outputs.keylogFile !== null) out.push(`  ${outputs.keylogFile} (${plural(outputs.keylogLines ?? 0, "key log line")}; it holds session secrets)`);
    out.push("");
  }

  const passed = s.expectations.filter((e) => e.ok).length;
  const line = `${plural(s.flows.length, "flow")}, ${p.sent} packets, ${passed}/${s.expectations.length} expectations passed`;
  out.push(s.ok ? colors.green(line) : colors.red(line));
  return `${out.join("\n")}\n`;
}
