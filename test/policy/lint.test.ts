import { describe, expect, it } from "vitest";
import { lint } from "../../src/policy/lint.js";
import { LINT_RULES, type LintCode } from "../../src/policy/lint-rules.js";
import type { Topology } from "../../src/topology/model.js";
import { CONFIDENTIAL_SIZE, DAY_MS, UNSUPPORTED_SIZE, aks, appliance, ilb, pair, topology, vm, vnet } from "./fixtures.js";

const tested = new Set<string>();
function codes(t: Topology): string[] {
  return lint(t).map((d) => d.code);
}
function only(t: Topology, code: LintCode) {
  tested.add(code);
  const ds = lint(t).filter((d) => d.code === code);
  expect(ds.length).toBeGreaterThan(0);
  for (const d of ds) expect(d.severity).toBe(LINT_RULES[code].severity);
  return ds;
}

describe("lint", () => {
  it("a clean topology has no diagnostics", () => {
    expect(lint(pair())).toEqual([]);
  });

  it("VNE001 Private Link service and private endpoint in an encrypted VNet", () => {
    for (const kind of ["private-link-service", "private-endpoint"] as const) {
      const t = topology({ vms: [vm("vm-1", "10.0.1.4")], appliances: [appliance("pe-1", kind, "10.0.3.4")] });
      const [d] = only(t, "VNE001");
      expect(d).toMatchObject({ severity: "error", resource: "pe-1" });
      expect(d?.fix).toMatch(/Disable encryption on vnet-a/);
      // Not reported when encryption is off, or when the user overrides the support flag.
      expect(codes({ ...t, vnets: [vnet("vnet-a", 0, { enabled: false })] })).not.toContain("VNE001");
      expect(codes({ ...t, appliances: [{ ...appliance("pe-1", kind, "10.0.3.4"), encryptionSupported: true }] })).not.toContain("VNE001");
    }
  });

  it("VNE002 DNS Private Resolver in an encrypted VNet", () => {
    const t = topology({ appliances: [appliance("dns-1", "dns-private-resolver", "10.0.3.4")] });
    expect(only(t, "VNE002")[0]?.resource).toBe("dns-1");
  });

  it("VNE003 confidential size: fix enables AN when the size has it, else changes size", () => {
    const withAnOff = pair({ size: CONFIDENTIAL_SIZE, an: false });
    const [d] = only(withAnOff, "VNE003");
    expect(d?.fix).toMatch(/Enable Accelerated Networking on vm-1\/vm-1-nic0/);
    expect(codes(withAnOff)).not.toContain("VNE007");
    const noAnSize = pair({ size: "Standard_DC2s_v2" });
    expect(only(noAnSize, "VNE003")[0]?.fix).toMatch(/Change vm-1 to a size that supports Accelerated Networking/);
  });

  it("VNE004 ILB with mixed sizes", () => {
    const t = topology({
      vms: [vm("be-0", "10.0.1.10"), vm("be-1", "10.0.1.11", { size: UNSUPPORTED_SIZE })],
      loadBalancers: [ilb("ilb-web", "10.0.1.100", [{ vm: "be-0" }, { vm: "be-1" }])],
    });
    const [d] = only(t, "VNE004");
    expect(d?.message).toMatch(/be-1 \(Standard_B2s\)/);
    const allSupported = topology({ vms: [vm("be-0", "10.0.1.10"), vm("be-1", "10.0.1.11")], loadBalancers: [ilb("ilb-web", "10.0.1.100", [{ vm: "be-0" }, { vm: "be-1" }])] });
    expect(codes(allSupported)).toEqual([]);
  });

  it("VNE005 ILB backend on a secondary IP configuration", () => {
    const t = topology({ vms: [vm("be-0", "10.0.1.10", { secondaryIp: "10.0.1.50" })], loadBalancers: [ilb("ilb-web", "10.0.1.100", [{ vm: "be-0", ipConfig: "ipconfig2" }])] });
    expect(only(t, "VNE005")[0]?.message).toMatch(/be-0\/be-0-nic0\/ipconfig2/);
  });

  it("VNE006 VM started before enabling; not for stopped VMs nor VMs started at enabledAt", () => {
    expect(only(pair({ startedMs: -2 * DAY_MS }), "VNE006")[0]?.fix).toBe("Stop and start (or restart) vm-1");
    expect(codes(pair({ startedMs: -2 * DAY_MS, powerState: "deallocated" }))).not.toContain("VNE006");
    expect(codes(pair({ startedMs: -DAY_MS }))).not.toContain("VNE006");
  });

  it("VNE007 unsupported or unknown size in an encrypted VNet, not when encryption is off", () => {
    expect(only(pair({ size: UNSUPPORTED_SIZE }), "VNE007")[0]?.message).toMatch(/Standard_B2s, which does not support/);
    expect(only(pair({ size: "Standard_Q4zz_v9" }), "VNE007")[0]?.message).toMatch(/not in the size catalog/);
    expect(codes(pair({ size: UNSUPPORTED_SIZE }, {}, { enabled: false }))).toEqual([]);
  });

  it("VNE008 Accelerated Networking off", () => {
    const [d] = only(pair({ an: false }), "VNE008");
    expect(d).toMatchObject({ resource: "vm-1/vm-1-nic0", fix: "Enable Accelerated Networking on vm-1/vm-1-nic0" });
  });

  it("VNE009 DropUnencrypted names the subscription feature as Azure spells it", () => {
    const [d] = only(pair({}, {}, { enforcement: "DropUnencrypted" }), "VNE009");
    expect(d?.message).toContain("Microsoft.Network/AllowDropUnecryptedVnet");
    expect(d?.fix).toContain("AllowDropUnecryptedVnet");
  });

  const peered = (bEnabled: boolean, both: boolean): Topology => topology({
    vnets: [vnet("vnet-a", 0), vnet("vnet-b", 1, { enabled: bEnabled })],
    peerings: [{ name: "a-b", fromVnet: "vnet-a", toVnet: "vnet-b" }, ...(both ? [{ name: "b-a", fromVnet: "vnet-b", toVnet: "vnet-a" }] : [])],
  });

  it("VNE010 peering without its reverse", () => {
    expect(only(peered(true, false), "VNE010")[0]).toMatchObject({ resource: "a-b", fix: "Create the peering from vnet-b to vnet-a" });
    expect(codes(peered(true, true))).toEqual([]);
  });

  it("VNE011 peering to a VNet with encryption off", () => {
    const ds = only(peered(false, true), "VNE011");
    expect(ds.map((d) => d.resource)).toEqual(["a-b", "b-a"]);
    expect(ds[0]?.fix).toBe("Enable encryption on vnet-b");
  });

  it("VNE012 AKS with a pod subnet in an encrypted VNet", () => {
    const t = topology({ vms: [vm("n-0", "10.0.1.10")], aksClusters: [aks("aks-1", { nodes: ["n-0"], podSubnet: "vnet-a/pods" })] });
    expect(only(t, "VNE012")[0]?.message).toMatch(/pod traffic is not/);
    expect(codes({ ...t, aksClusters: [aks("aks-1", { nodes: ["n-0"], networkPlugin: "azure-overlay" })] })).toEqual([]);
  });

  it("VNE013 appliances that break encryption in the path; not Firewall Premium", () => {
    for (const kind of ["expressroute-gateway", "application-gateway", "azure-firewall-standard"] as const) {
      expect(only(topology({ appliances: [appliance("a-1", kind, "10.0.3.4")] }), "VNE013")[0]?.resource).toBe("a-1");
    }
    expect(codes(topology({ appliances: [appliance("fw-1", "azure-firewall-premium", "10.0.3.4")] }))).toEqual([]);
  });

  it("VNE014 duplicate addresses", () => {
    const t = topology({ vms: [vm("vm-1", "10.0.1.4"), vm("vm-2", "10.0.1.4")] });
    expect(only(t, "VNE014")[0]?.resource).toBe("10.0.1.4");
  });

  it("output is sorted by code then resource and every diagnostic has a fix", () => {
    const t = topology({
      vnets: [vnet("vnet-a", 0, { enforcement: "DropUnencrypted" })],
      vms: [vm("vm-z", "10.0.1.4", { size: UNSUPPORTED_SIZE }), vm("vm-a", "10.0.1.5", { an: false, startedMs: -2 * DAY_MS })],
      appliances: [appliance("pe-1", "private-endpoint", "10.0.3.4")],
    });
    const ds = lint(t);
    expect(ds.map((d) => `${d.code} ${d.resource}`)).toEqual([
      "VNE001 pe-1", "VNE006 vm-a", "VNE007 vm-z", "VNE008 vm-a/vm-a-nic0", "VNE009 vnet-a",
    ]);
    for (const d of ds) expect(d.fix.length).toBeGreaterThan(0);
  });

  it("every rule in LINT_RULES has a test above", () => {
    expect(Object.keys(LINT_RULES).filter((c) => !tested.has(c))).toEqual([]);
  });
});
