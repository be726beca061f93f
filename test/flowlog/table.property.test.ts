import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FLOW_ENCRYPTION_VALUES } from "../../src/policy/values.js";
import { parseTuple, type FlowLogRecord } from "../../src/flowlog/schema.js";
import { FLOW_LOG_INTERVAL_MS, FlowTable, type FlowObservation, type NicRef } from "../../src/flowlog/table.js";

const FL = "/SUBSCRIPTIONS/S/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_X/FLOWLOGS/F";
const nics: NicRef[] = ["000D3A000001", "000D3A000002"].map((mac) => ({
  mac,
  vm: mac,
  targetResourceId: "/t",
  flowLogResourceId: FL,
  region: "x",
  subscriptionId: "s",
}));

const obsArb: fc.Arbitrary<FlowObservation> = fc.record({
  tMs: fc.nat(5 * FLOW_LOG_INTERVAL_MS),
  nic: fc.constantFrom(...nics),
  direction: fc.constantFrom("I" as const, "O" as const),
  srcIp: fc.constantFrom("10.0.0.4", "10.0.0.5"),
  dstIp: fc.constant("10.0.1.4"),
  srcPort: fc.constantFrom(1000, 1001),
  dstPort: fc.constant(443),
  protocol: fc.constantFrom(6, 17),
  encryption: fc.constantFrom(...FLOW_ENCRYPTION_VALUES),
  denied: fc.boolean(),
  fwdPackets: fc.nat(5),
  fwdBytes: fc.nat(5000),
  revPackets: fc.nat(5),
  revBytes: fc.nat(5000),
});

function keyOf(mac: string, t: { direction: string; srcIp: string; dstIp: string; srcPort: number; dstPort: number; protocol: number }): string {
  return `${mac}|${t.direction}|${t.srcIp}|${t.dstIp}|${t.srcPort}|${t.dstPort}|${t.protocol}`;
}

describe("FlowTable properties", () => {
  it("conservation: per flow, encryption value and allowed/denied, tuple counters sum to what was observed; one B per flow; E last", () => {
    fc.assert(
      fc.property(fc.array(obsArb, { maxLength: 60 }), fc.array(fc.nat(6 * FLOW_LOG_INTERVAL_MS), { maxLength: 3 }), (list, drainTimes) => {
        const table = new FlowTable({ epochMs: 0 });
        const observed = new Map<string, number[]>();
        const records: FlowLogRecord[] = [];
        const sorted = [...list].sort((a, b) => a.tMs - b.tMs);
        const cuts = [...drainTimes].sort((a, b) => a - b);
        for (const o of sorted) {
          while (cuts.length > 0 && (cuts[0] ?? 0) <= o.tMs) {
            cuts.shift();
            records.push(...table.drain());
          }
          table.observe(o);
          const k = `${keyOf(o.nic.mac, o)}|${o.encryption}|${o.denied}`;
          const c = observed.get(k) ?? [0, 0, 0, 0];
          observed.set(k, [c[0]! + o.fwdPackets, c[1]! + o.fwdBytes, c[2]! + o.revPackets, c[3]! + o.revBytes]);
        }
        table.closeAll(6 * FLOW_LOG_INTERVAL_MS);
        records.push(...table.drain());
        expect(table.size).toBe(0);

        const logged = new Map<string, number[]>();
        const states = new Map<string, string[]>();
        for (const r of records) {
          for (const f of r.flowRecords.flows) {
            for (const g of f.flowGroups) {
              for (const s of g.flowTuples) {
                const t = parseTuple(s);
                if (t.state === "D") expect([f.aclID, g.rule]).toEqual(["unspecified", "unspecified"]);
                const fk = keyOf(r.macAddress, t);
                states.set(fk, [...(states.get(fk) ?? []), t.state]);
                if (t.state === "B") {
                  expect([t.packetsSrcToDst, t.bytesSrcToDst, t.packetsDstToSrc, t.bytesDstToSrc]).toEqual([0, 0, 0, 0]);
                  continue;
                }
                // every tuple's timestamp lies in its record's minute
                expect(Math.floor(t.timestampMs / FLOW_LOG_INTERVAL_MS) * FLOW_LOG_INTERVAL_MS).toBe(Date.parse(r.time));
                const k = `${fk}|${t.encryption}|${t.state === "D"}`;
                const c = logged.get(k) ?? [0, 0, 0, 0];
                logged.set(k, [c[0]! + t.packetsSrcToDst, c[1]! + t.bytesSrcToDst, c[2]! + t.packetsDstToSrc, c[3]! + t.bytesDstToSrc]);
              }
            }
          }
        }
        for (const [k, v] of observed) expect(logged.get(k) ?? [0, 0, 0, 0]).toEqual(v);
        for (const [k, v] of logged) expect(observed.get(k) ?? [0, 0, 0, 0]).toEqual(v);
        for (const [fk, seq] of states) {
          const allowed = seq.filter((s) => s !== "D");
          if (allowed.length === 0) continue;
          expect(allowed.filter((s) => s === "B")).toHaveLength(1);
          expect(allowed[0]).toBe("B");
          expect(allowed[allowed.length - 1]).toBe("E");
          expect(allowed.slice(1, -1).every((s) => s === "C" || s === "E")).toBe(true);
          void fk;
        }
      }),
      { numRuns: 200 },
    );
  });

  it("determinism: the same observations in the same order give identical JSON", () => {
    fc.assert(
      fc.property(fc.array(obsArb, { maxLength: 40 }), (list) => {
        const once = (): string => {
          const t = new FlowTable({ epochMs: 1_700_000_000_000 });
          for (const o of list) t.observe(o);
          t.closeAll(6 * FLOW_LOG_INTERVAL_MS);
          return JSON.stringify(t.drain());
        };
        expect(once()).toBe(once());
      }),
      { numRuns: 50 },
    );
  });
});
