import * as nodeFs from "node:fs";
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { blobRelativePath, flowLogResourceId } from "../../src/flowlog/ids.js";
import type { FlowLogRecord } from "../../src/flowlog/schema.js";
import { FlowTable, type FlowObservation, type NicRef } from "../../src/flowlog/table.js";
import { serializeBlob, writeFlowLogs, type WriterFs } from "../../src/flowlog/writer.js";
import { readFlowLogs } from "../../src/flowlog/reader.js";

const SUB = "11111111-2222-3333-4444-555555555555";
const FLOWLOG_ID = flowLogResourceId({ subscriptionId: SUB, region: "eastus", name: "fl-vnet1" });

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "vnetsim-flowlog-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function nic(mac: string): NicRef {
  return { mac, vm: `vm-${mac.slice(-1)}`, targetResourceId: "/SUBSCRIPTIONS/X/VNET", flowLogResourceId: FLOWLOG_ID, region: "eastus", subscriptionId: SUB };
}

function obs(tMs: number, mac: string, srcPort: number): FlowObservation {
  return {
    tMs,
    nic: nic(mac),
    direction: "O",
    srcIp: "10.0.0.4",
    dstIp: "10.0.1.4",
    srcPort,
    dstPort: 443,
    protocol: 6,
    encryption: "X",
    denied: false,
    fwdPackets: 2,
    fwdBytes: 200,
    revPackets: 1,
    revBytes: 80,
  };
}

/** Records spanning two hours (23:59 and 00:00 next day) and two MACs. */
function sampleRecords(): FlowLogRecord[] {
  const table = new FlowTable({ epochMs: Date.UTC(2026, 10, 28, 23, 58, 30) });
  table.observe(obs(0, "000D3A000001", 1000)); // 23:58:30
  table.observe(obs(60_000, "000D3A000001", 1000)); // 23:59:30
  table.observe(obs(95_000, "000D3A000001", 1000)); // 00:00:05 next day
  table.observe(obs(95_000, "000D3A000002", 2000));
  table.closeAll(100_000);
  return table.drain();
}

function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as nodeFs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
}

describe("flow log resource IDs and blob paths", () => {
  it("builds the documented path for a known record", () => {
    expect(FLOWLOG_ID).toBe(
      "/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_EASTUS/FLOWLOGS/FL-VNET1",
    );
    expect(blobRelativePath({ flowLogResourceID: FLOWLOG_ID, time: "2026-03-07T09:41:00.000Z", macAddress: "000D3A1B2C3D" })).toBe(
      "insights-logs-flowlogflowevent/flowLogResourceID=/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_EASTUS/FLOWLOGS/FL-VNET1/y=2026/m=03/d=07/h=09/m=00/macAddress=000D3A1B2C3D/PT1H.json",
    );
  });

  it("refuses resource IDs and MACs that could escape the output directory or are malformed", () => {
    const base = { time: "2026-03-07T09:41:00.000Z", macAddress: "000D3A1B2C3D" };
    expect(() => blobRelativePath({ ...base, flowLogResourceID: "/SUBSCRIPTIONS/../RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/W/FLOWLOGS/N" })).toThrow(/subscription/);
    expect(() => blobRelativePath({ ...base, flowLogResourceID: "/subscriptions/s/flowlogs/n" })).toThrow(/flowLogResourceID/);
    expect(() => blobRelativePath({ ...base, flowLogResourceID: FLOWLOG_ID, macAddress: "../../x" })).toThrow(/macAddress/);
    expect(() => blobRelativePath({ ...base, flowLogResourceID: FLOWLOG_ID, time: "yesterday" })).toThrow(/"time"/);
    expect(() => flowLogResourceId({ subscriptionId: "a/b", region: "eastus", name: "n" })).toThrow(/subscriptionId/);
  });
});

describe("writeFlowLogs", () => {
  it("writes one PT1H.json per MAC per hour, { records: [...] }, and returns the paths", () => {
    const out = tempDir();
    const records = sampleRecords();
    const paths = writeFlowLogs(out, records);
    const prefix =
      "insights-logs-flowlogflowevent/flowLogResourceID=/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_EASTUS/FLOWLOGS/FL-VNET1";
    const expected = [
      `${prefix}/y=2026/m=11/d=28/h=23/m=00/macAddress=000D3A000001/PT1H.json`,
      `${prefix}/y=2026/m=11/d=29/h=00/m=00/macAddress=000D3A000001/PT1H.json`,
      `${prefix}/y=2026/m=11/d=29/h=00/m=00/macAddress=000D3A000002/PT1H.json`,
    ].sort();
    expect(listFiles(out)).toEqual(expected);
    expect(paths.map((p) => relative(out, p).split(sep).join("/"))).toEqual(expected);
    const first = JSON.parse(readFileSync(join(out, ...expected[0]!.split("/")), "utf8")) as { records: FlowLogRecord[] };
    expect(Object.keys(first)).toEqual(["records"]);
    expect(first.records.map((r) => r.time)).toEqual(["2026-11-28T23:58:00.000Z", "2026-11-28T23:59:00.000Z"]);
    // Everything written reads back as what the table drained.
    const back = readFlowLogs(out);
    const tupleCount = records.reduce((n, r) => n + r.flowRecords.flows.reduce((m, f) => m + f.flowGroups.reduce((k, g) => k + g.flowTuples.length, 0), 0), 0);
    expect(back).toHaveLength(tupleCount);
  });

  it("is deterministic: the same records give byte-identical files", () => {
    const a = tempDir();
    const b = tempDir();
    writeFlowLogs(a, sampleRecords());
    writeFlowLogs(b, sampleRecords());
    const files = listFiles(a);
    expect(listFiles(b)).toEqual(files);
    for (const f of files) expect(readFileSync(join(b, f))).toEqual(readFileSync(join(a, f)));
    // and the bytes are pinned: key order and layout
    const one = serializeBlob(sampleRecords().slice(0, 1));
    expect(one.startsWith('{"records":[\n{"time":"2026-11-28T23:58:00.000Z","flowLogVersion":4,"flowLogGUID":"')).toBe(true);
    expect(one.endsWith("}\n]}\n")).toBe(true);
  });

  it("appends to an existing blob of the same hour (a later drain of the same run)", () => {
    const out = tempDir();
    const records = sampleRecords();
    writeFlowLogs(out, records.slice(0, 1));
    const [path] = writeFlowLogs(out, records.slice(1, 2));
    const doc = JSON.parse(readFileSync(path!, "utf8")) as { records: FlowLogRecord[] };
    expect(doc.records).toEqual(records.slice(0, 2));
    const c = tempDir();
    writeFlowLogs(c, records.slice(0, 2));
    expect(readFileSync(path!)).toEqual(readFileSync(join(c, relative(out, path!))));
  });

  it("a crash mid-write leaves no half-written PT1H.json: absent before, intact after", () => {
    const out = tempDir();
    const records = sampleRecords();
    let writes = 0;
    const failing: WriterFs = {
      ...nodeFs,
      mkdirSync: (p, o) => nodeFs.mkdirSync(p, o),
      writeSync: (fd, buf, off, len) => {
        writes += 1;
        // write a few bytes for real, then "crash"
        nodeFs.writeSync(fd, buf, off, Math.min(len, 10));
        throw new Error("injected crash in write");
      },
    };
    expect(() => writeFlowLogs(out, records.slice(0, 1), { fs: failing })).toThrow(/injected crash/);
    expect(writes).toBe(1);
    // no blob at all, and the temp file was removed
    expect(listFiles(out)).toEqual([]);

    // Now an intact blob exists; a failing append must leave it byte-for-byte as it was.
    const [path] = writeFlowLogs(out, records.slice(0, 1));
    const before = readFileSync(path!);
    expect(() => writeFlowLogs(out, records.slice(1, 2), { fs: failing })).toThrow(/injected crash/);
    expect(readFileSync(path!)).toEqual(before);
    expect(listFiles(out)).toEqual([relative(out, path!).split(sep).join("/")]);
  });

  it("a crash between fsync and rename leaves the old blob and a stray temp file the reader ignores", () => {
    const out = tempDir();
    const records = sampleRecords();
    const [path] = writeFlowLogs(out, records.slice(0, 1));
    const before = readFileSync(path!);
    const crashBeforeRename: WriterFs = {
      ...nodeFs,
      mkdirSync: (p, o) => nodeFs.mkdirSync(p, o),
      // simulate the process dying: the temp file stays (unlink is skipped too)
      renameSync: () => {
        throw new Error("killed before rename");
      },
      unlinkSync: () => undefined,
    };
    expect(() => writeFlowLogs(out, records.slice(1, 2), { fs: crashBeforeRename })).toThrow(/killed/);
    expect(readFileSync(path!)).toEqual(before);
    const files = listFiles(out);
    expect(files).toHaveLength(2);
    expect(files.some((f) => /\/\.PT1H\.json\.\d+\.\d+\.tmp$/.test(f))).toBe(true);
    expect(readFlowLogs(out).every((t) => t.file === path)).toBe(true);
  });

  it("refuses to overwrite an existing blob that is not a flow log", () => {
    const out = tempDir();
    const records = sampleRecords();
    const [path] = writeFlowLogs(out, records.slice(0, 1));
    writeFileSync(path!, "{ not json");
    expect(() => writeFlowLogs(out, records.slice(1, 2))).toThrow(/not valid JSON.*refusing/);
    expect(readFileSync(path!, "utf8")).toBe("{ not json");
    expect(existsSync(path!)).toBe(true);
  });
});
