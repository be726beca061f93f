/** Small builders for hand-written topologies in policy tests. Defaults: everything can encrypt. */
import type {
  AksCluster,
  Appliance,
  ApplianceKind,
  Enforcement,
  Flow,
  Host,
  LoadBalancer,
  Topology,
  Vm,
  Vnet,
} from "../../src/topology/model.js";
import { APPLIANCE_FACTS } from "../../src/policy/appliances.js";

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const SUPPORTED_SIZE = "Standard_D4s_v5";
export const UNSUPPORTED_SIZE = "Standard_B2s";
export const CONFIDENTIAL_SIZE = "Standard_DC2as_v5";

export function vnet(name: string, octet: number, opts: { enabled?: boolean; enforcement?: Enforcement; enabledAtMs?: number | null; region?: string } = {}): Vnet {
  return {
    name,
    region: opts.region ?? "westeurope",
    subscriptionId: "00000000-0000-0000-0000-000000000000",
    resourceGroup: "rg",
    addressSpace: [`10.${octet}.0.0/16`],
    subnets: [
      { name: "default", prefix: `10.${octet}.1.0/24` },
      { name: "pods", prefix: `10.${octet}.2.0/24` },
      { name: "appliances", prefix: `10.${octet}.3.0/24` },
    ],
    encryption: {
      enabled: opts.enabled ?? true,
      enforcement: opts.enforcement ?? "AllowUnencrypted",
      enabledAtMs: opts.enabledAtMs === undefined ? -DAY_MS : opts.enabledAtMs,
    },
  };
}

export function host(name: string, opts: Partial<Host> = {}): Host {
  return { name, region: "westeurope", hardware: "ok", discoverySupported: true, underlayIp: "100.64.0.1", ...opts };
}

export interface VmOpts {
  size?: string;
  host?: string;
  subnet?: string;
  an?: boolean;
  powerState?: Vm["powerState"];
  startedMs?: number | null;
  role?: Vm["role"];
  secondaryIp?: string;
  publicIp?: string;
}

export function vm(name: string, ip: string, opts: VmOpts = {}): Vm {
  const ipConfigs = [{ name: "ipconfig1", subnet: opts.subnet ?? "vnet-a/default", privateIp: ip, primary: true, publicIp: opts.publicIp ?? null }];
  if (opts.secondaryIp !== undefined) {
    ipConfigs.push({ name: "ipconfig2", subnet: opts.subnet ?? "vnet-a/default", privateIp: opts.secondaryIp, primary: false, publicIp: null });
  }
  return {
    name,
    size: opts.size ?? SUPPORTED_SIZE,
    host: opts.host ?? `host-${name}`,
    powerState: opts.powerState ?? "running",
    lastStartedAtMs: opts.startedMs === undefined ? -HOUR_MS : opts.startedMs,
    nics: [{ name: `${name}-nic0`, acceleratedNetworking: opts.an ?? true, macAddress: "002248000000", ipConfigs }],
    role: opts.role ?? { kind: "vm" },
  };
}

export function appliance(name: string, kind: ApplianceKind, ip: string, vnetName = "vnet-a"): Appliance {
  return { name, kind, vnet: vnetName, subnet: `${vnetName}/appliances`, ip, encryptionSupported: APPLIANCE_FACTS[kind].encryptionSupported };
}

export function ilb(name: string, frontendIp: string, backends: { vm: string; ipConfig?: string }[], vnetName = "vnet-a"): LoadBalancer {
  return { name, vnet: vnetName, frontendIp, backends: backends.map((b) => ({ vm: b.vm, nic: `${b.vm}-nic0`, ipConfig: b.ipConfig ?? "ipconfig1" })) };
}

export function aks(name: string, opts: Partial<AksCluster> & { nodes: string[] }): AksCluster {
  return {
    name,
    vnet: opts.vnet ?? "vnet-a",
    networkPlugin: opts.networkPlugin ?? "azure",
    podSubnet: opts.podSubnet ?? null,
    nodePools: [{ name: "system", nodes: opts.nodes }],
    pods: opts.pods ?? [],
    controlPlaneIp: opts.controlPlaneIp ?? "20.50.0.1",
  };
}

/** Creates hosts for every VM host name that has none. */
export function topology(parts: Partial<Topology>): Topology {
  const t: Topology = {
    epochIso: "2026-01-01T00:00:00Z",
    settings: { swNotReadyWindowMs: 30_000, seed: 1 },
    vnets: [vnet("vnet-a", 0)],
    hosts: [],
    vms: [],
    peerings: [],
    loadBalancers: [],
    aksClusters: [],
    appliances: [],
    paasServices: [],
    externals: [],
    sizeOverrides: [],
    ...parts,
  };
  const known = new Set(t.hosts.map((h) => h.name));
  const hosts = [...t.hosts];
  for (const v of t.vms) {
    if (!known.has(v.host)) {
      known.add(v.host);
      hosts.push(host(v.host));
    }
  }
  return { ...t, hosts };
}

export function flow(srcIp: string, dstIp: string, srcPort = 50_000, dstPort = 443, protocol: Flow["protocol"] = "tcp"): Flow {
  return { srcIp, dstIp, protocol, srcPort, dstPort };
}

/** Two VMs of supported sizes on different hosts in one encrypted VNet: 10.0.1.4 -> 10.0.1.5. */
export function pair(a: VmOpts = {}, b: VmOpts = {}, v: Parameters<typeof vnet>[2] = {}): Topology {
  return topology({ vnets: [vnet("vnet-a", 0, v)], vms: [vm("vm-1", "10.0.1.4", a), vm("vm-2", "10.0.1.5", b)] });
}
