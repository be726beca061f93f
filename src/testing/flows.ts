/** Flows over a topology: mostly between its own addresses, sometimes to unassigned or public ones. */
import fc from "fast-check";
import type { Flow, Protocol, Topology } from "../topology/model.js";

/** Every address a topology assigns: private and public IPs of IP configs, pods, appliances, ILB frontends, control planes, externals. */
export function topologyAddresses(t: Topology): string[] {
  const { inside, edge } = addressesByPlace(t);
  return [...inside, ...edge];
}

/** Private addresses inside VNets (VMs, pods, appliances, ILB frontends), and the rest (public IPs, control planes, externals). */
export function addressesByPlace(t: Topology): { inside: string[]; edge: string[] } {
  const inside: string[] = [];
  const edge: string[] = [];
  for (const vm of t.vms) {
    for (const nic of vm.nics) {
      for (const c of nic.ipConfigs) {
        inside.push(c.privateIp);
        if (c.publicIp !== null) edge.push(c.publicIp);
      }
    }
  }
  for (const c of t.aksClusters) {
    for (const p of c.pods) inside.push(p.ip);
    edge.push(c.controlPlaneIp);
  }
  for (const a of t.appliances) inside.push(a.ip);
  for (const lb of t.loadBalancers) inside.push(lb.frontendIp);
  for (const x of t.externals) edge.push(x.ip);
  return { inside, edge };
}

/** Addresses nobody owns: an unassigned private address in the first VNet, an unlisted public one. */
export const NOISE_ADDRESSES: readonly string[] = Object.freeze(["10.0.1.253", "172.16.9.9", "8.8.4.4", "198.51.100.7"]);

/** An address of the topology: mostly private ones inside VNets (where encryption happens), sometimes edge or unowned ones. */
export function arbAddressIn(t: Topology): fc.Arbitrary<string> {
  const { inside, edge } = addressesByPlace(t);
  return fc.oneof(
    { weight: inside.length === 0 ? 0 : 16, arbitrary: inside.length === 0 ? fc.constant("10.0.1.253") : fc.constantFrom(...inside) },
    { weight: edge.length === 0 ? 0 : 2, arbitrary: edge.length === 0 ? fc.constant("8.8.4.4") : fc.constantFrom(...edge) },
    { weight: 1, arbitrary: fc.constantFrom(...NOISE_ADDRESSES) },
  );
}

export function arbFlowIn(t: Topology): fc.Arbitrary<Flow> {
  const address = arbAddressIn(t);
  return fc.record({
    srcIp: address,
    dstIp: address,
    protocol: fc.constantFrom<Protocol>("tcp", "udp", "icmp"),
    srcPort: fc.integer({ min: 1024, max: 65535 }),
    dstPort: fc.constantFrom(443, 80, 22, 5432, 5000),
  });
}

/** Times to evaluate at: around the generated start and enabling times (see plan.ts). */
export function arbNowMs(): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(0, 10_000, 20_000, 40_000, 60_000, 70_000, 90_000, 3_600_000) },
    { weight: 1, arbitrary: fc.integer({ min: -60_000, max: 200_000 }) },
  );
}
