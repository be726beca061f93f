/**
 * The scenario file schema (briefs/scenario-format.md): the single source of truth for the
 * input types (z.input / z.output), for validation, and for the JSON Schema (`scenarioJsonSchema`).
 * Cross-references (a subnet that exists, an IP inside its subnet, ...) are checked after this,
 * by the resolver, because they need the whole file.
 */
import { z } from "zod";
import { FLOW_ENCRYPTION_VALUES } from "../policy/values.js";
import { cidr, duration, ipv4, list, macAddress, port, rateText, resourceName, subnetRef } from "./fields.js";
import { dataplaneSettingsSchema, faultsSchema } from "./dataplane.js";
import {
  ADDRESS_PREFIXES_PER_VNET_MAX, INSTANCES_MAX, IP_CONFIGS_PER_NIC_MAX, NICS_PER_VM_MAX, NODE_POOLS_PER_CLUSTER_MAX, PACKET_MAX_BYTES, PACKETS_MAX,
  PODS_PER_CLUSTER_MAX, SIZE_OVERRIDES_MAX, SUBNETS_PER_VNET_MAX, VMS_PER_HOST_DEFAULT, VMS_PER_HOST_MAX,
} from "./limits.js";

const SCENARIO_NAME_RE = /^[a-z0-9-]+$/;
const REGION_RE = /^[a-z0-9]+$/;
const EPOCH_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,3})?Z$/;
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Calendar check without Date: month 1-12, day within the month, hour < 24, minute and second < 60. */
function isValidEpoch(s: string): boolean {
  const m = EPOCH_RE.exec(s);
  if (m === null) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days && hour < 24 && minute < 60 && second < 60;
}

export const region = z.string()
  .refine((s) => REGION_RE.test(s), { message: 'is not an Azure region name (expected lower-case letters and digits, e.g. "westeurope")' })
  .describe("Azure region name, e.g. westeurope");

export const enforcement = z.enum(["AllowUnencrypted", "DropUnencrypted"])
  .describe("properties.encryption.enforcement of the VNet");

const sizeName = z.string().describe('Azure VM size name, e.g. "Standard_D4s_v5"; matched against the size catalog by series');

export const settingsSchema = z.strictObject({
  swNotReadyWindowMs: duration.optional().describe("NX_SW_NOT_READY window after a VM start (default 30s)"),
  tunnelScope: z.enum(["vm-pair", "host-pair"]).optional().describe("One DTLS tunnel per VM pair or per host pair (default vm-pair)"),
  vmsPerHost: z.int().min(1).max(VMS_PER_HOST_MAX).optional()
    .describe(`VMs per auto-created host in seeded placement (default ${VMS_PER_HOST_DEFAULT})`),
  dataplane: dataplaneSettingsSchema.optional(),
}).describe("Simulation settings");

export const sizeOverrideSchema = z.strictObject({
  series: z.string().min(1).describe('Series id, e.g. "Dsv5" (family + features + accelerator + "v" + version)'),
  encryption: z.boolean().describe("The series supports VNet encryption"),
  acceleratedNetworking: z.boolean().describe("The series can have Accelerated Networking"),
  confidential: z.boolean().default(false).describe("Confidential computing series"),
}).describe("Override or extension of the bundled size catalog");

export const hostSchema = z.strictObject({
  name: resourceName.describe("Host name"),
  region,
  hardware: z.enum(["ok", "absent", "faulty"]).default("ok").describe("Encryption offload hardware (FPGA/SmartNIC)"),
  discoverySupported: z.boolean().default(true).describe("false: the host does not support encryption discovery (NX_NOT_SUPPORTED)"),
  underlayIp: ipv4.optional().describe("Underlay address; default assigned from 100.64.0.0/10"),
}).describe("Physical host");

export const subnetSchema = z.strictObject({
  name: resourceName.describe("Subnet name"),
  prefix: cidr.describe("Subnet address prefix"),
}).describe("Subnet");

export const vnetSchema = z.strictObject({
  name: resourceName.describe("VNet name"),
  region,
  subscription: z.string().refine((s) => UUID_RE.test(s), { message: "is not a subscription id (expected a GUID)" }).optional()
    .describe("Subscription id (default all zeros)"),
  resourceGroup: resourceName.optional().describe("Resource group (default rg-vnetsim)"),
  addressSpace: list(cidr, ADDRESS_PREFIXES_PER_VNET_MAX).min(1).describe("Address prefixes of the VNet"),
  encryption: z.strictObject({
    enabled: z.boolean().describe("properties.encryption.enabled"),
    enforcement: enforcement.default("AllowUnencrypted"),
    enabledAt: duration.optional().describe("When encryption was enabled (default -1d when enabled)"),
  }).optional().describe("VNet encryption (default off)"),
  subnets: list(subnetSchema, SUBNETS_PER_VNET_MAX).default([]).describe("Subnets"),
}).describe("Virtual network");

export const ipConfigSchema = z.strictObject({
  name: resourceName.describe("IP configuration name"),
  subnet: subnetRef,
  ip: ipv4.optional().describe("Private IP; default the next free address of the subnet (from .4)"),
  primary: z.boolean().optional().describe("Primary IP configuration of the NIC (default: the first)"),
  publicIp: ipv4.optional().describe("Public IP associated with the configuration"),
}).describe("NIC IP configuration");

export const nicSchema = z.strictObject({
  name: resourceName.describe("NIC name"),
  acceleratedNetworking: z.boolean().default(true).describe("enableAcceleratedNetworking"),
  mac: macAddress.optional().describe("MAC address; default derived from the seed"),
  ipConfigs: list(ipConfigSchema, IP_CONFIGS_PER_NIC_MAX).min(1).describe("IP configurations"),
}).describe("Network interface");

const powerState = z.enum(["running", "stopped", "deallocated"]).describe("Power state at time 0 (default running)");

export const vmSchema = z.strictObject({
  name: resourceName.describe("VM name"),
  size: sizeName,
  host: resourceName.optional().describe("Physical host; default chosen by seeded placement"),
  powerState: powerState.default("running"),
  startedAt: duration.optional().describe("Last start (default -1d)"),
  subnet: subnetRef.optional().describe("Short form: subnet of the single NIC"),
  ip: ipv4.optional().describe("Short form: private IP of the single NIC"),
  publicIp: ipv4.optional().describe("Short form: public IP of the single NIC"),
  acceleratedNetworking: z.boolean().optional().describe("Short form: Accelerated Networking of the single NIC (default true)"),
  mac: macAddress.optional().describe("Short form: MAC address of the single NIC"),
  nics: list(nicSchema, NICS_PER_VM_MAX).min(1).optional().describe("Long form: network interfaces"),
}).superRefine((vm, ctx) => {
  const shortKeys = (["subnet", "ip", "publicIp", "acceleratedNetworking", "mac"] as const).filter((k) => vm[k] !== undefined);
  if (vm.nics !== undefined && shortKeys.length > 0) {
    ctx.addIssue({ code: "custom", path: [shortKeys[0] ?? "subnet"], input: vm[shortKeys[0] ?? "subnet"],
      message: `cannot be combined with "nics" (use either the short form or the long form)` });
  } else if (vm.nics === undefined && vm.subnet === undefined) {
    ctx.addIssue({ code: "custom", path: [], message: 'missing "subnet" (short form) or "nics" (long form)' });
  }
}).describe("Virtual machine: short form (subnet, ip) for one NIC, or long form (nics)");

export const scaleSetSchema = z.strictObject({
  name: resourceName.describe("Scale set name; instances are named <name>_<i>"),
  size: sizeName,
  instances: z.int().min(1).max(INSTANCES_MAX).describe("Number of instances"),
  subnet: subnetRef,
  acceleratedNetworking: z.boolean().default(true),
  hosts: list(resourceName, INSTANCES_MAX).min(1).optional().describe("Hosts for the instances, round robin; default seeded placement"),
  powerState: powerState.default("running"),
  startedAt: duration.optional().describe("Last start of every instance (default -1d)"),
}).describe("Virtual machine scale set");

export const peeringSchema = z.strictObject({
  name: resourceName.optional().describe('Peering name (default "<from>-to-<to>")'),
  between: z.tuple([resourceName, resourceName]).optional().describe("Peer both directions"),
  from: resourceName.optional().describe("One direction: local VNet"),
  to: resourceName.optional().describe("One direction: remote VNet"),
}).superRefine((p, ctx) => {
  const directional = p.from !== undefined || p.to !== undefined;
  if (p.between !== undefined && directional) {
    ctx.addIssue({ code: "custom", path: ["between"], input: p.between, message: 'cannot be combined with "from"/"to"' });
  } else if (p.between === undefined && (p.from === undefined || p.to === undefined)) {
    ctx.addIssue({ code: "custom", path: [], message: 'missing "between: [a, b]" or both "from" and "to"' });
  }
}).describe("VNet peering");

export const backendSchema = z.union([
  resourceName.describe("VM name (its primary NIC and IP configuration)"),
  z.strictObject({
    vm: resourceName,
    nic: resourceName.optional().describe("NIC name (default the first NIC)"),
    ipConfig: resourceName.optional().describe("IP configuration (default the primary)"),
  }),
], { error: 'is not a backend (expected a VM name or { vm, nic, ipConfig })' }).describe("Load balancer backend");

export const loadBalancerSchema = z.strictObject({
  name: resourceName,
  vnet: resourceName,
  frontendIp: ipv4.describe("Private frontend IP (internal load balancer)"),
  backends: list(backendSchema, INSTANCES_MAX).min(1),
}).describe("Internal load balancer");

export const nodePoolSchema = z.strictObject({
  name: resourceName,
  size: sizeName,
  count: z.int().min(1).max(INSTANCES_MAX).describe('Number of nodes, named "<cluster>-<pool>-<i>"'),
  acceleratedNetworking: z.boolean().default(true),
  hosts: list(resourceName, INSTANCES_MAX).min(1).optional().describe("Hosts for the nodes, round robin; default seeded placement"),
}).describe("AKS node pool");

export const podSchema = z.strictObject({
  name: resourceName,
  node: resourceName.describe('Node VM name, e.g. "aks-1-system-0"'),
  ip: ipv4.optional().describe("Pod IP; default assigned from the pod subnet, pod CIDR or node subnet"),
}).describe("Pod");

export const aksSchema = z.strictObject({
  name: resourceName,
  vnet: resourceName,
  networkPlugin: z.enum(["azure", "azure-overlay", "kubenet", "byocni"]).default("azure"),
  nodeSubnet: subnetRef,
  podSubnet: subnetRef.optional().describe("Azure CNI dynamic pod IP assignment (podSubnetId)"),
  podCidr: cidr.optional().describe("Pod address range for overlay, kubenet and BYOCNI (default 10.244.0.0/16)"),
  controlPlaneIp: ipv4.optional().describe("Managed control plane (API server) address; default assigned"),
  nodePools: list(nodePoolSchema, NODE_POOLS_PER_CLUSTER_MAX).min(1),
  pods: list(podSchema, PODS_PER_CLUSTER_MAX).default([]),
}).describe("AKS cluster");

export const paasSchema = z.strictObject({
  name: resourceName.describe('PaaS service; its hosting VM is named "<name>-vm"'),
  size: sizeName.describe("Size of the hosting VM"),
  subnet: subnetRef,
  ip: ipv4.optional(),
  acceleratedNetworking: z.boolean().default(true),
  host: resourceName.optional(),
}).describe("PaaS service on a hosting VM");

export const applianceSchema = z.strictObject({
  name: resourceName,
  kind: z.enum(["expressroute-gateway", "application-gateway", "azure-firewall-standard", "azure-firewall-premium",
    "dns-private-resolver", "private-link-service", "private-endpoint"]),
  subnet: subnetRef,
  ip: ipv4.optional().describe("Default: next free address of the subnet"),
  encryptionSupported: z.boolean().optional().describe("Override of the appliance table (domain.md §2)"),
}).describe("Network appliance in a VNet");

export const externalSchema = z.strictObject({
  name: resourceName,
  ip: ipv4,
}).describe("Address outside every VNet");

const protocol = z.enum(["tcp", "udp", "icmp"]);
const rateSchema = z.union([rateText, z.strictObject({ poisson: rateText })],
  { error: 'is not a rate (expected "<number>/s" or { poisson: "<number>/s" })' }).describe("Constant or Poisson rate");

export const trafficSchema = z.strictObject({
  name: resourceName.optional().describe('Flow name (default "<from>-><to>"); all-pairs flows are "<name>:<src>-><dst>"'),
  pattern: z.enum(["one-way", "request-response", "all-pairs"]).default("one-way"),
  from: z.string().min(1).optional().describe('Source endpoint: VM, pod "cluster/pod", PaaS, appliance, external, LB, "vm/nic/ipconfig", "cluster/control-plane" or an IPv4 address'),
  to: z.string().min(1).optional().describe("Destination endpoint (as from)"),
  vnet: resourceName.optional().describe("all-pairs: the VNet whose VMs talk to each other"),
  protocol: protocol.default("tcp"),
  srcPort: port.optional().describe("Default derived from the seed and the flow name"),
  dstPort: port.default(443),
  packets: z.int().min(1).max(PACKETS_MAX).default(10),
  sizeBytes: z.int().min(1).max(PACKET_MAX_BYTES).default(1000),
  start: duration.default(0),
  rate: rateSchema.optional(),
}).superRefine((t, ctx) => {
  if (t.pattern === "all-pairs") {
    if (t.vnet === undefined) ctx.addIssue({ code: "custom", path: [], message: 'missing "vnet" (required by pattern all-pairs)' });
    if (t.name === undefined) ctx.addIssue({ code: "custom", path: [], message: 'missing "name" (required by pattern all-pairs)' });
    for (const k of ["from", "to", "srcPort"] as const) {
      if (t[k] !== undefined) ctx.addIssue({ code: "custom", path: [k], input: t[k], message: "cannot be used with pattern all-pairs" });
    }
  } else {
    for (const k of ["from", "to"] as const) {
      if (t[k] === undefined) ctx.addIssue({ code: "custom", path: [], message: `missing "${k}" (a flow needs "from" and "to", or pattern all-pairs)` });
    }
    if (t.vnet !== undefined) ctx.addIssue({ code: "custom", path: ["vnet"], input: t.vnet, message: "is only used with pattern all-pairs" });
  }
}).describe("Traffic: an explicit flow, or a pattern expanded to flows");

const at = duration.describe("Event time");
const vmEvent = <A extends string>(action: A) => z.strictObject({ at, action: z.literal(action), vm: resourceName });
export const eventSchema = z.discriminatedUnion("action", [
  z.strictObject({ at, action: z.literal("enable-encryption"), vnet: resourceName }),
  z.strictObject({ at, action: z.literal("disable-encryption"), vnet: resourceName }),
  z.strictObject({ at, action: z.literal("set-enforcement"), vnet: resourceName, enforcement }),
  vmEvent("start"), vmEvent("stop"), vmEvent("deallocate"), vmEvent("restart"), vmEvent("redeploy"),
  z.strictObject({ at, action: z.literal("set-accelerated-networking"), vm: resourceName, nic: resourceName.optional(), enabled: z.boolean() }),
  z.strictObject({ at, action: z.literal("host-hardware"), host: resourceName, hardware: z.enum(["ok", "absent", "faulty"]) }),
]).describe("Timed event");

export const expectationSchema = z.strictObject({
  flow: z.string().min(1).describe("Expanded flow name"),
  encryption: z.enum(FLOW_ENCRYPTION_VALUES as unknown as [string, ...string[]]).describe("Expected flow-log encryption value"),
  action: z.enum(["deliver", "drop"]),
  reason: z.string().optional().describe("Expected policy reason (kebab-case)"),
  at: duration.optional().describe("Time of the check (default the flow's start)"),
}).describe("Expected outcome of a flow");

export const scenarioSchema = z.strictObject({
  name: z.string().refine((s) => SCENARIO_NAME_RE.test(s), { message: 'is not a scenario name (expected lower-case letters, digits and "-")' })
    .describe("Scenario name"),
  description: z.string().default("").describe("What the scenario demonstrates"),
  epoch: z.string().refine(isValidEpoch, { message: 'is not an ISO UTC time (expected e.g. "2026-01-01T00:00:00Z")' })
    .default("2026-01-01T00:00:00Z").describe("Virtual time 0 as an ISO-8601 UTC instant"),
  seed: z.int().min(0).max(2 ** 31 - 1).default(1).describe("Seed of every deterministic choice"),
  settings: settingsSchema.default({}),
  sizes: list(sizeOverrideSchema, SIZE_OVERRIDES_MAX).default([]),
  hosts: list(hostSchema).default([]),
  vnets: list(vnetSchema).min(1),
  vms: list(vmSchema).default([]),
  scaleSets: list(scaleSetSchema).default([]),
  peerings: list(peeringSchema).default([]),
  loadBalancers: list(loadBalancerSchema).default([]),
  aks: list(aksSchema).default([]),
  paas: list(paasSchema).default([]),
  appliances: list(applianceSchema).default([]),
  externals: list(externalSchema).default([]),
  traffic: list(trafficSchema).default([]),
  events: list(eventSchema).default([]),
  expect: list(expectationSchema).default([]),
  faults: faultsSchema.optional(),
}).describe("vnetsim scenario: a topology, traffic, events and expected outcomes");

/** The file as written (optional keys may be missing). */
export type ScenarioInput = z.input<typeof scenarioSchema>;
/** The file after defaults. */
export type ScenarioDoc = z.output<typeof scenarioSchema>;
export type VnetDoc = ScenarioDoc["vnets"][number];
export type VmDoc = ScenarioDoc["vms"][number];
export type TrafficDoc = ScenarioDoc["traffic"][number];
export type EventDoc = ScenarioDoc["events"][number];

/** Top-level sections whose items are arrays (used to isolate broken items). */
export const LIST_SECTIONS = ["sizes", "hosts", "vnets", "vms", "scaleSets", "peerings", "loadBalancers", "aks", "paas",
  "appliances", "externals", "traffic", "events", "expect"] as const satisfies readonly (keyof ScenarioDoc)[];
