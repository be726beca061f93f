/**
 * `vnetsim flows DIR`: reads VNet flow log blobs (a run's output, or a copy of an Azure storage
 * container) and prints the matching tuples and a summary by encryption value.
 *
 * --vm NAME looks the VM up in DIR/vms.json (written by `vnetsim run` beside its flow logs; also
 * looked for one level up when DIR is the insights-logs-flowlogflowevent container itself).
 * Without a vms.json, or when NAME is not in it, NAME is read as a MAC address, so real Azure
 * exports can be filtered by NIC.
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Command } from "commander";
import { FLOW_LOG_CONTAINER } from "../flowlog/ids.js";
import { filterTuples, summarizeByEncryption, type EncryptionSummary } from "../flowlog/query.js";
import { FlowLogReadError, findBlobs, readFlowLogs, type ParsedTuple } from "../flowlog/reader.js";
import { VMS_JSON_FILE, readVmMap } from "../flowlog/vmmap.js";
import { FLOW_ENCRYPTION_VALUES, isFlowEncryption } from "../policy/values.js";
import { renderTable, type Colors, NO_COLORS } from "../report/table.js";
import { parseCidr } from "../topology/cidr.js";
import { CliError, EXIT_USAGE } from "./errors.js";
import { stdoutColors, writeOut } from "./io.js";

export interface FlowsOptions {
  encryption?: string;
  vm?: string;
  src?: string;
  dst?: string;
  json?: boolean;
}

/** A tuple as printed: the parsed tuple plus the VM name of its NIC when vms.json knows it. */
export type FlowsTuple = ParsedTuple & { vm: string | null };

export interface FlowsResult {
  tuples: FlowsTuple[];
  summary: EncryptionSummary[];
  /** Blobs read. */
  blobs: number;
}

/** IANA protocol numbers shown by name (RFC 790 / IANA "Protocol Numbers"). */
const PROTOCOL_NAMES: Readonly<Record<number, string>> = { 1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPv6" };

function checkOptions(options: FlowsOptions): void {
  if (options.encryption !== undefined && !isFlowEncryption(options.encryption)) {
    throw new CliError(
      `vnetsim flows: --encryption expected one of ${FLOW_ENCRYPTION_VALUES.join(", ")}, got ${JSON.stringify(options.encryption)}`,
      EXIT_USAGE,
    );
  }
  for (const [flag, value] of [
    ["--src", options.src],
    ["--dst", options.dst],
  ] as const) {
    if (value !== undefined && parseCidr(value) === null) {
      throw new CliError(`vnetsim flows: ${flag} expected an IPv4 CIDR like 10.0.0.0/16, got ${JSON.stringify(value)}`, EXIT_USAGE);
    }
  }
}

function vmMapFor(dir: string): Map<string, string> {
  const candidates = [join(dir, VMS_JSON_FILE)];
  if (basename(dir) === FLOW_LOG_CONTAINER) candidates.push(join(dirname(dir), VMS_JSON_FILE));
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    try {
      return readVmMap(path);
    } catch (error) {
      throw new CliError(`vnetsim flows: ${(error as Error).message}`, EXIT_USAGE);
    }
  }
  return new Map();
}

function compareTuples(a: ParsedTuple, b: ParsedTuple): number {
  return a.timestampMs - b.timestampMs || (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0);
}

/** Reads, filters and summarises; throws CliError (exit 2) on bad input. Pure apart from reading DIR. */
export function queryFlows(dir: string, options: FlowsOptions): FlowsResult {
  checkOptions(options);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new CliError(`vnetsim flows: DIR ${JSON.stringify(dir)} does not exist`, EXIT_USAGE);
  }
  if (!st.isDirectory() && !st.isFile()) {
    throw new CliError(`vnetsim flows: DIR ${JSON.stringify(dir)} is neither a directory nor a PT1H.json file`, EXIT_USAGE);
  }
  const macToVm = st.isDirectory() ? vmMapFor(dir) : new Map<string, string>();
  let blobs: number;
  let all: ParsedTuple[];
  try {
    blobs = findBlobs(dir).length;
    if (blobs === 0) {
      throw new CliError(`vnetsim flows: no flow log blobs (PT1H.json) under ${JSON.stringify(dir)}`, EXIT_USAGE);
    }
    all = readFlowLogs(dir);
  } catch (error) {
    if (error instanceof FlowLogReadError) throw new CliError(`vnetsim flows: ${error.message}`, EXIT_USAGE);
    throw error;
  }
  const filter = {
    macToVm,
    ...(options.encryption !== undefined ? { encryption: options.encryption } : {}),
    ...(options.vm !== undefined ? { vm: options.vm } : {}),
    ...(options.src !== undefined ? { src: options.src } : {}),
    ...(options.dst !== undefined ? { dst: options.dst } : {}),
  };
  const matching = filterTuples(all, filter).sort(compareTuples);
  return {
    tuples: matching.map((t) => ({ ...t, vm: macToVm.get(t.mac) ?? null })),
    summary: summarizeByEncryption(matching),
    blobs,
  };
}

function endpoint(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The text report: the tuples table, then the summary by encryption value. */
export function renderFlows(result: FlowsResult, colors: Colors = NO_COLORS): string {
  const tuples = renderTable(
    result.tuples,
    [
      { header: "TIME", text: (t) => new Date(t.timestampMs).toISOString() },
      { header: "NIC", text: (t) => (t.vm === null ? t.mac : `${t.vm} (${t.mac})`) },
      { header: "FLOW", text: (t) => `${endpoint(t.srcIp, t.srcPort)} -> ${endpoint(t.dstIp, t.dstPort)}` },
      { header: "PROTO", text: (t) => PROTOCOL_NAMES[t.protocol] ?? String(t.protocol) },
      { header: "DIR", text: (t) => t.direction },
      { header: "STATE", text: (t) => t.state },
      {
        header: "ENCRYPTION",
        text: (t) => t.encryption ?? "-",
        color: (padded, plain) => (plain === "X" ? colors.green(padded) : plain === "-" ? padded : colors.yellow(padded)),
      },
      { header: "PKTS S->D", align: "right", text: (t) => String(t.packetsSrcToDst) },
      { header: "BYTES S->D", align: "right", text: (t) => String(t.bytesSrcToDst) },
      { header: "PKTS D->S", align: "right", text: (t) => String(t.packetsDstToSrc) },
      { header: "BYTES D->S", align: "right", text: (t) => String(t.bytesDstToSrc) },
    ],
    colors,
  );
  const summary = renderTable(
    result.summary,
    [
      { header: "ENCRYPTION", text: (s) => s.encryption ?? "(none: NSG flow log)" },
      { header: "TUPLES", align: "right", text: (s) => String(s.tuples) },
      { header: "FLOWS", align: "right", text: (s) => String(s.flows) },
      { header: "DENIED", align: "right", text: (s) => String(s.deniedTuples) },
      { header: "PACKETS", align: "right", text: (s) => String(s.packetsSrcToDst + s.packetsDstToSrc) },
      { header: "BYTES", align: "right", text: (s) => String(s.bytesSrcToDst + s.bytesDstToSrc) },
    ],
    colors,
  );
  const n = result.tuples.length;
  return `${tuples}\n\n${colors.bold("Summary by encryption value")}\n${summary}\n\n${n} matching tuple${n === 1 ? "" : "s"} in ${result.blobs} blob${result.blobs === 1 ? "" : "s"}\n`;
}

export function registerFlows(program: Command): void {
  program
    .command("flows")
    .description("read VNet flow logs (ours or exported from Azure) and show tuples and a summary by encryption value")
    .argument("<dir>", "a directory of PT1H.json blobs (e.g. a run's --out directory) or one PT1H.json")
    .option("--encryption <value>", `only tuples with this encryption value (${FLOW_ENCRYPTION_VALUES.join(", ")})`)
    .option("--vm <name>", "only this VM's NICs (names from DIR/vms.json), or a MAC address")
    .option("--src <cidr>", "only tuples whose source IP is in this IPv4 CIDR")
    .option("--dst <cidr>", "only tuples whose destination IP is in this IPv4 CIDR")
    .option("--json", "print one JSON document { tuples, summary }")
    .addHelpText(
      "after",
      `
Reads every PT1H.json under DIR: VNet flow logs (version 4) and NSG flow logs (version 2, which
carry no encryption value). --vm uses DIR/vms.json (written by vnetsim run) to map VM names to MACs.

Exit codes: 0 success, 2 bad usage, missing DIR, no blobs, or a malformed blob.

Examples:
  $ vnetsim flows out/ --encryption NX_NOT_ACCEPTED
  $ vnetsim flows out/ --vm vm-a --dst 10.1.0.0/16
  $ vnetsim flows ~/Downloads/insights-logs-flowlogflowevent --json | jq '.summary'`,
    )
    .action((dir: string, options: FlowsOptions) => {
      const result = queryFlows(dir, options);
      if (options.json === true) {
        writeOut(`${JSON.stringify({ tuples: result.tuples, summary: result.summary }, null, 2)}\n`);
      } else {
        writeOut(renderFlows(result, stdoutColors()));
      }
    });
}
