import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerFlows } from "../../src/cli/flows.js";
import { CliError, EXIT_USAGE } from "../../src/cli/errors.js";
import { FlowTable, type FlowObservation, type NicRef } from "../../src/flowlog/table.js";
import { flowLogResourceId } from "../../src/flowlog/ids.js";
import { writeFlowLogs } from "../../src/flowlog/writer.js";
import { writeVmMap } from "../../src/flowlog/vmmap.js";

const VECTORS = join(dirname(fileURLToPath(import.meta.url)), "..", "vectors", "flowlog");

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Run {
  stdout: string;
  error: unknown;
}

/** Runs `vnetsim flows ...` in-process on a fresh program, capturing stdout. */
async function run(args: string[]): Promise<Run> {
  const program = new Command("vnetsim").exitOverride();
  program.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerFlows(program);
  let stdout = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  });
  let error: unknown = null;
  try {
    await program.parseAsync(["flows", ...args], { from: "user" });
  } catch (e) {
    error = e;
  } finally {
    vi.restoreAllMocks();
  }
  return { stdout, error };
}

/** A run's output directory: flow logs written by the table + writer, and vms.json. */
function simulatedRunDir(): string {
  const out = mkdtempSync(join(tmpdir(), "vnetsim-flows-cli-"));
  dirs.push(out);
  const sub = "0f0f0f0f-1111-2222-3333-444444444444";
  const fl = flowLogResourceId({ subscriptionId: sub, region: "northeurope", name: "fl" });
  const nic = (mac: string, vm: string): NicRef => ({ mac, vm, targetResourceId: "/x/vnet", flowLogResourceId: fl, region: "northeurope", subscriptionId: sub });
  const a = nic("000D3A00000A", "vm-a");
  const b = nic("000D3A00000B", "vm-b");
  const base: Omit<FlowObservation, "tMs" | "nic" | "direction"> = {
    srcIp: "10.1.0.4",
    dstIp: "10.1.1.4",
    srcPort: 40_000,
    dstPort: 443,
    protocol: 6,
    encryption: "X",
    denied: false,
    fwdPackets: 10,
    fwdBytes: 1000,
    revPackets: 8,
    revBytes: 6400,
  };
  const table = new FlowTable({ epochMs: Date.UTC(2026, 4, 1, 8, 0, 0) });
  table.observe({ ...base, tMs: 1_000, nic: a, direction: "O" });
  table.observe({ ...base, tMs: 1_000, nic: b, direction: "I" });
  table.observe({ ...base, tMs: 2_000, nic: a, direction: "O", dstIp: "10.2.0.9", encryption: "NX_NOT_ACCEPTED", denied: true, revPackets: 0, revBytes: 0 });
  table.closeAll(30_000);
  writeFlowLogs(out, table.drain());
  writeVmMap(out, new Map([[a.mac, a.vm], [b.mac, b.vm]]));
  return out;
}

describe("vnetsim flows", () => {
  it("prints an aligned table of tuples and a summary by encryption value", async () => {
    const dir = simulatedRunDir();
    const r = await run([dir]);
    expect(r.error).toBeNull();
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^TIME\s+NIC\s+FLOW\s+PROTO\s+DIR\s+STATE\s+ENCRYPTION\s+PKTS S->D\s+BYTES S->D\s+PKTS D->S\s+BYTES D->S$/);
    const rows = lines.slice(2, lines.indexOf(""));
    expect(rows).toHaveLength(5); // vm-a: B, D, E; vm-b: B, E
    expect(rows.some((l) => /2026-05-01T08:00:01\.000Z\s+vm-a \(000D3A00000A\)\s+10\.1\.0\.4:40000 -> 10\.1\.1\.4:443\s+TCP\s+O\s+B\s+X\s+0\s+0\s+0\s+0$/.test(l))).toBe(true);
    expect(rows.some((l) => /vm-a \(000D3A00000A\)\s+10\.1\.0\.4:40000 -> 10\.2\.0\.9:443\s+TCP\s+O\s+D\s+NX_NOT_ACCEPTED\s+10\s+1000\s+0\s+0$/.test(l))).toBe(true);
    expect(rows.some((l) => /vm-b \(000D3A00000B\).*\s+I\s+E\s+X\s+10\s+1000\s+8\s+6400$/.test(l))).toBe(true);
    // columns are aligned: every row has the FLOW column at the same offset as the header
    const flowCol = lines[0]!.indexOf("FLOW");
    for (const l of rows) expect(l.slice(flowCol, flowCol + 3)).toBe("10.");
    expect(r.stdout).toContain("Summary by encryption value");
    expect(r.stdout).toMatch(/\nX\s+4\s+2\s+0\s+36\s+14800\n/);
    expect(r.stdout).toMatch(/\nNX_NOT_ACCEPTED\s+1\s+1\s+1\s+10\s+1000\n/);
    expect(r.stdout).toMatch(/5 matching tuples in 2 blobs\n$/);
  });

  it("--json prints { tuples, summary } and the filters combine", async () => {
    const dir = simulatedRunDir();
    const r = await run([dir, "--json", "--vm", "vm-a", "--encryption", "X"]);
    expect(r.error).toBeNull();
    const doc = JSON.parse(r.stdout) as { tuples: { state: string; vm: string; mac: string }[]; summary: { encryption: string; tuples: number }[] };
    expect(Object.keys(doc)).toEqual(["tuples", "summary"]);
    expect(doc.tuples.map((t) => `${t.vm}:${t.state}`)).toEqual(["vm-a:B", "vm-a:E"]);
    expect(doc.summary).toEqual([expect.objectContaining({ encryption: "X", tuples: 2, flows: 1 })]);
    const byDst = JSON.parse((await run([dir, "--json", "--dst", "10.2.0.0/16"])).stdout) as { tuples: { encryption: string }[] };
    expect(byDst.tuples.map((t) => t.encryption)).toEqual(["NX_NOT_ACCEPTED"]);
    const bySrc = JSON.parse((await run([dir, "--json", "--src", "192.168.0.0/16"])).stdout) as { tuples: unknown[]; summary: unknown[] };
    expect(bySrc).toEqual({ tuples: [], summary: [] });
  });

  it("reads real-format Azure exports and filters by MAC when there is no vms.json", async () => {
    const r = await run([join(VECTORS, "azure-vnet-v4"), "--json", "--vm", "60-45-BD-A1-C0-FF"]);
    expect(r.error).toBeNull();
    const doc = JSON.parse(r.stdout) as { tuples: { mac: string; vm: null }[] };
    expect(doc.tuples).toHaveLength(4);
    expect(doc.tuples.every((t) => t.mac === "6045BDA1C0FF" && t.vm === null)).toBe(true);
  });

  it.each([
    [["/definitely/not/here"], /DIR "\/definitely\/not\/here" does not exist/],
    [["VECTORS", "--encryption", "ENCRYPTED"], /--encryption expected one of X, NX, .* got "ENCRYPTED"/],
    [["VECTORS", "--src", "10.0.0.0/40"], /--src expected an IPv4 CIDR like 10\.0\.0\.0\/16, got "10\.0\.0\.0\/40"/],
    [["VECTORS", "--dst", "fd00::/8"], /--dst expected an IPv4 CIDR/],
    [["VECTORS/malformed-json"], /malformed-json[/\\]PT1H\.json: not valid JSON/],
    [["VECTORS/malformed-tuple"], /"dstPort" expected/],
  ])("bad input %j -> CliError exit 2 with a clear message", async (args, message) => {
    const r = await run(args.map((a) => a.replace("VECTORS", VECTORS)));
    expect(r.error).toBeInstanceOf(CliError);
    expect((r.error as CliError).exitCode).toBe(EXIT_USAGE);
    expect((r.error as CliError).message).toMatch(message);
    expect(r.stdout).toBe("");
  });

  it("a directory without blobs is an error (exit 2)", async () => {
    const empty = mkdtempSync(join(tmpdir(), "vnetsim-flows-empty-"));
    dirs.push(empty);
    const r = await run([empty]);
    expect(r.error).toBeInstanceOf(CliError);
    expect((r.error as CliError).message).toMatch(/no flow log blobs \(PT1H\.json\)/);
  });
});
