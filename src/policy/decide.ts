/**
 * decide(flow, topology, nowMs): the encryption outcome of one flow, as a value.
 *
 * Rules (Azure doc "What is Azure Virtual Network encryption?", requirements and limitations;
 * domain.md §2): an endpoint can encrypt iff its size supports VNet encryption, Accelerated
 * Networking is on for the NIC carrying its address, its VNet has encryption on, and it was started
 * at or after encryption was enabled; its host must have working encryption hardware, support
 * discovery, and be past the not-ready window after the VM's last start. A flow is encrypted iff
 * both ends can, it is private-to-private, the ends are routable (same VNet or a peering that
 * exists in both directions, regional or global) and they are on different physical hosts.
 *
 * PRECEDENCE, when several reasons apply, the first in this list is reported (each test is on
 * "either end", so swapping source and destination never changes the reason):
 *   1. control-plane                  an end is an AKS managed control plane
 *   2. not-private-to-private         an address is not RFC 1918
 *   3. unknown-endpoint               a (private or malformed) address has no owner      [drop]
 *   4. outside-vnet                   an end is an external endpoint with a private address
 *   5. ilb-no-running-backend         an ILB frontend has no running backend             [drop]
 *   6. endpoint-stopped               an end's VM is stopped or deallocated              [drop]
 *   7. peering-incomplete, no-route   the VNets are not connected both ways              [drop]
 *   8. vnet-encryption-off            neither VNet has encryption on
 *      peer-vnet-encryption-off       exactly one of the two (peered) VNets has it on
 *   9. same-node-pod, same-host       both ends on one AKS node / one physical host (NX_LOCAL_DST)
 *  10. ilb-secondary-ip-config, ilb-mixed-sizes   unsupported ILB configurations
 *  11. pod-subnet-ip                  a pod with an Azure CNI dynamic (pod subnet) address
 *  12. unsupported-appliance, appliance-not-encrypted   appliance ends
 *  13. endpoint capability, condition by condition over both ends:
 *      size-unsupported, accelerated-networking-off, not-restarted-since-enabling,
 *      host-discovery-unsupported, host-hardware-unsupported, host-software-not-ready
 *      (VM configuration first: a VM that cannot encrypt is treated as a plaintext VM and the
 *      host's encryption component is never engaged for it; then the host)
 *  14. encrypted
 * Path facts (1-9) come before endpoint facts because they hold whatever the endpoints are.
 *
 * ENFORCEMENT: the effective enforcement is DropUnencrypted only when BOTH ends are in VNets with
 * encryption enabled and enforcement DropUnencrypted (domain.md §3: NX_NOT_ACCEPTED = "both ends
 * enforce DropUnencrypted and encryption failed"; NX_FALLBACK = "both ends AllowUnencrypted").
 * A flow between a DropUnencrypted VNet and an AllowUnencrypted (or encryption-off) peered VNet is
 * therefore delivered as under AllowUnencrypted. The outcome is REASON_TABLE[reason][enforcement]:
 * under DropUnencrypted every in-scope reason that leaves the flow unencrypted between different
 * hosts gives NX_NOT_ACCEPTED (dropped).
 *
 * The not-ready window: with lastStartedAtMs = s and window w, the host is not ready for
 * nowMs in [s, s + w) (and for nowMs < s, a VM still starting); ready from s + w on.
 */
import type { Enforcement, Flow, Topology } from "../topology/model.js";
import { isPrivateIpv4, parseIpv4 } from "../topology/cidr.js";
import { APPLIANCE_FACTS } from "./appliances.js";
import { flowHash } from "./hash.js";
import { REASON_TABLE, type Reason } from "./reasons.js";
import {
  CAP_AN,
  CAP_DISCOVERY,
  CAP_HARDWARE,
  CAP_OK,
  CAP_RESTART,
  CAP_SIZE,
  CAP_SW_NOT_READY,
  ROUTE_HALF,
  ROUTE_NONE,
  indexTopology,
  type Entry,
  type TopologyIndex,
  type VnetFacts,
} from "./topology-index.js";
import type { ResolvedEndpoint, Verdict } from "./verdict.js";

function effectiveEnforcement(a: VnetFacts | null, b: VnetFacts | null): Enforcement {
  return a !== null && b !== null && a.encryptionEnabled && b.encryptionEnabled &&
    a.enforcement === "DropUnencrypted" && b.enforcement === "DropUnencrypted"
    ? "DropUnencrypted"
    : "AllowUnencrypted";
}

function verdict(reason: Reason, enforcement: Enforcement, detail: string, src: ResolvedEndpoint | null, dst: ResolvedEndpoint | null): Verdict {
  const row = REASON_TABLE[reason];
  const outcome = enforcement === "DropUnencrypted" ? row.drop : row.allow;
  if (enforcement === "DropUnencrypted" && outcome.action === "drop" && row.allow.action === "deliver") {
    detail += "; both ends enforce DropUnencrypted, so the unencrypted flow is dropped";
  }
  return { encryption: outcome.encryption, action: outcome.action, reason, detail, src, dst, enforcement };
}

/** An address that no resource owns: public ones are "the internet", private or malformed ones are unknown. */
function unknownEndpoint(ip: string): ResolvedEndpoint | null {
  if (parseIpv4(ip) === null || isPrivateIpv4(ip)) return null;
  return { kind: "external", name: ip, ip, vm: null, host: null, vnet: null, via: null };
}

function isPublicUnknown(ip: string): boolean {
  return parseIpv4(ip) !== null && !isPrivateIpv4(ip);
}

function pickBackend(e: Entry, flow: Flow, ix: TopologyIndex): Entry | null {
  const ilb = e.ilb;
  if (ilb === null) return e;
  const n = ilb.runningBackends.length;
  if (n === 0) return null;
  return ilb.runningBackends[flowHash(flow, ix.seed) % n] ?? null;
}

/** "vm-2 (Standard_B2s)", "node n-0 (Standard_D4s_v5) of pod aks-1/web-0", ... */
function subject(e: Entry): string {
  const vmf = e.vmf;
  if (vmf === null) return e.label;
  const vm = `${vmf.vm.name} (${vmf.vm.size})`;
  if (e.kind === "pod") return `node ${vm} of pod ${e.endpoint.name}`;
  if (e.kind === "paas") return `host VM ${vm} of PaaS service ${e.endpoint.name}`;
  return vm;
}

function capability(e: Entry, nowMs: number, windowMs: number): number {
  if (e.staticCap !== CAP_OK) return e.staticCap;
  const vmf = e.vmf;
  if (vmf === null) return CAP_OK;
  const startedMs = vmf.vm.lastStartedAtMs;
  if (startedMs !== null && nowMs - startedMs < windowMs) return CAP_SW_NOT_READY;
  return CAP_OK;
}

function capabilitySentence(cap: number, e: Entry, windowMs: number): string {
  const who = subject(e);
  const vmf = e.vmf;
  const host = vmf?.vm.host ?? "?";
  switch (cap) {
    case CAP_SIZE:
      return vmf !== null && !vmf.sizeKnown
        ? `${who} is not in the size catalog, so it is treated as not supporting VNet encryption`
        : `${who} does not support VNet encryption`;
    case CAP_AN:
      return `Accelerated Networking is off on the NIC of ${who} that carries ${e.endpoint.ip}`;
    case CAP_RESTART:
      return `${who} was last started ${vmf?.vm.lastStartedAtMs === null ? "never" : `at ${String(vmf?.vm.lastStartedAtMs)} ms`}, before encryption was enabled on ${e.vnet?.name ?? "?"} at ${String(e.vnet?.enabledAtMs)} ms; it must be stopped and started`;
    case CAP_DISCOVERY:
      return `host ${host} of ${who} does not support encryption discovery`;
    case CAP_HARDWARE:
      return `host ${host} of ${who} has ${vmf?.host?.hardware === "absent" ? "no" : "faulty"} encryption hardware`;
    case CAP_SW_NOT_READY: {
      const startedMs = vmf?.vm.lastStartedAtMs ?? 0;
      return `the encryption component of host ${host} is not ready: ${who} started at ${startedMs} ms and the not-ready window ends at ${startedMs + windowMs} ms`;
    }
    default:
      return `${who} can encrypt`;
  }
}

const CAP_REASON: readonly Reason[] = [
  "encrypted",
  "size-unsupported",
  "accelerated-networking-off",
  "not-restarted-since-enabling",
  "host-discovery-unsupported",
  "host-hardware-unsupported",
  "host-software-not-ready",
];

function routeText(s: Entry, d: Entry): string {
  const a = s.vnet;
  const b = d.vnet;
  if (a === null || b === null) return "no VNet";
  if (a === b) return `within ${a.name}`;
  return `across ${a.region === b.region ? "regional" : "global"} peering ${a.name} <-> ${b.name}`;
}

/** "vm-2 (Standard_D4s_v5)", or "backend vm-2 (Standard_D4s_v5) of ilb-web" when reached through a load balancer. */
function nameOf(e: Entry): string {
  return e.endpoint.via === null ? e.label : `backend ${e.label} of ${e.endpoint.via}`;
}

/** The encryption outcome of `flow` in `topology` at virtual time `nowMs`. Never throws for a flow over a valid topology. */
export function decide(flow: Flow, topology: Topology, nowMs: number): Verdict {
  const ix = indexTopology(topology);
  const rawS = ix.byIp.get(flow.srcIp);
  const rawD = ix.byIp.get(flow.dstIp);
  // Load balancer frontends resolve to a backend chosen by the 5-tuple hash (null: none running);
  // the endpoints reported by every verdict are the resolved ones.
  const s = rawS === undefined ? null : pickBackend(rawS, flow, ix);
  const d = rawD === undefined ? null : pickBackend(rawD, flow, ix);
  const srcEp = (s ?? rawS)?.endpoint ?? null;
  const dstEp = (d ?? rawD)?.endpoint ?? null;
  let enf = effectiveEnforcement(rawS?.vnet ?? null, rawD?.vnet ?? null);

  // 1. control plane
  if (rawS?.kind === "control-plane" || rawD?.kind === "control-plane") {
    const cp = rawS?.kind === "control-plane" ? rawS : (rawD as Entry);
    return verdict("control-plane", enf, `${cp.label} is outside the VNet: out of scope for VNet encryption (that traffic is always TLS)`, srcEp ?? unknownEndpoint(flow.srcIp), dstEp ?? unknownEndpoint(flow.dstIp));
  }
  // 2. not private-to-private
  const sPublic = rawS === undefined ? isPublicUnknown(flow.srcIp) : !rawS.isPrivate;
  const dPublic = rawD === undefined ? isPublicUnknown(flow.dstIp) : !rawD.isPrivate;
  if (sPublic || dPublic) {
    const which = sPublic ? flow.srcIp : flow.dstIp;
    return verdict("not-private-to-private", enf, `${which} is not a private (RFC 1918) address: only private-to-private traffic is encrypted`, srcEp ?? unknownEndpoint(flow.srcIp), dstEp ?? unknownEndpoint(flow.dstIp));
  }
  // 3. unknown private (or malformed) addresses
  if (rawS === undefined || rawD === undefined) {
    const which = rawS === undefined ? flow.srcIp : flow.dstIp;
    return verdict("unknown-endpoint", enf, `no VM, pod, appliance, load balancer or external endpoint has address ${JSON.stringify(which)}`, srcEp, dstEp);
  }
  // 4. private addresses outside every VNet (on-premises and the like)
  if (rawS.kind === "external" || rawD.kind === "external") {
    const x = rawS.kind === "external" ? rawS : rawD;
    return verdict("outside-vnet", enf, `${x.label} is outside every VNet: VNet encryption covers traffic between VMs in VNets only`, srcEp, dstEp);
  }
  // 5. load balancer frontends without a running backend
  if (s === null || d === null) {
    const lb = s === null ? rawS : rawD;
    return verdict("ilb-no-running-backend", enf, `${lb.label} has no running backend`, srcEp, dstEp);
  }
  const se = s.endpoint;
  const de = d.endpoint;
  enf = effectiveEnforcement(s.vnet, d.vnet);
  // 6. stopped VMs
  const sStopped = s.vmf !== null && !s.vmf.running;
  const dStopped = d.vmf !== null && !d.vmf.running;
  if (sStopped || dStopped) {
    const names: string[] = [];
    if (sStopped) names.push(`${s.vmf?.vm.name} is ${s.vmf?.vm.powerState}`);
    if (dStopped && d.vmf !== s.vmf) names.push(`${d.vmf?.vm.name} is ${d.vmf?.vm.powerState}`);
    return verdict("endpoint-stopped", enf, names.join(" and "), se, de);
  }
  // 7. routing
  const sv = s.vnet;
  const dv = d.vnet;
  if (sv === null || dv === null) {
    return verdict("no-route", enf, `${sv === null ? s.label : d.label} is in no known VNet`, se, de);
  }
  const route = ix.routes[sv.index * ix.vnetCount + dv.index] ?? ROUTE_NONE;
  if (route === ROUTE_NONE) {
    return verdict("no-route", enf, `${sv.name} and ${dv.name} are not peered: no route from ${se.name} to ${de.name}`, se, de);
  }
  if (route === ROUTE_HALF) {
    return verdict("peering-incomplete", enf, `the peering between ${sv.name} and ${dv.name} exists in one direction only; traffic passes when both directions exist`, se, de);
  }
  // 8. VNet encryption switch
  if (!sv.encryptionEnabled || !dv.encryptionEnabled) {
    if (!sv.encryptionEnabled && !dv.encryptionEnabled) {
      return verdict("vnet-encryption-off", enf, sv === dv ? `encryption is not enabled on ${sv.name}` : `encryption is not enabled on ${sv.name} nor on ${dv.name}`, se, de);
    }
    const off = sv.encryptionEnabled ? dv : sv;
    const on = sv.encryptionEnabled ? sv : dv;
    return verdict("peer-vnet-encryption-off", enf, `${off.name} (peered with ${on.name}) has encryption off, so the flow is plaintext`, se, de);
  }
  // 9. same node / same host
  if (s.vmf !== null && s.vmf === d.vmf && (s.kind === "pod" || d.kind === "pod")) {
    return verdict("same-node-pod", enf, `${se.name} and ${de.name} are on the same AKS node ${s.vmf.vm.name}; same-node pod traffic is never encrypted`, se, de);
  }
  if (se.host !== null && se.host === de.host) {
    return verdict("same-host", enf, `${se.name} and ${de.name} run on the same physical host ${se.host}; same-host traffic is not encrypted by design`, se, de);
  }
  // 10. unsupported internal load balancer configurations
  const secondary = se.via !== null && !s.primaryIpConfig ? s : de.via !== null && !d.primaryIpConfig ? d : null;
  if (secondary !== null) {
    const e = secondary.endpoint;
    return verdict("ilb-secondary-ip-config", enf, `${e.via ?? "?"} sent the flow to backend ${e.name} on a NIC secondary IP configuration (${e.ip}), which VNet encryption does not support`, se, de);
  }
  const ilbMixed = rawS.ilb?.mixedSizes === true ? rawS : rawD.ilb?.mixedSizes === true ? rawD : null;
  if (ilbMixed !== null) {
    return verdict("ilb-mixed-sizes", enf, `${ilbMixed.label} has backends of supported and unsupported sizes, which VNet encryption does not support`, se, de);
  }
  // 11. pods with pod-subnet addresses
  if (s.podSubnetIp || d.podSubnetIp) {
    const p = s.podSubnetIp ? s : d;
    return verdict("pod-subnet-ip", enf, `pod ${p.endpoint.name} has address ${p.endpoint.ip} from the AKS pod subnet (dynamic pod IP): pod traffic is not encrypted`, se, de);
  }
  // 12. appliances
  const sa = s.appliance;
  const da = d.appliance;
  if ((sa !== null && !sa.encryptionSupported) || (da !== null && !da.encryptionSupported)) {
    const sUns = sa !== null && !sa.encryptionSupported && APPLIANCE_FACTS[sa.kind].unsupportedInEncryptedVnet;
    const dUns = da !== null && !da.encryptionSupported && APPLIANCE_FACTS[da.kind].unsupportedInEncryptedVnet;
    if (sUns || dUns) {
      const a = sUns ? s : d;
      const title = a.appliance === null ? "the appliance" : APPLIANCE_FACTS[a.appliance.kind].title;
      return verdict("unsupported-appliance", enf, `${a.label}: ${title} is not supported by VNet encryption`, se, de);
    }
    const a = sa !== null && !sa.encryptionSupported ? s : d;
    return verdict("appliance-not-encrypted", enf, `traffic to or from ${a.label} is not encrypted`, se, de);
  }
  // 13. endpoint capability
  const windowMs = ix.swNotReadyWindowMs;
  const cs = capability(s, nowMs, windowMs);
  const cd = capability(d, nowMs, windowMs);
  if (cs !== CAP_OK || cd !== CAP_OK) {
    const c = cs === CAP_OK ? cd : cd === CAP_OK ? cs : Math.min(cs, cd);
    let detail: string;
    if (cs === c && cd === c && s.vmf !== d.vmf) detail = `${capabilitySentence(c, s, windowMs)}; and ${capabilitySentence(c, d, windowMs)}`;
    else detail = capabilitySentence(c, cs === c ? s : d, windowMs);
    return verdict(CAP_REASON[c] ?? "size-unsupported", enf, detail, se, de);
  }
  // 14. encrypted
  return verdict("encrypted", enf, `${nameOf(s)} and ${nameOf(d)} can both encrypt, ${routeText(s, d)}: the flow is carried in the DTLS tunnel`, se, de);
}
