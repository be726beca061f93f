/** One test per row of the scenario table in docs/domain.md §2 (plus its same-host sentences). */
import { describe, expect, it } from "vitest";
import { decide } from "../../src/policy/decide.js";
import { lint } from "../../src/policy/lint.js";
import type { Topology } from "../../src/topology/model.js";
import { CONFIDENTIAL_SIZE, UNSUPPORTED_SIZE, aks, appliance, flow, ilb, topology, vm, vnet } from "./fixtures.js";

const enc = (t: Topology, src: string, dst: string): string => decide(flow(src, dst), t, 0).encryption;
const codes = (t: Topology): string[] => lint(t).map((d) => d.code);

const peeredPair = (region: string): Topology => topology({
  vnets: [vnet("vnet-a", 0), vnet("vnet-b", 1, { region })],
  vms: [vm("vm-1", "10.0.1.4"), vm("vm-2", "10.1.1.4", { subnet: "vnet-b/default" })],
  peerings: [{ name: "a-b", fromVnet: "vnet-a", toVnet: "vnet-b" }, { name: "b-a", fromVnet: "vnet-b", toVnet: "vnet-a" }],
});

const withLb = (sizes: string[], secondary = false): Topology => topology({
  vms: [vm("client", "10.0.1.4"), ...sizes.map((size, i) => vm(`vmss_${i}`, `10.0.1.${10 + i}`, { size, secondaryIp: `10.0.1.${60 + i}`, role: { kind: "scale-set-instance", scaleSet: "vmss", instance: i } }))],
  loadBalancers: [ilb("ilb-1", "10.0.1.100", sizes.map((_, i) => ({ vm: `vmss_${i}`, ipConfig: secondary ? "ipconfig2" : "ipconfig1" })))],
});

const cluster = (plugin: "azure" | "azure-overlay" | "kubenet" | "byocni", podSubnet: string | null): Topology => {
  const podIp = (i: number): string => (podSubnet !== null ? `10.0.2.${10 + i}` : plugin === "azure" ? `10.0.1.${30 + i}` : `10.244.${i}.4`);
  return topology({
    vms: [0, 1].map((i) => vm(`aks-1-system-${i}`, `10.0.1.${20 + i}`, { role: { kind: "aks-node", cluster: "aks-1", nodePool: "system", instance: i } })),
    aksClusters: [aks("aks-1", { nodes: ["aks-1-system-0", "aks-1-system-1"], networkPlugin: plugin, podSubnet, pods: [
      { name: "a", node: "aks-1-system-0", ip: podIp(0) },
      { name: "b", node: "aks-1-system-1", ip: podIp(1) },
      { name: "c", node: "aks-1-system-0", ip: podIp(2) },
    ] })],
  });
};

describe("domain.md §2 scenario table", () => {
  it("VMs and VM scale sets in the same VNet: encrypted between supported sizes", () => {
    const t = topology({ vms: [vm("vm-1", "10.0.1.4"), vm("vmss_0", "10.0.1.5", { role: { kind: "scale-set-instance", scaleSet: "vmss", instance: 0 } }), vm("vm-3", "10.0.1.6", { size: UNSUPPORTED_SIZE })] });
    expect(enc(t, "10.0.1.4", "10.0.1.5")).toBe("X");
    expect(enc(t, "10.0.1.4", "10.0.1.6")).toBe("NX");
  });

  it("regional VNet peering: encrypted", () => {
    const v = decide(flow("10.0.1.4", "10.1.1.4"), peeredPair("westeurope"), 0);
    expect([v.encryption, v.detail.includes("regional peering")]).toEqual(["X", true]);
  });

  it("global VNet peering: encrypted", () => {
    const v = decide(flow("10.0.1.4", "10.1.1.4"), peeredPair("eastus"), 0);
    expect([v.encryption, v.detail.includes("global peering")]).toEqual(["X", true]);
  });

  it("internal load balancer, all backends supported: client to chosen backend encrypted", () => {
    const v = decide(flow("10.0.1.4", "10.0.1.100"), withLb(["Standard_D4s_v5", "Standard_D2s_v5"]), 0);
    expect(v.encryption).toBe("X");
    expect(v.dst).toMatchObject({ via: "ilb-1", kind: "vm" });
    expect(["vmss_0", "vmss_1"]).toContain(v.dst?.name);
  });

  it("internal load balancer, backends of mixed sizes: lint error (and not encrypted)", () => {
    const t = withLb(["Standard_D4s_v5", UNSUPPORTED_SIZE]);
    expect(lint(t).find((d) => d.code === "VNE004")?.severity).toBe("error");
    expect(enc(t, "10.0.1.4", "10.0.1.100")).toBe("NX");
  });

  it("internal load balancer on NIC secondary IPv4 configs: lint error", () => {
    const t = withLb(["Standard_D4s_v5"], true);
    expect(lint(t).find((d) => d.code === "VNE005")?.severity).toBe("error");
    expect(enc(t, "10.0.1.4", "10.0.1.100")).toBe("NX");
  });

  for (const plugin of ["azure", "azure-overlay", "kubenet", "byocni"] as const) {
    it(`AKS with ${plugin}: node and pod traffic encrypted`, () => {
      const t = cluster(plugin, null);
      const pods = t.aksClusters[0]?.pods ?? [];
      expect(enc(t, "10.0.1.20", "10.0.1.21")).toBe("X");
      expect(enc(t, pods[0]?.ip ?? "", pods[1]?.ip ?? "")).toBe("X");
      expect(codes(t)).toEqual([]);
    });
  }

  it("AKS with Azure CNI dynamic pod IP (podSubnetId): node traffic yes, pod traffic no", () => {
    const t = cluster("azure", "vnet-a/pods");
    expect(enc(t, "10.0.1.20", "10.0.1.21")).toBe("X");
    expect(enc(t, "10.0.2.10", "10.0.2.11")).toBe("NX");
    expect(codes(t)).toContain("VNE012");
  });

  it("AKS managed control plane: out of scope", () => {
    const v = decide(flow("10.0.1.20", "20.50.0.1"), cluster("azure", null), 0);
    expect([v.encryption, v.action, v.reason, v.dst?.kind]).toEqual(["NX", "deliver", "control-plane", "control-plane"]);
  });

  it("PaaS: decided by the host VM's size", () => {
    const paas = (size: string): Topology => topology({
      vms: [vm("vm-1", "10.0.1.4"), vm("sql-host", "10.0.1.40", { size, role: { kind: "paas-host", service: "sql-1" } })],
      paasServices: [{ name: "sql-1", hostVm: "sql-host" }],
    });
    expect(enc(paas("Standard_E8s_v5"), "10.0.1.4", "10.0.1.40")).toBe("X");
    expect(enc(paas(UNSUPPORTED_SIZE), "10.0.1.4", "10.0.1.40")).toBe("NX");
    expect(decide(flow("10.0.1.4", "10.0.1.40"), paas("Standard_E8s_v5"), 0).dst).toMatchObject({ kind: "paas", name: "sql-1", vm: "sql-host" });
  });

  it("Private Link service / private endpoint in the VNet: lint", () => {
    expect(codes(topology({ appliances: [appliance("pls", "private-link-service", "10.0.3.4"), appliance("pe", "private-endpoint", "10.0.3.5")] }))).toEqual(["VNE001", "VNE001"]);
  });

  it("Azure DNS Private Resolver in the VNet: lint error", () => {
    expect(codes(topology({ appliances: [appliance("dns", "dns-private-resolver", "10.0.3.4")] }))).toEqual(["VNE002"]);
  });

  it("confidential computing sizes in the VNet: lint", () => {
    expect(codes(topology({ vms: [vm("cvm", "10.0.1.4", { size: CONFIDENTIAL_SIZE })] }))).toEqual(["VNE003"]);
  });

  const appl = (kind: Parameters<typeof appliance>[1]): Topology => topology({ vms: [vm("vm-1", "10.0.1.4")], appliances: [appliance("x", kind, "10.0.3.4")] });
  it("ExpressRoute gateway: supported, not encrypted", () => expect(enc(appl("expressroute-gateway"), "10.0.1.4", "10.0.3.4")).toBe("NX"));
  it("Application Gateway: supported, not encrypted", () => expect(enc(appl("application-gateway"), "10.0.1.4", "10.0.3.4")).toBe("NX"));
  it("Azure Firewall Premium / Standard: encrypted / not", () => {
    expect(enc(appl("azure-firewall-premium"), "10.0.1.4", "10.0.3.4")).toBe("X");
    expect(enc(appl("azure-firewall-standard"), "10.0.1.4", "10.0.3.4")).toBe("NX");
  });
  it("appliance rows are data the user can override", () => {
    const t = appl("application-gateway");
    const overridden = { ...t, appliances: t.appliances.map((a) => ({ ...a, encryptionSupported: true })) };
    expect(enc(overridden, "10.0.1.4", "10.0.3.4")).toBe("X");
  });

  it("same-host traffic and same-node pod traffic are not encrypted", () => {
    const t = topology({ vms: [vm("vm-1", "10.0.1.4", { host: "h" }), vm("vm-2", "10.0.1.5", { host: "h" })] });
    expect(enc(t, "10.0.1.4", "10.0.1.5")).toBe("NX_LOCAL_DST");
    const k = cluster("azure-overlay", null);
    expect(enc(k, "10.244.0.4", "10.244.2.4")).toBe("NX_LOCAL_DST");
  });
});
