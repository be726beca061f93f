/**
 * Properties of decide() over generated topologies (src/testing). fast-check prints the seed and
 * the shrunk counterexample on failure; replay with { seed, path } in fc.assert's parameters.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decide } from "../../src/policy/decide.js";
import { outcomeFor } from "../../src/policy/reasons.js";
import { FLOW_ENCRYPTION_VALUES } from "../../src/policy/values.js";
import { arbTopologyWithFlows, type TopologyWithFlows } from "../../src/testing/index.js";
import { isPrivateIpv4, parseIpv4 } from "../../src/topology/cidr.js";
import type { Flow, Topology, Vm } from "../../src/topology/model.js";

const RUNS = 200;
const isPrivate = (ip: string): boolean => parseIpv4(ip) !== null && isPrivateIpv4(ip);
const swap = (f: Flow): Flow => ({ srcIp: f.dstIp, dstIp: f.srcIp, protocol: f.protocol, srcPort: f.dstPort, dstPort: f.srcPort });

describe("decide properties", () => {
  it("never throws; one of the eight values; outcome = REASON_TABLE[reason][enforcement]; deterministic", () => {
    fc.assert(fc.property(arbTopologyWithFlows({ maxAksClusters: 2 }), ({ topology, flows, nowMs }) => {
      const copy = structuredClone(topology);
      for (const f of flows) {
        const v = decide(f, topology, nowMs);
        expect(FLOW_ENCRYPTION_VALUES).toContain(v.encryption);
        expect({ encryption: v.encryption, action: v.action }).toEqual(outcomeFor(v.reason, v.enforcement));
        expect(v.reason).not.toBe("handshake-failed");
        expect(v.detail.length).toBeGreaterThan(0);
        expect(decide(f, copy, nowMs)).toEqual(v);
      }
    }), { numRuns: RUNS });
  });

  it("swapping source and destination gives the same outcome when no ILB is involved", () => {
    let compared = 0;
    let encrypted = 0;
    fc.assert(fc.property(arbTopologyWithFlows(), ({ topology, flows, nowMs }) => {
      const frontends = new Set(topology.loadBalancers.map((lb) => lb.frontendIp));
      for (const f of flows) {
        if (frontends.has(f.srcIp) || frontends.has(f.dstIp)) continue;
        const a = decide(f, topology, nowMs);
        const b = decide(swap(f), topology, nowMs);
        expect([b.encryption, b.action, b.reason]).toEqual([a.encryption, a.action, a.reason]);
        compared++;
        if (a.encryption === "X") encrypted++;
      }
    }), { numRuns: RUNS });
    // Not vacuous: many flows compared, and a fair share of them encrypted.
    expect(compared).toBeGreaterThan(RUNS * 4);
    expect(encrypted).toBeGreaterThan(RUNS / 8);
  });

  /** Supported size, AN on everywhere, and a restart after enabling that is past the not-ready window (when one fits before nowMs). */
  function improve(t: Topology, vmName: string, nowMs: number): Topology {
    const vnetsOf = (vm: Vm): string[] => vm.nics.flatMap((n) => n.ipConfigs.map((c) => c.subnet.split("/")[0] ?? ""));
    return {
      ...t,
      vms: t.vms.map((vm) => {
        if (vm.name !== vmName) return vm;
        const enabledAt = t.vnets.filter((v) => vnetsOf(vm).includes(v.name) && v.encryption.enabled).map((v) => v.encryption.enabledAtMs ?? -Infinity);
        const mustStartAfter = Math.max(-Infinity, ...enabledAt);
        const latestReady = nowMs - t.settings.swNotReadyWindowMs;
        const s = vm.lastStartedAtMs;
        const alreadyFine = s !== null && s >= mustStartAfter && s <= latestReady;
        const lastStartedAtMs = alreadyFine || latestReady < mustStartAfter ? s : latestReady;
        return { ...vm, size: "Standard_D4s_v5", lastStartedAtMs, nics: vm.nics.map((n) => ({ ...n, acceleratedNetworking: true })) };
      }),
    };
  }

  it("improving an endpoint (supported size, AN on, restart after enabling) never turns X into NX", () => {
    const arb = arbTopologyWithFlows({ maxAksClusters: 2 }).chain((x) =>
      fc.tuple(fc.constant(x), x.topology.vms.length === 0 ? fc.constant(-1) : fc.nat({ max: x.topology.vms.length - 1 })));
    let checked = 0;
    fc.assert(fc.property(arb, ([{ topology, flows, nowMs }, vmIndex]: [TopologyWithFlows, number]) => {
      const vm = topology.vms[vmIndex];
      if (vm === undefined) return;
      const better = improve(topology, vm.name, nowMs);
      for (const f of flows) {
        if (decide(f, topology, nowMs).encryption !== "X") continue;
        const after = decide(f, better, nowMs);
        expect({ flow: f, vm: vm.name, after: after.encryption, reason: after.reason }).toMatchObject({ after: "X" });
        checked++;
      }
    }), { numRuns: RUNS });
    expect(checked).toBeGreaterThan(RUNS / 8);
  });

  let dropChecked = 0;
  function dropProperty(x: TopologyWithFlows): void {
    const vnets = new Map(x.topology.vnets.map((v) => [v.name, v.encryption]));
    for (const f of x.flows) {
      const v = decide(f, x.topology, x.nowMs);
      const a = v.src?.vnet == null ? undefined : vnets.get(v.src.vnet);
      const b = v.dst?.vnet == null ? undefined : vnets.get(v.dst.vnet);
      const bothDrop = a !== undefined && b !== undefined && a.enabled && b.enabled &&
        a.enforcement === "DropUnencrypted" && b.enforcement === "DropUnencrypted";
      expect(v.enforcement).toBe(bothDrop ? "DropUnencrypted" : "AllowUnencrypted");
      if (!bothDrop) {
        expect(v.encryption).not.toBe("NX_NOT_ACCEPTED");
        continue;
      }
      const differentHosts = v.src?.host == null || v.src.host !== v.dst?.host;
      if (isPrivate(f.srcIp) && isPrivate(f.dstIp) && differentHosts) {
        expect({ flow: f, reason: v.reason, deliveredUnencrypted: v.action === "deliver" && v.encryption !== "X" })
          .toMatchObject({ deliveredUnencrypted: false });
        if (v.encryption === "NX_NOT_ACCEPTED") dropChecked++;
      }
    }
  }

  it("DropUnencrypted on both ends: no private-to-private flow between different hosts is delivered unencrypted", () => {
    dropChecked = 0;
    fc.assert(fc.property(arbTopologyWithFlows({ encryption: "on", enforcement: "DropUnencrypted", maxAksClusters: 2 }), dropProperty), { numRuns: RUNS });
    expect(dropChecked).toBeGreaterThan(RUNS / 8);
  });

  it("mixed enforcement: DropUnencrypted applies only when both ends enforce it", () => {
    fc.assert(fc.property(arbTopologyWithFlows({ maxVnets: 4 }), dropProperty), { numRuns: RUNS });
  });

  it("once every VM's not-ready window has passed, no flow is NX_SW_NOT_READY", () => {
    fc.assert(fc.property(arbTopologyWithFlows(), ({ topology, flows }) => {
      const lastStart = Math.max(0, ...topology.vms.map((v) => v.lastStartedAtMs ?? 0));
      const later = lastStart + topology.settings.swNotReadyWindowMs;
      for (const f of flows) expect(decide(f, topology, later).reason).not.toBe("host-software-not-ready");
    }), { numRuns: RUNS });
  });

  it("with encryption off everywhere nothing is encrypted and nothing is NX_NOT_ACCEPTED", () => {
    fc.assert(fc.property(arbTopologyWithFlows({ encryption: "off" }), ({ topology, flows, nowMs }) => {
      for (const f of flows) {
        const v = decide(f, topology, nowMs);
        expect(["X", "NX_NOT_ACCEPTED", "NX_SW_NOT_READY", "NX_HW_NOT_SUPPORTED", "NX_NOT_SUPPORTED", "NX_LOCAL_DST"]).not.toContain(v.encryption);
        expect(v.enforcement).toBe("AllowUnencrypted");
      }
    }), { numRuns: RUNS });
  });
});
