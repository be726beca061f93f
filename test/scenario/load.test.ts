import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadScenarioFile, parseScenario, topologyAt } from "../../src/scenario/index.js";
import { cidrContains } from "../../src/topology/cidr.js";

const fullPath = fileURLToPath(new URL("./fixtures/full.yaml", import.meta.url));
const fullText = readFileSync(fullPath, "utf8");

describe("full-featured scenario -> Topology at time 0", () => {
  const s = loadScenarioFile(fullPath);
  const t = s.topology;
  const vm = (name: string) => {
    const v = t.vms.find((x) => x.name === name);
    if (v === undefined) throw new Error(`no VM ${name}`);
    return v;
  };

  it("keeps the header and settings", () => {
    expect(s.name).toBe("full-featured");
    expect(s.description).toMatch(/^Two peered VNets/);
    expect(s.file).toBe(fullPath);
    expect(s.settings).toEqual({ tunnelScope: "host-pair" });
    expect(t.epochIso).toBe("2026-01-01T00:00:00Z");
    expect(t.settings).toEqual({ swNotReadyWindowMs: 20_000, seed: 7 });
    expect(t.sizeOverrides).toEqual([{ series: "Dsv7", encryption: true, acceleratedNetworking: true, confidential: false }]);
  });

  it("builds VNets with defaults and encryption times", () => {
    expect(t.vnets.map((v) => v.name)).toEqual(["vnet-a", "vnet-b", "vnet-c"]);
    const [a, b, c] = t.vnets;
    expect(a).toMatchObject({ subscriptionId: "11111111-2222-3333-4444-555555555555", resourceGroup: "rg-a",
      encryption: { enabled: true, enforcement: "AllowUnencrypted", enabledAtMs: -3_600_000 } });
    expect(a?.subnets.map((x) => x.name)).toEqual(["default", "nodes", "pods", "paas", "AzureFirewallSubnet"]);
    expect(b).toMatchObject({ region: "northeurope", subscriptionId: "00000000-0000-0000-0000-000000000000", resourceGroup: "rg-vnetsim",
      addressSpace: ["10.1.0.0/16", "10.2.0.0/16"], encryption: { enabled: true, enforcement: "AllowUnencrypted", enabledAtMs: -86_400_000 } });
    expect(c?.encryption).toEqual({ enabled: false, enforcement: "AllowUnencrypted", enabledAtMs: null });
  });

  it("expands peerings: between gives both directions, from/to one", () => {
    expect(t.peerings).toEqual([
      { name: "vnet-a-to-vnet-b", fromVnet: "vnet-a", toVnet: "vnet-b" },
      { name: "vnet-b-to-vnet-a", fromVnet: "vnet-b", toVnet: "vnet-a" },
      { name: "vnet-a-to-vnet-c", fromVnet: "vnet-a", toVnet: "vnet-c" },
    ]);
  });

  it("creates every VM in order: vms, scale set instances, AKS nodes, PaaS hosts", () => {
    expect(t.vms.map((v) => v.name)).toEqual(["vm-1", "vm-2", "vm-3", "vm-4", "vmss-web_0", "vmss-web_1", "vmss-web_2",
      "aks-1-system-0", "aks-1-system-1", "aks-2-pool-0", "sqlmi-1-vm"]);
    expect(vm("vmss-web_2").role).toEqual({ kind: "scale-set-instance", scaleSet: "vmss-web", instance: 2 });
    expect(vm("aks-1-system-1").role).toEqual({ kind: "aks-node", cluster: "aks-1", nodePool: "system", instance: 1 });
    expect(vm("sqlmi-1-vm").role).toEqual({ kind: "paas-host", service: "sqlmi-1" });
    expect(t.paasServices).toEqual([{ name: "sqlmi-1", hostVm: "sqlmi-1-vm" }]);
  });

  it("applies the short form, long form and their defaults", () => {
    expect(vm("vm-1")).toMatchObject({ size: "Standard_D4s_v5", host: "host-1", powerState: "running", lastStartedAtMs: -1_800_000 });
    expect(vm("vm-1").nics).toEqual([{ name: "vm-1-nic0", acceleratedNetworking: true, macAddress: expect.stringMatching(/^002248[0-9A-F]{6}$/),
      ipConfigs: [{ name: "ipconfig1", subnet: "vnet-a/default", privateIp: "10.0.1.10", primary: true, publicIp: null }] }]);
    expect(vm("vm-2")).toMatchObject({ lastStartedAtMs: -86_400_000 });
    expect(vm("vm-2").nics[0]?.acceleratedNetworking).toBe(false);
    const v3 = vm("vm-3");
    expect(v3).toMatchObject({ powerState: "stopped", lastStartedAtMs: null });
    expect(v3.nics.map((n) => n.name)).toEqual(["vm-3-nic0", "vm-3-nic1"]);
    expect(v3.nics[0]?.macAddress).toBe("00224801ABCD");
    expect(v3.nics[0]?.ipConfigs).toEqual([
      { name: "ipconfig1", subnet: "vnet-b/default", privateIp: "10.1.1.4", primary: false, publicIp: "20.1.2.3" },
      { name: "ipconfig2", subnet: "vnet-b/default", privateIp: "10.1.1.5", primary: true, publicIp: null },
    ]);
    expect(v3.nics[1]).toMatchObject({ acceleratedNetworking: false, ipConfigs: [{ name: "ipconfig1", privateIp: "10.1.1.6", primary: true }] });
  });

  it("assigns free addresses from .4 in file order, skipping explicit ones", () => {
    // vm-1 took 10.0.1.10 explicitly; vm-2 is the first automatic one in vnet-a/default.
    expect(t.vms.filter((v) => v.nics[0]?.ipConfigs[0]?.subnet === "vnet-a/default").map((v) => v.nics[0]?.ipConfigs[0]?.privateIp))
      .toEqual(["10.0.1.10", "10.0.1.4", "10.0.1.5", "10.0.1.6", "10.0.1.7"]);
    expect(vm("aks-1-system-0").nics[0]?.ipConfigs[0]?.privateIp).toBe("10.0.2.4");
    expect(vm("sqlmi-1-vm").nics[0]?.ipConfigs[0]?.privateIp).toBe("10.0.3.4");
    const all = t.vms.flatMap((v) => v.nics.flatMap((n) => n.ipConfigs.map((c) => c.privateIp)));
    expect(new Set(all).size).toBe(all.length);
  });

  it("places VMs: explicit hosts, round robin for scale sets, auto hosts per region otherwise", () => {
    expect(t.hosts.slice(0, 3).map((h) => h.name)).toEqual(["host-1", "host-2", "host-3"]);
    expect(t.hosts[1]).toEqual({ name: "host-2", region: "westeurope", hardware: "faulty", discoverySupported: false, underlayIp: "100.64.9.9" });
    expect(["vmss-web_0", "vmss-web_1", "vmss-web_2"].map((n) => vm(n).host)).toEqual(["host-1", "host-3", "host-1"]);
    expect(vm("sqlmi-1-vm").host).toBe("host-3");
    expect(vm("vm-3").host).toBe("northeurope-host-1");
    const auto = t.hosts.filter((h) => /-host-\d+$/.test(h.name));
    for (const h of auto) {
      const residents = t.vms.filter((v) => v.host === h.name);
      expect(residents.length).toBeGreaterThanOrEqual(1);
      expect(residents.length).toBeLessThanOrEqual(2); // settings.vmsPerHost
    }
    for (const v of t.vms) {
      const host = t.hosts.find((h) => h.name === v.host);
      const vnet = t.vnets.find((n) => n.name === v.nics[0]?.ipConfigs[0]?.subnet.split("/")[0]);
      expect(host?.region).toBe(vnet?.region);
    }
    const underlay = t.hosts.map((h) => h.underlayIp);
    expect(new Set(underlay).size).toBe(underlay.length);
    for (const ip of underlay) expect(cidrContains("100.64.0.0/10", ip)).toBe(true);
  });

  it("gives every NIC a unique MAC", () => {
    const macs = t.vms.flatMap((v) => v.nics.map((n) => n.macAddress));
    expect(new Set(macs).size).toBe(macs.length);
    for (const m of macs) expect(m).toMatch(/^[0-9A-F]{12}$/);
  });

  it("resolves load balancer backends, AKS, appliances and externals", () => {
    expect(t.loadBalancers).toEqual([{ name: "ilb-web", vnet: "vnet-a", frontendIp: "10.0.1.100", backends: [
      { vm: "vmss-web_0", nic: "vmss-web_0-nic0", ipConfig: "ipconfig1" },
      { vm: "vmss-web_1", nic: "vmss-web_1-nic0", ipConfig: "ipconfig1" },
      { vm: "vm-1", nic: "vm-1-nic0", ipConfig: "ipconfig1" }] }]);
    expect(t.aksClusters[0]).toEqual({ name: "aks-1", vnet: "vnet-a", networkPlugin: "azure", podSubnet: "vnet-a/pods",
      nodePools: [{ name: "system", nodes: ["aks-1-system-0", "aks-1-system-1"] }],
      pods: [{ name: "web-0", node: "aks-1-system-0", ip: "10.0.16.4" }, { name: "web-1", node: "aks-1-system-1", ip: "10.0.16.50" }],
      controlPlaneIp: "20.50.0.10" });
    expect(t.aksClusters[1]).toMatchObject({ networkPlugin: "kubenet", podSubnet: null, pods: [{ name: "api", node: "aks-2-pool-0", ip: "10.244.0.4" }] });
    expect(cidrContains("20.50.0.0/16", t.aksClusters[1]?.controlPlaneIp ?? "")).toBe(true);
    expect(t.appliances).toEqual([
      { name: "fw-1", kind: "azure-firewall-premium", vnet: "vnet-a", subnet: "vnet-a/AzureFirewallSubnet", ip: "10.0.4.4", encryptionSupported: true },
      { name: "agw-1", kind: "application-gateway", vnet: "vnet-a", subnet: "vnet-a/AzureFirewallSubnet", ip: "10.0.4.5", encryptionSupported: true },
    ]);
    expect(t.externals).toEqual([{ name: "internet", ip: "8.8.8.8" }]);
  });

  it("expands traffic to flows with resolved addresses and defaults", () => {
    const byName = new Map(s.flows.map((f) => [f.name, f]));
    expect([...byName.keys()]).toEqual(["web-to-db", "vm-1->internet", "vmss-web_2->ilb-web", "pods", "to-api", "sql", "fw", "literal",
      "mesh:vm-4->aks-2-pool-0", "mesh:aks-2-pool-0->vm-4"]);
    expect(byName.get("web-to-db")).toEqual({ name: "web-to-db", from: "vm-1", to: "vm-2",
      flow: { srcIp: "10.0.1.10", dstIp: "10.0.1.4", protocol: "tcp", srcPort: 50000, dstPort: 1433 },
      startMs: 0, packets: 10, sizeBytes: 1200, rate: { kind: "constant", perSecond: 10 }, pattern: "request-response" });
    const internet = byName.get("vm-1->internet");
    expect(internet).toMatchObject({ flow: { srcIp: "10.0.1.10", dstIp: "8.8.8.8", protocol: "tcp", dstPort: 443 }, packets: 10, sizeBytes: 1000,
      startMs: 0, rate: null, pattern: "one-way" });
    expect(internet?.flow.srcPort).toBeGreaterThanOrEqual(49152);
    expect(byName.get("vmss-web_2->ilb-web")).toMatchObject({ flow: { srcIp: "10.0.1.7", dstIp: "10.0.1.100" }, startMs: 120_000,
      rate: { kind: "poisson", perSecond: 1 } });
    expect(byName.get("pods")?.flow).toMatchObject({ srcIp: "10.0.16.4", dstIp: "10.0.16.50", protocol: "udp", dstPort: 53 });
    expect(byName.get("to-api")?.flow).toMatchObject({ srcIp: "10.0.2.4", dstIp: "20.50.0.10" });
    expect(byName.get("sql")?.flow).toMatchObject({ srcIp: "10.1.1.4", dstIp: "10.0.3.4" });
    expect(byName.get("fw")?.flow).toEqual({ srcIp: "10.0.1.4", dstIp: "10.0.4.4", protocol: "icmp", srcPort: 0, dstPort: 0 });
    expect(byName.get("literal")?.flow).toMatchObject({ srcIp: "10.0.1.10", dstIp: "192.168.50.5" });
    expect(byName.get("mesh:vm-4->aks-2-pool-0")).toMatchObject({ from: "vm-4", to: "aks-2-pool-0",
      flow: { srcIp: "10.3.0.4", dstIp: "10.3.0.5", protocol: "udp", dstPort: 5000 } });
  });

  it("sorts events by time, keeping file order at equal times", () => {
    expect(s.events.map((e) => `${e.atMs}:${e.action}`)).toEqual(["300000:enable-encryption", "300000:restart", "360000:disable-encryption",
      "420000:set-enforcement", "480000:stop", "480000:start", "540000:set-accelerated-networking", "540000:set-accelerated-networking",
      "600000:host-hardware", "660000:deallocate", "720000:redeploy"]);
    expect(s.events[6]).toEqual({ atMs: 540_000, action: "set-accelerated-networking", vm: "vm-1", nic: null, enabled: false });
    expect(s.events[7]).toEqual({ atMs: 540_000, action: "set-accelerated-networking", vm: "vm-3", nic: "vm-3-nic1", enabled: true });
  });

  it("keeps expectations", () => {
    expect(s.expectations).toEqual([
      { flow: "web-to-db", encryption: "NX", action: "deliver", reason: "accelerated-networking-off", atMs: null },
      { flow: "mesh:vm-4->aks-2-pool-0", encryption: "NX", action: "deliver", reason: null, atMs: 60_000 },
      { flow: "vm-1->internet", encryption: "NX", action: "deliver", reason: "not-private-to-private", atMs: null },
    ]);
  });

  it("topologyAt applies the events in order", () => {
    expect(topologyAt(s, -1)).toBe(t);
    const at5 = topologyAt(s, 300_000);
    expect(at5.vnets[2]?.encryption).toEqual({ enabled: true, enforcement: "AllowUnencrypted", enabledAtMs: 300_000 });
    expect(at5.vms.find((v) => v.name === "vm-4")?.lastStartedAtMs).toBe(300_000);
    const at12 = topologyAt(s, 720_000);
    expect(at12.vnets[1]?.encryption).toEqual({ enabled: false, enforcement: "AllowUnencrypted", enabledAtMs: null });
    expect(at12.vnets[0]?.encryption.enforcement).toBe("DropUnencrypted");
    expect(at12.vms.find((v) => v.name === "vm-2")?.powerState).toBe("stopped");
    expect(at12.vms.find((v) => v.name === "vm-3")).toMatchObject({ powerState: "running", lastStartedAtMs: 480_000 });
    expect(at12.vms.find((v) => v.name === "vm-1")?.nics.every((n) => !n.acceleratedNetworking)).toBe(true);
    expect(at12.vms.find((v) => v.name === "vm-3")?.nics.map((n) => n.acceleratedNetworking)).toEqual([true, true]);
    expect(at12.hosts.find((h) => h.name === "host-1")?.hardware).toBe("faulty");
    expect(at12.vms.find((v) => v.name === "vmss-web_0")?.powerState).toBe("deallocated");
    const redeployed = at12.vms.find((v) => v.name === "vm-1");
    expect(redeployed).toMatchObject({ powerState: "running", lastStartedAtMs: 720_000 });
    expect(redeployed?.host).not.toBe("host-1");
    expect(at12.hosts.find((h) => h.name === redeployed?.host)?.region).toBe("westeurope");
    // The time-0 topology is untouched.
    expect(t.vms.find((v) => v.name === "vm-1")?.host).toBe("host-1");
    expect(t.vnets[0]?.encryption.enforcement).toBe("AllowUnencrypted");
  });
});

describe("determinism", () => {
  const withSeed = (seed: number) => parseScenario(fullText.replace(/^seed: 7$/m, `seed: ${seed}`), "full.yaml");
  const fingerprint = (seed: number) => {
    const s = withSeed(seed);
    return JSON.stringify({
      hosts: s.topology.vms.map((v) => `${v.name}@${v.host}`),
      macs: s.topology.vms.flatMap((v) => v.nics.map((n) => n.macAddress)),
      ports: s.flows.map((f) => f.flow.srcPort),
    });
  };

  it("the same seed gives the same placement, MACs and ports", () => {
    expect(fingerprint(7)).toBe(fingerprint(7));
    expect(withSeed(3)).toEqual(withSeed(3));
  });

  it("different seeds give different MACs and ports (and may give different placement)", () => {
    const a = withSeed(1);
    const b = withSeed(2);
    expect(a.topology.vms.map((v) => v.nics[0]?.macAddress)).not.toEqual(b.topology.vms.map((v) => v.nics[0]?.macAddress));
    const defaulted = (x: typeof a) => x.flows.filter((f) => f.name !== "web-to-db" && f.flow.protocol !== "icmp").map((f) => f.flow.srcPort);
    expect(defaulted(a)).not.toEqual(defaulted(b));
    // Explicit choices do not depend on the seed.
    expect(a.flows[0]?.flow.srcPort).toBe(50000);
    expect(a.topology.vms[2]?.nics[0]?.macAddress).toBe("00224801ABCD");
    const placements = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => JSON.stringify(withSeed(seed).topology.vms.map((v) => v.host))));
    expect(placements.size).toBeGreaterThan(1);
  });
});
