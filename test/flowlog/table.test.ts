import { describe, expect, it } from "vitest";
import { parseTuple, type FlowLogRecord, type FlowTuple } from "../../src/flowlog/schema.js";
import {
  ACL_ID_DEFAULT,
  FLOW_TABLE_FLOWS_MAX,
  FlowTable,
  RULE_DEFAULT_OUTBOUND,
  type FlowObservation,
  type NicRef,
} from "../../src/flowlog/table.js";
import { flowLogGuid } from "../../src/flowlog/ids.js";

/** 2026-01-01T00:00:00Z */
const EPOCH_MS = Date.UTC(2026, 0, 1);
const FLOWLOG_ID = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_eastus/flowLogs/fl-vnet1";

const nicA: NicRef = {
  mac: "000D3A000001",
  vm: "vm-a",
  targetResourceId: "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet1",
  flowLogResourceId: FLOWLOG_ID,
  region: "eastus",
  subscriptionId: "11111111-2222-3333-4444-555555555555",
};

function obs(tMs: number, over: Partial<FlowObservation> = {}): FlowObservation {
  return {
    tMs,
    nic: nicA,
    direction: "O",
    srcIp: "10.0.0.4",
    dstIp: "10.0.1.4",
    srcPort: 50_000,
    dstPort: 443,
    protocol: 6,
    encryption: "X",
    denied: false,
    fwdPackets: 1,
    fwdBytes: 100,
    revPackets: 1,
    revBytes: 60,
    ...over,
  };
}

interface Flat {
  time: string;
  aclID: string;
  rule: string;
  t: FlowTuple;
}

function flat(records: FlowLogRecord[]): Flat[] {
  return records.flatMap((r) =>
    r.flowRecords.flows.flatMap((f) =>
      f.flowGroups.flatMap((g) => g.flowTuples.map((s) => ({ time: r.time, aclID: f.aclID, rule: g.rule, t: parseTuple(s) }))),
    ),
  );
}

describe("FlowTable", () => {
  it("writes B (no statistics) then C per minute then E, counters reset per update", () => {
    const table = new FlowTable({ epochMs: EPOCH_MS });
    // minute 0: 2 observations; minute 1: 1; minute 2: 1 then end.
    table.observe(obs(1_000));
    table.observe(obs(59_999, { fwdPackets: 2, fwdBytes: 200, revPackets: 0, revBytes: 0 }));
    table.observe(obs(61_000, { fwdPackets: 5, fwdBytes: 500, revPackets: 4, revBytes: 240 }));
    let records = table.drain();
    expect(records.map((r) => r.time)).toEqual(["2026-01-01T00:00:00.000Z", "2026-01-01T00:01:00.000Z"]);
    let tuples = flat(records).map((x) => x.t);
    expect(tuples.map((t) => t.state)).toEqual(["B", "C", "C"]);
    expect(tuples[0]).toMatchObject({ timestampMs: EPOCH_MS + 1_000, packetsSrcToDst: 0, bytesSrcToDst: 0, packetsDstToSrc: 0, bytesDstToSrc: 0 });
    expect(tuples[1]).toMatchObject({ timestampMs: EPOCH_MS + 59_999, packetsSrcToDst: 3, bytesSrcToDst: 300, packetsDstToSrc: 1, bytesDstToSrc: 60 });
    expect(tuples[2]).toMatchObject({ timestampMs: EPOCH_MS + 61_000, packetsSrcToDst: 5, bytesSrcToDst: 500, packetsDstToSrc: 4, bytesDstToSrc: 240 });

    // Nothing new: nothing to write (counters were reset by the drain).
    expect(table.drain()).toEqual([]);
    expect(table.size).toBe(1);

    table.observe(obs(125_000, { fwdPackets: 7, fwdBytes: 700, revPackets: 0, revBytes: 0 }));
    table.end(130_000, { mac: nicA.mac, direction: "O", srcIp: "10.0.0.4", dstIp: "10.0.1.4", srcPort: 50_000, dstPort: 443, protocol: 6 });
    records = table.drain();
    tuples = flat(records).map((x) => x.t);
    expect(records.map((r) => r.time)).toEqual(["2026-01-01T00:02:00.000Z"]);
    expect(tuples).toHaveLength(1);
    expect(tuples[0]).toMatchObject({ state: "E", timestampMs: EPOCH_MS + 130_000, packetsSrcToDst: 7, bytesSrcToDst: 700, packetsDstToSrc: 0 });
    expect(table.size).toBe(0);
  });

  it("E with zero counters when the flow ends in a minute without traffic; a later packet starts a new flow with B", () => {
    const table = new FlowTable({ epochMs: EPOCH_MS });
    table.observe(obs(5_000));
    table.drain();
    table.closeAll(180_000);
    const e = flat(table.drain());
    expect(e).toHaveLength(1);
    expect(e[0]?.t).toMatchObject({ state: "E", timestampMs: EPOCH_MS + 180_000, packetsSrcToDst: 0, bytesSrcToDst: 0 });
    expect(e[0]?.time).toBe("2026-01-01T00:03:00.000Z");
    table.observe(obs(200_000));
    expect(flat(table.drain()).map((x) => x.t.state)).toEqual(["B", "C"]);
  });

  it("a flow that begins and ends in the same minute gets B then E, and the sum of counters is exact", () => {
    const table = new FlowTable({ epochMs: EPOCH_MS });
    for (let i = 0; i < 10; i += 1) table.observe(obs(1_000 + i * 100));
    table.closeAll(2_500);
    const tuples = flat(table.drain()).map((x) => x.t);
    expect(tuples.map((t) => t.state)).toEqual(["B", "E"]);
    expect(tuples[1]).toMatchObject({ packetsSrcToDst: 10, bytesSrcToDst: 1000, packetsDstToSrc: 10, bytesDstToSrc: 600 });
  });

  it("denied traffic: D tuples with unspecified aclID and rule, one per minute, no B or E", () => {
    const table = new FlowTable({ epochMs: EPOCH_MS });
    const denied = { encryption: "NX_NOT_ACCEPTED" as const, denied: true, revPackets: 0, revBytes: 0 };
    table.observe(obs(1_000, denied));
    table.observe(obs(2_000, denied));
    table.observe(obs(61_000, denied));
    table.closeAll(70_000);
    const rows = flat(table.drain());
    expect(rows.map((x) => [x.t.state, x.aclID, x.rule, x.t.encryption, x.t.packetsSrcToDst])).toEqual([
      ["D", "unspecified", "unspecified", "NX_NOT_ACCEPTED", 2],
      ["D", "unspecified", "unspecified", "NX_NOT_ACCEPTED", 1],
    ]);
    expect(table.size).toBe(0);
  });

  it("allowed traffic uses the default ACL and rule unless the observation names them", () => {
    const table = new FlowTable({ epochMs: EPOCH_MS });
    table.observe(obs(1_000));
    table.observe(obs(1_000, { srcPort: 1, aclId: "nsg-guid", rule: "UserRule_AllowWeb" }));
    const rows = flat(table.drain());
    expect(new Set(rows.map((x) => `${x.aclID}/${x.rule}`))).toEqual(
      new Set([`${ACL_ID_DEFAULT}/${RULE_DEFAULT_OUTBOUND}`, "nsg-guid/UserRule_AllowWeb"]),
    );
  });

  it("a change of encryption value inside a minute gives one tuple per value, counters exact", () => {
    const table = new FlowTable({ epochMs: EPOCH_MS });
    table.observe(obs(1_000, { encryption: "NX_FALLBACK" }));
    table.observe(obs(2_000, { encryption: "X" }));
    table.observe(obs(3_000, { encryption: "X" }));
    const tuples = flat(table.drain()).map((x) => x.t);
    expect(tuples.map((t) => `${t.state}:${t.encryption}:${t.packetsSrcToDst}`)).toEqual(["B:NX_FALLBACK:0", "C:NX_FALLBACK:1", "C:X:2"]);
  });

  it("record fields follow the v4 schema", () => {
    const table = new FlowTable({ epochMs: EPOCH_MS });
    table.observe(obs(1_000));
    const [r] = table.drain();
    expect(r).toBeDefined();
    expect(Object.keys(r ?? {})).toEqual([
      "time",
      "flowLogVersion",
      "flowLogGUID",
      "macAddress",
      "category",
      "flowLogResourceID",
      "targetResourceID",
      "operationName",
      "flowRecords",
    ]);
    expect(r).toMatchObject({
      flowLogVersion: 4,
      macAddress: "000D3A000001",
      category: "FlowLogFlowEvent",
      operationName: "FlowLogFlowEvent",
      flowLogResourceID: FLOWLOG_ID.toUpperCase(),
      targetResourceID: nicA.targetResourceId,
      flowLogGUID: flowLogGuid(FLOWLOG_ID),
    });
    expect(r?.flowLogGUID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("records are one per NIC per minute, sorted by time then MAC, independent of observation order", () => {
    const nicB: NicRef = { ...nicA, mac: "000D3A000002", vm: "vm-b" };
    const list: FlowObservation[] = [
      obs(61_000, { nic: nicB, direction: "I" }),
      obs(1_000, { nic: nicB, direction: "I" }),
      obs(1_500),
      obs(61_500, { srcPort: 50_001 }),
      obs(1_200, { srcPort: 50_002 }),
    ];
    const run = (order: FlowObservation[]): string => {
      const t = new FlowTable({ epochMs: EPOCH_MS });
      for (const o of order) t.observe(o);
      t.closeAll(90_000);
      return JSON.stringify(t.drain());
    };
    const a = run(list);
    const b = run([...list].reverse());
    expect(a).toBe(b);
    const records = JSON.parse(a) as FlowLogRecord[];
    expect(records.map((r) => `${r.time.slice(14, 16)}:${r.macAddress}`)).toEqual([
      "00:000D3A000001",
      "00:000D3A000002",
      "01:000D3A000001",
      "01:000D3A000002",
    ]);
  });

  it("flowsMax is enforced and the overflow is counted; ended flows free their slot", () => {
    expect(FLOW_TABLE_FLOWS_MAX).toBeGreaterThan(0);
    const table = new FlowTable({ epochMs: EPOCH_MS, flowsMax: 2 });
    table.observe(obs(1_000, { srcPort: 1 }));
    table.observe(obs(1_000, { srcPort: 2 }));
    table.observe(obs(1_000, { srcPort: 3, fwdPackets: 4, fwdBytes: 400, revPackets: 1, revBytes: 50 }));
    table.observe(obs(1_100, { srcPort: 1 })); // existing flow: accepted
    expect(table.size).toBe(2);
    expect(table.overflow).toEqual({ observations: 1, packets: 5, bytes: 450 });
    table.closeAll(2_000);
    const ports = flat(table.drain()).map((x) => x.t.srcPort);
    expect(new Set(ports)).toEqual(new Set([1, 2]));
    table.observe(obs(3_000, { srcPort: 3 }));
    expect(table.size).toBe(1);
    expect(table.overflow.observations).toBe(1);
  });

  it("bucketsMax is enforced and counted", () => {
    const table = new FlowTable({ epochMs: EPOCH_MS, bucketsMax: 2 });
    table.observe(obs(1_000));
    table.observe(obs(61_000));
    table.observe(obs(121_000));
    expect(table.overflow.observations).toBe(1);
    table.drain();
    table.observe(obs(121_000));
    expect(table.overflow.observations).toBe(1);
  });

  it("rejects bad input with messages naming the field", () => {
    const table = new FlowTable({ epochMs: EPOCH_MS });
    expect(() => table.observe(obs(-1))).toThrow(/"tMs"/);
    expect(() => table.observe(obs(0, { fwdPackets: 1.5 }))).toThrow(/"fwdPackets"/);
    expect(() => table.observe(obs(0, { nic: { ...nicA, mac: "00:0d:3a:00:00:01" } }))).toThrow(/"nic.mac"/);
    expect(() => table.observe(obs(0, { dstPort: 70_000 }))).toThrow(/"dstPort"/);
    expect(() => table.observe(obs(0, { nic: { ...nicA, flowLogResourceId: "/x/../y" } }))).toThrow(/flowLogResourceID/);
    expect(() => table.observe(obs(0, { encryption: "ENCRYPTED" as never }))).toThrow(/"encryption" expected a flow-log encryption value, got "ENCRYPTED"/);
    expect(() => table.observe(obs(0, { srcIp: "10.0.0.999" }))).toThrow(/"srcIp"/);
    expect(() => new FlowTable({ epochMs: EPOCH_MS, flowsMax: 0 })).toThrow(/"flowsMax"/);
    expect(table.size).toBe(0);
  });
});
