/** Flows over a topology: mostly between its own addresses, sometimes to unassigned or public ones. */
import fc from "fast-check";
import type { Flow, Protocol, Topology } from "../topology/model.js";

/** Every address a topology assigns: private and public IPs of IP configs, pods, appliances, ILB frontends, control planes, externals. */
export function topologyAddresses(t: Topology): string[] {
  const out: string[] = [];
  for (const vm of t.vms) {
    for (const nic of vm.nics) {
      for (const c of nic.ipConfigs) {
        out.push(c.privateIp);
        if (c.publicIp !== null) out.push(c.publicIp);
      }
    }
  }
  for (const c of t.aksClusters) {
    for (const p of c.pods) out.push(p.ip);
    out.push(c.controlPlaneIp);
  }
  for (const a of t.appliances) out.push(a.ip);
  for (const lb of t.loadBalancers) out.push(lb.frontendIp);
  for (const x of t.externals) out.push(x.ip);
  return out;
}

/** Addresses nobody owns: an unassigned private address in the first VNet, an unlisted public one. */
const NOISE_ADDRESSES: readonly string[] = ["10.0.1.253", "172.16.9.9", "8.8.4.4", "198.51.100.7"];

export function arbAddressIn(t: Topology): fc.Arbitrary<string> {
  const known = topologyAddresses(t);
  const noise = fc.constantFrom(...NOISE_ADDRESSES);
  if (known.length === 0) return noise;
  return fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: noise });
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
    fc.constantFrom(0, 10_000, 20_000, 40_000, 60_000, 70_000, 90_000, 3_600_000),
    fc.integer({ min: -60_000, max: 200_000 }),
  );
}
