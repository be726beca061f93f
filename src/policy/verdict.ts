/** The answer of decide(): what happens to one flow, and why. */
import type { Enforcement } from "../topology/model.js";
import type { Reason } from "./reasons.js";
import type { FlowAction, FlowEncryption } from "./values.js";

export type EndpointKind = "vm" | "pod" | "paas" | "appliance" | "external" | "control-plane";

/** One end of a flow, resolved from its address. Shared (frozen) between verdicts: do not mutate. */
export interface ResolvedEndpoint {
  kind: EndpointKind;
  /** VM, pod ("cluster/pod"), PaaS service, appliance, external or "cluster/control-plane" name; the address for unknown public addresses. */
  name: string;
  ip: string;
  /** The VM whose NIC carries the address (the node for a pod, the host VM for PaaS). */
  vm: string | null;
  /** Physical host. */
  host: string | null;
  vnet: string | null;
  /** The internal load balancer the flow was sent through, when the address was its frontend. */
  via: string | null;
}

export interface Verdict {
  encryption: FlowEncryption;
  action: FlowAction;
  reason: Reason;
  /** A human sentence naming the resources involved. */
  detail: string;
  src: ResolvedEndpoint | null;
  dst: ResolvedEndpoint | null;
  /** The effective enforcement: DropUnencrypted only when both ends' VNets enable encryption and enforce it. */
  enforcement: Enforcement;
}
