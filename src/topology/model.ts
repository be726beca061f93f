/**
 * The topology model: plain data, no behaviour. Everything the policy, the linter and the
 * data plane need to know about a network, already resolved from a scenario file (names are
 * references by name; the scenario loader has checked that every reference exists).
 *
 * Times are virtual milliseconds since the scenario's epoch (`Topology.epochIso`). Nothing in
 * this model reads the wall clock.
 */

/** Azure's `properties.encryption.enforcement` on Microsoft.Network/virtualNetworks. */
export type Enforcement = "AllowUnencrypted" | "DropUnencrypted";

export interface VnetEncryption {
  enabled: boolean;
  enforcement: Enforcement;
  /** When encryption was last switched on (virtual ms); null when off or on since before time 0 with no known time. */
  enabledAtMs: number | null;
}

export interface Subnet {
  name: string;
  /** IPv4 CIDR, e.g. "10.0.1.0/24". */
  prefix: string;
}

export interface Vnet {
  name: string;
  region: string;
  subscriptionId: string;
  resourceGroup: string;
  addressSpace: string[];
  subnets: Subnet[];
  encryption: VnetEncryption;
}

/** Encryption hardware of a physical host (the FPGA / SmartNIC behind Accelerated Networking). */
export type HostHardware = "ok" | "absent" | "faulty";

export interface Host {
  name: string;
  region: string;
  hardware: HostHardware;
  /** The host does not support encryption discovery at all (flow logs: NX_NOT_SUPPORTED). */
  discoverySupported: boolean;
  /** Underlay address of the host (IPv4), used by the data plane's wire and pcap. */
  underlayIp: string;
}

export type PowerState = "running" | "stopped" | "deallocated";

export interface IpConfig {
  name: string;
  /** Reference "vnetName/subnetName". */
  subnet: string;
  privateIp: string;
  primary: boolean;
  publicIp: string | null;
}

export interface Nic {
  name: string;
  acceleratedNetworking: boolean;
  /** 12 upper-case hex digits, no separators (as flow logs print it). */
  macAddress: string;
  ipConfigs: IpConfig[];
}

/** What a VM is, when it is not a plain VM. */
export type VmRole =
  | { kind: "vm" }
  | { kind: "scale-set-instance"; scaleSet: string; instance: number }
  | { kind: "aks-node"; cluster: string; nodePool: string; instance: number }
  | { kind: "paas-host"; service: string };

export interface Vm {
  name: string;
  /** Azure size name, e.g. "Standard_D4s_v5". Matched against the size catalog by series. */
  size: string;
  /** Physical host the VM runs on (placed explicitly or by the loader's seeded placement). */
  host: string;
  powerState: PowerState;
  /** Virtual ms of the last start (create, start, restart, redeploy); null if never started. */
  lastStartedAtMs: number | null;
  nics: Nic[];
  role: VmRole;
}

export interface Peering {
  name: string;
  /** Directional: traffic passes only when both directions exist. */
  fromVnet: string;
  toVnet: string;
}

export interface LoadBalancerBackend {
  vm: string;
  nic: string;
  ipConfig: string;
}

/** Internal (private frontend) load balancer. */
export interface LoadBalancer {
  name: string;
  vnet: string;
  frontendIp: string;
  backends: LoadBalancerBackend[];
}

export type AksNetworkPlugin = "azure" | "azure-overlay" | "kubenet" | "byocni";

export interface AksPod {
  name: string;
  /** Name of the node VM the pod runs on. */
  node: string;
  ip: string;
}

export interface AksCluster {
  name: string;
  vnet: string;
  networkPlugin: AksNetworkPlugin;
  /** Azure CNI dynamic pod IP assignment: "vnet/subnet" of podSubnetId, or null. */
  podSubnet: string | null;
  /** Node VMs (scale set instances), by node pool. */
  nodePools: { name: string; nodes: string[] }[];
  pods: AksPod[];
  /** Address of the managed control plane (API server); outside the VNet. */
  controlPlaneIp: string;
}

/** Network features that sit in a VNet and are not VMs. */
export type ApplianceKind =
  | "expressroute-gateway"
  | "application-gateway"
  | "azure-firewall-standard"
  | "azure-firewall-premium"
  | "dns-private-resolver"
  | "private-link-service"
  | "private-endpoint";

export interface Appliance {
  name: string;
  kind: ApplianceKind;
  vnet: string;
  /** "vnet/subnet" */
  subnet: string;
  ip: string;
  /**
   * Whether traffic to or through this appliance can be encrypted. Defaults from the appliance
   * table (domain.md §2); scenarios can override it because Microsoft's docs have changed.
   */
  encryptionSupported: boolean;
}

/** A PaaS service whose instance runs on a VM (role "paas-host") that decides its encryption. */
export interface PaasService {
  name: string;
  /** Name of the hosting VM. */
  hostVm: string;
}

/** An address outside every VNet: internet, a public endpoint, another cloud. */
export interface ExternalEndpoint {
  name: string;
  ip: string;
}

export interface SizeSeriesEntry {
  /** Series id, e.g. "Dsv5". */
  series: string;
  encryption: boolean;
  acceleratedNetworking: boolean;
  confidential: boolean;
}

export interface Settings {
  /** After a VM starts, the host component is not ready for this long (NX_SW_NOT_READY). */
  swNotReadyWindowMs: number;
  /** Seed for every deterministic choice (load balancer backends, placement). */
  seed: number;
}

export interface Topology {
  /** Virtual time 0 as an ISO-8601 UTC instant (flow log timestamps). */
  epochIso: string;
  settings: Settings;
  vnets: Vnet[];
  hosts: Host[];
  vms: Vm[];
  peerings: Peering[];
  loadBalancers: LoadBalancer[];
  aksClusters: AksCluster[];
  appliances: Appliance[];
  paasServices: PaasService[];
  externals: ExternalEndpoint[];
  /** Scenario overrides of the size catalog, consulted before the bundled catalog. */
  sizeOverrides: SizeSeriesEntry[];
}

export type Protocol = "tcp" | "udp" | "icmp";

/** A flow as a 5-tuple. The policy resolves addresses to endpoints. */
export interface Flow {
  srcIp: string;
  dstIp: string;
  protocol: Protocol;
  srcPort: number;
  dstPort: number;
}
