/**
 * A read-only index of a Topology for decide(): address -> endpoint, VNets, hosts, routes and the
 * static part of every endpoint's capability, built once per topology object and memoised in a
 * WeakMap. decide() runs for every flow of a simulation (up to millions), so everything that does
 * not depend on the flow's time is computed here.
 *
 * Address ownership: the first owner in topology order wins (VM IP configurations, then pods,
 * PaaS hosts are VMs, appliances, load balancer frontends, AKS control planes, externals, then
 * public IPs of IP configurations). lint() reports duplicate addresses (VNE014).
 */
import { isPrivateIpv4, parseIpv4 } from "../topology/cidr.js";
import type {
  AksCluster,
  Appliance,
  Enforcement,
  Host,
  LoadBalancer,
  Topology,
  Vm,
} from "../topology/model.js";
import { lookupSize } from "../topology/sizes.js";
import type { EndpointKind, ResolvedEndpoint } from "./verdict.js";

/** Upper bound on VNets in one topology: the route matrix is VNETS_MAX^2 bytes. */
export const VNETS_MAX = 4096;

/**
 * Static capability conditions, in precedence order (lower = reported first). decide() checks them
 * condition by condition over both ends; CAP_SW_NOT_READY depends on the flow's time and is
 * evaluated per call.
 */
export const CAP_OK = 0;
export const CAP_SIZE = 1;
export const CAP_AN = 2;
export const CAP_RESTART = 3;
export const CAP_DISCOVERY = 4;
export const CAP_HARDWARE = 5;
export const CAP_SW_NOT_READY = 6;

export const ROUTE_NONE = 0;
export const ROUTE_SAME = 1;
export const ROUTE_PEERED = 2;
/** One direction of the peering exists, the other does not. */
export const ROUTE_HALF = 3;

export interface VnetFacts {
  index: number;
  name: string;
  region: string;
  encryptionEnabled: boolean;
  enforcement: Enforcement;
  enabledAtMs: number | null;
}

export interface HostFacts {
  name: string;
  hardware: Host["hardware"];
  discoverySupported: boolean;
}

export interface VmFacts {
  vm: Vm;
  running: boolean;
  /** Size found in the catalog (or overrides). */
  sizeKnown: boolean;
  sizeSupported: boolean;
  sizeConfidential: boolean;
  /** The series can have Accelerated Networking. */
  sizeAnCapable: boolean;
  host: HostFacts | null;
}

export interface IlbFacts {
  lb: LoadBalancer;
  /** Backends whose VM is running, in declared order, already resolved with `via` = the ILB. */
  runningBackends: Entry[];
  /** Backends include both supported and unsupported sizes (Azure: "all must be a supported SKU"). */
  mixedSizes: boolean;
}

/** One address's owner. Everything here is static for the topology. */
export interface Entry {
  kind: EndpointKind | "ilb";
  endpoint: ResolvedEndpoint;
  vnet: VnetFacts | null;
  /** VM (node for pods, host VM for PaaS) whose NIC carries the address. */
  vmf: VmFacts | null;
  /** AN on the NIC carrying the address (for pods: the node's NIC). */
  acceleratedNetworking: boolean;
  /** The address is a primary IP configuration (only false for VM secondary IP configs). */
  primaryIpConfig: boolean;
  /** A pod whose address comes from an AKS pod subnet (Azure CNI dynamic pod IP assignment). */
  podSubnetIp: boolean;
  appliance: Appliance | null;
  ilb: IlbFacts | null;
  /** RFC 1918 address. */
  isPrivate: boolean;
  /**
   * First failing static capability condition (CAP_*), evaluated as if the endpoint's VNet had
   * encryption on; CAP_OK when none fails. Not used for appliances and externals.
   */
  staticCap: number;
  /** Short label for details: "vm-2 (Standard_B2s)", "pod aks-1/web-0 on node aks-1-system-0". */
  label: string;
}

export interface TopologyIndex {
  byIp: Map<string, Entry>;
  vnets: VnetFacts[];
  vnetByName: Map<string, VnetFacts>;
  hostByName: Map<string, HostFacts>;
  /** routes[a * vnetCount + b] = ROUTE_* */
  routes: Uint8Array;
  vnetCount: number;
  swNotReadyWindowMs: number;
  seed: number;
  /** Every address that has more than one owner (the first one wins). */
  duplicateIps: string[];
}

const CACHE = new WeakMap<Topology, TopologyIndex>();

/** The index of `topology`, built on first use and memoised for the lifetime of the object. */
export function indexTopology(topology: Topology): TopologyIndex {
  let ix = CACHE.get(topology);
  if (ix === undefined) {
    ix = buildIndex(topology);
    CACHE.set(topology, ix);
  }
  return ix;
}

function safePrivate(ip: string): boolean {
  return parseIpv4(ip) !== null && isPrivateIpv4(ip);
}

function vnetOfSubnetRef(ref: string): string {
  const slash = ref.indexOf("/");
  return slash < 0 ? ref : ref.slice(0, slash);
}

function endpoint(kind: EndpointKind, name: string, ip: string, vm: string | null, host: string | null, vnet: string | null, via: string | null): ResolvedEndpoint {
  return Object.freeze({ kind, name, ip, vm, host, vnet, via });
}

function staticCapability(vmf: VmFacts, an: boolean, vnet: VnetFacts | null): number {
  if (!vmf.sizeSupported) return CAP_SIZE;
  if (!an) return CAP_AN;
  const enabledAtMs = vnet?.enabledAtMs ?? null;
  const startedMs = vmf.vm.lastStartedAtMs;
  // Azure doc "Requirements" 4: VMs running before encryption was enabled keep sending plaintext
  // until they are stopped and started. A null enabledAtMs means "on since before anything we know".
  if (enabledAtMs !== null && (startedMs === null || startedMs < enabledAtMs)) return CAP_RESTART;
  if (vmf.host !== null) {
    if (!vmf.host.discoverySupported) return CAP_DISCOVERY;
    if (vmf.host.hardware !== "ok") return CAP_HARDWARE;
  }
  return CAP_OK;
}

function buildIndex(t: Topology): TopologyIndex {
  if (t.vnets.length > VNETS_MAX) {
    throw new RangeError(`indexTopology: topology has ${t.vnets.length} VNets, expected at most VNETS_MAX = ${VNETS_MAX}`);
  }
  const vnets: VnetFacts[] = t.vnets.map((v, index) => ({
    index,
    name: v.name,
    region: v.region,
    encryptionEnabled: v.encryption.enabled,
    enforcement: v.encryption.enforcement,
    enabledAtMs: v.encryption.enabledAtMs,
  }));
  const vnetByName = new Map(vnets.map((v) => [v.name, v] as const));
  const hostByName = new Map<string, HostFacts>(
    t.hosts.map((h) => [h.name, { name: h.name, hardware: h.hardware, discoverySupported: h.discoverySupported }] as const),
  );

  const vmFacts = new Map<string, VmFacts>();
  for (const vm of t.vms) {
    const size = lookupSize(vm.size, t.sizeOverrides);
    vmFacts.set(vm.name, {
      vm,
      running: vm.powerState === "running",
      sizeKnown: size !== undefined,
      sizeSupported: size?.encryption === true,
      sizeConfidential: size?.confidential === true,
      sizeAnCapable: size?.acceleratedNetworking === true,
      host: hostByName.get(vm.host) ?? null,
    });
  }

  const byIp = new Map<string, Entry>();
  const duplicates = new Set<string>();
  const add = (ip: string, e: Entry): void => {
    if (byIp.has(ip)) duplicates.add(ip);
    else byIp.set(ip, e);
  };

  const paasByVm = new Map(t.paasServices.map((p) => [p.hostVm, p.name] as const));
  const ipConfigEntry = new Map<string, Entry>(); // "vm/nic/ipconfig" -> entry (for ILB backends)

  for (const vm of t.vms) {
    const vmf = vmFacts.get(vm.name) as VmFacts;
    const paas = paasByVm.get(vm.name);
    for (const nic of vm.nics) {
      for (const cfg of nic.ipConfigs) {
        const vnet = vnetByName.get(vnetOfSubnetRef(cfg.subnet)) ?? null;
        const kind: EndpointKind = paas !== undefined ? "paas" : "vm";
        const name = paas ?? vm.name;
        const label = paas !== undefined ? `PaaS service ${paas} (host VM ${vm.name}, ${vm.size})` : `${vm.name} (${vm.size})`;
        const e: Entry = {
          kind,
          endpoint: endpoint(kind, name, cfg.privateIp, vm.name, vm.host, vnet?.name ?? null, null),
          vnet,
          vmf,
          acceleratedNetworking: nic.acceleratedNetworking,
          primaryIpConfig: cfg.primary,
          podSubnetIp: false,
          appliance: null,
          ilb: null,
          isPrivate: safePrivate(cfg.privateIp),
          staticCap: staticCapability(vmf, nic.acceleratedNetworking, vnet),
          label,
        };
        add(cfg.privateIp, e);
        ipConfigEntry.set(`${vm.name}/${nic.name}/${cfg.name}`, e);
      }
    }
  }

  for (const cluster of t.aksClusters) addPods(cluster);
  function addPods(cluster: AksCluster): void {
    const vnet = vnetByName.get(cluster.vnet) ?? null;
    for (const pod of cluster.pods) {
      const node = vmFacts.get(pod.node) ?? null;
      const nodeNic = node?.vm.nics[0];
      const an = nodeNic?.acceleratedNetworking ?? false;
      const name = `${cluster.name}/${pod.name}`;
      add(pod.ip, {
        kind: "pod",
        endpoint: endpoint("pod", name, pod.ip, pod.node, node?.vm.host ?? null, vnet?.name ?? null, null),
        vnet,
        vmf: node,
        acceleratedNetworking: an,
        primaryIpConfig: true,
        // Azure doc, AKS row: with podSubnetId (dynamic pod IP) "node traffic is encrypted, but pod
        // traffic isn't"; with Azure CNI (regular/overlay), kubenet or BYOCNI pod traffic is.
        podSubnetIp: cluster.podSubnet !== null,
        appliance: null,
        ilb: null,
        isPrivate: safePrivate(pod.ip),
        staticCap: node === null ? CAP_SIZE : staticCapability(node, an, vnet),
        label: `pod ${name} on node ${pod.node}${node === null ? "" : ` (${node.vm.size})`}`,
      });
    }
  }

  for (const a of t.appliances) {
    const vnet = vnetByName.get(a.vnet) ?? null;
    add(a.ip, {
      kind: "appliance",
      endpoint: endpoint("appliance", a.name, a.ip, null, null, vnet?.name ?? null, null),
      vnet,
      vmf: null,
      acceleratedNetworking: true,
      primaryIpConfig: true,
      podSubnetIp: false,
      appliance: a,
      ilb: null,
      isPrivate: safePrivate(a.ip),
      staticCap: CAP_OK,
      label: `appliance ${a.name} (${a.kind})`,
    });
  }

  for (const lb of t.loadBalancers) {
    const vnet = vnetByName.get(lb.vnet) ?? null;
    const runningBackends: Entry[] = [];
    let supported = 0;
    let unsupported = 0;
    for (const b of lb.backends) {
      const base = ipConfigEntry.get(`${b.vm}/${b.nic}/${b.ipConfig}`);
      if (base === undefined || base.vmf === null) continue;
      if (base.vmf.sizeSupported) supported++;
      else unsupported++;
      if (!base.vmf.running) continue;
      const ep = base.endpoint;
      runningBackends.push({ ...base, endpoint: endpoint(ep.kind, ep.name, ep.ip, ep.vm, ep.host, ep.vnet, lb.name) });
    }
    const facts: IlbFacts = { lb, runningBackends, mixedSizes: supported > 0 && unsupported > 0 };
    add(lb.frontendIp, {
      kind: "ilb",
      endpoint: endpoint("vm", lb.name, lb.frontendIp, null, null, vnet?.name ?? null, lb.name),
      vnet,
      vmf: null,
      acceleratedNetworking: true,
      primaryIpConfig: true,
      podSubnetIp: false,
      appliance: null,
      ilb: facts,
      isPrivate: safePrivate(lb.frontendIp),
      staticCap: CAP_OK,
      label: `internal load balancer ${lb.name}`,
    });
  }

  const outside = (kind: EndpointKind, name: string, ip: string, label: string): void => {
    add(ip, {
      kind,
      endpoint: endpoint(kind, name, ip, null, null, null, null),
      vnet: null,
      vmf: null,
      acceleratedNetworking: false,
      primaryIpConfig: true,
      podSubnetIp: false,
      appliance: null,
      ilb: null,
      isPrivate: safePrivate(ip),
      staticCap: CAP_OK,
      label,
    });
  };
  for (const c of t.aksClusters) outside("control-plane", `${c.name}/control-plane`, c.controlPlaneIp, `the AKS managed control plane of ${c.name}`);
  for (const x of t.externals) outside("external", x.name, x.ip, `external endpoint ${x.name} (${x.ip})`);

  // Public IPs of IP configurations resolve to their VM, so details name it; they are never private.
  for (const vm of t.vms) {
    const vmf = vmFacts.get(vm.name) as VmFacts;
    for (const nic of vm.nics) {
      for (const cfg of nic.ipConfigs) {
        if (cfg.publicIp === null) continue;
        const vnet = vnetByName.get(vnetOfSubnetRef(cfg.subnet)) ?? null;
        add(cfg.publicIp, {
          kind: "vm",
          endpoint: endpoint("vm", vm.name, cfg.publicIp, vm.name, vm.host, vnet?.name ?? null, null),
          vnet,
          vmf,
          acceleratedNetworking: nic.acceleratedNetworking,
          primaryIpConfig: cfg.primary,
          podSubnetIp: false,
          appliance: null,
          ilb: null,
          isPrivate: safePrivate(cfg.publicIp),
          staticCap: staticCapability(vmf, nic.acceleratedNetworking, vnet),
          label: `${vm.name} (public IP ${cfg.publicIp})`,
        });
      }
    }
  }

  const n = vnets.length;
  const routes = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) routes[i * n + i] = ROUTE_SAME;
  const directed = new Set<number>();
  for (const p of t.peerings) {
    const a = vnetByName.get(p.fromVnet);
    const b = vnetByName.get(p.toVnet);
    if (a === undefined || b === undefined || a === b) continue;
    directed.add(a.index * n + b.index);
  }
  for (const key of directed) {
    const a = Math.floor(key / n);
    const b = key % n;
    const both = directed.has(b * n + a);
    routes[a * n + b] = both ? ROUTE_PEERED : ROUTE_HALF;
    routes[b * n + a] = both ? ROUTE_PEERED : ROUTE_HALF;
  }

  return {
    byIp,
    vnets,
    vnetByName,
    hostByName,
    routes,
    vnetCount: n,
    swNotReadyWindowMs: t.settings.swNotReadyWindowMs,
    seed: t.settings.seed,
    duplicateIps: [...duplicates],
  };
}
