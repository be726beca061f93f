/**
 * Text output of `vnetsim run` and `vnetsim lint`, built from the generic table renderer in
 * src/report/table.ts. Pure: evaluation in, string out; colour comes in as a Colors object.
 */
import type { FlowEncryption } from "../policy/index.js";
import { formatDurationMs, NO_COLORS, renderTable, type Colors, type Column } from "../report/table.js";
import type { ExpectationCheck, FlowEvaluation, ScenarioEvaluation, ScenarioLint } from "./evaluate.js";

export function colorEncryption(colors: Colors, value: FlowEncryption, text: string = value): string {
  if (value === "X") return colors.green(text);
  if (value === "NX") return text;
  if (value === "NX_LOCAL_DST") return colors.cyan(text);
  return colors.yellow(text);
}

/** "vm-1 10.0.1.4"; for a load-balancer frontend also the backend the policy chose: "ilb 10.0.1.100 -> vm-2". */
function endpointLabel(label: string, ip: string, resolved: FlowEvaluation["src"]): string {
  const base = label === ip ? ip : `${label} ${ip}`;
  return resolved !== null && resolved.via !== null ? `${base} -> ${resolved.name}` : base;
}

function protocolPort(flow: FlowEvaluation): string {
  return flow.protocol === "icmp" ? "icmp" : `${flow.protocol}/${flow.dstPort}`;
}

function flowColumns(colors: Colors): Column<FlowEvaluation>[] {
  return [
    { header: "FLOW", text: (f) => f.name, color: (p) => colors.bold(p) },
    { header: "AT", align: "right", text: (f) => formatDurationMs(f.atMs) },
    { header: "SOURCE", text: (f) => endpointLabel(f.from, f.srcIp, f.src) },
    { header: "DESTINATION", text: (f) => endpointLabel(f.to, f.dstIp, f.dst) },
    { header: "PROTO/PORT", text: protocolPort },
    { header: "ENCRYPTION", text: (f) => f.encryption, color: (p, _plain, f) => colorEncryption(colors, f.encryption, p) },
    { header: "ACTION", text: (f) => f.action, color: (p, _plain, f) => (f.action === "drop" ? colors.red(p) : p) },
    { header: "REASON", text: (f) => f.reason },
  ];
}

function expectationLine(check: ExpectationCheck, colors: Colors): string {
  const expected = `${check.expected.encryption} ${check.expected.action}${check.expected.reason === null ? "" : ` (${check.expected.reason})`}`;
  const where = `${check.flow} at ${formatDurationMs(check.atMs)}`;
  if (check.status === "skipped") return `${colors.yellow("SKIP")} ${where}: ${expected}${colors.dim(` (${check.note ?? "not checkable"})`)}`;
  if (check.ok) return `${colors.green("PASS")} ${where}: ${expected}`;
  const lines = [`${colors.red("FAIL")} ${where}: expected ${expected}`];
  for (const mismatch of check.mismatches) lines.push(`       ${mismatch}`);
  if (check.actual !== null && check.actual.detail !== "") lines.push(colors.dim(`       detail: ${check.actual.detail}`));
  return lines.join("\n");
}

/** The human-readable report of a run: flows, details, totals, expectations, summary line. */
export function renderRun(result: ScenarioEvaluation, colors: Colors = NO_COLORS): string {
  const out: string[] = [];
  const title = result.scenario.description === "" ? result.scenario.name : `${result.scenario.name}: ${result.scenario.description}`;
  out.push(colors.bold(title));
  const when = result.atMs === null ? "each flow at its start time" : `all flows at ${formatDurationMs(result.atMs)}`;
  out.push(colors.dim(`${result.scenario.file} · seed ${result.scenario.seed} · ${when}`));
  out.push("");
  if (result.flows.length === 0) {
    out.push("(no flows: add a `traffic:` section)");
  } else {
    out.push(renderTable(result.flows, flowColumns(colors), colors));
    const explained = result.flows.filter((f) => f.reason !== "encrypted" && f.detail !== "");
    if (explained.length > 0) {
      out.push("");
      out.push(colors.bold("Why not encrypted"));
      const width = Math.max(...explained.map((f) => f.name.length));
      for (const f of explained) out.push(`  ${f.name.padEnd(width)}  ${colors.dim(f.detail)}`);
    }
  }
  out.push("");
  out.push(colors.bold("Totals by flow-log encryption value"));
  const totalRows = Object.entries(result.totals) as [FlowEncryption, number][];
  out.push(
    renderTable(
      totalRows,
      [
        { header: "ENCRYPTION", text: ([value]) => value, color: (p, _plain, [value]) => colorEncryption(colors, value, p) },
        { header: "FLOWS", align: "right", text: ([, count]) => String(count) },
      ],
      colors,
    ),
  );
  out.push("");
  if (result.expectations.length === 0) {
    out.push(colors.dim("No expectations (add an `expect:` section to check outcomes)."));
  } else {
    out.push(colors.bold("Expectations"));
    for (const check of result.expectations) out.push(expectationLine(check, colors));
  }
  out.push("");
  const passed = result.expectations.filter((c) => c.status === "passed").length;
  const skipped = result.expectations.filter((c) => c.status === "skipped").length;
  const checked = `${passed}/${result.expectations.length - skipped} expectations passed${skipped === 0 ? "" : `, ${skipped} skipped`}`;
  const summary = `${result.flows.length} flow${result.flows.length === 1 ? "" : "s"}, ${checked}`;
  out.push(result.ok ? colors.green(summary) : colors.red(summary));
  return `${out.join("\n")}\n`;
}

function severityColor(colors: Colors, severity: string, text: string): string {
  if (severity === "error") return colors.red(text);
  if (severity === "warning") return colors.yellow(text);
  return colors.dim(text);
}

/** The human-readable lint report: one block per diagnostic, then counts. */
export function renderLint(result: ScenarioLint, colors: Colors = NO_COLORS): string {
  const out: string[] = [colors.bold(`${result.scenario.name} (${result.scenario.file})`), ""];
  if (result.diagnostics.length === 0) out.push(colors.green("No findings."));
  for (const d of result.diagnostics) {
    const when = d.atMs === 0 ? "" : colors.dim(` (from ${formatDurationMs(d.atMs)})`);
    out.push(`${severityColor(colors, d.severity, d.severity.padEnd(7))} ${colors.bold(d.code)} ${d.resource}${when}`);
    out.push(`        ${d.message}`);
    if (d.fix !== "") out.push(`        ${colors.dim(`fix: ${d.fix}`)}`);
  }
  out.push("");
  const { error, warning, info } = result.counts;
  const summary = `${error} error${error === 1 ? "" : "s"}, ${warning} warning${warning === 1 ? "" : "s"}, ${info} info`;
  out.push(error > 0 ? colors.red(summary) : colors.green(summary));
  return `${out.join("\n")}\n`;
}
