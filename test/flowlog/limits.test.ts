import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { READ_BLOB_BYTES_MAX, READ_DEPTH_MAX, READ_FILES_MAX, READ_TUPLES_MAX, findBlobs, readFlowLogs } from "../../src/flowlog/reader.js";
import { BLOB_RECORDS_MAX, WRITE_BLOBS_MAX, writeFlowLogs } from "../../src/flowlog/writer.js";
import { FLOW_TABLE_BUCKETS_MAX, FLOW_TABLE_FLOWS_MAX, FlowTable } from "../../src/flowlog/table.js";
import type { FlowLogRecord } from "../../src/flowlog/schema.js";

const V4 = join(dirname(fileURLToPath(import.meta.url)), "..", "vectors", "flowlog", "azure-vnet-v4");
const FL = "/SUBSCRIPTIONS/S/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_X/FLOWLOGS/F";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function record(time: string, mac: string): FlowLogRecord {
  return {
    time,
    flowLogVersion: 4,
    flowLogGUID: "g",
    macAddress: mac,
    category: "FlowLogFlowEvent",
    flowLogResourceID: FL,
    targetResourceID: "/t",
    operationName: "FlowLogFlowEvent",
    flowRecords: { flows: [] },
  };
}

describe("named limits are sane and enforced", () => {
  it("defaults are positive", () => {
    for (const v of [READ_BLOB_BYTES_MAX, READ_DEPTH_MAX, READ_FILES_MAX, READ_TUPLES_MAX, BLOB_RECORDS_MAX, WRITE_BLOBS_MAX, FLOW_TABLE_FLOWS_MAX, FLOW_TABLE_BUCKETS_MAX]) {
      expect(Number.isSafeInteger(v) && v > 0).toBe(true);
    }
  });

  it("reader: tuples in total, files, depth and blob size", () => {
    expect(readFlowLogs(V4, { tuplesMax: 11 })).toHaveLength(11);
    expect(() => readFlowLogs(V4, { tuplesMax: 10 })).toThrow(/more than 10 tuples in total \(READ_TUPLES_MAX\)/);
    expect(findBlobs(V4, { filesMax: 2 })).toHaveLength(2);
    expect(() => findBlobs(V4, { filesMax: 1 })).toThrow(/more than 1 blobs \(READ_FILES_MAX\)/);
    // azure-vnet-v4 nests the blobs 20 directories deep (the documented layout)
    expect(() => findBlobs(V4, { depthMax: 5 })).toThrow(/deeper than 5 levels \(READ_DEPTH_MAX\)/);
    expect(() => readFlowLogs(V4, { blobBytesMax: 100 })).toThrow(/bytes, more than 100 \(READ_BLOB_BYTES_MAX\)/);
  });

  it("writer: blobs per call and records per blob; nothing is written past the blob limit", () => {
    const out = mkdtempSync(join(tmpdir(), "vnetsim-limits-"));
    dirs.push(out);
    const two = [record("2026-01-01T00:00:00.000Z", "000D3A000001"), record("2026-01-01T00:00:00.000Z", "000D3A000002")];
    expect(() => writeFlowLogs(out, two, { blobsMax: 1 })).toThrow(/more than 1 blobs in one call \(WRITE_BLOBS_MAX\); nothing was written/);
    expect(findBlobs(out)).toEqual([]);
    const sameBlob = [record("2026-01-01T00:00:00.000Z", "000D3A000001"), record("2026-01-01T00:01:00.000Z", "000D3A000001")];
    expect(writeFlowLogs(out, sameBlob, { blobRecordsMax: 2 })).toHaveLength(1);
    expect(() => writeFlowLogs(out, sameBlob.slice(0, 1), { blobRecordsMax: 2 })).toThrow(/would hold 3 records, more than 2 \(BLOB_RECORDS_MAX\)/);
    expect(readFlowLogs(out)).toEqual([]);
  });

  it("a deep unrelated tree without blobs reads as empty, a file named PT1H.json elsewhere is read", () => {
    const root = mkdtempSync(join(tmpdir(), "vnetsim-limits-"));
    dirs.push(root);
    mkdirSync(join(root, "a", "b"), { recursive: true });
    writeFileSync(join(root, "a", "b", "other.json"), "{}");
    expect(findBlobs(root)).toEqual([]);
    writeFileSync(join(root, "a", "PT1H.json"), '{"records":[]}');
    expect(findBlobs(root)).toEqual([join(root, "a", "PT1H.json")]);
  });

  it("table: both limits reject with a positive-integer check", () => {
    expect(() => new FlowTable({ epochMs: 0, bucketsMax: -1 })).toThrow(/"bucketsMax" expected a positive integer/);
    expect(() => new FlowTable({ epochMs: 0, flowsMax: 1.5 })).toThrow(/"flowsMax" expected a positive integer/);
    expect(() => new FlowTable({ epochMs: -5 })).toThrow(/"epochMs"/);
  });
});
