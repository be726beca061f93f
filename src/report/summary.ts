/**
 * The summary of a simulated run (`vnetsim run`): what the data plane did, as a JSON document
 * (DIR/summary.json) and as text.
 *
 * summary.json is deterministic: the same scenario, seed and options give the same bytes. Keys
 * come in a fixed order (objects are built field by field below; open-ended maps such as drop
 * reasons are sorted by key), flows keep the scenario's order, and nothing depends on the wall
 * clock or the output directory.
 */
import { FLOW_ENCRYPTION_VALUES, type FlowAction, type FlowEncryption } from "../policy/values.js";
import { formatDurationMs, NO_COLORS, renderTable, type Colors } from "./table.js";

/** Version of the summary.json layout; bumped when a field changes meaning or disappears. */
export const SUMMARY_FORMAT_VERSION = 1;
/** Flows listed one per line in the text summary; the rest are counted (summary.json has them all). */
export const SUMMARY_TEXT_FLOWS_MAX = 200;
/** Expectation lines in the text summary; failures are listed first. */
export const SUMMARY_TEXT_EXPECTATIONS_MAX = 200;

/** Packet counters of one direction of a flow (data-plane counts, bytes include headers). */
export interface SummaryCounters {
  sent: number;
  delivered: number;
  dropped: number;
  bytesSent: number;
  bytesDelivered: number;
  /** Delivered out of a DTLS record opened by the peer host. */
  encrypted: number;
  /** Delivered in plaintext (VXLAN or same host). */
  plaintext: number;
  /** Extra copies from a duplicating wire (not counted as delivered). */
  duplicates: number;
  /** Dropped packets by reason, keys sorted. */
  dropReasons: Record<string, number>;
}

/** One outcome the sending host applied to some of the flow's packets. */
export interface SummaryVerdict {
  encryption: FlowEncryption;
  action: FlowAction;
  reason: string;
  packets: number;
}

export interface SummaryFlow {
  name: string;
  from: string;
  to: string;
  protocol: string;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  /** Every distinct outcome, in the order first seen. */
  verdicts: SummaryVerdict[];
  /** Request direction (from -> to). */
  forward: SummaryCounters;
  /** Response direction (request-response flows), else all zero. */
  reverse: SummaryCounters;
}

export interface SummaryOutcome {
  encryption: FlowEncryption;
  action: FlowAction;
  reason: string | null;
}

export interface SummaryExpectation {
  flow: string;
  atMs: number | null;
  expected: SummaryOutcome;
  /** What the wire showed for the probed packet; null when no packet was probed. */
  observed: (SummaryOutcome & { via: string }) | null;
  ok: boolean;
}

/** One row of "flows by encryption value and action". */
export interface EncryptionActionRow {
  encryption: FlowEncryption;
  action: FlowAction;
  /** Flows that had at least one packet with this outcome. */
  flows: number;
  packets: number;
}

export interface SummaryTotals {
  flows: number;
  /** Every (encryption value, action) pair that occurred, in the order of FLOW_ENCRYPTION_VALUES, deliver before drop. */
  byEncryptionAction: EncryptionActionRow[];
  /** Flows per encryption value, all eight values (zeros included). */
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
    dropReasons: Record<string, number>;
  };
}

export interface RunSummary {
  format: number;
  scenario: { name: string; description: string; file: string; seed: number; epoch: string };
  run: {
    wire: "memory" | "udp";
    /** Virtual time the run was bounded to; null = until idle. */
    durationMs: number | null;
    /** Virtual time at which the run ended. */
    endMs: number;
    /** Enforcement forced on every VNet by --enforcement, or null. */
    enforcement: string | null;
  };
  totals: SummaryTotals;
  /** Tunnel counters (established, failed, rekeys, ...), keys in the data plane's order then sorted extras. */
  tunnels: Record<string, number>;
  dtls: {
    /** Bytes the DTLS layer put on the wire beyond the inner packets (record headers, nonces, tags, handshakes). */
    overheadBytes: number;
  };
  flows: SummaryFlow[];
  expectations: SummaryExpectation[];
  ok: boolean;
}

/** A copy of a counter map with its keys sorted (stable JSON). */
export function sortedCounts(map: Readonly<Record<string, number | undefined>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(map).sort()) {
    const value = map[key];
    if (value !== undefined && value !== 0) out[key] = value;
  }
  return out;
}

export function emptyCounters(): SummaryCounters {
  return { sent: 0, delivered: 0, dropped: 0, bytesSent: 0, bytesDelivered: 0, encrypted: 0, plaintext: 0, duplicates: 0, dropReasons: {} };
}

/** Totals over the flows: by encryption value and action, and packet sums. */
export function computeTotals(flows: readonly SummaryFlow[]): SummaryTotals {
  const flowsByEncryption = Object.fromEntries(FLOW_ENCRYPTION_VALUES.map((v) => [v, 0])) as Record<FlowEncryption, number>;
  const rows = new Map<string, EncryptionActionRow>();
  const packets = { sent: 0, delivered: 0, dropped: 0, duplicates: 0, encrypted: 0, plaintext: 0, bytesSent: 0, bytesDelivered: 0 };
  const dropReasons: Record<string, number> = {};
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
    for (const c of [flow.forward, flow.reverse]) {
      packets.sent += c.sent;
      packets.delivered += c.delivered;
      packets.dropped += c.dropped;
      packets.duplicates += c.duplicates;
      packets.encrypted += c.encrypted;
      packets.plaintext += c.plaintext;
      packets.bytesSent += c.bytesSent;
      packets.bytesDelivered += c.bytesDelivered;
      for (const [reason, n] of Object.entries(c.dropReasons)) dropReasons[reason] = (dropReasons[reason] ?? 0) + n;
    }
  }
  const order = (r: EncryptionActionRow): number => FLOW_ENCRYPTION_VALUES.indexOf(r.encryption) * 2 + (r.action === "deliver" ? 0 : 1);
  const byEncryptionAction = [...rows.values()].sort((a, b) => order(a) - order(b));
  return { flows: flows.length, byEncryptionAction, flowsByEncryption, packets: { ...packets, dropReasons: sortedCounts(dropReasons) } };
}

/** summary.json's bytes: two-space indented JSON and a final newline. */
export function summaryJson(summary: RunSummary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

function colorEncryption(colors: Colors, value: FlowEncryption, text: string): string {
  if (value === "X") return colors.green(text);
  if (value === "NX") return text;
  if (value === "NX_LOCAL_DST") return colors.cyan(text);
  return colors.yellow(text);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function countsText(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? "none" : entries.map(([k, n]) => `${k} ${n}`).join(", ");
}

function outcomeText(o: SummaryOutcome): string {
  return `${o.encryption} ${o.action}${o.reason === null ? "" : ` (${o.reason})`}`;
}

function expectationLine(e: SummaryExpectation, colors: Colors): string {
  const where = e.atMs === null ? e.flow : `${e.flow} at ${formatDurationMs(e.atMs)}`;
  if (e.ok) return `${colors.green("PASS")} ${where}: ${outcomeText(e.expected)}`;
  const seen = e.observed === null ? "no packet of the flow was observed at that time" : `${outcomeText(e.observed)} via ${e.observed.via}`;
  return `${colors.red("FAIL")} ${where}: expected ${outcomeText(e.expected)}\n       on the wire: ${seen}`;
}

function verdictsText(f: SummaryFlow): string {
  return f.verdicts.length === 0 ? "-" : f.verdicts.map((v) => `${v.encryption} ${v.action}`).join(", ");
}

/** Where the run wrote its files; printed at the end of the text summary. */
export interface SummaryOutputs {
  dir: string;
  summaryFile: string;
  flowLogBlobs: number;
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
  out.push(colors.dim(`${s.scenario.file} · seed ${s.scenario.seed} · wire ${s.run.wire} · simulated ${bound}, ended at ${formatDurationMs(Math.round(s.run.endMs))}${enforcement}`));
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
  out.push(`  drops       ${countsText(p.dropReasons)}`);
  out.push(`  bytes       sent ${p.bytesSent}, delivered ${p.bytesDelivered}`);
  out.push(
    `  tunnels     established ${t["established"] ?? 0}, failed ${t["failed"] ?? 0}, rekeys ${t["rekeys"] ?? 0}, evicted ${t["evicted"] ?? 0}`,
  );
  out.push(`  handshakes  ${t["handshakes"] ?? 0}, retransmissions ${t["retransmissions"] ?? 0}`);
  out.push(`  DTLS        ${s.dtls.overheadBytes} bytes of overhead on the wire`);
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
          { header: "SENT", align: "right", text: (f) => String(f.forward.sent + f.reverse.sent) },
          { header: "DELIVERED", align: "right", text: (f) => String(f.forward.delivered + f.reverse.delivered) },
          { header: "DROPPED", align: "right", text: (f) => String(f.forward.dropped + f.reverse.dropped) },
          { header: "ENCRYPTED", align: "right", text: (f) => String(f.forward.encrypted + f.reverse.encrypted) },
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
    out.push(`  ${plural(outputs.flowLogBlobs, "flow-log blob")} (PT1H.json) under insights-logs-flowlogflowevent/`);
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
