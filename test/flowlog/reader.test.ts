import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { FlowLogReadError, findBlobs, parseFlowLogBlob, parseNsgTupleV2, readFlowLogs } from "../../src/flowlog/reader.js";
import { filterTuples, summarizeByEncryption } from "../../src/flowlog/query.js";
import { readVmMap, writeVmMap } from "../../src/flowlog/vmmap.js";

const VECTORS = join(dirname(fileURLToPath(import.meta.url)), "..", "vectors", "flowlog");

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function brief(t: { state: string; encryption: string | null; srcIp: string; dstPort: number; packetsSrcToDst: number; mac: string }): string {
  return `${t.mac}:${t.state}:${String(t.encryption)}:${t.srcIp}->${t.dstPort}:${t.packetsSrcToDst}`;
}

describe("readFlowLogs on hand-written Azure-format blobs", () => {
  it("reads a VNet flow log v4 container copy: both NICs, every tuple, with record context", () => {
    const tuples = readFlowLogs(join(VECTORS, "azure-vnet-v4"));
    expect(tuples.map(brief)).toEqual([
      "6045BDA1C0FE:B:X:10.20.1.4->1433:0",
      "6045BDA1C0FE:C:X:10.20.1.4->1433:42",
      "6045BDA1C0FE:E:NX:10.20.1.4->443:18",
      "6045BDA1C0FE:D:NX_NOT_ACCEPTED:10.20.1.4->5432:3",
      "6045BDA1C0FE:E:X:10.20.1.4->1433:7",
      "6045BDA1C0FE:B:NX_HW_NOT_SUPPORTED:10.20.4.5->22:0",
      "6045BDA1C0FE:C:NX_HW_NOT_SUPPORTED:10.20.4.5->22:12",
      "6045BDA1C0FF:B:X:10.20.1.4->1433:0",
      "6045BDA1C0FF:C:X:10.20.1.4->1433:42",
      "6045BDA1C0FF:C:NX_LOCAL_DST:10.20.2.7->8080:5",
      "6045BDA1C0FF:D:NX_SW_NOT_READY:10.20.2.7->6379:1",
    ]);
    const d = tuples[3];
    expect(d).toMatchObject({
      time: "2025-06-12T14:01:07.4418829Z",
      aclID: "unspecified",
      rule: "unspecified",
      timestampMs: 1_749_736_830_004,
      dstIp: "10.20.3.9",
      srcPort: 38_011,
      protocol: 6,
      direction: "O",
      bytesSrcToDst: 180,
      packetsDstToSrc: 0,
      bytesDstToSrc: 0,
      flowLogVersion: 4,
      flowLogResourceId:
        "/SUBSCRIPTIONS/6A1F0C52-9D3B-4E7A-8C21-0F5B7D9E3A14/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/VNETFLOWLOG-PROD",
      targetResourceId: "/subscriptions/6a1f0c52-9d3b-4e7a-8c21-0f5b7d9e3a14/resourceGroups/rg-prod/providers/Microsoft.Network/virtualNetworks/vnet-prod",
    });
    expect(d?.file.split(sep).slice(-2)).toEqual(["macAddress=6045BDA1C0FE", "PT1H.json"]);
    expect(tuples[1]).toMatchObject({ rule: "DefaultRule_AllowVnetOutBound", aclID: "9c4d71e2-0b3a-4f58-a6e1-d27c5b80f316", bytesDstToSrc: 38_877 });
  });

  it("reads an NSG flow log version 2 blob (letters for protocol, A/D decision, empty counters on B)", () => {
    const tuples = readFlowLogs(join(VECTORS, "nsg-v2"));
    expect(tuples.map((t) => [t.rule, t.state, t.protocol, t.timestampMs, t.packetsSrcToDst, t.bytesDstToSrc, t.encryption, t.flowLogVersion])).toEqual([
      ["DefaultRule_DenyAllInBound", "D", 6, 1_749_736_825_000, 0, 0, null, 2],
      ["UserRule_AllowHttps", "B", 6, 1_749_736_810_000, 0, 0, null, 2],
      ["UserRule_AllowHttps", "E", 6, 1_749_736_828_000, 14, 16_044, null, 2],
      ["UserRule_AllowHttps", "C", 17, 1_749_736_829_000, 1, 190, null, 2],
    ]);
    expect(tuples[0]?.aclID).toContain("NETWORKSECURITYGROUPS/NSG-WEB");
    expect(tuples[0]?.mac).toBe("6045BDA1C0FE");
  });

  it("reads the whole vectors tree except where a blob is malformed, and then names the file", () => {
    expect(() => readFlowLogs(join(VECTORS, "malformed-json"))).toThrow(FlowLogReadError);
    expect(() => readFlowLogs(join(VECTORS, "malformed-json"))).toThrow(/malformed-json[/\\]PT1H\.json: not valid JSON/);
    expect(() => readFlowLogs(join(VECTORS, "malformed-tuple"))).toThrow(
      /malformed-tuple[/\\]PT1H\.json: records\[0\]\.flowRecords\.flows\[0\]\.flowGroups\[0\]\.flowTuples\[1\]: flow tuple field "dstPort" expected .* got "99999"/,
    );
  });

  it("finds blobs in sorted order and accepts a single file", () => {
    const blobs = findBlobs(join(VECTORS, "azure-vnet-v4"));
    expect(blobs).toHaveLength(2);
    expect([...blobs].sort()).toEqual(blobs);
    expect(readFlowLogs(blobs[1]!)).toHaveLength(4);
  });

  it("errors on a missing directory, naming it", () => {
    expect(() => readFlowLogs(join(VECTORS, "no-such-dir"))).toThrow(/no-such-dir: no such file or directory/);
  });

  it("names the structural problem: wrong version, missing records, bad MAC", () => {
    expect(() => parseFlowLogBlob('{"recs":[]}', "f.json")).toThrow('f.json: top level: "records" expected an array, got nothing');
    expect(() => parseFlowLogBlob('{"records":[{"flowLogVersion":3}]}', "f.json")).toThrow(/f\.json: records\[0\]: "flowLogVersion" expected 4, got 3/);
    const rec = { flowLogVersion: 4, time: "t", macAddress: "zz", flowLogResourceID: "x", flowRecords: { flows: [] } };
    expect(() => parseFlowLogBlob(JSON.stringify({ records: [rec] }), "f.json")).toThrow(/"macAddress" expected a MAC address/);
    expect(parseFlowLogBlob(JSON.stringify({ records: [{ ...rec, macAddress: "00-0d-3a-00-00-01" }] }), "f.json")).toEqual([]);
    expect(() => parseFlowLogBlob("[]", "f.json")).toThrow(/expected a JSON object/);
  });

  it("NSG v2 tuple errors name the field", () => {
    expect(() => parseNsgTupleV2("1,10.0.0.1,10.0.0.2,1,2,X,I,A,B,,,,")).toThrow(/"protocol" expected "T" or "U", got "X"/);
    expect(() => parseNsgTupleV2("1,10.0.0.1,10.0.0.2,1,2,T,I,Q,B,,,,")).toThrow(/"decision"/);
    expect(parseNsgTupleV2("2,10.0.0.1,10.0.0.2,1,2,U,O,A,C,1,2,3,4")).toMatchObject({ timestampMs: 2000, protocol: 17, bytesDstToSrc: 4 });
  });
});

describe("filterTuples and summarizeByEncryption", () => {
  const tuples = readFlowLogs(join(VECTORS, "azure-vnet-v4"));

  it("filters by encryption value", () => {
    expect(filterTuples(tuples, { encryption: "X" }).map((t) => t.state)).toEqual(["B", "C", "E", "B", "C"]);
    expect(filterTuples(tuples, { encryption: "NX_FALLBACK" })).toEqual([]);
    expect(() => filterTuples(tuples, { encryption: "x" })).toThrow(/"encryption" expected one of X, NX,.*got "x"/);
  });

  it("filters by source and destination CIDR", () => {
    expect(filterTuples(tuples, { src: "10.20.4.0/24" })).toHaveLength(2);
    expect(filterTuples(tuples, { dst: "10.20.2.0/24" }).map((t) => t.dstIp)).toEqual([
      "10.20.2.7",
      "10.20.2.7",
      "10.20.2.7",
      "10.20.2.7",
      "10.20.2.7",
      "10.20.2.8",
    ]);
    expect(filterTuples(tuples, { src: "10.20.2.7/32", dst: "10.20.2.8/32" }).map((t) => t.encryption)).toEqual(["NX_LOCAL_DST"]);
    expect(filterTuples(tuples, { src: "10.20.1.0/24", dst: "0.0.0.0/0" })).toHaveLength(7);
    expect(filterTuples(tuples, { dst: "52.0.0.0/8" }).map((t) => t.encryption)).toEqual(["NX"]);
    expect(() => filterTuples(tuples, { src: "10.20.1.0/33" })).toThrow(/"src" expected an IPv4 CIDR/);
    expect(() => filterTuples(tuples, { dst: "10.20.1.0" })).toThrow(/"dst" expected an IPv4 CIDR/);
  });

  it("filters by VM through a MAC map, or by MAC directly", () => {
    const macToVm = new Map([
      ["6045BDA1C0FE", "vm-web"],
      ["6045BDA1C0FF", "vm-db"],
    ]);
    expect(filterTuples(tuples, { vm: "vm-db", macToVm })).toHaveLength(4);
    expect(filterTuples(tuples, { vm: "vm-web", macToVm })).toHaveLength(7);
    expect(filterTuples(tuples, { vm: "60:45:bd:a1:c0:ff" })).toHaveLength(4);
    expect(filterTuples(tuples, { vm: "vm-unknown", macToVm })).toEqual([]);
    expect(filterTuples(tuples, { vm: "vm-db", macToVm, encryption: "X" })).toHaveLength(2);
  });

  it("summarizes traffic by encryption value in domain order", () => {
    const s = summarizeByEncryption(tuples);
    expect(s.map((r) => r.encryption)).toEqual(["X", "NX", "NX_HW_NOT_SUPPORTED", "NX_SW_NOT_READY", "NX_NOT_ACCEPTED", "NX_LOCAL_DST"]);
    expect(s[0]).toEqual({
      encryption: "X",
      tuples: 5,
      flows: 2,
      deniedTuples: 0,
      packetsSrcToDst: 42 + 7 + 42,
      bytesSrcToDst: 9120 + 1502 + 9120,
      packetsDstToSrc: 40 + 7 + 40,
      bytesDstToSrc: 38_877 + 6611 + 38_877,
    });
    expect(s.find((r) => r.encryption === "NX_NOT_ACCEPTED")).toMatchObject({ tuples: 1, deniedTuples: 1, packetsSrcToDst: 3 });
    expect(summarizeByEncryption(readFlowLogs(join(VECTORS, "nsg-v2"))).map((r) => [r.encryption, r.tuples, r.flows])).toEqual([[null, 4, 3]]);
  });
});

describe("vms.json", () => {
  it("round-trips a MAC -> VM map and rejects malformed files naming them", () => {
    const dir = mkdtempSync(join(tmpdir(), "vnetsim-vms-"));
    dirs.push(dir);
    const path = writeVmMap(dir, new Map([["00:0d:3a:00:00:02", "b"], ["000D3A000001", "a"]]));
    expect(readVmMap(path)).toEqual(new Map([["000D3A000001", "a"], ["000D3A000002", "b"]]));
    const bad = join(dir, "bad", "vms.json");
    mkdirSync(dirname(bad));
    writeFileSync(bad, '{"macToVm":{"nope":"x"}}');
    expect(() => readVmMap(bad)).toThrow(/vms\.json: entry "nope" expected a MAC address/);
    writeFileSync(bad, "{");
    expect(() => readVmMap(bad)).toThrow(/vms\.json: not a readable JSON file/);
  });
});
