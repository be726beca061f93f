/**
 * The faster flow table (handles, record builder, per-flow tuple text) writes the same records,
 * byte for byte, as the table before that work (legacy-table.ts, the oracle), for random
 * sequences of observations, ends, drains and closeAll - with and without handles passed back as
 * hints, with stale and wrong hints, several NicRef objects for one NIC, ACL overrides and small
 * flow/bucket limits (refusals); drains without records leave the table as full drains do.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FLOW_ENCRYPTION_VALUES } from "../../src/policy/values.js";
import { FLOW_LOG_INTERVAL_MS, FlowTable, type FlowHandle, type FlowKey, type FlowObservation, type NicRef } from "../../src/flowlog/table.js";
import { FlowTable as LegacyTable } from "./legacy-table.js";

const FL = (n: string): string => `/SUBSCRIPTIONS/S/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_X/FLOWLOGS/${n}`;
function nicRef(mac: string, fl: string, target: string): NicRef {
  return { mac, vm: mac, targetResourceId: target, flowLogResourceId: fl, region: "x", subscriptionId: "s" };
}
// Two NicRef objects for one NIC (the data plane makes one per VM and IP), a NIC under a flow log
// ID in lower case (same canonical ID), one in another VNet.
const nics: NicRef[] = [
  nicRef("000D3A000001", FL("F"), "/t1"),
  nicRef("000D3A000001", FL("F"), "/t1"),
  nicRef("000D3A000002", FL("F").toLowerCase(), "/t1"),
  nicRef("000D3A000003", FL("G"), "/t2"),
];

type Step =
  | { kind: "observe"; o: Omit<FlowObservation, "tMs">; dtMs: number; hint: "none" | "own" | "other" }
  | { kind: "end"; k: Omit<FlowObservation, "tMs">; dtMs: number; hint: "none" | "own" | "other" }
  | { kind: "drain"; records: boolean };

const obsArb = fc.record(
  {
    nic: fc.constantFrom(...nics),
    direction: fc.constantFrom("I" as const, "O" as const),
    // IPv4 pairs get compact keys, pairs with an IPv6 address text keys (flow-key.ts).
    srcIp: fc.constantFrom("10.0.0.4", "10.0.0.5", "fe80::4"),
    dstIp: fc.constantFrom("10.0.1.4", "fd00::1"),
    srcPort: fc.constantFrom(1000, 1001),
    dstPort: fc.constant(443),
    protocol: fc.constantFrom(6, 17),
    encryption: fc.constantFrom(...FLOW_ENCRYPTION_VALUES),
    denied: fc.boolean(),
    fwdPackets: fc.nat(3),
    fwdBytes: fc.nat(3000),
    revPackets: fc.nat(3),
    revBytes: fc.nat(3000),
    aclId: fc.constantFrom("acl-a", "acl-b"),
    rule: fc.constantFrom("r1", "r2"),
  },
  { requiredKeys: ["nic", "direction", "srcIp", "dstIp", "srcPort", "dstPort", "protocol", "encryption", "denied", "fwdPackets", "fwdBytes", "revPackets", "revBytes"] },
);
const hintArb = fc.constantFrom("none" as const, "own" as const, "other" as const);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("observe" as const), o: obsArb, dtMs: fc.nat(40_000), hint: hintArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("end" as const), k: obsArb, dtMs: fc.nat(40_000), hint: hintArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("drain" as const), records: fc.boolean() }) },
);

function keyOf(o: Omit<FlowObservation, "tMs">): FlowKey {
  return { mac: o.nic.mac, direction: o.direction, srcIp: o.srcIp, dstIp: o.dstIp, srcPort: o.srcPort, dstPort: o.dstPort, protocol: o.protocol };
}
function countTuples(records: { flowRecords: { flows: { flowGroups: { flowTuples: string[] }[] }[] } }[]): number {
  let n = 0;
  for (const r of records) for (const a of r.flowRecords.flows) for (const g of a.flowGroups) n += g.flowTuples.length;
  return n;
}
function handleKey(o: Omit<FlowObservation, "tMs">): string {
  return JSON.stringify(keyOf(o));
}

describe("FlowTable equivalence with the table before the per-flow work", () => {
  it("same records, overflow and size after every drain, whatever hints are passed", () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { maxLength: 80 }),
        fc.constantFrom(100_000, 3),
        fc.constantFrom(1_000_000, 4),
        (steps, flowsMax, bucketsMax) => {
          const epochMs = 1_700_000_000_000 - (1_700_000_000_000 % FLOW_LOG_INTERVAL_MS) + 12_345;
          const fast = new FlowTable({ epochMs, flowsMax, bucketsMax });
          const old = new LegacyTable({ epochMs, flowsMax, bucketsMax });
          const handles = new Map<string, FlowHandle>();
          let last: FlowHandle | null = null;
          let tMs = 0;
          let tuples = 0;
          const hintFor = (o: Omit<FlowObservation, "tMs">, h: "none" | "own" | "other"): FlowHandle | null =>
            h === "none" ? null : h === "own" ? (handles.get(handleKey(o)) ?? null) : last;
          for (const s of steps) {
            if (s.kind === "drain") {
              const want = old.drain();
              tuples += countTuples(want);
              // A drain without records leaves the table as a full drain does and counts the same tuples.
              if (s.records) expect(JSON.stringify(fast.drain())).toBe(JSON.stringify(want));
              else expect(fast.drain({ records: false })).toEqual([]);
              expect(fast.size).toBe(old.size);
              expect(fast.tuplesDrained).toBe(tuples);
              continue;
            }
            tMs += s.dtMs;
            if (s.kind === "observe") {
              const o = { ...s.o, tMs };
              const h = fast.observe(o, hintFor(s.o, s.hint));
              old.observe(o);
              if (h !== null) {
                handles.set(handleKey(s.o), h);
                last = h;
              }
            } else {
              expect(fast.end(tMs, keyOf(s.k), hintFor(s.k, s.hint))).toBe(old.end(tMs, keyOf(s.k)));
            }
          }
          tMs += 1;
          fast.closeAll(tMs);
          old.closeAll(tMs);
          expect(JSON.stringify(fast.drain())).toBe(JSON.stringify(old.drain()));
          expect(fast.size).toBe(0);
          expect(fast.overflow).toEqual(old.overflow);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a handle names its flow only while the table holds it: after the flow is drained away, a new flow of the same key is found by key", () => {
    const t = new FlowTable({ epochMs: 0 });
    const o: FlowObservation = { tMs: 1_000, nic: nics[0]!, direction: "O", srcIp: "10.0.0.4", dstIp: "10.0.1.4", srcPort: 1000, dstPort: 443, protocol: 6, encryption: "X", denied: false, fwdPackets: 1, fwdBytes: 100, revPackets: 0, revBytes: 0 };
    const h1 = t.observe(o);
    expect(h1).not.toBeNull();
    expect(t.end(2_000, keyOf(o), h1)).toBe(true);
    t.drain();
    expect(t.size).toBe(0);
    // The stale handle is not followed: end() of a flow the table no longer holds is false.
    expect(t.end(3_000, keyOf(o), h1)).toBe(false);
    const h2 = t.observe({ ...o, tMs: 70_000 }, h1);
    expect(h2).not.toBe(h1);
    expect(t.size).toBe(1);
    expect(t.end(71_000, keyOf(o), h1)).toBe(true);
    const tuples = t.drain().flatMap((r) => r.flowRecords.flows.flatMap((a) => a.flowGroups.flatMap((g) => g.flowTuples)));
    expect(tuples.map((x) => x.split(",")[7])).toEqual(["B", "E"]);
  });
});
