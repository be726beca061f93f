/**
 * Small typed pieces of a generated topology ("plans"): indices are plain integers that the
 * builder reduces modulo the number of candidates, so every piece is generated independently
 * and shrinks on its own (fast-check composes them with fc.record).
 */
import fc from "fast-check";
import type { AksNetworkPlugin, ApplianceKind, Enforcement, HostHardware, PowerState } from "../topology/model.js";
import { APPLIANCE_KINDS } from "../policy/appliances.js";
import { SUPPORTED_SIZE_NAMES, UNKNOWN_SIZE_NAME, UNSUPPORTED_SIZE_NAMES } from "./sizes.js";

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** Hard limits of the generator (the address plan gives each VNet 10.<v>.0.0/16). */
export const ARB_VNETS_MAX = 8;
export const ARB_HOSTS_MAX = 16;
export const ARB_VMS_MAX = 24;
export const ARB_CLUSTERS_MAX = 3;
export const ARB_FLOWS_MAX = 200;

export const REGIONS: readonly string[] = ["westeurope", "northeurope", "eastus"];

/** Virtual times used for starts and enabling: before, around and after time 0. */
export const START_TIMES_MS: readonly number[] = [-2 * DAY_MS, -DAY_MS, -HOUR_MS, -20_000, 0, 10_000, 60_000];
export const ENABLED_AT_MS: readonly (number | null)[] = [null, -DAY_MS - HOUR_MS, -HOUR_MS, 0, 30_000];

export interface VnetPlan {
  region: number;
  enabled: boolean;
  enforcement: Enforcement;
  enabledAtMs: number | null;
}

export interface HostPlan {
  hardware: HostHardware;
  discoverySupported: boolean;
}

export interface VmPlan {
  vnet: number;
  host: number;
  size: string;
  acceleratedNetworking: boolean;
  powerState: PowerState;
  startedMs: number | null;
  secondaryIp: boolean;
  publicIp: boolean;
  scaleSetInstance: boolean;
}

export interface PeeringPlan {
  a: number;
  b: number;
  bothDirections: boolean;
}

export interface LbPlan {
  vnet: number;
  backends: number[];
  useSecondary: boolean;
}

export interface AksPlan {
  vnet: number;
  plugin: AksNetworkPlugin;
  podSubnet: boolean;
  nodes: number;
  nodeSize: string;
  nodeAn: boolean;
  nodeHosts: number[];
  pods: number[];
}

export interface PaasPlan {
  vnet: number;
  host: number;
  size: string;
}

export interface AppliancePlan {
  vnet: number;
  kind: ApplianceKind;
  /** null = the default of APPLIANCE_FACTS. */
  encryptionSupported: boolean | null;
}

export interface ExternalPlan {
  onPremises: boolean;
  octet: number;
}

export interface TopologyPlan {
  seed: number;
  swNotReadyWindowMs: number;
  vnets: VnetPlan[];
  hosts: HostPlan[];
  vms: VmPlan[];
  peerings: PeeringPlan[];
  loadBalancers: LbPlan[];
  aks: AksPlan[];
  paas: PaasPlan[];
  appliances: AppliancePlan[];
  externals: ExternalPlan[];
}

export interface ArbTopologyOptions {
  /** 1..ARB_VNETS_MAX, default 3. */
  maxVnets?: number;
  /** 1..ARB_HOSTS_MAX, default 8 (per region). */
  maxHosts?: number;
  /** 0..ARB_VMS_MAX, default 6 (plain VMs and scale-set instances; AKS nodes and PaaS hosts come on top). */
  maxVms?: number;
  /** 0..ARB_CLUSTERS_MAX, default 1. */
  maxAksClusters?: number;
  withLoadBalancers?: boolean;
  withAppliances?: boolean;
  withPaas?: boolean;
  withExternals?: boolean;
  /** "on"/"off" forces VNet encryption; default "any". */
  encryption?: "any" | "on" | "off";
  /** Forces every VNet's enforcement; default "any". */
  enforcement?: "any" | Enforcement;
  /** Include a size name that is not in the catalog; default true. */
  withUnknownSizes?: boolean;
}

function checkLimit(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`arbTopology: option "${name}" expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

const idx = (): fc.Arbitrary<number> => fc.nat({ max: 1023 });

export function arbSizeName(withUnknown: boolean): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...SUPPORTED_SIZE_NAMES) },
    { weight: 2, arbitrary: fc.constantFrom(...UNSUPPORTED_SIZE_NAMES) },
    { weight: withUnknown ? 1 : 0, arbitrary: fc.constant(UNKNOWN_SIZE_NAME) },
  );
}

export function arbVnetPlan(o: ArbTopologyOptions): fc.Arbitrary<VnetPlan> {
  const enabled = o.encryption === "on" ? fc.constant(true) : o.encryption === "off" ? fc.constant(false)
    : fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
  const enforcement: fc.Arbitrary<Enforcement> =
    o.enforcement === undefined || o.enforcement === "any" ? fc.constantFrom("AllowUnencrypted", "DropUnencrypted") : fc.constant(o.enforcement);
  return fc.record({ region: fc.nat({ max: REGIONS.length - 1 }), enabled, enforcement, enabledAtMs: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom<number | null>(null, -DAY_MS - HOUR_MS) },
    { weight: 1, arbitrary: fc.constantFrom(...ENABLED_AT_MS) },
  ) });
}

export function arbHostPlan(): fc.Arbitrary<HostPlan> {
  return fc.record({
    hardware: fc.oneof({ weight: 12, arbitrary: fc.constant<HostHardware>("ok") }, { weight: 1, arbitrary: fc.constantFrom<HostHardware>("absent", "faulty") }),
    discoverySupported: fc.oneof({ weight: 15, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  });
}

export function arbVmPlan(o: ArbTopologyOptions): fc.Arbitrary<VmPlan> {
  return fc.record({
    vnet: idx(),
    host: idx(),
    size: arbSizeName(o.withUnknownSizes ?? true),
    acceleratedNetworking: fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    powerState: fc.oneof({ weight: 8, arbitrary: fc.constant<PowerState>("running") }, { weight: 1, arbitrary: fc.constantFrom<PowerState>("stopped", "deallocated") }),
    startedMs: fc.oneof(
      { weight: 6, arbitrary: fc.constant(-HOUR_MS) },
      { weight: 3, arbitrary: fc.constantFrom(...START_TIMES_MS) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
    secondaryIp: fc.boolean(),
    publicIp: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    scaleSetInstance: fc.boolean(),
  });
}

export function arbPeeringPlan(): fc.Arbitrary<PeeringPlan> {
  return fc.record({ a: idx(), b: idx(), bothDirections: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) });
}

export function arbLbPlan(): fc.Arbitrary<LbPlan> {
  return fc.record({ vnet: idx(), backends: fc.array(idx(), { minLength: 1, maxLength: 4 }), useSecondary: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }) });
}

export function arbAksPlan(o: ArbTopologyOptions): fc.Arbitrary<AksPlan> {
  return fc.record({
    vnet: idx(),
    plugin: fc.constantFrom<AksNetworkPlugin>("azure", "azure-overlay", "kubenet", "byocni"),
    podSubnet: fc.boolean(),
    nodes: fc.integer({ min: 1, max: 3 }),
    nodeSize: arbSizeName(o.withUnknownSizes ?? true),
    nodeAn: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    nodeHosts: fc.array(idx(), { minLength: 3, maxLength: 3 }),
    pods: fc.array(idx(), { maxLength: 5 }),
  });
}

export function arbPaasPlan(o: ArbTopologyOptions): fc.Arbitrary<PaasPlan> {
  return fc.record({ vnet: idx(), host: idx(), size: arbSizeName(o.withUnknownSizes ?? true) });
}

export function arbAppliancePlan(): fc.Arbitrary<AppliancePlan> {
  return fc.record({
    vnet: idx(),
    kind: fc.constantFrom(...APPLIANCE_KINDS),
    encryptionSupported: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.boolean() }),
  });
}

export function arbExternalPlan(): fc.Arbitrary<ExternalPlan> {
  return fc.record({ onPremises: fc.boolean(), octet: fc.integer({ min: 1, max: 254 }) });
}

export function arbTopologyPlan(o: ArbTopologyOptions = {}): fc.Arbitrary<TopologyPlan> {
  const maxVnets = checkLimit("maxVnets", o.maxVnets ?? 3, 1, ARB_VNETS_MAX);
  const maxHosts = checkLimit("maxHosts", o.maxHosts ?? 8, 1, ARB_HOSTS_MAX);
  const maxVms = checkLimit("maxVms", o.maxVms ?? 6, 0, ARB_VMS_MAX);
  const maxAks = checkLimit("maxAksClusters", o.maxAksClusters ?? 1, 0, ARB_CLUSTERS_MAX);
  return fc.record({
    seed: fc.nat({ max: 0x7fffffff }),
    swNotReadyWindowMs: fc.constantFrom(30_000, 10_000, 0),
    vnets: fc.array(arbVnetPlan(o), { minLength: 1, maxLength: maxVnets }),
    hosts: fc.array(arbHostPlan(), { minLength: Math.min(3, maxHosts), maxLength: maxHosts }),
    vms: fc.array(arbVmPlan(o), { maxLength: maxVms }),
    peerings: fc.array(arbPeeringPlan(), { maxLength: 2 * maxVnets }),
    loadBalancers: o.withLoadBalancers === false ? fc.constant([]) : fc.array(arbLbPlan(), { maxLength: 2 }),
    aks: fc.array(arbAksPlan(o), { maxLength: maxAks }),
    paas: o.withPaas === false ? fc.constant([]) : fc.array(arbPaasPlan(o), { maxLength: 2 }),
    appliances: o.withAppliances === false ? fc.constant([]) : fc.array(arbAppliancePlan(), { maxLength: 2 }),
    externals: o.withExternals === false ? fc.constant([]) : fc.array(arbExternalPlan(), { maxLength: 3 }),
  });
}
