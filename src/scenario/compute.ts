/**
 * VMs from every section that creates them (vms, scaleSets, AKS node pools, PaaS hosts), as
 * drafts whose addresses, hosts and MACs are filled in later (explicit values first, so that
 * automatic choices never take an address or MAC a later item asked for).
 */
import type { IpConfig, Nic, PowerState, VmRole } from "../topology/model.js";
import { cidrContains } from "../topology/cidr.js";
import { lookupSize, parseSizeName } from "../topology/sizes.js";
import { AddressBook, checkSubnetIp } from "./addresses.js";
import type { ResolveContext } from "./context.js";
import { durationMs } from "./durations.js";
import { formatPath, type PathSegment } from "./issues.js";
import { INSTANCES_MAX, VMS_MAX } from "./limits.js";
import { DEFAULT_PAST_MS, resolveSubnet, type Network, type SubnetInfo } from "./network.js";

export interface IpConfigDraft {
  name: string;
  subnetRef: string;
  info: SubnetInfo | null;
  ip: string | null;
  primary: boolean;
  publicIp: string | null;
  /** Where to report address problems. */
  path: PathSegment[];
}

export interface NicDraft {
  name: string;
  acceleratedNetworking: boolean;
  mac: string | null;
  macPath: PathSegment[];
  ipConfigs: IpConfigDraft[];
}

export interface VmDraft {
  name: string;
  size: string;
  /** Explicit host, with the path to report it at. */
  host: { name: string; path: PathSegment[] } | null;
  powerState: PowerState;
  lastStartedAtMs: number | null;
  nics: NicDraft[];
  role: VmRole;
  path: PathSegment[];
  /** Label used in messages, e.g. "vm-1 (vms[0])". */
  label: string;
}

/** The VNet region of a draft (from its first resolvable subnet), or null. */
export function draftRegion(d: VmDraft): string | null {
  for (const nic of d.nics) for (const c of nic.ipConfigs) if (c.info !== null) return c.info.vnet.region;
  return null;
}

export function draftVnet(d: VmDraft): string | null {
  for (const nic of d.nics) for (const c of nic.ipConfigs) if (c.info !== null) return c.info.vnet.name;
  return null;
}

function checkSize(ctx: ResolveContext, path: PathSegment[], size: string): void {
  const parsed = parseSizeName(size);
  if (parsed === null) {
    ctx.error(path, `${JSON.stringify(size)} is not an Azure VM size name (expected e.g. "Standard_D4s_v5")`);
  } else if (lookupSize(size, ctx.doc.sizes) === undefined) {
    ctx.error(path, `${JSON.stringify(size)} is not in the size catalog (series ${JSON.stringify(parsed.series)}); describe the series under "sizes:"`);
  }
}

function started(powerState: PowerState, startedAt: number | string | undefined): number | null {
  if (startedAt !== undefined) return durationMs(startedAt);
  return powerState === "running" ? DEFAULT_PAST_MS : null;
}

/** A single-NIC draft (short forms, instances, nodes, PaaS hosts). */
function singleNic(info: SubnetInfo | null, vmName: string, subnetRef: string, subnetPath: PathSegment[], ip: string | undefined,
  ipPath: PathSegment[], accel: boolean, mac: string | undefined, macPath: PathSegment[], publicIp: string | undefined): NicDraft {
  return {
    name: `${vmName}-nic0`,
    acceleratedNetworking: accel,
    mac: mac ?? null,
    macPath,
    ipConfigs: [{ name: "ipconfig1", subnetRef, info, ip: ip ?? null, primary: true, publicIp: publicIp ?? null, path: ip === undefined ? subnetPath : ipPath }],
  };
}

/** Collects every VM draft, in a fixed order: vms, scale set instances, AKS nodes, PaaS hosts. */
export function collectVmDrafts(ctx: ResolveContext, net: Network): VmDraft[] {
  const drafts: VmDraft[] = [];
  const d = ctx.doc;
  d.vms.forEach((vm, i) => {
    const path: PathSegment[] = ["vms", i];
    checkSize(ctx, [...path, "size"], vm.size);
    let nics: NicDraft[];
    if (vm.nics === undefined) {
      const info = resolveSubnet(ctx, net, [...path, "subnet"], vm.subnet ?? "");
      nics = [singleNic(info, vm.name, vm.subnet ?? "", [...path, "subnet"], vm.ip, [...path, "ip"], vm.acceleratedNetworking ?? true,
        vm.mac, [...path, "mac"], vm.publicIp)];
    } else {
      nics = vm.nics.map((nic, j) => {
        const np: PathSegment[] = [...path, "nics", j];
        const configs = nic.ipConfigs.map((c, k): IpConfigDraft => {
          const cp: PathSegment[] = [...np, "ipConfigs", k];
          return { name: c.name, subnetRef: c.subnet, info: resolveSubnet(ctx, net, [...cp, "subnet"], c.subnet), ip: c.ip ?? null,
            primary: c.primary ?? false, publicIp: c.publicIp ?? null, path: c.ip === undefined ? [...cp, "subnet"] : [...cp, "ip"] };
        });
        const primaries = nic.ipConfigs.flatMap((c, k) => (c.primary === true ? [k] : []));
        if (primaries.length > 1) {
          ctx.error([...np, "ipConfigs", primaries[1] ?? 0, "primary"], `true is a second primary IP configuration of NIC ${nic.name} (expected exactly one)`);
        }
        const first = configs[0];
        if (primaries.length === 0 && first !== undefined) first.primary = true;
        const seen = new Map<string, string>();
        nic.ipConfigs.forEach((c, k) => ctx.duplicate(seen, [...np, "ipConfigs", k, "name"], c.name, formatPath([...np, "ipConfigs", k]), "IP configuration"));
        return { name: nic.name, acceleratedNetworking: nic.acceleratedNetworking, mac: nic.mac ?? null, macPath: [...np, "mac"], ipConfigs: configs };
      });
      const seen = new Map<string, string>();
      vm.nics.forEach((nic, j) => ctx.duplicate(seen, [...path, "nics", j, "name"], nic.name, formatPath([...path, "nics", j]), "NIC"));
      const vnets = new Set(nics.flatMap((n) => n.ipConfigs.flatMap((c) => (c.info === null ? [] : [c.info.vnet.name]))));
      if (vnets.size > 1) {
        ctx.error([...path, "nics"], `has IP configurations in several VNets (${[...vnets].join(", ")}); all NICs of a VM must be in one VNet`);
      }
    }
    drafts.push({ name: vm.name, size: vm.size, host: vm.host === undefined ? null : { name: vm.host, path: [...path, "host"] },
      powerState: vm.powerState, lastStartedAtMs: started(vm.powerState, vm.startedAt), nics, role: { kind: "vm" }, path, label: `${vm.name} (${formatPath(path)})` });
  });
  d.scaleSets.forEach((ss, i) => {
    const path: PathSegment[] = ["scaleSets", i];
    checkSize(ctx, [...path, "size"], ss.size);
    const info = resolveSubnet(ctx, net, [...path, "subnet"], ss.subnet);
    for (let k = 0; k < ss.instances; k++) {
      const name = `${ss.name}_${k}`;
      const hostName = ss.hosts === undefined ? undefined : ss.hosts[k % ss.hosts.length];
      const hostIndex = ss.hosts === undefined ? 0 : k % ss.hosts.length;
      drafts.push({ name, size: ss.size, host: hostName === undefined ? null : { name: hostName, path: [...path, "hosts", hostIndex] },
        powerState: ss.powerState, lastStartedAtMs: started(ss.powerState, ss.startedAt),
        nics: [singleNic(info, name, ss.subnet, [...path, "subnet"], undefined, [...path, "subnet"], ss.acceleratedNetworking, undefined, path, undefined)],
        role: { kind: "scale-set-instance", scaleSet: ss.name, instance: k }, path, label: `${name} (${formatPath(path)})` });
    }
  });
  d.aks.forEach((cluster, i) => {
    const path: PathSegment[] = ["aks", i];
    const info = resolveSubnet(ctx, net, [...path, "nodeSubnet"], cluster.nodeSubnet);
    cluster.nodePools.forEach((pool, j) => {
      const pp: PathSegment[] = [...path, "nodePools", j];
      checkSize(ctx, [...pp, "size"], pool.size);
      for (let k = 0; k < pool.count; k++) {
        const name = `${cluster.name}-${pool.name}-${k}`;
        const hostName = pool.hosts === undefined ? undefined : pool.hosts[k % pool.hosts.length];
        drafts.push({ name, size: pool.size, host: hostName === undefined ? null : { name: hostName, path: [...pp, "hosts", pool.hosts === undefined ? 0 : k % pool.hosts.length] },
          powerState: "running", lastStartedAtMs: DEFAULT_PAST_MS,
          nics: [singleNic(info, name, cluster.nodeSubnet, [...path, "nodeSubnet"], undefined, [...path, "nodeSubnet"], pool.acceleratedNetworking, undefined, pp, undefined)],
          role: { kind: "aks-node", cluster: cluster.name, nodePool: pool.name, instance: k }, path: pp, label: `${name} (${formatPath(pp)})` });
      }
    });
  });
  d.paas.forEach((p, i) => {
    const path: PathSegment[] = ["paas", i];
    checkSize(ctx, [...path, "size"], p.size);
    const name = `${p.name}-vm`;
    const info = resolveSubnet(ctx, net, [...path, "subnet"], p.subnet);
    drafts.push({ name, size: p.size, host: p.host === undefined ? null : { name: p.host, path: [...path, "host"] },
      powerState: "running", lastStartedAtMs: DEFAULT_PAST_MS,
      nics: [singleNic(info, name, p.subnet, [...path, "subnet"], p.ip, [...path, "ip"], p.acceleratedNetworking, undefined, path, undefined)],
      role: { kind: "paas-host", service: p.name }, path, label: `${p.name} (${formatPath(path)})` });
  });
  if (drafts.length > VMS_MAX) {
    ctx.error([], `has ${drafts.length} VMs after expanding scale sets, node pools and PaaS (limit VMS_MAX = ${VMS_MAX}; each set at most ${INSTANCES_MAX})`);
  }
  return drafts;
}

/**
 * Claims every explicit VM address (reporting duplicates and addresses outside their subnet),
 * and every public IP, which must lie outside every VNet's address space.
 */
export function claimVmAddresses(ctx: ResolveContext, net: Network, book: AddressBook, drafts: VmDraft[]): void {
  for (const d of drafts) {
    for (const nic of d.nics) {
      for (const c of nic.ipConfigs) {
        if (c.publicIp !== null) {
          const publicPath = [...c.path.slice(0, -1), "publicIp"];
          const inside = net.vnets.find((v) => v.addressSpace.some((a) => cidrContains(a, c.publicIp ?? "")));
          if (inside !== undefined) {
            ctx.error(publicPath, `${JSON.stringify(c.publicIp)} is inside the address space of VNet ${inside.name} (expected a public address)`);
          } else {
            book.claim(ctx, publicPath, c.publicIp, `public IP of ${d.label}`);
          }
        }
        if (c.ip === null || c.info === null) continue;
        if (checkSubnetIp(ctx, c.path, c.ip, c.subnetRef, c.info.subnet.prefix)) book.claim(ctx, c.path, c.ip, d.label);
      }
    }
  }
}

/** Assigns the next free address of its subnet to every VM IP configuration without one. */
export function allocateVmAddresses(ctx: ResolveContext, book: AddressBook, drafts: VmDraft[]): void {
  const reported = new Set<string>();
  for (const d of drafts) {
    for (const nic of d.nics) {
      for (const c of nic.ipConfigs) {
        if (c.ip !== null || c.info === null) continue;
        c.ip = book.allocate(c.info.subnet.prefix, d.label);
        if (c.ip === null && !reported.has(c.subnetRef)) {
          reported.add(c.subnetRef);
          ctx.error(c.path, `subnet ${c.subnetRef} (${c.info.subnet.prefix}) has no free address left for ${d.label}`);
        }
      }
    }
  }
}

/** Final NICs of a draft (after addresses and MACs are assigned). */
export function finishNics(d: VmDraft): Nic[] {
  return d.nics.map((n) => ({
    name: n.name,
    acceleratedNetworking: n.acceleratedNetworking,
    macAddress: (n.mac ?? "").toUpperCase(),
    ipConfigs: n.ipConfigs.map((c): IpConfig => ({ name: c.name, subnet: c.subnetRef, privateIp: c.ip ?? "", primary: c.primary, publicIp: c.publicIp })),
  }));
}
