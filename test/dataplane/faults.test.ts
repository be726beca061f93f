/**
 * Fault runs (issue 4 §5): with loss, duplication, reordering and jitter on the memory wire,
 * conservation still holds, no plaintext crosses the wire for a packet the sender sealed (every
 * tapped datagram is scanned for the inner marker "VNSIMPKT"), and DropUnencrypted never delivers
 * plaintext between encryption-capable hosts, even when handshakes fail. Plus conservation on
 * generated topologies (src/testing arbitraries), a host crash, and the udp wire on 127.0.0.1.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, type Scenario } from "../../src/scenario/index.js";
import type { FlowSpec, ScenarioFaultEvent, TimedEvent } from "../../src/scenario/types.js";
import { arbTopologyWithFlows } from "../../src/testing/index.js";
import { runScenario, type RunResult } from "../../sim/runner.js";
import { conservationViolations, findMarker, parseInnerPacket, VXLAN_ENCAP_BYTES, VXLAN_UDP_PORT } from "../../src/dataplane/index.js";
import { changedFlows, flowLogTotals, expectedLogTotals } from "./helpers.js";
import { pairScenario, tapInto, type Tapped } from "./fixtures.js";

function violations(r: RunResult): string[] {
  return r.flows.flatMap((f) => [...conservationViolations(`${f.name} fwd`, f.forward), ...conservationViolations(`${f.name} rev`, f.reverse)]);
}

/** Every datagram showing the marker must be a VXLAN datagram of a packet the sender sent in plaintext. */
function plaintextByFlow(list: Tapped[]): Map<number, number> {
  const byFlow = new Map<number, number>();
  for (const t of list) {
    const at = findMarker(t.payload);
    if (at < 0) continue;
    expect(t.dstPort).toBe(VXLAN_UDP_PORT);
    const p = parseInnerPacket(t.payload, VXLAN_ENCAP_BYTES, t.payload.length - VXLAN_ENCAP_BYTES);
    expect(p).not.toBeNull();
    const flow = p!.flowId >>> 1;
    byFlow.set(flow, (byFlow.get(flow) ?? 0) + 1);
  }
  return byFlow;
}

/** Packets the sender handled in plaintext over the wire: delivered outcomes other than X and NX_LOCAL_DST. */
function plaintextSent(r: RunResult, i: number): number {
  return r.flows[i]!.verdicts.filter((v) => v.action === "deliver" && v.encryption !== "X" && v.encryption !== "NX_LOCAL_DST").reduce((s, v) => s + v.packets, 0);
}

const LOSSY = { lossRate: 0.1, duplicateRate: 0.05, reorderRate: 0.2, jitterMs: 2, latencyMs: 0.5 };

describe("fault runs on the memory wire", () => {
  it("default.yaml with loss, duplication, reordering and jitter: conservation, flow logs, and no marker in any sealed datagram", async () => {
    const scenario = loadScenarioFile("scenarios/default.yaml");
    const list: Tapped[] = [];
    const r = await runScenario(scenario, { faults: { global: LOSSY }, tap: tapInto(list) });
    expect(violations(r)).toEqual([]);
    expect(r.packets.droppedBy.loss ?? 0).toBeGreaterThan(0);
    expect(r.packets.duplicates).toBeGreaterThan(0);
    expect(r.packets.plaintextLeaks).toBe(0);
    const byFlow = plaintextByFlow(list);
    r.flows.forEach((_f, i) => expect(byFlow.get(i) ?? 0).toBe(plaintextSent(r, i)));
    // a flow that only ever had X outcomes never shows its marker on the wire
    const onlyX = r.flows.map((f, i) => [f, i] as const).filter(([f]) => f.verdicts.length > 0 && f.verdicts.every((v) => v.encryption === "X"));
    expect(onlyX.length).toBeGreaterThan(5);
    for (const [, i] of onlyX) expect(byFlow.get(i) ?? 0).toBe(0);
    expect(flowLogTotals(r.flowLogRecords, changedFlows(r))).toEqual(expectedLogTotals(scenario, r));
  });

  it("DropUnencrypted never delivers plaintext between encryption-capable hosts, even when handshakes fail", async () => {
    const scenario = loadScenarioFile("scenarios/default.yaml");
    const list: Tapped[] = [];
    const r = await runScenario(scenario, { enforcement: "DropUnencrypted", faults: { global: LOSSY, staleKeyHosts: ["host-db-1"] }, tap: tapInto(list) });
    expect(violations(r)).toEqual([]);
    const byFlow = plaintextByFlow(list);
    let sawFailure = false;
    r.flows.forEach((f, i) => {
      if (!f.verdicts.some((v) => v.encryption === "X" || v.reason === "handshake-failed")) return;
      // an encryption-capable pair: nothing in plaintext, ever
      expect(f.plaintextPackets).toBe(0);
      expect(f.forward.byEncryption.NX_FALLBACK ?? 0).toBe(0);
      expect(byFlow.get(i) ?? 0).toBe(0);
      if ((f.droppedBy["handshake-failed"] ?? 0) > 0) sawFailure = true;
    });
    expect(sawFailure).toBe(true);
    const dbFlow = r.flows.find((f) => f.name === "app-to-db")!;
    expect(dbFlow.delivered).toBe(0);
    expect(dbFlow.forward.byEncryption.NX_NOT_ACCEPTED).toBeGreaterThan(0);
  });

  it("a host crash drops what its VMs send and what is sent to them; recovery restores encrypted traffic", async () => {
    const r = await runScenario(pairScenario({ packets: 30, rate: "10/s", pattern: "request-response" }), {
      faults: { events: [{ atMs: 1_000, action: "host-crash", host: "host-1" }, { atMs: 2_000, action: "host-recover", host: "host-1" }] },
    });
    const f = r.flows[0]!;
    expect(violations(r)).toEqual([]);
    expect(f.droppedBy["host-down"]).toBeGreaterThan(0);
    expect(r.tunnels.opened).toBe(2);
    expect(r.tunnels.eventClosed).toBe(1);
    expect(f.encryptedPackets).toBeGreaterThan(30);
  });
});

describe("generated topologies (few runs)", () => {
  it("conservation and flow-log totals hold for generated topologies and flows, with events, faults and loss", async () => {
    await fc.assert(
      fc.asyncProperty(arbTopologyWithFlows({ maxFlows: 12 }), fc.boolean(), fc.integer({ min: 1, max: 1000 }), async ({ topology, flows }, lossy, seed) => {
        // Unique source ports (and no ICMP, whose ports are 0) so each flow has its own flow-log tuple.
        const specs: FlowSpec[] = flows.map((f0, i) => ({ ...f0, protocol: f0.protocol === "icmp" ? "udp" as const : f0.protocol, srcPort: 20_000 + i })).map((flow, i) => ({
          name: `f${i}`, from: flow.srcIp, to: flow.dstIp, flow, startMs: i * 3, packets: 1 + (i % 4), sizeBytes: 200 + 50 * i,
          rate: null, pattern: i % 2 === 0 ? "one-way" : "request-response",
        }));
        // Timed events and faults in the middle of the traffic: a VM restart, a host's hardware
        // turning faulty, a partition and its repair, a host crash and its recovery.
        const vm = topology.vms[seed % Math.max(1, topology.vms.length)];
        const hosts = topology.hosts.map((h) => h.name);
        const events: TimedEvent[] = [];
        if (vm !== undefined) events.push({ atMs: 7, action: "restart", vm: vm.name });
        if (hosts.length > 0) events.push({ atMs: 12, action: "host-hardware", host: hosts[seed % hosts.length]!, hardware: "faulty" });
        const faultEvents: ScenarioFaultEvent[] = hosts.length < 2 ? [] : [
          { atMs: 5, action: "partition", a: hosts[0]!, b: hosts[1]! },
          { atMs: 9, action: "host-crash", host: hosts[hosts.length - 1]! },
          { atMs: 15, action: "repair", a: hosts[0]!, b: hosts[1]! },
          { atMs: 20, action: "host-recover", host: hosts[hosts.length - 1]! },
        ];
        const scenario: Scenario = { name: "generated", description: "", file: "generated", topology, settings: { tunnelScope: seed % 2 === 0 ? "vm-pair" : "host-pair" }, events, flows: specs, expectations: [] };
        const r = await runScenario(scenario, { seed, faults: { ...(lossy ? { global: LOSSY } : {}), events: faultEvents } });
        expect(violations(r)).toEqual([]);
        expect(r.packets.plaintextLeaks).toBe(0);
        expect(r.flowLogOverflow.observations).toBe(0);
        expect(flowLogTotals(r.flowLogRecords, changedFlows(r))).toEqual(expectedLogTotals(scenario, r));
        for (const f of r.flows) expect(f.sent).toBe(specs.find((s) => s.name === f.name)!.packets * (f.pattern === "request-response" ? 2 : 1));
      }),
      {
        numRuns: Number(process.env["DP_PROPERTY_RUNS"] ?? 12),
        ...(process.env["DP_PROPERTY_SEED"] === undefined ? {} : { seed: Number(process.env["DP_PROPERTY_SEED"]), path: process.env["DP_PROPERTY_PATH"], endOnFailure: true }),
      },
    );
  });
});

describe("udp wire", () => {
  it("a short run over real UDP sockets on 127.0.0.1 delivers every packet through the tunnel", async () => {
    const list: Tapped[] = [];
    const r = await runScenario(pairScenario({ packets: 5, pattern: "request-response", extraTraffic: "  - { name: to-internet, from: vm-0, to: 8.8.8.8, dstPort: 443, packets: 2 }" }), { wire: "udp", tap: tapInto(list), udpTimeoutMs: 10_000 });
    expect(r.wire).toBe("udp");
    expect(r.stoppedBy).toBe("done");
    expect(violations(r)).toEqual([]);
    const f = r.flows[0]!;
    expect(f.encryptedPackets).toBe(10);
    expect(r.flows[1]!.plaintextPackets).toBe(2);
    expect(r.ok).toBe(true);
    expect(list.filter((t) => t.payload[0] === 23).length).toBe(10);
  }, 20_000);
});
