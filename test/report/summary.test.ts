import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FlowResult, RunResult } from "../../sim/runner.js";
import { emptyCounters } from "../../src/dataplane/flow-state.js";
import { FLOW_ENCRYPTION_VALUES } from "../../src/policy/values.js";
import { parseScenario } from "../../src/scenario/index.js";
import {
  buildRunSummary,
  computeTotals,
  formatVirtualTime,
  renderSummary,
  sortedCounts,
  summaryJson,
  writeSummaryJson,
  SUMMARY_TEXT_FLOWS_MAX,
  type RunSummary,
} from "../../src/report/summary.js";

const SCENARIO = parseScenario(
  `name: fake
description: A fake run
epoch: "2026-01-01T00:00:00Z"
seed: 7
hosts:
  - { name: h1, region: westeurope }
  - { name: h2, region: westeurope }
vnets:
  - name: v
    region: westeurope
    addressSpace: [10.0.0.0/16]
    encryption: { enabled: true }
    subnets: [{ name: s, prefix: 10.0.1.0/24 }]
vms:
  - { name: vm-a, size: Standard_D4s_v5, host: h1, subnet: v/s, ip: 10.0.1.4 }
  - { name: vm-b, size: Standard_D4s_v5, host: h2, subnet: v/s, ip: 10.0.1.5 }
traffic:
  - { name: enc, from: vm-a, to: vm-b }
`,
  "fake.yaml",
);

/** A fake flow result: the fields the summary reads; fields the data plane adds over time are left out (hence the cast). */
function flow(name: string, verdicts: FlowResult["verdicts"], counts: Partial<FlowResult> = {}): FlowResult {
  return {
    name,
    from: "vm-a",
    to: "vm-b",
    srcIp: "10.0.1.4",
    dstIp: "10.0.1.5",
    protocol: "tcp",
    srcPort: 50000,
    dstPort: 443,
    pattern: "one-way",
    srcVm: "vm-a",
    dstVm: "vm-b",
    verdicts,
    sent: 0,
    delivered: 0,
    dropped: 0,
    droppedBy: {},
    bytesSent: 0,
    bytesDelivered: 0,
    encryptedPackets: 0,
    plaintextPackets: 0,
    duplicates: 0,
    probes: 0,
    forward: emptyCounters(),
    reverse: emptyCounters(),
    ...counts,
  } as FlowResult;
}

/** A small fake run: an encrypted flow, a flow that was not ready then encrypted, a fallback, a local one. */
function fakeResult(): RunResult {
  const flows = [
    flow("enc", [{ encryption: "X", action: "deliver", reason: "encrypted", packets: 10 }], { sent: 10, delivered: 10, encryptedPackets: 10, bytesSent: 1000, bytesDelivered: 1000 }),
    flow(
      "restart",
      [
        { encryption: "X", action: "deliver", reason: "encrypted", packets: 7 },
        { encryption: "NX_SW_NOT_READY", action: "drop", reason: "sw-not-ready", packets: 3 },
      ],
      { sent: 10, delivered: 7, dropped: 3, encryptedPackets: 7, droppedBy: { policy: 3 } },
    ),
    flow("fallback", [{ encryption: "NX_FALLBACK", action: "deliver", reason: "handshake-failed", packets: 8 }], { sent: 8, delivered: 7, dropped: 1, plaintextPackets: 7, droppedBy: { loss: 1 } }),
    flow("local", [{ encryption: "NX_LOCAL_DST", action: "deliver", reason: "same-host", packets: 2 }], { sent: 2, delivered: 2, plaintextPackets: 2 }),
  ];
  return {
    scenario: { name: "fake", seed: 7 },
    wire: "memory",
    flows,
    tunnels: { opened: 3, established: 2, failed: 1, rekeys: 0, evicted: 0, idleClosed: 2, eventClosed: 0, handshakes: 3, retransmissions: 4, fallbackPackets: 8 },
    packets: { sent: 30, delivered: 26, encrypted: 20, dropped: 4, duplicates: 0, droppedBy: { policy: 3, loss: 1 }, strayDatagrams: 0, lateAlerts: 0, plaintextLeaks: 0 },
    dtlsOverheadBytes: 1234,
    wireStats: { datagrams: 40, bytes: 5000 },
    flowLogRecords: [],
    flowLogOverflow: { observations: 0, packets: 0, bytes: 0 },
    expectations: [
      {
        flow: "enc", atMs: 0, expected: { encryption: "X", action: "deliver", reason: null },
        observed: { encryption: "X", action: "deliver", reason: "encrypted", via: "tunnel", atMs: 0.1 }, packetIndex: 0, probe: false, ok: true, mismatches: [],
      },
      {
        flow: "fallback", atMs: 60_000, expected: { encryption: "X", action: "deliver", reason: null },
        observed: { encryption: "NX_FALLBACK", action: "deliver", reason: "handshake-failed", via: "plaintext", atMs: 60_000.1 }, packetIndex: 3, probe: true, ok: false,
        mismatches: ["encryption: expected X, got NX_FALLBACK"],
      },
    ],
    ok: false,
    endedAtMs: 600_000,
    stoppedBy: "idle",
  };
}

function fakeSummary(): RunSummary {
  return buildRunSummary(SCENARIO, fakeResult(), { wire: "memory", durationMs: 600_000, enforcement: null });
}

describe("computeTotals", () => {
  it("counts flows per (encryption, action) once each and packets per outcome, in domain order", () => {
    const t = fakeSummary().totals;
    expect(t.byEncryptionAction).toEqual([
      { encryption: "X", action: "deliver", flows: 2, packets: 17 },
      { encryption: "NX_SW_NOT_READY", action: "drop", flows: 1, packets: 3 },
      { encryption: "NX_LOCAL_DST", action: "deliver", flows: 1, packets: 2 },
      { encryption: "NX_FALLBACK", action: "deliver", flows: 1, packets: 8 },
    ]);
    expect(Object.keys(t.flowsByEncryption)).toEqual([...FLOW_ENCRYPTION_VALUES]);
    expect(t.flowsByEncryption.X).toBe(2);
    expect(t.flowsByEncryption.NX_SW_NOT_READY).toBe(1);
    expect(t.flowsByEncryption.NX).toBe(0);
    expect(t.packets).toEqual({
      sent: 30, delivered: 26, dropped: 4, duplicates: 0, encrypted: 17, plaintext: 9, bytesSent: 1000, bytesDelivered: 1000,
      droppedBy: { loss: 1, policy: 3 },
    });
  });

  it("sortedCounts sorts keys and leaves out zeros", () => {
    expect(Object.keys(sortedCounts({ b: 1, a: 2, c: 0, d: undefined }))).toEqual(["a", "b"]);
  });
});

describe("summary.json", () => {
  it("has a fixed key order, every flow and expectation, and the same bytes for the same input", () => {
    const a = summaryJson(fakeSummary());
    expect(a).toBe(summaryJson(fakeSummary()));
    const doc = JSON.parse(a) as Record<string, unknown> & { flows: { name: string }[]; expectations: unknown[]; scenario: Record<string, unknown>; run: Record<string, unknown> };
    expect(Object.keys(doc)).toEqual(["format", "scenario", "run", "totals", "tunnels", "dtls", "wire", "flowLogs", "flows", "expectations", "ok"]);
    expect(doc.scenario).toEqual({ name: "fake", description: "A fake run", file: "fake.yaml", seed: 7, epoch: SCENARIO.topology.epochIso });
    expect(doc.run).toEqual({ wire: "memory", durationMs: 600_000, enforcement: null, endedAtMs: 600_000, stoppedBy: "idle" });
    expect(doc.flows.map((f) => f.name)).toEqual(["enc", "restart", "fallback", "local"]);
    expect(doc.expectations).toHaveLength(2);
    expect(doc["ok"]).toBe(false);
    expect(a.endsWith("}\n")).toBe(true);
  });

  it("the chunked text is exactly JSON.stringify(summary, null, 2) for any flows and expectations (also empty)", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 5 }), fc.array(fc.jsonValue(), { maxLength: 3 }), (flows, expectations) => {
        const s = { ...fakeSummary(), flows, expectations } as unknown as RunSummary;
        expect(summaryJson(s)).toBe(`${JSON.stringify(s, null, 2)}\n`);
        expect(summaryJson(s, { outputs: { dir: "x" } })).toBe(`${JSON.stringify({ ...s, outputs: { dir: "x" } }, null, 2)}\n`);
      }),
      { numRuns: 100 },
    );
  });

  it("writeSummaryJson writes the same bytes atomically (no temporary file left)", () => {
    const dir = mkdtempSync(join(tmpdir(), "vnetsim-summary-"));
    try {
      const path = join(dir, "summary.json");
      writeSummaryJson(path, fakeSummary());
      expect(readFileSync(path, "utf8")).toBe(summaryJson(fakeSummary()));
      expect(readdirSync(dir)).toEqual(["summary.json"]);
      expect(() => writeSummaryJson(join(dir, "missing", "summary.json"), fakeSummary())).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("key order does not depend on the order the runner built its objects in", () => {
    const r = fakeResult();
    const e = r.expectations[0]!;
    r.expectations[0] = { ok: e.ok, mismatches: e.mismatches, probe: e.probe, packetIndex: e.packetIndex, observed: e.observed, expected: e.expected, atMs: e.atMs, flow: e.flow };
    const reordered = summaryJson(buildRunSummary(SCENARIO, r, { wire: "memory", durationMs: 600_000, enforcement: null }));
    expect(reordered).toBe(summaryJson(fakeSummary()));
  });
});

describe("renderSummary", () => {
  it("formats virtual times exactly when round, else as seconds with milliseconds", () => {
    expect(formatVirtualTime(600_000)).toBe("10m");
    expect(formatVirtualTime(300_009)).toBe("300.009s");
    expect(formatVirtualTime(1.4)).toBe("0.001s");
    expect(formatVirtualTime(0)).toBe("0");
  });

  it("shows flows by encryption and action, tunnels, packets, overhead, flows, expectations and outputs", () => {
    const text = renderSummary(fakeSummary(), {
      dir: "out/fake",
      summaryFile: "out/fake/summary.json",
      flowLogBlobs: 3,
      flowLogDir: "out/fake/insights-logs-flowlogflowevent",
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
    expect(text).toContain("tunnels     established 2, failed 1, rekeys 0, evicted 0, closed idle 2");
    expect(text).toContain("handshakes  3, retransmissions 4");
    expect(text).toContain("DTLS        1234 bytes of overhead on the wire");
    expect(text).toContain("drops       loss 1, policy 3");
    expect(text).toMatch(/^restart +vm-a 10\.0\.1\.4 +vm-b 10\.0\.1\.5 +10 +7 +3 +7 +X deliver, NX_SW_NOT_READY drop$/m);
    // The failed expectation comes first and says what the wire showed.
    const fail = text.indexOf("FAIL fallback at 1m (probe packet): expected X deliver");
    expect(fail).toBeGreaterThan(0);
    expect(fail).toBeLessThan(text.indexOf("PASS enc at 0: X deliver"));
    expect(text).toContain("on the wire: NX_FALLBACK deliver (handshake-failed) via plaintext");
    expect(text).toContain("encryption: expected X, got NX_FALLBACK");
    expect(text).toContain("Output in out/fake");
    expect(text).toContain("out/fake/insights-logs-flowlogflowevent/ (3 flow-log blobs, PT1H.json in Azure's layout)");
    expect(text).toContain("out/fake/wire.pcap (42 frames)");
    expect(text).not.toContain("key log");
    expect(text).not.toContain("cut short");
    expect(text.trimEnd().split("\n").at(-1)).toBe("4 flows, 30 packets, 1/2 expectations passed");
  });

  it("caps the flow lines, says how many more there are, and warns when the run was cut short", () => {
    const s = fakeSummary();
    const many = Array.from({ length: SUMMARY_TEXT_FLOWS_MAX + 5 }, (_, i) => flow(`f${i}`, []));
    const text = renderSummary({ ...s, flows: many, totals: computeTotals(many), run: { ...s.run, stoppedBy: "events-max" } }, null);
    expect(text).toContain("... and 5 more flows (see summary.json)");
    expect(text).toContain("(no packets were sent)");
    expect(text).toContain("The run was cut short (events-max)");
    expect(text).not.toContain("flow table was full");
    const full = renderSummary({ ...s, flowLogs: { records: 0, overflow: { observations: 3, packets: 30, bytes: 3000 } } }, null);
    expect(full).toContain("flow logs   the flow table was full: 30 packets (3000 bytes) are not in the flow logs");
  });
});
