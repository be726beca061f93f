/**
 * VNets, subnets and peerings: address-space rules that Azure enforces on create
 * (a subnet lies inside the VNet's address space, subnets do not overlap, the smallest subnet
 * is /29, peered VNets' address spaces do not overlap).
 */
import { cidrOverlaps, cidrWithin, parseCidr } from "../topology/cidr.js";
import type { Peering, Subnet, Vnet } from "../topology/model.js";
import type { ResolveContext } from "./context.js";
import { durationMs } from "./durations.js";
import { formatPath, type PathSegment } from "./issues.js";

/** Azure's smallest subnet: /29 (Azure Virtual Network FAQ, "How small and how large can VNets and subnets be?"). */
export const SUBNET_MIN_PREFIX_BITS_MAX = 29;
/** Default VNet encryption enabledAt and VM startedAt: one day before time 0 (scenario-format.md). */
export const DEFAULT_PAST_MS = -86_400_000;
export const DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
export const DEFAULT_RESOURCE_GROUP = "rg-vnetsim";

export interface SubnetInfo {
  vnet: Vnet;
  subnet: Subnet;
}

export interface Network {
  vnets: Vnet[];
  vnetByName: Map<string, Vnet>;
  /** Keyed by "vnet/subnet". */
  subnetByRef: Map<string, SubnetInfo>;
  peerings: Peering[];
}

export function buildNetwork(ctx: ResolveContext): Network {
  const vnets: Vnet[] = [];
  const vnetByName = new Map<string, Vnet>();
  const subnetByRef = new Map<string, SubnetInfo>();
  const seen = new Map<string, string>();
  ctx.doc.vnets.forEach((v, i) => {
    const path = ["vnets", i];
    if (ctx.duplicate(seen, [...path, "name"], v.name, formatPath(path), "VNet")) return;
    v.addressSpace.forEach((a, j) => {
      v.addressSpace.slice(0, j).forEach((b) => {
        if (cidrOverlaps(a, b)) ctx.error([...path, "addressSpace", j], `${JSON.stringify(a)} overlaps ${b} of the same VNet`);
      });
    });
    const enc = v.encryption;
    if (enc !== undefined && !enc.enabled && enc.enabledAt !== undefined) {
      ctx.error([...path, "encryption", "enabledAt"], `${JSON.stringify(enc.enabledAt)} is set but encryption is not enabled`);
    }
    const vnet: Vnet = {
      name: v.name,
      region: v.region,
      subscriptionId: v.subscription ?? DEFAULT_SUBSCRIPTION,
      resourceGroup: v.resourceGroup ?? DEFAULT_RESOURCE_GROUP,
      addressSpace: [...v.addressSpace],
      subnets: [],
      encryption: {
        enabled: enc?.enabled ?? false,
        enforcement: enc?.enforcement ?? "AllowUnencrypted",
        enabledAtMs: enc?.enabled === true ? (enc.enabledAt === undefined ? DEFAULT_PAST_MS : durationMs(enc.enabledAt)) : null,
      },
    };
    const subnetNames = new Map<string, string>();
    v.subnets.forEach((s, j) => {
      const sp: PathSegment[] = [...path, "subnets", j];
      if (ctx.duplicate(subnetNames, [...sp, "name"], s.name, formatPath(sp), "subnet")) return;
      const bits = parseCidr(s.prefix)?.bits ?? 0;
      if (bits > SUBNET_MIN_PREFIX_BITS_MAX) {
        ctx.error([...sp, "prefix"], `${JSON.stringify(s.prefix)} is smaller than Azure's smallest subnet (/${SUBNET_MIN_PREFIX_BITS_MAX})`);
      }
      if (!v.addressSpace.some((a) => cidrWithin(s.prefix, a))) {
        ctx.error([...sp, "prefix"], `${JSON.stringify(s.prefix)} is not inside the address space of ${v.name} (${v.addressSpace.join(", ")})`);
      }
      for (const other of vnet.subnets) {
        if (cidrOverlaps(s.prefix, other.prefix)) {
          ctx.error([...sp, "prefix"], `${JSON.stringify(s.prefix)} overlaps subnet ${other.name} (${other.prefix})`);
        }
      }
      const subnet: Subnet = { name: s.name, prefix: s.prefix };
      vnet.subnets.push(subnet);
      subnetByRef.set(`${v.name}/${s.name}`, { vnet, subnet });
    });
    vnets.push(vnet);
    vnetByName.set(vnet.name, vnet);
  });
  const peerings = buildPeerings(ctx, vnetByName);
  return { vnets, vnetByName, subnetByRef, peerings };
}

function buildPeerings(ctx: ResolveContext, vnetByName: Map<string, Vnet>): Peering[] {
  const out: Peering[] = [];
  const seenNames = new Map<string, string>();
  const seenPairs = new Map<string, string>();
  ctx.doc.peerings.forEach((p, i) => {
    const path = ["peerings", i];
    const directions: { from: string; to: string; fromPath: PathSegment[]; toPath: PathSegment[] }[] = p.between !== undefined
      ? [
        { from: p.between[0], to: p.between[1], fromPath: [...path, "between", 0], toPath: [...path, "between", 1] },
        { from: p.between[1], to: p.between[0], fromPath: [...path, "between", 1], toPath: [...path, "between", 0] },
      ]
      : [{ from: p.from ?? "", to: p.to ?? "", fromPath: [...path, "from"], toPath: [...path, "to"] }];
    const first = directions[0];
    if (first === undefined) return;
    let ok = true;
    for (const [name, at] of [[first.from, first.fromPath], [first.to, first.toPath]] as const) {
      if (!vnetByName.has(name)) {
        ctx.unknown(at, name, "VNet (peering target)", vnetByName.keys());
        ok = false;
      }
    }
    if (!ok) return;
    if (first.from === first.to) {
      ctx.error(first.toPath, `${JSON.stringify(first.to)} peers a VNet with itself (expected two different VNets)`);
      return;
    }
    const a = vnetByName.get(first.from);
    const b = vnetByName.get(first.to);
    for (const x of a?.addressSpace ?? []) {
      for (const y of b?.addressSpace ?? []) {
        if (cidrOverlaps(x, y)) {
          ctx.error(first.toPath, `${JSON.stringify(first.to)} has address space ${y} overlapping ${x} of ${first.from} (Azure refuses to peer overlapping VNets)`);
          return;
        }
      }
    }
    for (const d of directions) {
      const name = p.between !== undefined || p.name === undefined ? `${d.from}-to-${d.to}` : p.name;
      const pairKey = `${d.from}->${d.to}`;
      if (ctx.duplicate(seenPairs, d.toPath, pairKey, formatPath(path), "peering")) continue;
      if (ctx.duplicate(seenNames, [...path, "name"], name, formatPath(path), "peering")) continue;
      out.push({ name, fromVnet: d.from, toVnet: d.to });
    }
  });
  return out;
}

/** Resolves "vnet/subnet", reporting an unknown VNet or subnet at `path`. */
export function resolveSubnet(ctx: ResolveContext, net: Network, path: readonly PathSegment[], ref: string): SubnetInfo | null {
  const found = net.subnetByRef.get(ref);
  if (found !== undefined) return found;
  const [vnetName = "", subnetName = ""] = ref.split("/");
  const vnet = net.vnetByName.get(vnetName);
  if (vnet === undefined) {
    ctx.unknown(path, ref, `subnet: no VNet ${JSON.stringify(vnetName)}`, [...net.subnetByRef.keys()]);
  } else if (!ctx.brokenNames.has(ref)) {
    ctx.unknown(path, ref, `subnet: ${vnetName} has no subnet ${JSON.stringify(subnetName)}`, [...net.subnetByRef.keys()]);
  }
  return null;
}
