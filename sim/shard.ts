/**
 * How a parallel run splits a world between worker threads (sim/parallel.ts), and when it cannot.
 *
 * A flow's shard is a hash of its tunnel's key: the sorted pair of the VMs that own its two
 * addresses (tunnelScope vm-pair) or of their hosts (host-pair). Every packet of one tunnel, its
 * handshake, its idle timer and its generations then live in one shard, and so does everything
 * the flow log records for the flow. What shards do not share is host-wide: a host's tunnel table
 * (tunnelsPerHost, evicting the least recently used) and its client ports. A run whose hosts never
 * reach those limits is the same split as whole; sim/parallel.ts checks the peaks after the run.
 *
 * A flow's ends are resolved the way the policy resolves them (src/policy/topology-index.ts: the
 * first owner of an address wins): a VM's NIC address, a pod (carried by its node's NIC) or a PaaS
 * service (its host VM's NIC) has a fixed VM behind it. The split is refused (the run goes on one
 * thread, and says why) when a flow's end has none (a load balancer frontend, whose backend the
 * data plane picks while running, an appliance, an external address), when
 * the wire draws random faults (loss, duplication, reordering and jitter draw from one stream in
 * packet order across every link), and, with host-pair tunnels, when a VM is redeployed (it moves
 * to another host, and its flows to another tunnel).
 */
import type { Scenario, FlowSpec } from "../src/scenario/types.js";
import { indexTopology } from "../src/policy/topology-index.js";
import type { LinkFaults } from "./faults.js";

/** Worker threads one parallel run may use. */
export const PARALLEL_WORKERS_MAX = 64;

/** Which shard a flow belongs to (-1: an end has no fixed VM behind it). */
export type ShardOwner = (spec: FlowSpec) => number;

export interface ShardPlan {
  /** The split is possible: owner() names each flow's shard. */
  owner: ShardOwner | null;
  /** Why not, in words (null when it is). */
  refused: string | null;
}

/** FNV-1a 32 over the UTF-16 code units of a key: stable across runs and Node versions. */
export function shardHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function randomFaults(f: Partial<LinkFaults> | undefined): boolean {
  if (f === undefined) return false;
  return (f.lossRate ?? 0) > 0 || (f.duplicateRate ?? 0) > 0 || (f.reorderRate ?? 0) > 0 || (f.jitterMs ?? 0) > 0;
}

/**
 * The shard plan of a scenario for `count` shards: refused for the reasons above that can be seen
 * without the flows (faults, events); the flows are checked one by one by owner(), which returns -1
 * for a flow that cannot be placed (the caller then refuses the split, naming the flow).
 */
export function planShards(scenario: Scenario, faults: { global?: Partial<LinkFaults>; links?: { faults: Partial<LinkFaults> }[] }, count: number): ShardPlan {
  if (!Number.isInteger(count) || count < 1 || count > PARALLEL_WORKERS_MAX) {
    throw new RangeError(`planShards: "count" expected an integer in [1, ${PARALLEL_WORKERS_MAX}] (PARALLEL_WORKERS_MAX), got ${count}`);
  }
  if (randomFaults(faults.global) || (faults.links ?? []).some((l) => randomFaults(l.faults))) {
    return { owner: null, refused: "the wire draws random faults (loss, duplication, reordering or jitter) from one stream across every link" };
  }
  const hostScope = scenario.settings.tunnelScope === "host-pair";
  if (hostScope && scenario.events.some((e) => e.action === "redeploy")) {
    return { owner: null, refused: "with host-pair tunnels, a redeployed VM moves its flows to another host's tunnels" };
  }
  const index = indexTopology(scenario.topology);
  const ownerOf = (ip: string): string | undefined => {
    const e = index.byIp.get(ip);
    if (e === undefined || (e.kind !== "vm" && e.kind !== "pod" && e.kind !== "paas")) return undefined;
    return (hostScope ? e.endpoint.host : e.endpoint.vm) ?? undefined;
  };
  const owner: ShardOwner = (spec) => {
    const a = ownerOf(spec.flow.srcIp);
    const b = ownerOf(spec.flow.dstIp);
    if (a === undefined || b === undefined) return -1;
    const key = a <= b ? `${a}|${b}` : `${b}|${a}`;
    return shardHash(key) % count;
  };
  return { owner, refused: null };
}

/** The words for a flow the split cannot place. */
export function unplacedFlow(spec: FlowSpec): string {
  return `flow ${JSON.stringify(spec.name)} (${spec.flow.srcIp} -> ${spec.flow.dstIp}) has an end with no fixed VM behind it (a load balancer frontend, an appliance or an external address)`;
}
