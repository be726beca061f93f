/**
 * Turns a TopologyPlan into a valid Topology: VNet i owns 10.i.0.0/16 (non-overlapping by
 * construction) with subnets default (10.i.1.0/24: VMs, AKS nodes, Azure CNI pods, ILB frontends),
 * pods (10.i.2.0/24: AKS pod subnet), appliances (10.i.3.0/24) and paas (10.i.4.0/24). Addresses
 * are handed out from .4 (Azure reserves .0-.3 and the last address of each subnet). Overlay,
 * kubenet and BYOCNI pods get addresses from the cluster's pod CIDR 10.(200+c).0.0/16, outside
 * every VNet. Every name is unique and every reference resolves.
 */
import { nthHost } from "../topology/cidr.js";
import type { AksCluster, Appliance, Host, LoadBalancer, Nic, Peering, Topology, Vm, Vnet } from "../topology/model.js";
import { APPLIANCE_FACTS } from "../policy/appliances.js";
import { HOUR_MS, REGIONS, type TopologyPlan } from "./plan.js";

/** Azure reserves the first four addresses and the last one of every subnet. */
const FIRST_HOST_OFFSET = 4;
/** Addresses handed out per generated subnet (a /24 has 251 usable after Azure's reservations). */
export const ARB_SUBNET_HOSTS_MAX = 250;
const SUBNETS = ["default", "pods", "appliances", "paas"] as const;
type SubnetName = (typeof SUBNETS)[number];

export const ARB_EPOCH_ISO = "2026-01-01T00:00:00Z";

function hex6(n: number): string {
  return n.toString(16).toUpperCase().padStart(6, "0");
}

export function buildTopology(plan: TopologyPlan): Topology {
  const nv = plan.vnets.length;
  if (nv === 0) throw new RangeError("buildTopology: plan.vnets expected at least one VNet, got 0");
  const vnets: Vnet[] = plan.vnets.map((p, i) => ({
    name: `vnet-${i}`,
    region: REGIONS[p.region % REGIONS.length] ?? "westeurope",
    subscriptionId: "00000000-0000-0000-0000-000000000000",
    resourceGroup: "rg-arb",
    addressSpace: [`10.${i}.0.0/16`],
    subnets: SUBNETS.map((s, k) => ({ name: s, prefix: `10.${i}.${k + 1}.0/24` })),
    encryption: { enabled: p.enabled, enforcement: p.enforcement, enabledAtMs: p.enabled ? p.enabledAtMs : null },
  }));

  const used = new Map<string, number>();
  const alloc = (v: number, subnet: SubnetName): string => {
    const key = `${v}/${subnet}`;
    const n = used.get(key) ?? FIRST_HOST_OFFSET;
    if (n - FIRST_HOST_OFFSET >= ARB_SUBNET_HOSTS_MAX) {
      throw new RangeError(`buildTopology: subnet vnet-${v}/${subnet} expected at most ${ARB_SUBNET_HOSTS_MAX} addresses, the plan needs more`);
    }
    used.set(key, n + 1);
    return nthHost(`10.${v}.${SUBNETS.indexOf(subnet) + 1}.0/24`, n);
  };

  // Hosts: the host plans are instantiated in every region that has a VNet.
  const regions = [...new Set(vnets.map((v) => v.region))];
  const hosts: Host[] = [];
  regions.forEach((region, r) => {
    plan.hosts.forEach((h, i) => {
      hosts.push({ name: `${region}-host-${i}`, region, hardware: h.hardware, discoverySupported: h.discoverySupported, underlayIp: `100.64.${r}.${i + 1}` });
    });
  });
  const hostIn = (v: number, pick: number): string => `${vnets[v]?.region ?? "westeurope"}-host-${pick % plan.hosts.length}`;

  let mac = 0;
  const nic = (name: string, an: boolean, v: number, subnet: SubnetName, secondary: boolean, publicIp: string | null): Nic => {
    const ref = `vnet-${v}/${subnet}`;
    const ipConfigs = [{ name: "ipconfig1", subnet: ref, privateIp: alloc(v, subnet), primary: true, publicIp }];
    if (secondary) ipConfigs.push({ name: "ipconfig2", subnet: ref, privateIp: alloc(v, subnet), primary: false, publicIp: null });
    return { name, acceleratedNetworking: an, macAddress: `002248${hex6(mac++)}`, ipConfigs };
  };

  const vms: Vm[] = [];
  const vmVnet = new Map<string, number>();
  const scaleSetCount = new Map<number, number>();
  plan.vms.forEach((p, i) => {
    const v = p.vnet % nv;
    let name: string;
    let role: Vm["role"];
    if (p.scaleSetInstance) {
      const n = scaleSetCount.get(v) ?? 0;
      scaleSetCount.set(v, n + 1);
      name = `vmss-${v}_${n}`;
      role = { kind: "scale-set-instance", scaleSet: `vmss-${v}`, instance: n };
    } else {
      name = `vm-${i}`;
      role = { kind: "vm" };
    }
    vms.push({
      name,
      size: p.size,
      host: hostIn(v, p.host),
      powerState: p.powerState,
      lastStartedAtMs: p.startedMs,
      nics: [nic(`${name}-nic0`, p.acceleratedNetworking, v, "default", p.secondaryIp, p.publicIp ? `20.${10 + v}.${i >> 8}.${(i & 0xff) + 1}` : null)],
      role,
    });
    vmVnet.set(name, v);
  });

  const seenPeerings = new Set<string>();
  const peerings: Peering[] = [];
  const addPeering = (a: number, b: number): void => {
    const key = `${a}-${b}`;
    if (a === b || seenPeerings.has(key)) return;
    seenPeerings.add(key);
    peerings.push({ name: `peer-${a}-to-${b}`, fromVnet: `vnet-${a}`, toVnet: `vnet-${b}` });
  };
  for (const p of plan.peerings) {
    addPeering(p.a % nv, p.b % nv);
    if (p.bothDirections) addPeering(p.b % nv, p.a % nv);
  }

  const loadBalancers: LoadBalancer[] = [];
  plan.loadBalancers.forEach((p, i) => {
    const v = p.vnet % nv;
    const candidates = vms.filter((vm) => vmVnet.get(vm.name) === v);
    if (candidates.length === 0) return;
    const chosen = [...new Set(p.backends.map((b) => b % candidates.length))].map((k) => candidates[k] as Vm);
    loadBalancers.push({
      name: `ilb-${i}`,
      vnet: `vnet-${v}`,
      frontendIp: alloc(v, "default"),
      backends: chosen.map((vm) => {
        const n = vm.nics[0] as Nic;
        const cfg = p.useSecondary && n.ipConfigs.length > 1 ? "ipconfig2" : "ipconfig1";
        return { vm: vm.name, nic: n.name, ipConfig: cfg };
      }),
    });
  });

  const aksClusters: AksCluster[] = plan.aks.map((p, c) => {
    const v = p.vnet % nv;
    const name = `aks-${c}`;
    const nodes: string[] = [];
    for (let i = 0; i < p.nodes; i++) {
      const node = `${name}-np-${i}`;
      nodes.push(node);
      vms.push({
        name: node,
        size: p.nodeSize,
        host: hostIn(v, p.nodeHosts[i] ?? i),
        powerState: "running",
        lastStartedAtMs: -HOUR_MS,
        nics: [nic(`${node}-nic0`, p.nodeAn, v, "default", false, null)],
        role: { kind: "aks-node", cluster: name, nodePool: "np", instance: i },
      });
    }
    const podSubnet = p.plugin === "azure" && p.podSubnet;
    const podCidr = `10.${200 + c}.0.0/16`;
    const pods = p.pods.map((pick, k) => {
      const nodeIndex = pick % p.nodes;
      const ip = podSubnet ? alloc(v, "pods") : p.plugin === "azure" ? alloc(v, "default") : nthHost(podCidr, nodeIndex * 256 + FIRST_HOST_OFFSET + k);
      return { name: `pod-${k}`, node: nodes[nodeIndex] as string, ip };
    });
    return {
      name,
      vnet: `vnet-${v}`,
      networkPlugin: p.plugin,
      podSubnet: podSubnet ? `vnet-${v}/pods` : null,
      nodePools: [{ name: "np", nodes }],
      pods,
      controlPlaneIp: `20.50.${c}.1`,
    };
  });

  const paasServices = plan.paas.map((p, i) => {
    const v = p.vnet % nv;
    const service = `paas-${i}`;
    const hostVm = `${service}-host`;
    vms.push({
      name: hostVm,
      size: p.size,
      host: hostIn(v, p.host),
      powerState: "running",
      lastStartedAtMs: -HOUR_MS,
      nics: [nic(`${hostVm}-nic0`, true, v, "paas", false, null)],
      role: { kind: "paas-host", service },
    });
    return { name: service, hostVm };
  });

  const appliances: Appliance[] = plan.appliances.map((p, i) => {
    const v = p.vnet % nv;
    return {
      name: `app-${i}`,
      kind: p.kind,
      vnet: `vnet-${v}`,
      subnet: `vnet-${v}/appliances`,
      ip: alloc(v, "appliances"),
      encryptionSupported: p.encryptionSupported ?? APPLIANCE_FACTS[p.kind].encryptionSupported,
    };
  });

  const externals = plan.externals.map((p, i) => ({
    name: p.onPremises ? `onprem-${i}` : `ext-${i}`,
    ip: p.onPremises ? `192.168.${i}.${p.octet}` : `203.0.${113 + i}.${p.octet}`,
  }));

  return {
    epochIso: ARB_EPOCH_ISO,
    settings: { swNotReadyWindowMs: plan.swNotReadyWindowMs, seed: plan.seed },
    vnets,
    hosts,
    vms,
    peerings,
    loadBalancers,
    aksClusters,
    appliances,
    paasServices,
    externals,
    sizeOverrides: [],
  };
}
