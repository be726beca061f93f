/** The simulator benchmark's generated world, checked at small scales (fast). */
import { describe, expect, it } from "vitest";
import { buildSimScenario, buildSimTopology, drawPairs, FULL_SCALE, QUICK_SCALE, simRunOperation, TENTH_SCALE, type SimScale } from "../../bench/lib/sim-topology.js";
import { SIM_FULL_RUN_OPERATION } from "../../bench/lib/targets.js";

const SMALL: SimScale = { vms: 40, hosts: 10, vnets: 4, pairs: 60, flowsPerPair: 3 };

describe("generated simulator topology", () => {
  it("has the requested VMs, hosts and VNets, full-mesh peerings, unique names, MACs and addresses", () => {
    const t = buildSimTopology(SMALL);
    expect(t.vms).toHaveLength(40);
    expect(t.hosts).toHaveLength(10);
    expect(t.vnets).toHaveLength(4);
    expect(t.peerings).toHaveLength(4 * 3);
    const ips = t.vms.map((v) => v.nics[0]!.ipConfigs[0]!.privateIp);
    const macs = t.vms.map((v) => v.nics[0]!.macAddress);
    expect(new Set(ips).size).toBe(40);
    expect(new Set(macs).size).toBe(40);
    for (const m of macs) expect(m).toMatch(/^[0-9A-F]{12}$/);
    expect(new Set(t.hosts.map((h) => h.underlayIp)).size).toBe(10);
    // VM i in VNet floor(i / 10), with its address inside that VNet's 10.v.0.0/20 subnet, never .0-.3
    expect(t.vms[13]!.nics[0]!.ipConfigs[0]).toMatchObject({ subnet: "vnet-1/default", privateIp: "10.1.0.7" });
    expect(t.vms[0]!.nics[0]!.ipConfigs[0]!.privateIp).toBe("10.0.0.4");
    expect(t.vms[7]!.host).toBe("host-1"); // 4 VMs per host
  });

  it("full scale gives 4,000 addresses per /20 at most and a .x.y address past 255", () => {
    const t = buildSimTopology({ ...FULL_SCALE, pairs: 1, flowsPerPair: 1 });
    expect(t.vms).toHaveLength(10_000);
    expect(t.vms[999]!.nics[0]!.ipConfigs[0]!.privateIp).toBe("10.0.3.235"); // 999 + 4 = 1003 = 3*256 + 235
    expect(new Set(t.vms.map((v) => v.nics[0]!.macAddress)).size).toBe(10_000);
  });

  it("refuses scales it cannot build, naming the field", () => {
    expect(() => buildSimTopology({ ...SMALL, vms: 41 })).toThrow(/"vms" \(41\) expected a multiple/);
    expect(() => buildSimTopology({ ...SMALL, hosts: 0 })).toThrow(/"hosts" expected an integer >= 1, got 0/);
    expect(() => drawPairs({ vms: 4, hosts: 2, vnets: 1, pairs: 10, flowsPerPair: 1 }, 1)).toThrow(/could not draw 10 distinct cross-host pairs/);
  });
});

describe("generated pairs and flows", () => {
  it("pairs are distinct (unordered), on different hosts, and depend only on the seed", () => {
    const p = drawPairs(SMALL, 5);
    const keys = new Set<string>();
    for (let i = 0; i < SMALL.pairs; i++) {
      const a = p[2 * i]!;
      const b = p[2 * i + 1]!;
      expect(Math.floor(a / 4)).not.toBe(Math.floor(b / 4));
      keys.add(`${Math.min(a, b)}-${Math.max(a, b)}`);
    }
    expect(keys.size).toBe(SMALL.pairs);
    expect(drawPairs(SMALL, 5)).toEqual(p);
    expect(drawPairs(SMALL, 6)).not.toEqual(p);
  });

  it("every pair carries flowsPerPair one-packet flows between the pair's addresses", () => {
    const s = buildSimScenario(SMALL, 3);
    expect(s.flows).toHaveLength(SMALL.pairs * SMALL.flowsPerPair);
    expect(new Set(s.flows.map((f) => f.name)).size).toBe(s.flows.length);
    const ipOf = new Map(s.topology.vms.map((v) => [v.name, v.nics[0]!.ipConfigs[0]!.privateIp]));
    for (const f of s.flows) {
      expect(f.packets).toBe(1);
      expect(f.flow.srcIp).toBe(ipOf.get(f.from));
      expect(f.flow.dstIp).toBe(ipOf.get(f.to));
    }
    const tuples = new Set(s.flows.map((f) => `${f.flow.srcIp}:${f.flow.srcPort}>${f.flow.dstIp}:${f.flow.dstPort}`));
    expect(tuples.size).toBe(s.flows.length);
    expect(s.settings.tunnelScope).toBe("vm-pair");
  });

  it("the full-scale operation name is the one the targets look for, and --quick is 1/100 of it", () => {
    expect(simRunOperation(FULL_SCALE)).toBe(SIM_FULL_RUN_OPERATION);
    expect(QUICK_SCALE.vms * 100).toBe(FULL_SCALE.vms);
    expect(QUICK_SCALE.hosts * 100).toBe(FULL_SCALE.hosts);
    expect(QUICK_SCALE.pairs * 100).toBe(FULL_SCALE.pairs);
    expect(simRunOperation(QUICK_SCALE)).not.toBe(SIM_FULL_RUN_OPERATION);
    expect(simRunOperation(TENTH_SCALE)).toBe("run 1000 VMs / 100000 flows");
    expect(TENTH_SCALE.pairs * 10).toBe(FULL_SCALE.pairs);
  });
});
