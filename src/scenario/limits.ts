/**
 * Limits on what a scenario file may ask for. Each is enforced by the loader (an issue names the
 * limit) so that a typo such as `instances: 100000` fails fast instead of exhausting memory.
 */

/** Largest scenario file accepted, in bytes. */
export const SCENARIO_MAX_BYTES = 1_048_576;
/** Most entries in any one top-level list (vnets, vms, traffic, events, ...). */
export const SECTION_MAX_ITEMS = 2_000;
/** Most VMs after expanding scale sets, AKS node pools and PaaS hosts. */
export const VMS_MAX = 5_000;
/** Most instances of one scale set or nodes of one AKS node pool. */
export const INSTANCES_MAX = 1_000;
/** Most flows after expanding traffic patterns (all-pairs grows as n*(n-1)). */
export const FLOWS_MAX = 100_000;
/** Most issues listed in one error; the rest are counted. */
export const ISSUES_MAX = 100;
/** Largest absolute duration, in ms (one year). */
export const DURATION_MAX_MS = 366 * 24 * 3_600_000;
/** Largest packet count of one flow. */
export const PACKETS_MAX = 10_000_000;
/** Largest rate of one flow, in packets per second. */
export const RATE_MAX_PER_SECOND = 10_000_000;
/** Largest size of one packet: IPv4 Total Length is 16 bits (RFC 791 §3.1). */
export const PACKET_MAX_BYTES = 65_535;
/** Most VMs auto-placed on one auto-created host (settings.vmsPerHost can lower or raise it up to this). */
export const VMS_PER_HOST_MAX = 64;
/** Default VMs per auto-created host (scenario-format.md). */
export const VMS_PER_HOST_DEFAULT = 4;
/** Longest resource name (Azure caps most network resource names at 80 characters). */
export const NAME_MAX_CHARS = 80;
/** Most address prefixes in one VNet's address space. */
export const ADDRESS_PREFIXES_PER_VNET_MAX = 64;
/** Most subnets per VNet (Azure subscription limits: 3,000 subnets per virtual network). */
export const SUBNETS_PER_VNET_MAX = 3_000;
/** Most NICs per VM (the largest Azure sizes allow 8). */
export const NICS_PER_VM_MAX = 8;
/** Most IP configurations per NIC (Azure networking limits: 256 private IP addresses per network interface). */
export const IP_CONFIGS_PER_NIC_MAX = 256;
/** Most node pools per AKS cluster (AKS quotas: 100 node pools). */
export const NODE_POOLS_PER_CLUSTER_MAX = 100;
/** Most pods listed per AKS cluster. */
export const PODS_PER_CLUSTER_MAX = 4_000;
/** Most size catalog overrides in one scenario. */
export const SIZE_OVERRIDES_MAX = 512;
