import { describe, expect, it } from "vitest";
import { FLOW_ENCRYPTION_VALUES } from "../../src/policy/values.js";
import {
  computeTotals,
  emptyCounters,
  renderSummary,
  sortedCounts,
  summaryJson,
  SUMMARY_TEXT_FLOWS_MAX,
  type RunSummary,
  type SummaryFlow,
} from "../../src/report/summary.js";

function flow(name: string, verdicts: SummaryFlow["verdicts"], fwd: Partial<SummaryFlow["forward"]> = {}, rev: Partial<SummaryFlow["reverse"]> = {}): SummaryFlow {
  return {
    name,
    from: "vm-a",
    to: "vm-b",
    protocol: "tcp",
    srcIp: "10.0.1.4",
    dstIp: "10.0.1.5",
    srcPort: 50000,
    dstPort: 443,
    verdicts,
    forward: { ...emptyCounters(), ...fwd },
    reverse: { ...emptyCounters(), ...rev },
  };
}

/** A small fake run: an encrypted flow, a flow that was not ready then encrypted, a fallback, a local one. */
function fakeSummary(): RunSummary {
  const flows = [
    flow("enc", [{ encryption: "X", action: "deliver", reason: "encrypted", packets: 10 }], { sent: 10, delivered: 10, encrypted: 10, bytesSent: 1000, bytesDelivered: 1000 }),
    flow(
      "restart",
      [
        { encryption: "NX_SW_NOT_READY", action: "drop", reason: "sw-not-ready", packets: 3 },
        { encryption: "X", action: "deliver", reason: "encrypted", packets: 7 },
      ],
      { sent: 10, delivered: 7, dropped: 3, encrypted: 7, dropReasons: { policy: 3 } },
    ),
    flow("fallback", [{ encryption: "NX_FALLBACK", action: "deliver", reason: "handshake-failed", packets: 4 }], { sent: 4, delivered: 4, plaintext: 4 }, { sent: 4, delivered: 3, dropped: 1, plaintext: 3, dropReasons: { loss: 1 } }),
    flow("local", [{ encryption: "NX_LOCAL_DST", action: "deliver", reason: "same-host", packets: 2 }], { sent: 2, delivered: 2, plaintext: 2 }),
  ];
  return {
    format: 1,
    scenario: { name: "fake", description: "A fake run", file: "fake.yaml", seed: 7, epoch: "2026-01-01T00:00:00.000Z" },
    run: { wire: "memory", durationMs: 600_000, endMs: 600_000, enforcement: null },
    totals: computeTotals(flows),
    tunnels: { established: 2, failed: 1, rekeys: 0, evicted: 0, handshakes: 3, retransmissions: 4 },
    dtls: { overheadBytes: 1234 },
    flows,
    expectations: [
      { flow: "enc", atMs: 0, expected: { encryption: "X", action: "deliver", reason: null }, observed: { encryption: "X", action: "deliver", reason: "encrypted", via: "tunnel" }, ok: true },
      { flow: "fallback", atMs: 60_000, expected: { encryption: "X", action: "deliver", reason: null }, observed: { encryption: "NX_FALLBACK", action: "deliver", reason: "handshake-failed", via: "plaintext" }, ok: false },
    ],
    ok: false,
  };
}

describe("computeTotals", () => {
  it("counts flows per (encryption, action) once each and packets per outcome, in domain order", () => {
    const t = fakeSummary().totals;
    expect(t.byEncryptionAction).toEqual([
      { encryption: "X", action: "deliver", flows: 2, packets: 17 },
      { encryption: "NX_SW_NOT_READY", action: "drop", flows: 1, packets: 3 },
      { encryption: "NX_LOCAL_DST", action: "deliver", flows: 1, packets: 2 },
      { encryption: "NX_FALLBACK", action: "deliver", flows: 1, packets: 4 },
    ]);
    expect(Object.keys(t.flowsByEncryption)).toEqual([...FLOW_ENCRYPTION_VALUES]);
    expect(t.flowsByEncryption.X).toBe(2);
    expect(t.flowsByEncryption.NX).toBe(0);
    expect(t.packets).toEqual({
      sent: 30, delivered: 26, dropped: 4, duplicates: 0, encrypted: 17, plaintext: 9, bytesSent: 1000, bytesDelivered: 1000,
      dropReasons: { loss: 1, policy: 3 },
    });
  });

  it("sortedCounts sorts keys and leaves out zeros", () => {
    expect(Object.keys(sortedCounts({ b: 1, a: 2, c: 0, d: undefined }))).toEqual(["a", "b"]);
  });
});

describe("summary.json", () => {
  it("has a fixed top-level key order and the same bytes for the same input", () => {
    const a = summaryJson(fakeSummary());
    expect(a).toBe(summaryJson(fakeSummary()));
    expect(Object.keys(JSON.parse(a) as object)).toEqual(["format", "scenario", "run", "totals", "tunnels", "dtls", "flows", "expectations", "ok"]);
    expect(a.endsWith("}\n")).toBe(true);
  });
});

describe("renderSummary", () => {
  it("shows flows by encryption and action, tunnels, packets, overhead, flows, expectations and outputs", () => {
    const text = renderSummary(fakeSummary(), {
      dir: "out/fake",
      summaryFile: "out/fake/summary.json",
      flowLogBlobs: 3,
      vmsFile: "out/fake/vms.json",
      pcapFile: "out/fake/wire.pcap",
      pcapFrames: 42,
      keylogFile: null,
      keylogLines: null,
    });
    expect(text).toMatch(/^fake: A fake run$/m);
    expect(text).toMatch(/^fake\.yaml · seed 7 · wire memory · simulated for 10m, ended at 10m$/m);
    expect(text).toMatch(/^ENCRYPTION +ACTION +FLOWS +PACKETS$/m);
    expect(text).toMatch(/^X +deliver +2 +17$/m);
    expect(text).toMatch(/^NX_SW_NOT_READY +drop +1 +3$/m);
    expect(text).toContain("tunnels     established 2, failed 1, rekeys 0, evicted 0");
    expect(text).toContain("handshakes  3, retransmissions 4");
    expect(text).toContain("DTLS        1234 bytes of overhead on the wire");
    expect(text).toContain("drops       loss 1, policy 3");
    expect(text).toMatch(/^restart +vm-a 10\.0\.1\.4 +vm-b 10\.0\.1\.5 +10 +7 +3 +7 +NX_SW_NOT_READY drop, X deliver$/m);
    // The failed expectation comes first and says what the wire showed.
    const fail = text.indexOf("FAIL fallback at 1m: expected X deliver");
    expect(fail).toBeGreaterThan(0);
    expect(fail).toBeLessThan(text.indexOf("PASS enc at 0: X deliver"));
    expect(text).toContain("on the wire: NX_FALLBACK deliver (handshake-failed) via plaintext");
    expect(text).toContain("Output in out/fake");
    expect(text).toContain("3 flow-log blobs (PT1H.json)");
    expect(text).toContain("out/fake/wire.pcap (42 frames)");
    expect(text).not.toContain("key log");
    expect(text.trimEnd().split("\n").at(-1)).toBe("4 flows, 30 packets, 1/2 expectations passed");
  });

  it("caps the flow lines and says how many more there are", () => {
    const s = fakeSummary();
    const many = Array.from({ length: SUMMARY_TEXT_FLOWS_MAX + 5 }, (_, i) => flow(`f${i}`, []));
    const text = renderSummary({ ...s, flows: many, totals: computeTotals(many) }, null);
    expect(text).toContain("... and 5 more flows (see summary.json)");
    expect(text).toContain("(no packets were sent)");
  });
});
