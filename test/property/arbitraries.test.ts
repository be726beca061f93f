import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lint } from "../../src/policy/lint.js";
import {
  ARB_VNETS_MAX, SUPPORTED_SIZE_NAMES, UNKNOWN_SIZE_NAME, UNSUPPORTED_SIZE_NAMES,
  ARB_SUBNET_HOSTS_MAX, NOISE_ADDRESSES, arbFlowIn, arbTopologyPlan, buildTopology, arbTopology, arbTopologyWithFlows, topologyAddresses,
} from "../../src/testing/index.js";
import { cidrContains, cidrOverlaps, cidrWithin } from "../../src/topology/cidr.js";
import { lookupSize } from "../../src/topology/sizes.js";
import type { Topology } from "../../src/topology/model.js";

function checkValid(t: Topology): void {
  const unique = (xs: string[], what: string): void => {
    expect(new Set(xs).size, `${what} unique: ${xs.join(",")}`).toBe(xs.length);
  };
  unique(t.vnets.map((v) => v.name), "vnet names");
  unique(t.vms.map((v) => v.name), "vm names");
  unique(t.hosts.map((h) => h.name), "host names");
  unique(topologyAddresses(t), "addresses");
  const vnets = new Map(t.vnets.map((v) => [v.name, v]));
  for (let i = 0; i < t.vnets.length; i++) {
    const a = t.vnets[i];
    for (let j = i + 1; j < t.vnets.length; j++) {
      const b = t.vnets[j];
      if (a && b) for (const x of a.addressSpace) for (const y of b.addressSpace) expect(cidrOverlaps(x, y)).toBe(false);
    }
    for (const s of a?.subnets ?? []) expect(a?.addressSpace.some((sp) => cidrWithin(s.prefix, sp))).toBe(true);
  }
  const subnetPrefix = (ref: string): string | undefined => {
    const [vn, sn] = ref.split("/");
    return vnets.get(vn ?? "")?.subnets.find((s) => s.name === sn)?.prefix;
  };
  const hosts = new Set(t.hosts.map((h) => h.name));
  for (const vm of t.vms) {
    expect(hosts.has(vm.host)).toBe(true);
    for (const nic of vm.nics) for (const c of nic.ipConfigs) expect(cidrContains(subnetPrefix(c.subnet) ?? "0.0.0.0/32", c.privateIp)).toBe(true);
  }
  const vmNames = new Set(t.vms.map((v) => v.name));
  for (const lb of t.loadBalancers) {
    expect(vnets.has(lb.vnet)).toBe(true);
    for (const b of lb.backends) {
      const cfg = t.vms.find((v) => v.name === b.vm)?.nics.find((n) => n.name === b.nic)?.ipConfigs.find((c) => c.name === b.ipConfig);
      expect(cfg).toBeDefined();
    }
  }
  for (const c of t.aksClusters) {
    for (const p of c.pods) expect(vmNames.has(p.node)).toBe(true);
    if (c.podSubnet !== null) for (const p of c.pods) expect(cidrContains(subnetPrefix(c.podSubnet) ?? "0.0.0.0/32", p.ip)).toBe(true);
  }
  for (const p of t.paasServices) expect(t.vms.find((v) => v.name === p.hostVm)?.role).toEqual({ kind: "paas-host", service: p.name });
  for (const p of t.peerings) expect(vnets.has(p.fromVnet) && vnets.has(p.toVnet) && p.fromVnet !== p.toVnet).toBe(true);
  expect(lint(t).filter((d) => d.code === "VNE014")).toEqual([]);
}

describe("src/testing arbitraries", () => {
  it("the size name lists agree with the size catalog", () => {
    for (const s of SUPPORTED_SIZE_NAMES) expect(lookupSize(s)?.encryption, s).toBe(true);
    for (const s of UNSUPPORTED_SIZE_NAMES) expect(lookupSize(s)?.encryption, s).toBe(false);
    expect(lookupSize(UNKNOWN_SIZE_NAME)).toBeUndefined();
  });

  it("arbTopology yields valid topologies", () => {
    fc.assert(fc.property(arbTopology({ maxVnets: 4, maxVms: 10, maxAksClusters: 2 }), checkValid), { numRuns: 200 });
  });

  it("arbFlowIn draws addresses of the topology", () => {
    fc.assert(fc.property(arbTopology().chain((t) => fc.tuple(fc.constant(t), arbFlowIn(t))), ([t, f]) => {
      const known = new Set([...topologyAddresses(t), ...NOISE_ADDRESSES]);
      expect(known.has(f.srcIp) && known.has(f.dstIp)).toBe(true);
    }), { numRuns: 100 });
  });

  it("options are enforced: forced encryption and enforcement, and limits", () => {
    fc.assert(fc.property(arbTopology({ encryption: "on", enforcement: "DropUnencrypted" }), (t) => {
      for (const v of t.vnets) expect(v.encryption).toMatchObject({ enabled: true, enforcement: "DropUnencrypted" });
    }), { numRuns: 50 });
    expect(() => arbTopology({ maxVnets: ARB_VNETS_MAX + 1 })).toThrow(/maxVnets.*\[1, 8\].*got 9/);
    expect(() => arbTopologyWithFlows({ maxFlows: 0 })).toThrow(/maxFlows/);
    const [plan] = fc.sample(arbTopologyPlan({ maxVms: 1 }), { numRuns: 1, seed: 3 });
    if (plan === undefined) throw new Error("no plan sampled");
    const vm = { vnet: 0, host: 0, size: "Standard_D4s_v5", acceleratedNetworking: true, powerState: "running" as const, startedMs: 0, secondaryIp: false, publicIp: false, scaleSetInstance: false };
    const full = { ...plan, vms: Array.from({ length: ARB_SUBNET_HOSTS_MAX }, () => vm), loadBalancers: [], aks: [] };
    expect(buildTopology(full).vms.length).toBeGreaterThanOrEqual(ARB_SUBNET_HOSTS_MAX);
    expect(() => buildTopology({ ...full, vms: [...full.vms, vm] })).toThrow(/vnet-0\/default expected at most 250 addresses/);
  });

  it("generates the interesting shapes often enough", () => {
    const samples = fc.sample(arbTopology({ maxAksClusters: 2 }), { numRuns: 300, seed: 42 });
    const some = (p: (t: Topology) => boolean): number => samples.filter(p).length;
    expect(some((t) => t.loadBalancers.length > 0)).toBeGreaterThan(30);
    expect(some((t) => t.aksClusters.some((c) => c.pods.length > 0))).toBeGreaterThan(30);
    expect(some((t) => t.peerings.length > 0)).toBeGreaterThan(30);
    expect(some((t) => t.vnets.some((v) => v.encryption.enforcement === "DropUnencrypted" && v.encryption.enabled))).toBeGreaterThan(30);
  });
});
