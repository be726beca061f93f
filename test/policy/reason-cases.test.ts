/**
 * One hand-built case per Reason (at least), each checked under both enforcement modes against
 * explicit expected values, and a guard that fails when a Reason has no case.
 */
import { describe, expect, it } from "vitest";
import { decide } from "../../src/policy/decide.js";
import { REASONS, REASON_TABLE, outcomeFor, type Reason } from "../../src/policy/reasons.js";
import type { FlowEncryption, FlowAction } from "../../src/policy/values.js";
import type { Flow, Topology } from "../../src/topology/model.js";
import {
  DAY_MS, UNSUPPORTED_SIZE, aks, appliance, flow, host, ilb, pair, topology, vm, vnet,
} from "./fixtures.js";

interface Case {
  name: string;
  reason: Reason;
  topology: Topology;
  flow: Flow;
  nowMs?: number;
  allow: [FlowEncryption, FlowAction];
  drop: [FlowEncryption, FlowAction];
  detail?: RegExp;
}

function withEnforcement(t: Topology, enforcement: "AllowUnencrypted" | "DropUnencrypted"): Topology {
  return { ...t, vnets: t.vnets.map((v) => ({ ...v, encryption: { ...v.encryption, enforcement } })) };
}

const twoVnets = (bEnabled = true, peer: "both" | "one" | "none" = "both", region = "westeurope"): Topology =>
  topology({
    vnets: [vnet("vnet-a", 0), vnet("vnet-b", 1, { enabled: bEnabled, region })],
    vms: [vm("vm-1", "10.0.1.4"), vm("vm-2", "10.1.1.4", { subnet: "vnet-b/default" })],
    peerings: [
      ...(peer !== "none" ? [{ name: "a-to-b", fromVnet: "vnet-a", toVnet: "vnet-b" }] : []),
      ...(peer === "both" ? [{ name: "b-to-a", fromVnet: "vnet-b", toVnet: "vnet-a" }] : []),
    ],
  });

const NOT_ACCEPTED: [FlowEncryption, FlowAction] = ["NX_NOT_ACCEPTED", "drop"];
const NX_DELIVER: [FlowEncryption, FlowAction] = ["NX", "deliver"];
const NX_DROP: [FlowEncryption, FlowAction] = ["NX", "drop"];
const LOCAL: [FlowEncryption, FlowAction] = ["NX_LOCAL_DST", "deliver"];
const AB = flow("10.0.1.4", "10.0.1.5");

const aksTopology = (podSubnet: string | null, plugin: "azure" | "azure-overlay" | "kubenet" | "byocni" = "azure"): Topology =>
  topology({
    vms: [
      vm("aks-1-system-0", "10.0.1.10", { role: { kind: "aks-node", cluster: "aks-1", nodePool: "system", instance: 0 } }),
      vm("aks-1-system-1", "10.0.1.11", { role: { kind: "aks-node", cluster: "aks-1", nodePool: "system", instance: 1 } }),
      vm("vm-1", "10.0.1.4"),
    ],
    aksClusters: [aks("aks-1", {
      nodes: ["aks-1-system-0", "aks-1-system-1"],
      networkPlugin: plugin,
      podSubnet,
      pods: [
        { name: "web-0", node: "aks-1-system-0", ip: podSubnet === null ? "10.0.1.20" : "10.0.2.20" },
        { name: "web-1", node: "aks-1-system-0", ip: podSubnet === null ? "10.0.1.21" : "10.0.2.21" },
        { name: "web-2", node: "aks-1-system-1", ip: podSubnet === null ? "10.0.1.22" : "10.0.2.22" },
      ],
    })],
  });

const withAppliance = (kind: Parameters<typeof appliance>[1]): Topology =>
  topology({ vms: [vm("vm-1", "10.0.1.4")], appliances: [appliance("app-1", kind, "10.0.3.4")] });

const lbTopology = (sizes: string[], opts: { secondary?: boolean; stopped?: boolean } = {}): Topology =>
  topology({
    vms: [
      vm("vm-1", "10.0.1.4"),
      ...sizes.map((size, i) => vm(`be-${i}`, `10.0.1.${10 + i}`, { size, secondaryIp: `10.0.1.${50 + i}`, powerState: opts.stopped ? "stopped" : "running" })),
    ],
    loadBalancers: [ilb("ilb-web", "10.0.1.100", sizes.map((_, i) => ({ vm: `be-${i}`, ipConfig: opts.secondary ? "ipconfig2" : "ipconfig1" })))],
  });

export const CASES: Case[] = [
  { name: "two supported VMs in one VNet", reason: "encrypted", topology: pair(), flow: AB, allow: ["X", "deliver"], drop: ["X", "deliver"], detail: /vm-1 \(Standard_D4s_v5\).*vm-2.*within vnet-a/ },
  { name: "regional peering both ways", reason: "encrypted", topology: twoVnets(), flow: flow("10.0.1.4", "10.1.1.4"), allow: ["X", "deliver"], drop: ["X", "deliver"], detail: /regional peering vnet-a <-> vnet-b/ },
  { name: "global peering both ways", reason: "encrypted", topology: twoVnets(true, "both", "eastus"), flow: flow("10.0.1.4", "10.1.1.4"), allow: ["X", "deliver"], drop: ["X", "deliver"], detail: /global peering/ },
  { name: "encryption off on the VNet", reason: "vnet-encryption-off", topology: pair({}, {}, { enabled: false }), flow: AB, allow: NX_DELIVER, drop: NX_DELIVER, detail: /not enabled on vnet-a/ },
  { name: "peered VNet has encryption off", reason: "peer-vnet-encryption-off", topology: twoVnets(false), flow: flow("10.0.1.4", "10.1.1.4"), allow: NX_DELIVER, drop: NX_DELIVER, detail: /vnet-b \(peered with vnet-a\) has encryption off/ },
  { name: "unsupported size", reason: "size-unsupported", topology: pair({}, { size: UNSUPPORTED_SIZE }), flow: AB, allow: NX_DELIVER, drop: NOT_ACCEPTED, detail: /vm-2 \(Standard_B2s\) does not support VNet encryption/ },
  { name: "unknown size", reason: "size-unsupported", topology: pair({ size: "Standard_Q4zz_v9" }), flow: AB, allow: NX_DELIVER, drop: NOT_ACCEPTED, detail: /Standard_Q4zz_v9\) is not in the size catalog/ },
  { name: "Accelerated Networking off", reason: "accelerated-networking-off", topology: pair({ an: false }), flow: AB, allow: NX_DELIVER, drop: NOT_ACCEPTED, detail: /Accelerated Networking is off on the NIC of vm-1/ },
  { name: "VM started before enabling", reason: "not-restarted-since-enabling", topology: pair({}, { startedMs: -2 * DAY_MS }), flow: AB, allow: NX_DELIVER, drop: NOT_ACCEPTED, detail: /vm-2 .*before encryption was enabled on vnet-a/ },
  { name: "host without discovery", reason: "host-discovery-unsupported", topology: { ...pair(), hosts: [host("host-vm-1", { discoverySupported: false }), host("host-vm-2")] }, flow: AB, allow: ["NX_NOT_SUPPORTED", "drop"], drop: ["NX_NOT_SUPPORTED", "drop"], detail: /host host-vm-1 of vm-1/ },
  { name: "host hardware faulty", reason: "host-hardware-unsupported", topology: { ...pair(), hosts: [host("host-vm-1"), host("host-vm-2", { hardware: "faulty" })] }, flow: AB, allow: ["NX_HW_NOT_SUPPORTED", "deliver"], drop: NOT_ACCEPTED, detail: /faulty encryption hardware/ },
  { name: "host hardware absent", reason: "host-hardware-unsupported", topology: { ...pair(), hosts: [host("host-vm-1", { hardware: "absent" }), host("host-vm-2")] }, flow: AB, allow: ["NX_HW_NOT_SUPPORTED", "deliver"], drop: NOT_ACCEPTED, detail: /no encryption hardware/ },
  { name: "VM just started", reason: "host-software-not-ready", topology: pair({ startedMs: 0 }), flow: AB, nowMs: 10_000, allow: ["NX_SW_NOT_READY", "drop"], drop: ["NX_SW_NOT_READY", "drop"], detail: /window ends at 30000 ms/ },
  { name: "same physical host", reason: "same-host", topology: pair({ host: "h" }, { host: "h" }), flow: AB, allow: LOCAL, drop: LOCAL, detail: /same physical host h/ },
  { name: "pods on one node", reason: "same-node-pod", topology: aksTopology(null), flow: flow("10.0.1.20", "10.0.1.21"), allow: LOCAL, drop: LOCAL, detail: /same AKS node aks-1-system-0/ },
  { name: "pod to its own node", reason: "same-node-pod", topology: aksTopology(null), flow: flow("10.0.1.20", "10.0.1.10"), allow: LOCAL, drop: LOCAL },
  { name: "VM to the internet", reason: "not-private-to-private", topology: topology({ vms: [vm("vm-1", "10.0.1.4")], externals: [{ name: "internet", ip: "8.8.8.8" }] }), flow: flow("10.0.1.4", "8.8.8.8"), allow: NX_DELIVER, drop: NX_DELIVER, detail: /8\.8\.8\.8 is not a private/ },
  { name: "VM to an undeclared public IP", reason: "not-private-to-private", topology: pair(), flow: flow("10.0.1.4", "20.1.2.3"), allow: NX_DELIVER, drop: NX_DELIVER },
  { name: "VM to another VM's public IP", reason: "not-private-to-private", topology: pair({}, { publicIp: "20.9.9.9" }), flow: flow("10.0.1.4", "20.9.9.9"), allow: NX_DELIVER, drop: NX_DELIVER },
  { name: "VM to on-premises", reason: "outside-vnet", topology: topology({ vms: [vm("vm-1", "10.0.1.4")], externals: [{ name: "onprem", ip: "192.168.10.5" }] }), flow: flow("10.0.1.4", "192.168.10.5"), allow: NX_DELIVER, drop: NX_DELIVER, detail: /onprem.*outside every VNet/ },
  { name: "pod to the AKS control plane", reason: "control-plane", topology: aksTopology(null), flow: flow("10.0.1.20", "20.50.0.1"), allow: NX_DELIVER, drop: NX_DELIVER, detail: /control plane of aks-1/ },
  { name: "pod-subnet pod to a VM", reason: "pod-subnet-ip", topology: aksTopology("vnet-a/pods"), flow: flow("10.0.2.20", "10.0.1.4"), allow: NX_DELIVER, drop: NOT_ACCEPTED, detail: /pod aks-1\/web-0 has address 10\.0\.2\.20/ },
  { name: "ExpressRoute gateway", reason: "appliance-not-encrypted", topology: withAppliance("expressroute-gateway"), flow: flow("10.0.1.4", "10.0.3.4"), allow: NX_DELIVER, drop: NOT_ACCEPTED, detail: /app-1 \(expressroute-gateway\)/ },
  { name: "Application Gateway", reason: "appliance-not-encrypted", topology: withAppliance("application-gateway"), flow: flow("10.0.3.4", "10.0.1.4"), allow: NX_DELIVER, drop: NOT_ACCEPTED },
  { name: "Firewall Standard", reason: "appliance-not-encrypted", topology: withAppliance("azure-firewall-standard"), flow: flow("10.0.1.4", "10.0.3.4"), allow: NX_DELIVER, drop: NOT_ACCEPTED },
  { name: "Firewall Premium", reason: "encrypted", topology: withAppliance("azure-firewall-premium"), flow: flow("10.0.1.4", "10.0.3.4"), allow: ["X", "deliver"], drop: ["X", "deliver"] },
  { name: "private endpoint", reason: "unsupported-appliance", topology: withAppliance("private-endpoint"), flow: flow("10.0.1.4", "10.0.3.4"), allow: NX_DELIVER, drop: NOT_ACCEPTED, detail: /private endpoint is not supported/ },
  { name: "Private Link service", reason: "unsupported-appliance", topology: withAppliance("private-link-service"), flow: flow("10.0.1.4", "10.0.3.4"), allow: NX_DELIVER, drop: NOT_ACCEPTED },
  { name: "DNS Private Resolver", reason: "unsupported-appliance", topology: withAppliance("dns-private-resolver"), flow: flow("10.0.1.4", "10.0.3.4"), allow: NX_DELIVER, drop: NOT_ACCEPTED },
  { name: "ILB with all backends supported", reason: "encrypted", topology: lbTopology(["Standard_D4s_v5", "Standard_E8s_v5"]), flow: flow("10.0.1.4", "10.0.1.100"), allow: ["X", "deliver"], drop: ["X", "deliver"], detail: /vm-1 \(Standard_D4s_v5\) and backend be-\d \((Standard_D4s_v5|Standard_E8s_v5)\) of ilb-web can both encrypt/ },
  { name: "ILB with mixed sizes", reason: "ilb-mixed-sizes", topology: lbTopology(["Standard_D4s_v5", UNSUPPORTED_SIZE]), flow: flow("10.0.1.4", "10.0.1.100"), allow: NX_DELIVER, drop: NOT_ACCEPTED, detail: /ilb-web has backends of supported and unsupported sizes/ },
  { name: "ILB on secondary IP configs", reason: "ilb-secondary-ip-config", topology: lbTopology(["Standard_D4s_v5", "Standard_D4s_v5"], { secondary: true }), flow: flow("10.0.1.4", "10.0.1.100"), allow: NX_DELIVER, drop: NOT_ACCEPTED, detail: /secondary IP configuration/ },
  { name: "ILB with every backend stopped", reason: "ilb-no-running-backend", topology: lbTopology(["Standard_D4s_v5"], { stopped: true }), flow: flow("10.0.1.4", "10.0.1.100"), allow: NX_DROP, drop: NX_DROP, detail: /ilb-web has no running backend/ },
  { name: "VNets not peered", reason: "no-route", topology: twoVnets(true, "none"), flow: flow("10.0.1.4", "10.1.1.4"), allow: NX_DROP, drop: NX_DROP, detail: /not peered/ },
  { name: "peering in one direction", reason: "peering-incomplete", topology: twoVnets(true, "one"), flow: flow("10.1.1.4", "10.0.1.4"), allow: NX_DROP, drop: NX_DROP, detail: /one direction only/ },
  { name: "deallocated destination", reason: "endpoint-stopped", topology: pair({}, { powerState: "deallocated" }), flow: AB, allow: NX_DROP, drop: NX_DROP, detail: /vm-2 is deallocated/ },
  { name: "stopped source", reason: "endpoint-stopped", topology: pair({ powerState: "stopped" }), flow: AB, allow: NX_DROP, drop: NX_DROP, detail: /vm-1 is stopped/ },
  { name: "unassigned private address", reason: "unknown-endpoint", topology: pair(), flow: flow("10.0.1.4", "10.0.1.99"), allow: NX_DROP, drop: NX_DROP, detail: /10\.0\.1\.99/ },
  { name: "malformed address", reason: "unknown-endpoint", topology: pair(), flow: flow("10.0.1.4", "not-an-ip"), allow: NX_DROP, drop: NX_DROP },
  { name: "PaaS on a supported host VM", reason: "encrypted", topology: topology({ vms: [vm("vm-1", "10.0.1.4"), vm("sqlmi-host", "10.0.1.30", { size: "Standard_E8s_v5", role: { kind: "paas-host", service: "sqlmi-1" } })], paasServices: [{ name: "sqlmi-1", hostVm: "sqlmi-host" }] }), flow: flow("10.0.1.4", "10.0.1.30"), allow: ["X", "deliver"], drop: ["X", "deliver"] },
  { name: "PaaS on an unsupported host VM", reason: "size-unsupported", topology: topology({ vms: [vm("vm-1", "10.0.1.4"), vm("sqlmi-host", "10.0.1.30", { size: "Standard_D2_v3", role: { kind: "paas-host", service: "sqlmi-1" } })], paasServices: [{ name: "sqlmi-1", hostVm: "sqlmi-host" }] }), flow: flow("10.0.1.4", "10.0.1.30"), allow: NX_DELIVER, drop: NOT_ACCEPTED, detail: /host VM sqlmi-host \(Standard_D2_v3\) of PaaS service sqlmi-1/ },
];

/** Reasons that decide() never returns; covered by an outcomeFor() test instead. */
const DATA_PLANE_ONLY: readonly Reason[] = ["handshake-failed"];

describe("decide: one hand-built case per reason", () => {
  for (const c of CASES) {
    it(`${c.reason}: ${c.name} (AllowUnencrypted)`, () => {
      const v = decide(c.flow, withEnforcement(c.topology, "AllowUnencrypted"), c.nowMs ?? 0);
      expect(v.reason).toBe(c.reason);
      expect([v.encryption, v.action]).toEqual(c.allow);
      expect(v.enforcement).toBe("AllowUnencrypted");
      if (c.detail !== undefined) expect(v.detail).toMatch(c.detail);
    });
    it(`${c.reason}: ${c.name} (DropUnencrypted on every VNet)`, () => {
      const v = decide(c.flow, withEnforcement(c.topology, "DropUnencrypted"), c.nowMs ?? 0);
      expect(v.reason).toBe(c.reason);
      expect([v.encryption, v.action]).toEqual(c.drop);
      const row = REASON_TABLE[c.reason];
      expect({ encryption: v.encryption, action: v.action }).toEqual(v.enforcement === "DropUnencrypted" ? row.drop : row.allow);
    });
  }

  it("handshake-failed (data plane only): NX_FALLBACK delivered / NX_NOT_ACCEPTED dropped", () => {
    expect(outcomeFor("handshake-failed", "AllowUnencrypted")).toEqual({ encryption: "NX_FALLBACK", action: "deliver" });
    expect(outcomeFor("handshake-failed", "DropUnencrypted")).toEqual({ encryption: "NX_NOT_ACCEPTED", action: "drop" });
  });

  it("every Reason has at least one case", () => {
    const covered = new Set<Reason>([...CASES.map((c) => c.reason), ...DATA_PLANE_ONLY]);
    const missing = REASONS.filter((r) => !covered.has(r));
    expect(missing).toEqual([]);
  });
});
