/**
 * AKS clusters: node VMs are drafts made by compute.ts; this file checks the cluster's subnets,
 * and assigns pod addresses the way each network plugin does (AKS docs, "Networking concepts"):
 * Azure CNI gives pods addresses of the node subnet, or of the pod subnet with dynamic pod IP
 * assignment (podSubnetId); overlay, kubenet and BYOCNI give pods addresses of a private pod
 * CIDR outside the VNet.
 */
import { cidrContains, cidrOverlaps } from "../topology/cidr.js";
import type { AksCluster, AksPod } from "../topology/model.js";
import { AddressBook, checkSubnetIp } from "./addresses.js";
import type { ResolveContext } from "./context.js";
import { formatPath, type PathSegment } from "./issues.js";
import { resolveSubnet, type Network } from "./network.js";

/** AKS default pod CIDR for kubenet and Azure CNI Overlay. */
export const AKS_DEFAULT_POD_CIDR = "10.244.0.0/16";
/** Control plane addresses are assigned from here when not given (a public block, outside every VNet). */
export const AKS_CONTROL_PLANE_BLOCK = "20.50.0.0/16";

interface PodDraft {
  pod: AksPod;
  path: PathSegment[];
  label: string;
}

export interface AksDraft {
  cluster: AksCluster;
  path: PathSegment[];
  /** Pod address range: a subnet ("vnet/subnet" + prefix) or a CIDR. */
  podRange: { ref: string | null; prefix: string } | null;
  pods: PodDraft[];
}

/** Checks each cluster and claims its explicit addresses (node VMs are drafts made by compute.ts). */
export function collectAks(ctx: ResolveContext, net: Network, book: AddressBook): AksDraft[] {
  const seen = new Map<string, string>();
  return ctx.doc.aks.map((c, i) => {
    const path: PathSegment[] = ["aks", i];
    ctx.duplicate(seen, [...path, "name"], c.name, formatPath(path), "AKS cluster");
    const vnet = net.vnetByName.get(c.vnet);
    if (vnet === undefined) ctx.unknown([...path, "vnet"], c.vnet, "VNet", net.vnetByName.keys());
    const nodeInfo = net.subnetByRef.get(c.nodeSubnet) ?? null;
    if (nodeInfo !== null && vnet !== undefined && nodeInfo.vnet.name !== vnet.name) {
      ctx.error([...path, "nodeSubnet"], `${JSON.stringify(c.nodeSubnet)} is not in the cluster's VNet ${vnet.name}`);
    }
    let podRange: AksDraft["podRange"] = null;
    if (c.podSubnet !== undefined) {
      const podInfo = resolveSubnet(ctx, net, [...path, "podSubnet"], c.podSubnet);
      if (c.networkPlugin !== "azure") {
        ctx.error([...path, "podSubnet"], `${JSON.stringify(c.podSubnet)} is only used with networkPlugin "azure" (dynamic pod IP assignment), not ${JSON.stringify(c.networkPlugin)}`);
      } else if (podInfo !== null && vnet !== undefined && podInfo.vnet.name !== vnet.name) {
        ctx.error([...path, "podSubnet"], `${JSON.stringify(c.podSubnet)} is not in the cluster's VNet ${vnet.name}`);
      } else if (podInfo !== null && c.podSubnet === c.nodeSubnet) {
        ctx.error([...path, "podSubnet"], `${JSON.stringify(c.podSubnet)} is the node subnet (expected a separate pod subnet)`);
      } else if (podInfo !== null) {
        podRange = { ref: c.podSubnet, prefix: podInfo.subnet.prefix };
      }
    } else if (c.networkPlugin === "azure") {
      if (c.podCidr !== undefined) {
        ctx.error([...path, "podCidr"], `${JSON.stringify(c.podCidr)} is only used with networkPlugin azure-overlay, kubenet or byocni`);
      }
      if (nodeInfo !== null) podRange = { ref: c.nodeSubnet, prefix: nodeInfo.subnet.prefix };
    }
    if (c.networkPlugin !== "azure") {
      const podCidr = c.podCidr ?? AKS_DEFAULT_POD_CIDR;
      const clash = vnet?.addressSpace.find((a) => cidrOverlaps(a, podCidr));
      if (clash !== undefined) {
        if (c.podCidr === undefined) {
          ctx.error([...path, "networkPlugin"], `${JSON.stringify(c.networkPlugin)} uses the default pod CIDR ${podCidr}, which overlaps ${clash} of VNet ${vnet?.name ?? ""} (set "podCidr")`);
        } else {
          ctx.error([...path, "podCidr"], `${JSON.stringify(c.podCidr)} overlaps ${clash} of VNet ${vnet?.name ?? ""} (the pod CIDR must be outside the VNet)`);
        }
      } else {
        podRange = { ref: null, prefix: podCidr };
      }
    }
    const label = `${c.name} (${formatPath(path)})`;
    if (c.controlPlaneIp !== undefined) {
      const inVnet = net.vnets.find((v) => v.addressSpace.some((a) => cidrContains(a, c.controlPlaneIp ?? "")));
      if (inVnet !== undefined) {
        ctx.error([...path, "controlPlaneIp"], `${JSON.stringify(c.controlPlaneIp)} is inside VNet ${inVnet.name} (the managed control plane is outside every VNet)`);
      } else {
        book.claim(ctx, [...path, "controlPlaneIp"], c.controlPlaneIp, `control plane of ${label}`);
      }
    }
    const nodePools = c.nodePools.map((p) => ({ name: p.name, nodes: Array.from({ length: p.count }, (_, k) => `${c.name}-${p.name}-${k}`) }));
    const poolSeen = new Map<string, string>();
    c.nodePools.forEach((p, j) => ctx.duplicate(poolSeen, [...path, "nodePools", j, "name"], p.name, formatPath([...path, "nodePools", j]), "node pool"));
    const nodes = new Set(nodePools.flatMap((p) => p.nodes));
    const podSeen = new Map<string, string>();
    const pods: PodDraft[] = [];
    c.pods.forEach((p, j) => {
      const pp: PathSegment[] = [...path, "pods", j];
      if (ctx.duplicate(podSeen, [...pp, "name"], p.name, formatPath(pp), "pod")) return;
      if (!nodes.has(p.node)) ctx.unknown([...pp, "node"], p.node, `node of ${c.name}`, nodes);
      const podLabel = `pod ${c.name}/${p.name} (${formatPath(pp)})`;
      if (p.ip !== undefined && podRange !== null) {
        const ok = podRange.ref !== null
          ? checkSubnetIp(ctx, [...pp, "ip"], p.ip, podRange.ref, podRange.prefix)
          : cidrContains(podRange.prefix, p.ip) || (ctx.error([...pp, "ip"], `${JSON.stringify(p.ip)} is not in the pod CIDR ${podRange.prefix} of ${c.name}`), false);
        if (ok) book.claim(ctx, [...pp, "ip"], p.ip, podLabel);
      }
      pods.push({ pod: { name: p.name, node: p.node, ip: p.ip ?? "" }, path: p.ip === undefined ? pp : [...pp, "ip"], label: podLabel });
    });
    const cluster: AksCluster = { name: c.name, vnet: c.vnet, networkPlugin: c.networkPlugin, podSubnet: c.podSubnet ?? null,
      nodePools, pods: pods.map((p) => p.pod), controlPlaneIp: c.controlPlaneIp ?? "" };
    return { cluster, path, podRange, pods };
  });
}

/** Assigns pod and control plane addresses that were not given. Call after the node VMs got theirs. */
export function allocateAks(ctx: ResolveContext, book: AddressBook, drafts: AksDraft[]): AksCluster[] {
  for (const d of drafts) {
    if (d.cluster.controlPlaneIp === "") {
      d.cluster.controlPlaneIp = book.allocate(AKS_CONTROL_PLANE_BLOCK, `control plane of ${d.cluster.name}`, 1, 1) ?? "";
    }
    for (const p of d.pods) {
      if (p.pod.ip !== "" || d.podRange === null) continue;
      const ip = book.allocate(d.podRange.prefix, p.label);
      if (ip === null) ctx.error(p.path, `pod range ${d.podRange.ref ?? d.podRange.prefix} (${d.podRange.prefix}) has no free address left for ${p.label}`);
      else p.pod.ip = ip;
    }
    d.cluster.pods = d.pods.map((p) => p.pod);
  }
  return drafts.map((d) => d.cluster);
}
