/**
 * vnetsim/testing: fast-check arbitraries for property tests of code that uses vnetsim (and for
 * vnetsim's own). arbTopology() yields VALID topologies (unique names and addresses, VNets with
 * non-overlapping address spaces, every reference resolves); arbFlowIn(topology) yields flows
 * between its addresses (plus a few unowned ones); arbTopologyWithFlows() combines them with a
 * time to evaluate at.
 */
import fc from "fast-check";
import type { Flow, Topology } from "../topology/model.js";
import { buildTopology } from "./build.js";
import { arbFlowIn, arbNowMs } from "./flows.js";
import { ARB_FLOWS_MAX, arbTopologyPlan, type ArbTopologyOptions } from "./plan.js";

export { buildTopology, ARB_EPOCH_ISO, ARB_SUBNET_HOSTS_MAX } from "./build.js";
export { NOISE_ADDRESSES, addressesByPlace, arbAddressIn, arbFlowIn, arbNowMs, topologyAddresses } from "./flows.js";
export {
  ARB_CLUSTERS_MAX, ARB_FLOWS_MAX, ARB_HOSTS_MAX, ARB_VMS_MAX, ARB_VNETS_MAX,
  arbAksPlan, arbAppliancePlan, arbExternalPlan, arbHostPlan, arbLbPlan, arbPaasPlan, arbPeeringPlan,
  arbSizeName, arbTopologyPlan, arbVmPlan, arbVnetPlan,
  type AksPlan, type AppliancePlan, type ArbTopologyOptions, type ExternalPlan, type HostPlan, type LbPlan,
  type PaasPlan, type PeeringPlan, type TopologyPlan, type VmPlan, type VnetPlan,
} from "./plan.js";
export { SUPPORTED_SIZE_NAMES, UNKNOWN_SIZE_NAME, UNSUPPORTED_SIZE_NAMES } from "./sizes.js";

/** A valid topology (see build.ts for the address plan). */
export function arbTopology(options: ArbTopologyOptions = {}): fc.Arbitrary<Topology> {
  return arbTopologyPlan(options).map(buildTopology);
}

export interface TopologyWithFlows {
  topology: Topology;
  flows: Flow[];
  nowMs: number;
}

export interface ArbTopologyWithFlowsOptions extends ArbTopologyOptions {
  /** 1..ARB_FLOWS_MAX, default 20. */
  maxFlows?: number;
}

export function arbTopologyWithFlows(options: ArbTopologyWithFlowsOptions = {}): fc.Arbitrary<TopologyWithFlows> {
  const maxFlows = options.maxFlows ?? 20;
  if (!Number.isInteger(maxFlows) || maxFlows < 1 || maxFlows > ARB_FLOWS_MAX) {
    throw new RangeError(`arbTopologyWithFlows: option "maxFlows" expected an integer in [1, ${ARB_FLOWS_MAX}], got ${String(maxFlows)}`);
  }
  return arbTopology(options).chain((topology) =>
    fc.record({ topology: fc.constant(topology), flows: fc.array(arbFlowIn(topology), { minLength: 1, maxLength: maxFlows }), nowMs: arbNowMs() }),
  );
}
