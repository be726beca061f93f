/**
 * The simulator benchmark's generated world (issue 5 §2): VMs on hosts across peered VNets, and
 * flows between distinct VM pairs, each flow one real packet that must cross a DTLS tunnel.
 *
 * Full scale: 10,000 VMs on 2,500 hosts (4 per host) across 10 VNets peered in a full mesh,
 * 1,000,000 flows between 100,000 distinct VM pairs (10 flows per pair, different source ports).
 * The two VMs of a pair always sit on different hosts, so every packet goes through a tunnel.
 * Every VNet has encryption on (AllowUnencrypted) since before time 0, every VM a supported size
 * with Accelerated Networking, every host working encryption hardware: every flow should be
 * encrypted. Pairs start spread over SPREAD_MS of virtual time, the flows of a pair 1 ms apart.
 *
 * Deterministic from the seed (splitmix-style generator; no Math.random).
 */
import type { Scenario } from "../../src/scenario/types.js";
import type { FlowSource } from "../../sim/workload.js";
import type { Host, Peering, Topology, Vm, Vnet } from "../../src/topology/model.js";
import { seededRandom } from "../../src/dtls/transport/seeded.js";

export interface SimScale {
  vms: number;
  hosts: number;
  vnets: number;
  pairs: number;
  flowsPerPair: number;
}

export const FULL_SCALE: Readonly<SimScale> = Object.freeze({ vms: 10_000, hosts: 2_500, vnets: 10, pairs: 100_000, flowsPerPair: 10 });
/** 1/10 of the VMs, hosts, pairs and flows, the same number of VNets: a full run's complete data point. */
export const TENTH_SCALE: Readonly<SimScale> = Object.freeze({ vms: 1_000, hosts: 250, vnets: 10, pairs: 10_000, flowsPerPair: 10 });
/** --quick: 1/100 of the VMs, hosts, pairs and flows, the same number of VNets. */
export const QUICK_SCALE: Readonly<SimScale> = Object.freeze({ vms: 100, hosts: 25, vnets: 10, pairs: 1_000, flowsPerPair: 10 });

/** Virtual time over which the pairs start (10 minutes: longer than the 5-minute tunnel idle timeout). */
export const SPREAD_MS = 600_000;
export const PACKET_BYTES = 512;
export const SIM_REGION = "westeurope";
/** A pair draw that keeps hitting used pairs means the scale asks for more pairs than exist. */
export const PAIR_DRAWS_MAX_FACTOR = 50;

export function simRunOperation(s: SimScale): string {
  return `run ${s.vms} VMs / ${s.vms === 0 ? 0 : s.pairs * s.flowsPerPair} flows`;
}

function mac(i: number): string {
  return `00224${(0x8000000 + i).toString(16).toUpperCase().slice(-7)}`;
}

function checkScale(s: SimScale): void {
  for (const [k, v] of Object.entries(s)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`sim scale: "${k}" expected an integer >= 1, got ${v}`);
  }
  if (s.vms % s.vnets !== 0 || s.vms % s.hosts !== 0) {
    throw new RangeError(`sim scale: "vms" (${s.vms}) expected a multiple of "vnets" (${s.vnets}) and of "hosts" (${s.hosts})`);
  }
  if (s.vms / s.vnets > 4000) throw new RangeError(`sim scale: ${s.vms / s.vnets} VMs per VNet expected at most 4000 (one /20 subnet)`);
  if (s.hosts > 250 * 250) throw new RangeError(`sim scale: "hosts" expected at most ${250 * 250}, got ${s.hosts}`);
}

/** The topology: VM i lives in VNet floor(i / (vms/vnets)) and on host floor(i / (vms/hosts)). */
export function buildSimTopology(s: SimScale): Topology {
  checkScale(s);
  const perVnet = s.vms / s.vnets;
  const perHost = s.vms / s.hosts;
  const vnets: Vnet[] = Array.from({ length: s.vnets }, (_, v) => ({
    name: `vnet-${v}`,
    region: SIM_REGION,
    subscriptionId: "00000000-0000-0000-0000-000000000000",
    resourceGroup: "rg-bench",
    addressSpace: [`10.${v}.0.0/16`],
    subnets: [{ name: "default", prefix: `10.${v}.0.0/20` }],
    encryption: { enabled: true, enforcement: "AllowUnencrypted", enabledAtMs: null },
  }));
  const hosts: Host[] = Array.from({ length: s.hosts }, (_, h) => ({
    name: `host-${h}`,
    region: SIM_REGION,
    hardware: "ok",
    discoverySupported: true,
    underlayIp: `100.64.${Math.floor(h / 250)}.${(h % 250) + 1}`,
  }));
  const vms: Vm[] = Array.from({ length: s.vms }, (_, i) => {
    const v = Math.floor(i / perVnet);
    const k = (i % perVnet) + 4; // Azure reserves .0-.3 of a subnet
    return {
      name: `vm-${i}`,
      size: "Standard_D4s_v5",
      host: `host-${Math.floor(i / perHost)}`,
      powerState: "running",
      lastStartedAtMs: null,
      nics: [
        {
          name: `nic-${i}`,
          acceleratedNetworking: true,
          macAddress: mac(i),
          ipConfigs: [{ name: "ipconfig1", subnet: `vnet-${v}/default`, privateIp: `10.${v}.${k >> 8}.${k & 0xff}`, primary: true, publicIp: null }],
        },
      ],
      role: { kind: "vm" },
    };
  });
  const peerings: Peering[] = [];
  for (let a = 0; a < s.vnets; a++) {
    for (let b = 0; b < s.vnets; b++) if (a !== b) peerings.push({ name: `peer-${a}-${b}`, fromVnet: `vnet-${a}`, toVnet: `vnet-${b}` });
  }
  return {
    epochIso: "2026-01-01T00:00:00Z",
    settings: { swNotReadyWindowMs: 0, seed: 1 },
    vnets,
    hosts,
    vms,
    peerings,
    loadBalancers: [],
    aksClusters: [],
    appliances: [],
    paasServices: [],
    externals: [],
    sizeOverrides: [],
  };
}

/** Distinct unordered VM pairs on different hosts, drawn from the seed. */
export function drawPairs(s: SimScale, seed: number): Uint32Array {
  const perHost = s.vms / s.hosts;
  const next = seededRandom(seed);
  const out = new Uint32Array(s.pairs * 2);
  const seen = new Set<number>();
  let draws = 0;
  for (let p = 0; p < s.pairs; ) {
    if (++draws > s.pairs * PAIR_DRAWS_MAX_FACTOR) {
      throw new RangeError(`sim pairs: could not draw ${s.pairs} distinct cross-host pairs from ${s.vms} VMs ("pairs" too large for "vms")`);
    }
    const a = Math.floor(next() * s.vms);
    const b = Math.floor(next() * s.vms);
    if (Math.floor(a / perHost) === Math.floor(b / perHost)) continue;
    const key = Math.min(a, b) * s.vms + Math.max(a, b);
    if (seen.has(key)) continue;
    seen.add(key);
    out[2 * p] = a;
    out[2 * p + 1] = b;
    p++;
  }
  return out;
}

/**
 * The flows of the generated world as a FlowSource (sim/workload.ts): the pairs and their start
 * times are drawn up front (two Uint32Arrays), each FlowSpec is made when its flow starts. Flow
 * n = p * flowsPerPair + k is the k-th flow of pair p: source port 20,000 + k, start k ms after
 * the pair's.
 */
export function simFlowSource(s: SimScale, seed: number, topology: Topology): FlowSource {
  const pairs = drawPairs(s, seed);
  const next = seededRandom(seed ^ 0x5bd1e995);
  const startOfPair = new Uint32Array(s.pairs);
  for (let p = 0; p < s.pairs; p++) startOfPair[p] = Math.floor(next() * SPREAD_MS);
  const ipOf = (i: number): string => topology.vms[i]!.nics[0]!.ipConfigs[0]!.privateIp;
  const per = s.flowsPerPair;
  return {
    count: s.pairs * per,
    startMsOf: (n) => startOfPair[Math.floor(n / per)]! + (n % per),
    specOf: (n) => {
      const p = Math.floor(n / per);
      const k = n % per;
      const a = pairs[2 * p]!;
      const b = pairs[2 * p + 1]!;
      return {
        name: `f${n}`,
        from: `vm-${a}`,
        to: `vm-${b}`,
        flow: { srcIp: ipOf(a), dstIp: ipOf(b), protocol: "tcp", srcPort: 20_000 + k, dstPort: 443 },
        startMs: startOfPair[p]! + k,
        packets: 1,
        sizeBytes: PACKET_BYTES,
        rate: null,
        pattern: "one-way",
      };
    },
  };
}

/** The generated scenario without flows, and its flows as a source (for runScenario's flowSource). */
export function buildSimWorld(s: SimScale, seed: number): { scenario: Scenario; flows: FlowSource } {
  const topology = buildSimTopology(s);
  topology.settings.seed = seed;
  const scenario: Scenario = {
    name: `bench-${s.vms}-vms`,
    description: "generated by bench/lib/sim-topology.ts",
    file: "(generated)",
    topology,
    settings: { tunnelScope: "vm-pair" },
    events: [],
    flows: [],
    expectations: [],
  };
  return { scenario, flows: simFlowSource(s, seed, topology) };
}

/** The same world with every FlowSpec made up front (scenario.flows), for small scales and tests. */
export function buildSimScenario(s: SimScale, seed: number): Scenario {
  const { scenario, flows } = buildSimWorld(s, seed);
  scenario.flows = Array.from({ length: flows.count }, (_, n) => flows.specOf(n));
  return scenario;
}

/**
 * The generated world's flows as a FlowSourceModule entry (sim/runner.ts): worker threads of a
 * parallel run rebuild the same source from (scale, seed).
 */
export function simFlowSourceOf(s: SimScale, seed: number): FlowSource {
  const topology = buildSimTopology(s);
  return simFlowSource(s, seed, topology);
}
