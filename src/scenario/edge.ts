/** Appliances, internal load balancers and external endpoints. */
import { cidrContains } from "../topology/cidr.js";
import type { Appliance, ExternalEndpoint, LoadBalancer, LoadBalancerBackend, Vm } from "../topology/model.js";
import { APPLIANCE_FACTS } from "../policy/appliances.js";
import { AddressBook, checkSubnetIp } from "./addresses.js";
import type { ResolveContext } from "./context.js";
import { formatPath, type PathSegment } from "./issues.js";
import { resolveSubnet, type Network } from "./network.js";

interface ApplianceDraft {
  appliance: Appliance;
  path: PathSegment[];
  prefix: string | null;
  label: string;
}

/** Appliances with explicit addresses claimed; call `allocateAppliances` after every explicit claim. */
export function collectAppliances(ctx: ResolveContext, net: Network, book: AddressBook): ApplianceDraft[] {
  return ctx.doc.appliances.map((a, i) => {
    const path: PathSegment[] = ["appliances", i];
    const info = resolveSubnet(ctx, net, [...path, "subnet"], a.subnet);
    const label = `${a.name} (${formatPath(path)})`;
    if (info !== null && a.ip !== undefined && checkSubnetIp(ctx, [...path, "ip"], a.ip, a.subnet, info.subnet.prefix)) {
      book.claim(ctx, [...path, "ip"], a.ip, label);
    }
    return {
      appliance: { name: a.name, kind: a.kind, vnet: info?.vnet.name ?? "", subnet: a.subnet, ip: a.ip ?? "",
        encryptionSupported: a.encryptionSupported ?? APPLIANCE_FACTS[a.kind].encryptionSupported },
      path: a.ip === undefined ? [...path, "subnet"] : [...path, "ip"],
      prefix: info?.subnet.prefix ?? null,
      label,
    };
  });
}

export function allocateAppliances(ctx: ResolveContext, book: AddressBook, drafts: ApplianceDraft[]): Appliance[] {
  for (const d of drafts) {
    if (d.appliance.ip !== "" || d.prefix === null) continue;
    const ip = book.allocate(d.prefix, d.label);
    if (ip === null) ctx.error(d.path, `subnet ${d.appliance.subnet} (${d.prefix}) has no free address left for ${d.label}`);
    else d.appliance.ip = ip;
  }
  return drafts.map((d) => d.appliance);
}

/** External endpoints: outside every VNet address space, with addresses nobody else uses. */
export function buildExternals(ctx: ResolveContext, net: Network, book: AddressBook): ExternalEndpoint[] {
  return ctx.doc.externals.map((e, i) => {
    const path: PathSegment[] = ["externals", i];
    const inside = net.vnets.find((v) => v.addressSpace.some((a) => cidrContains(a, e.ip)));
    if (inside !== undefined) {
      ctx.error([...path, "ip"], `${JSON.stringify(e.ip)} is inside the address space of VNet ${inside.name} (an external endpoint is outside every VNet)`);
    } else {
      book.claim(ctx, [...path, "ip"], e.ip, `${e.name} (${formatPath(path)})`);
    }
    return { name: e.name, ip: e.ip };
  });
}

/** Claims load balancer frontends: inside a subnet of the LB's VNet. */
export function claimLoadBalancerFrontends(ctx: ResolveContext, net: Network, book: AddressBook): void {
  ctx.doc.loadBalancers.forEach((lb, i) => {
    const path: PathSegment[] = ["loadBalancers", i];
    const vnet = net.vnetByName.get(lb.vnet);
    if (vnet === undefined) {
      ctx.unknown([...path, "vnet"], lb.vnet, "VNet", net.vnetByName.keys());
      return;
    }
    const subnet = vnet.subnets.find((s) => cidrContains(s.prefix, lb.frontendIp));
    if (subnet === undefined) {
      ctx.error([...path, "frontendIp"], `${JSON.stringify(lb.frontendIp)} is not in any subnet of VNet ${vnet.name}`);
      return;
    }
    if (checkSubnetIp(ctx, [...path, "frontendIp"], lb.frontendIp, `${vnet.name}/${subnet.name}`, subnet.prefix)) {
      book.claim(ctx, [...path, "frontendIp"], lb.frontendIp, `load balancer ${lb.name} (${formatPath(path)})`);
    }
  });
}

/** Load balancers with resolved backends: each backend exists and sits in the LB's VNet. */
export function buildLoadBalancers(ctx: ResolveContext, net: Network, vmByName: Map<string, Vm>): LoadBalancer[] {
  return ctx.doc.loadBalancers.map((lb, i) => {
    const path: PathSegment[] = ["loadBalancers", i];
    const backends: LoadBalancerBackend[] = [];
    const seen = new Map<string, string>();
    lb.backends.forEach((b, j) => {
      const bp: PathSegment[] = [...path, "backends", j];
      const ref = typeof b === "string" ? { vm: b } : b;
      const vmPath = typeof b === "string" ? bp : [...bp, "vm"];
      const vm = vmByName.get(ref.vm);
      if (vm === undefined) {
        ctx.unknown(vmPath, ref.vm, "VM (load balancer backend)", vmByName.keys());
        return;
      }
      const nic = ref.nic === undefined ? vm.nics[0] : vm.nics.find((n) => n.name === ref.nic);
      if (nic === undefined) {
        ctx.unknown([...bp, "nic"], ref.nic ?? "", `NIC of ${vm.name}`, vm.nics.map((n) => n.name));
        return;
      }
      const config = "ipConfig" in ref && ref.ipConfig !== undefined
        ? nic.ipConfigs.find((c) => c.name === ref.ipConfig)
        : nic.ipConfigs.find((c) => c.primary);
      if (config === undefined) {
        ctx.unknown([...bp, "ipConfig"], ("ipConfig" in ref ? ref.ipConfig : undefined) ?? "", `IP configuration of ${vm.name}/${nic.name}`, nic.ipConfigs.map((c) => c.name));
        return;
      }
      const backendVnet = config.subnet.split("/")[0];
      if (net.vnetByName.has(lb.vnet) && backendVnet !== lb.vnet) {
        ctx.error(vmPath, `${JSON.stringify(vm.name)} is in VNet ${backendVnet}, not in the load balancer's VNet ${lb.vnet}`);
        return;
      }
      const key = `${vm.name}/${nic.name}/${config.name}`;
      if (ctx.duplicate(seen, vmPath, key, formatPath(bp), "backend")) return;
      backends.push({ vm: vm.name, nic: nic.name, ipConfig: config.name });
    });
    return { name: lb.name, vnet: lb.vnet, frontendIp: lb.frontendIp, backends };
  });
}
