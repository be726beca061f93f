/**
 * Why a flow gets the encryption value it gets: one exhaustive union of reasons, and the ONE table
 * that maps (reason, enforcement) to (flow-log encryption value, action).
 *
 * The enforcement column used for a flow is the flow's *effective* enforcement (see decide.ts):
 * DropUnencrypted only when BOTH ends sit in VNets that have encryption enabled with
 * enforcement DropUnencrypted. domain.md §3 defines NX_NOT_ACCEPTED as "both ends enforce
 * DropUnencrypted and encryption failed" and NX_FALLBACK as "both ends AllowUnencrypted, tunnel
 * set-up failed"; a flow whose ends disagree is therefore treated as AllowUnencrypted.
 *
 * Reasons that describe traffic outside the feature's scope (not private-to-private, same host,
 * encryption off) deliver under both enforcements: DropUnencrypted only drops traffic that the
 * feature should have encrypted (Azure doc "Virtual network encryption", requirement 2).
 */
import type { Enforcement } from "../topology/model.js";
import type { Outcome } from "./values.js";

export type Reason =
  | "encrypted"
  | "vnet-encryption-off"
  | "peer-vnet-encryption-off"
  | "size-unsupported"
  | "accelerated-networking-off"
  | "not-restarted-since-enabling"
  | "host-discovery-unsupported"
  | "host-hardware-unsupported"
  | "host-software-not-ready"
  | "same-host"
  | "same-node-pod"
  | "not-private-to-private"
  | "outside-vnet"
  | "control-plane"
  | "pod-subnet-ip"
  | "appliance-not-encrypted"
  | "unsupported-appliance"
  | "ilb-mixed-sizes"
  | "ilb-secondary-ip-config"
  | "ilb-no-running-backend"
  | "no-route"
  | "peering-incomplete"
  | "endpoint-stopped"
  | "unknown-endpoint"
  | "handshake-failed";

export interface ReasonRow {
  /** Outcome when the flow's effective enforcement is AllowUnencrypted. */
  allow: Outcome;
  /** Outcome when the flow's effective enforcement is DropUnencrypted (both ends enforce it). */
  drop: Outcome;
  /** One sentence for documentation and reports. */
  summary: string;
}

const X_DELIVER: Outcome = Object.freeze({ encryption: "X", action: "deliver" });
const NX_DELIVER: Outcome = Object.freeze({ encryption: "NX", action: "deliver" });
const NX_DROP: Outcome = Object.freeze({ encryption: "NX", action: "drop" });
const LOCAL_DELIVER: Outcome = Object.freeze({ encryption: "NX_LOCAL_DST", action: "deliver" });
const NOT_ACCEPTED: Outcome = Object.freeze({ encryption: "NX_NOT_ACCEPTED", action: "drop" });

function row(allow: Outcome, drop: Outcome, summary: string): ReasonRow {
  return Object.freeze({ allow, drop, summary });
}

/** The single source of truth for reason -> outcome. The README carries this table. */
export const REASON_TABLE: Readonly<Record<Reason, ReasonRow>> = Object.freeze({
  encrypted: row(X_DELIVER, X_DELIVER, "Both ends can encrypt and the flow is private-to-private between different hosts: it is carried in the DTLS tunnel."),
  "vnet-encryption-off": row(NX_DELIVER, NX_DELIVER, "Encryption is not enabled on the VNet of either end, so the flow is not configured for encryption."),
  "peer-vnet-encryption-off": row(NX_DELIVER, NX_DELIVER, "The flow crosses a peering to a VNet whose encryption is off; the remote side is plaintext."),
  "size-unsupported": row(NX_DELIVER, NOT_ACCEPTED, "An end's VM size does not support VNet encryption (or is not in the size catalog)."),
  "accelerated-networking-off": row(NX_DELIVER, NOT_ACCEPTED, "Accelerated Networking is off on the NIC carrying an end's address; encryption needs it."),
  "not-restarted-since-enabling": row(NX_DELIVER, NOT_ACCEPTED, "An end's VM was last started before encryption was enabled on its VNet; it needs a stop/start."),
  "host-discovery-unsupported": row({ encryption: "NX_NOT_SUPPORTED", action: "drop" }, { encryption: "NX_NOT_SUPPORTED", action: "drop" }, "An end's physical host does not support encryption discovery; the flow is dropped."),
  "host-hardware-unsupported": row({ encryption: "NX_HW_NOT_SUPPORTED", action: "deliver" }, NOT_ACCEPTED, "An end's physical host has no or faulty encryption hardware (FPGA/SmartNIC)."),
  "host-software-not-ready": row({ encryption: "NX_SW_NOT_READY", action: "drop" }, { encryption: "NX_SW_NOT_READY", action: "drop" }, "An end's host component is not ready yet after a start, restart or redeploy; the drop is transient."),
  "same-host": row(LOCAL_DELIVER, LOCAL_DELIVER, "Both ends run on the same physical host; such traffic is not encrypted by design."),
  "same-node-pod": row(LOCAL_DELIVER, LOCAL_DELIVER, "A pod talks to a pod (or its node) on the same AKS node; same-node pod traffic is never encrypted."),
  "not-private-to-private": row(NX_DELIVER, NX_DELIVER, "An address is not private (RFC 1918): internet or public IP traffic is out of scope."),
  "outside-vnet": row(NX_DELIVER, NX_DELIVER, "An end is outside every VNet (e.g. on-premises); only VM-to-VM traffic inside VNets is in scope."),
  "control-plane": row(NX_DELIVER, NX_DELIVER, "An end is the AKS managed control plane; that traffic leaves the VNet (and is always TLS)."),
  "pod-subnet-ip": row(NX_DELIVER, NOT_ACCEPTED, "A pod has an address from an AKS pod subnet (Azure CNI dynamic pod IP); pod traffic is not encrypted."),
  "appliance-not-encrypted": row(NX_DELIVER, NOT_ACCEPTED, "An end is an appliance (ExpressRoute gateway, Application Gateway, Firewall Standard) whose traffic is not encrypted."),
  "unsupported-appliance": row(NX_DELIVER, NOT_ACCEPTED, "An end is a Private Link service, private endpoint or DNS Private Resolver, which VNet encryption does not support."),
  "ilb-mixed-sizes": row(NX_DELIVER, NOT_ACCEPTED, "The internal load balancer has backends of supported and unsupported sizes, which is not supported."),
  "ilb-secondary-ip-config": row(NX_DELIVER, NOT_ACCEPTED, "The chosen internal load balancer backend is a NIC secondary IP configuration, which is not supported."),
  "ilb-no-running-backend": row(NX_DROP, NX_DROP, "The internal load balancer has no running backend to send the flow to."),
  "no-route": row(NX_DROP, NX_DROP, "The two VNets are neither the same nor peered; there is no route."),
  "peering-incomplete": row(NX_DROP, NX_DROP, "The VNets are peered in one direction only; traffic passes only when both directions exist."),
  "endpoint-stopped": row(NX_DROP, NX_DROP, "An end's VM is stopped or deallocated."),
  "unknown-endpoint": row(NX_DROP, NX_DROP, "A private address belongs to no VM, pod, appliance, load balancer or external endpoint of the topology."),
  "handshake-failed": row({ encryption: "NX_FALLBACK", action: "deliver" }, NOT_ACCEPTED, "The DTLS tunnel set-up failed (reported by the data plane, never by decide)."),
});

/** Every reason, in the order of REASON_TABLE. */
export const REASONS: readonly Reason[] = Object.freeze(Object.keys(REASON_TABLE) as Reason[]);

const REASON_SET: ReadonlySet<string> = new Set(REASONS);

/** True when `value` names a reason. */
export function isReason(value: string): value is Reason {
  return REASON_SET.has(value);
}

/** The outcome of a flow with this reason under this (effective) enforcement. */
export function outcomeFor(reason: Reason, enforcement: Enforcement): Outcome {
  const entry = REASON_TABLE[reason];
  if (entry === undefined) {
    throw new Error(`outcomeFor: reason ${JSON.stringify(reason)} is not a Reason; expected one of ${REASONS.join(", ")}`);
  }
  if (enforcement === "AllowUnencrypted") return entry.allow;
  if (enforcement === "DropUnencrypted") return entry.drop;
  throw new Error(`outcomeFor: enforcement ${JSON.stringify(enforcement)} is not valid; expected "AllowUnencrypted" or "DropUnencrypted"`);
}
