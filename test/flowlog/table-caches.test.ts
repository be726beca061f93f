/**
 * The flow table's caches: flow log IDs (canonical form and GUID, bounded by
 * FLOW_TABLE_ID_CACHE_MAX), NICs checked once per NicRef (but again when the NicRef changed), and
 * the last-bucket shortcut of observe() (a new encryption value in the same minute still gets its own tuple).
 */
import { describe, expect, it } from "vitest";
import { FLOW_TABLE_ID_CACHE_MAX, FLOW_TABLE_IP_CACHE_MAX, FlowTable, type FlowObservation, type NicRef } from "../../src/flowlog/table.js";
import { canonicalFlowLogResourceId, flowLogGuid } from "../../src/flowlog/ids.js";
import { formatTuple, parseTuple } from "../../src/flowlog/schema.js";

const EPOCH_MS = Date.UTC(2026, 0, 1);
const SUB = "11111111-2222-3333-4444-555555555555";

function nic(i: number): NicRef {
  return {
    mac: `000D3A${i.toString(16).toUpperCase().padStart(6, "0")}`,
    vm: `vm-${i}`,
    targetResourceId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet${i}`,
    flowLogResourceId: `/subscriptions/${SUB}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_eastus/flowLogs/fl-${i}`,
    region: "eastus",
    subscriptionId: SUB,
  };
}

function obs(tMs: number, n: NicRef, over: Partial<FlowObservation> = {}): FlowObservation {
  return { tMs, nic: n, direction: "O", srcIp: "10.0.0.4", dstIp: "10.0.1.4", srcPort: 50_000, dstPort: 443, protocol: 6, encryption: "X", denied: false, fwdPackets: 1, fwdBytes: 100, revPackets: 0, revBytes: 0, ...over };
}

describe("FlowTable caches", () => {
  it(`past FLOW_TABLE_ID_CACHE_MAX (${FLOW_TABLE_ID_CACHE_MAX}) distinct flow logs the ID cache stays bounded and every record keeps its own ID and GUID`, () => {
    const t = new FlowTable({ epochMs: EPOCH_MS });
    const n = FLOW_TABLE_ID_CACHE_MAX + 25;
    const nics = Array.from({ length: n }, (_, i) => nic(i));
    for (const x of nics) t.observe(obs(1_000, x));
    const records = t.drain();
    expect(t.cachedIds).toBeLessThanOrEqual(FLOW_TABLE_ID_CACHE_MAX);
    expect(t.cachedIds).toBeGreaterThan(0);
    expect(records).toHaveLength(n);
    const byMac = new Map(nics.map((x) => [x.mac, x]));
    for (const r of records) {
      const x = byMac.get(r.macAddress)!;
      const id = canonicalFlowLogResourceId(x.flowLogResourceId);
      expect(r.flowLogResourceID).toBe(id);
      expect(r.flowLogGUID).toBe(flowLogGuid(id));
    }
  });

  it("a NicRef changed after it was checked is checked again on its next new flow", () => {
    const t = new FlowTable({ epochMs: EPOCH_MS });
    const x = nic(1);
    t.observe(obs(0, x));
    x.mac = "not-a-mac";
    expect(() => t.observe(obs(10, x, { srcPort: 50_001 }))).toThrow(/"nic.mac" expected 12 upper-case hex digits, got "not-a-mac"/);
    const y = nic(2);
    t.observe(obs(0, y));
    y.flowLogResourceId = "/nope";
    expect(() => t.observe(obs(10, y, { srcPort: 50_001 }))).toThrow(/flowLogResourceID expected/);
  });

  it("a new encryption value within the minute gets its own tuple; going back reuses the first bucket", () => {
    const t = new FlowTable({ epochMs: EPOCH_MS });
    const x = nic(3);
    t.observe(obs(1_000, x, { encryption: "NX" }));
    t.observe(obs(2_000, x, { encryption: "X" }));
    t.observe(obs(3_000, x, { encryption: "NX" }));
    t.observe(obs(4_000, x, { encryption: "X" }));
    t.observe(obs(5_000, x, { encryption: "X" }));
    const tuples = t.drain().flatMap((r) => r.flowRecords.flows.flatMap((f) => f.flowGroups.flatMap((g) => g.flowTuples)));
    const c = tuples.filter((s) => s.split(",")[7] === "C").map((s) => s.split(","));
    expect(c.map((f) => [f[8], f[9]])).toEqual([["NX", "2"], ["X", "3"]]);
  });

  it("drained tuples are written exactly as formatTuple writes them (B, C, D and E; both directions; large counters)", () => {
    const t = new FlowTable({ epochMs: EPOCH_MS });
    const x = nic(4);
    t.observe(obs(59_999, x, { fwdBytes: 2 ** 40, fwdPackets: 123_456_789 }));
    t.observe(obs(60_000, x, { direction: "I", srcIp: "fd00::1", dstIp: "fd00::2", protocol: 17, srcPort: 0, dstPort: 65_535, revPackets: 3, revBytes: 999 }));
    t.observe(obs(61_000, x, { denied: true, encryption: "NX_NOT_ACCEPTED", srcPort: 1 }));
    t.closeAll(120_000);
    const tuples = t.drain().flatMap((r) => r.flowRecords.flows.flatMap((f) => f.flowGroups.flatMap((g) => g.flowTuples)));
    expect(new Set(tuples.map((s) => s.split(",")[7]))).toEqual(new Set(["B", "C", "D", "E"]));
    for (const s of tuples) expect(formatTuple(parseTuple(s))).toBe(s);
  });

  it("a new flow between known-good IPs is still refused for a bad port, protocol, direction or a bad new IP", () => {
    const t = new FlowTable({ epochMs: EPOCH_MS });
    const x = nic(5);
    t.observe(obs(0, x));
    expect(() => t.observe(obs(1, x, { srcPort: 70_000 }))).toThrow(/"srcPort" expected an integer in \[0, 65535\], got 70000/);
    expect(() => t.observe(obs(1, x, { dstPort: 1.5 }))).toThrow(/"dstPort" expected an integer/);
    expect(() => t.observe(obs(1, x, { srcPort: 2, protocol: 256 }))).toThrow(/"protocol" expected an integer in \[0, 255\], got 256/);
    expect(() => t.observe(obs(1, x, { srcPort: 3, direction: "X" as "I" }))).toThrow(/"direction" expected "I" or "O"/);
    expect(() => t.observe(obs(1, x, { srcPort: 4, dstIp: "10.0.1.999" }))).toThrow(/"dstIp" expected an IP address, got "10.0.1.999"/);
    expect(t.size).toBe(1);
  });

  it(`the cache of good IPs stays within FLOW_TABLE_IP_CACHE_MAX (${FLOW_TABLE_IP_CACHE_MAX})`, () => {
    const t = new FlowTable({ epochMs: EPOCH_MS, flowsMax: FLOW_TABLE_IP_CACHE_MAX });
    const x = nic(6);
    const n = FLOW_TABLE_IP_CACHE_MAX / 2 + 10;
    for (let i = 0; i < n; i++) {
      t.observe(obs(0, x, { srcIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, dstIp: `172.16.${(i >> 8) & 255}.${i & 255}` }));
      expect(t.cachedIps).toBeLessThanOrEqual(FLOW_TABLE_IP_CACHE_MAX);
    }
    expect(t.size).toBe(n);
  });
});
