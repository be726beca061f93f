/**
 * lint(topology): the documented limitations of Azure Virtual Network encryption that a topology
 * runs into, as diagnostics with a fix (rules and codes: lint-rules.ts). Pure: no I/O, no clock.
 * Output is sorted by code, then resource, then message, so that it is stable.
 */
import type { Topology, Vm, Vnet } from "../topology/model.js";
import { lookupSize } from "../topology/sizes.js";
import { APPLIANCE_FACTS } from "./appliances.js";
import { LINT_RULES, type LintCode, type LintSeverity } from "./lint-rules.js";
import { indexTopology } from "./topology-index.js";

export interface Diagnostic {
  severity: LintSeverity;
  code: string;
  /** The resource the diagnostic is about (VM, "vm/nic", VNet, peering, load balancer, ...). */
  resource: string;
  message: string;
  fix: string;
}

/** The subscription feature DropUnencrypted needs, spelled as Azure spells it (domain.md §1). */
export const DROP_UNENCRYPTED_FEATURE = "Microsoft.Network/AllowDropUnecryptedVnet";

/** A size to suggest when a VM must change size (supports VNet encryption and Accelerated Networking). */
export const SUGGESTED_SIZE = "Standard_D4s_v5";

function vnetOf(subnetRef: string): string {
  const slash = subnetRef.indexOf("/");
  return slash < 0 ? subnetRef : subnetRef.slice(0, slash);
}

export function lint(topology: Topology): Diagnostic[] {
  const out: Diagnostic[] = [];
  const emit = (code: LintCode, resource: string, message: string, fix: string): void => {
    out.push({ severity: LINT_RULES[code].severity, code, resource, message, fix });
  };
  const vnets = new Map<string, Vnet>(topology.vnets.map((v) => [v.name, v]));
  const encrypted = (name: string): boolean => vnets.get(name)?.encryption.enabled === true;

  // Appliances (VNE001, VNE002, VNE013).
  for (const a of topology.appliances) {
    if (!encrypted(a.vnet) || a.encryptionSupported) continue;
    const facts = APPLIANCE_FACTS[a.kind];
    if (a.kind === "private-link-service" || a.kind === "private-endpoint") {
      emit("VNE001", a.name, `${facts.title} ${a.name} is in ${a.vnet}, which has VNet encryption enabled; VNets with Private Link don't support VNet encryption`,
        `Disable encryption on ${a.vnet}, or move ${a.name} to a VNet without encryption`);
    } else if (a.kind === "dns-private-resolver") {
      emit("VNE002", a.name, `${facts.title} ${a.name} is in ${a.vnet}, which has VNet encryption enabled; encrypted VNets don't support DNS Private Resolver`,
        `Move ${a.name} to a VNet without encryption, or disable encryption on ${a.vnet}`);
    } else {
      emit("VNE013", a.name, `${facts.title} ${a.name} in ${a.vnet}: traffic to or through it is not encrypted`,
        a.kind === "azure-firewall-standard"
          ? `Use Azure Firewall Premium for ${a.name}, or accept plaintext on paths through it`
          : `Accept plaintext on paths through ${a.name}, or keep it out of encrypted paths`);
    }
  }

  // VMs (VNE003, VNE006, VNE007, VNE008).
  for (const vm of topology.vms) lintVm(vm);
  function lintVm(vm: Vm): void {
    const inEncrypted = [...new Set(vm.nics.flatMap((n) => n.ipConfigs.map((c) => vnetOf(c.subnet))))].filter(encrypted);
    if (inEncrypted.length === 0) return;
    const where = inEncrypted.join(", ");
    const size = lookupSize(vm.size, topology.sizeOverrides);
    const anOff = vm.nics.filter((n) => !n.acceleratedNetworking);
    if (size?.confidential === true) {
      const fix = size.acceleratedNetworking
        ? anOff.length > 0
          ? `Enable Accelerated Networking on ${anOff.map((n) => `${vm.name}/${n.name}`).join(", ")} (the size supports it), or move ${vm.name} to a VNet without encryption`
          : `Keep Accelerated Networking enabled on ${vm.name}'s NICs, or move ${vm.name} to a VNet without encryption`
        : `Change ${vm.name} to a size that supports Accelerated Networking or VNet encryption (e.g. ${SUGGESTED_SIZE})`;
      emit("VNE003", vm.name, `${vm.name} has the confidential computing size ${vm.size} in ${where}, which has VNet encryption enabled`, fix);
    } else if (size === undefined || !size.encryption) {
      emit("VNE007", vm.name,
        size === undefined
          ? `${vm.name} has size ${vm.size}, which is not in the size catalog; it is treated as not supporting VNet encryption, so its traffic in ${where} is not encrypted`
          : `${vm.name} has size ${vm.size}, which does not support VNet encryption; its traffic in ${where} is not encrypted`,
        size === undefined
          ? `Add the series of ${vm.size} to the scenario's sizes if it supports encryption, or change ${vm.name} to a supported size (e.g. ${SUGGESTED_SIZE})`
          : `Change ${vm.name} to a size that supports VNet encryption (e.g. ${SUGGESTED_SIZE})`);
    } else {
      for (const nic of anOff) {
        emit("VNE008", `${vm.name}/${nic.name}`, `Accelerated Networking is off on ${vm.name}/${nic.name} in ${where}; traffic on this NIC is not encrypted`,
          `Enable Accelerated Networking on ${vm.name}/${nic.name}`);
      }
    }
    if (vm.powerState === "running") {
      const needs = inEncrypted.filter((name) => {
        const at = vnets.get(name)?.encryption.enabledAtMs ?? null;
        return at !== null && (vm.lastStartedAtMs === null || vm.lastStartedAtMs < at);
      });
      if (needs.length > 0) {
        emit("VNE006", vm.name, `${vm.name} was last started ${vm.lastStartedAtMs === null ? "never" : `at ${vm.lastStartedAtMs} ms`}, before encryption was enabled on ${needs.join(", ")}; it keeps sending plaintext`,
          `Stop and start (or restart) ${vm.name}`);
      }
    }
  }

  // Internal load balancers (VNE004, VNE005).
  const vmByName = new Map(topology.vms.map((v) => [v.name, v]));
  for (const lb of topology.loadBalancers) {
    const supported: string[] = [];
    const unsupported: string[] = [];
    for (const b of lb.backends) {
      const vm = vmByName.get(b.vm);
      if (vm === undefined) continue;
      (lookupSize(vm.size, topology.sizeOverrides)?.encryption === true ? supported : unsupported).push(`${vm.name} (${vm.size})`);
      const cfg = vm.nics.find((n) => n.name === b.nic)?.ipConfigs.find((c) => c.name === b.ipConfig);
      if (cfg !== undefined && !cfg.primary) {
        emit("VNE005", lb.name, `${lb.name} has backend ${b.vm}/${b.nic}/${b.ipConfig}, a NIC secondary IP configuration; not supported with VNet encryption`,
          `Use the primary IP configuration of ${b.vm}/${b.nic} as the backend`);
      }
    }
    if (supported.length > 0 && unsupported.length > 0) {
      emit("VNE004", lb.name, `${lb.name} has backends of supported sizes (${supported.join(", ")}) and unsupported sizes (${unsupported.join(", ")})`,
        `Change ${unsupported.join(", ")} to sizes that support VNet encryption`);
    }
  }

  // VNets (VNE009).
  for (const v of topology.vnets) {
    if (v.encryption.enforcement === "DropUnencrypted") {
      emit("VNE009", v.name, `${v.name} uses enforcement DropUnencrypted, which is not generally available and needs the subscription feature ${DROP_UNENCRYPTED_FEATURE}`,
        `Register ${DROP_UNENCRYPTED_FEATURE} on subscription ${v.subscriptionId} (az feature register --namespace Microsoft.Network --name AllowDropUnecryptedVnet), or use AllowUnencrypted`);
    }
  }

  // Peerings (VNE010, VNE011).
  const directed = new Set(topology.peerings.map((p) => `${p.fromVnet}\u0000${p.toVnet}`));
  for (const p of topology.peerings) {
    if (!directed.has(`${p.toVnet}\u0000${p.fromVnet}`)) {
      emit("VNE010", p.name, `peering ${p.name} from ${p.fromVnet} to ${p.toVnet} has no reverse peering; no traffic passes`,
        `Create the peering from ${p.toVnet} to ${p.fromVnet}`);
    }
    const fromOn = encrypted(p.fromVnet);
    const toOn = encrypted(p.toVnet);
    if (fromOn !== toOn) {
      const off = fromOn ? p.toVnet : p.fromVnet;
      emit("VNE011", p.name, `peering ${p.name} connects ${p.fromVnet} (encryption ${fromOn ? "on" : "off"}) and ${p.toVnet} (encryption ${toOn ? "on" : "off"}); traffic across it is plaintext`,
        `Enable encryption on ${off}`);
    }
  }

  // AKS (VNE012).
  for (const c of topology.aksClusters) {
    if (c.podSubnet !== null && encrypted(c.vnet)) {
      emit("VNE012", c.name, `${c.name} uses a pod subnet (${c.podSubnet}, dynamic pod IP assignment) in ${c.vnet}: node traffic is encrypted, pod traffic is not`,
        `Use Azure CNI overlay (or Azure CNI without podSubnetId, kubenet, BYOCNI) for ${c.name} if pod traffic must be encrypted`);
    }
  }

  // Duplicate addresses (VNE014).
  for (const ip of indexTopology(topology).duplicateIps) {
    emit("VNE014", ip, `address ${ip} belongs to more than one resource; flows to it resolve to the first one`, `Give each resource its own address`);
  }

  out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
  return out;
}
