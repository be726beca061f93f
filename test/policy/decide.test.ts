import { describe, expect, it } from "vitest";
import { decide } from "../../src/policy/decide.js";
import { lint } from "../../src/policy/lint.js";
import { VNETS_MAX, indexTopology } from "../../src/policy/topology-index.js";
import type { Reason } from "../../src/policy/reasons.js";
import type { Topology } from "../../src/topology/model.js";
import { DAY_MS, UNSUPPORTED_SIZE, flow, host, ilb, pair, topology, vm, vnet } from "./fixtures.js";

describe("decide: precedence", () => {
  // The documented order (decide.ts header), restricted to faults that can be combined on one VM pair.
  const FAULTS = ["stopped", "half-peering", "peer-off", "same-host", "size", "an", "restart", "discovery", "hardware", "sw"] as const;
  type Fault = (typeof FAULTS)[number];
  const REASON_OF: Record<Fault, Reason> = {
    stopped: "endpoint-stopped",
    "half-peering": "peering-incomplete",
    "peer-off": "peer-vnet-encryption-off",
    "same-host": "same-host",
    size: "size-unsupported",
    an: "accelerated-networking-off",
    restart: "not-restarted-since-enabling",
    discovery: "host-discovery-unsupported",
    hardware: "host-hardware-unsupported",
    sw: "host-software-not-ready",
  };
  const NOW_MS = 1_000;

  function build(faults: ReadonlySet<Fault>): Topology {
    const h1 = faults.has("same-host") ? "h-shared" : "h-1";
    const h2 = faults.has("same-host") ? "h-shared" : "h-2";
    // Faults alternate between the two ends, so "condition by condition over both ends" is exercised.
    return topology({
      vnets: [vnet("vnet-a", 0), vnet("vnet-b", 1, { enabled: !faults.has("peer-off") })],
      hosts: [
        host(h1, { discoverySupported: !faults.has("discovery") }),
        ...(h2 === h1 ? [] : [host(h2, { hardware: faults.has("hardware") ? "faulty" : "ok" })]),
      ].map((h) => (h.name === "h-shared" ? { ...h, hardware: faults.has("hardware") ? "faulty" : "ok" } : h)),
      vms: [
        vm("vm-1", "10.0.1.4", { host: h1, an: !faults.has("an"), startedMs: faults.has("sw") ? NOW_MS - 10 : -DAY_MS / 2 }),
        vm("vm-2", "10.1.1.4", {
          host: h2,
          subnet: "vnet-b/default",
          size: faults.has("size") ? UNSUPPORTED_SIZE : "Standard_D4s_v5",
          startedMs: faults.has("restart") ? -2 * DAY_MS : -DAY_MS / 2,
          powerState: faults.has("stopped") ? "stopped" : "running",
        }),
      ],
      peerings: [
        { name: "a-b", fromVnet: "vnet-a", toVnet: "vnet-b" },
        ...(faults.has("half-peering") ? [] : [{ name: "b-a", fromVnet: "vnet-b", toVnet: "vnet-a" }]),
      ],
    });
  }

  it("reports the first applicable reason for all 1024 combinations, in both directions", () => {
    for (let mask = 0; mask < 1 << FAULTS.length; mask++) {
      const faults = new Set(FAULTS.filter((_, i) => (mask & (1 << i)) !== 0));
      const first = FAULTS.find((f) => faults.has(f));
      const expected: Reason = first === undefined ? "encrypted" : REASON_OF[first];
      const t = build(faults);
      const ab = decide(flow("10.0.1.4", "10.1.1.4"), t, NOW_MS);
      const ba = decide(flow("10.1.1.4", "10.0.1.4"), t, NOW_MS);
      expect({ mask, reason: ab.reason }).toEqual({ mask, reason: expected });
      expect({ mask, reason: ba.reason }).toEqual({ mask, reason: expected });
    }
  });

  it("path reasons come before endpoint reasons: control plane > public > unknown", () => {
    const t = topology({ vms: [vm("vm-1", "10.0.1.4", { size: UNSUPPORTED_SIZE })], externals: [{ name: "onprem", ip: "192.168.1.1" }] });
    expect(decide(flow("10.0.1.99", "8.8.8.8"), t, 0).reason).toBe("not-private-to-private");
    expect(decide(flow("10.0.1.99", "192.168.1.1"), t, 0).reason).toBe("unknown-endpoint");
    expect(decide(flow("10.0.1.4", "192.168.1.1"), t, 0).reason).toBe("outside-vnet");
    expect(decide(flow("10.0.1.4", "10.0.1.4"), t, 0).reason).toBe("same-host");
  });

  it("when both ends fail the same condition, the detail names both", () => {
    const v = decide(flow("10.0.1.4", "10.0.1.5"), pair({ size: UNSUPPORTED_SIZE }, { size: "Standard_A2_v2" }), 0);
    expect(v.detail).toMatch(/vm-1 \(Standard_B2s\) does not support VNet encryption; and vm-2 \(Standard_A2_v2\) does not support/);
  });
});

describe("decide: restart requirement and not-ready window boundaries", () => {
  const at = (startedMs: number | null, enabledAtMs: number | null, nowMs: number): Reason =>
    decide(flow("10.0.1.4", "10.0.1.5"), pair({ startedMs }, {}, { enabledAtMs }), nowMs).reason;

  it("started exactly at enabledAt counts as restarted; one ms earlier does not", () => {
    expect(at(-DAY_MS / 2, -DAY_MS / 2, 0)).toBe("encrypted");
    expect(at(-DAY_MS / 2 - 1, -DAY_MS / 2, 0)).toBe("not-restarted-since-enabling");
    expect(at(null, -DAY_MS, 0)).toBe("not-restarted-since-enabling");
    expect(at(-3 * DAY_MS, null, 0)).toBe("encrypted");
  });

  it("not ready in [start, start + window), ready at start + window", () => {
    const start = 5_000;
    expect(at(start, -DAY_MS, start)).toBe("host-software-not-ready");
    expect(at(start, -DAY_MS, start + 29_999)).toBe("host-software-not-ready");
    expect(at(start, -DAY_MS, start + 30_000)).toBe("encrypted");
    expect(at(start, -DAY_MS, start - 1)).toBe("host-software-not-ready");
  });

  it("the window follows settings.swNotReadyWindowMs", () => {
    const t = { ...pair({ startedMs: 0 }), settings: { swNotReadyWindowMs: 5_000, seed: 1 } };
    expect(decide(flow("10.0.1.4", "10.0.1.5"), t, 4_999).encryption).toBe("NX_SW_NOT_READY");
    expect(decide(flow("10.0.1.4", "10.0.1.5"), t, 5_000).encryption).toBe("X");
  });

  it("a VM that was not restarted is NX delivered, not NX_SW_NOT_READY, even right after enabling", () => {
    const v = decide(flow("10.0.1.4", "10.0.1.5"), pair({ startedMs: -1_000 }, {}, { enabledAtMs: 0 }), 10);
    expect([v.encryption, v.action, v.reason]).toEqual(["NX", "deliver", "not-restarted-since-enabling"]);
  });
});

describe("decide: enforcement", () => {
  const peered = (aEnf: "AllowUnencrypted" | "DropUnencrypted", bEnf: "AllowUnencrypted" | "DropUnencrypted", bEnabled = true): Topology => topology({
    vnets: [vnet("vnet-a", 0, { enforcement: aEnf }), vnet("vnet-b", 1, { enforcement: bEnf, enabled: bEnabled })],
    vms: [vm("vm-1", "10.0.1.4"), vm("vm-2", "10.1.1.4", { subnet: "vnet-b/default", size: UNSUPPORTED_SIZE })],
    peerings: [{ name: "a-b", fromVnet: "vnet-a", toVnet: "vnet-b" }, { name: "b-a", fromVnet: "vnet-b", toVnet: "vnet-a" }],
  });
  const f = flow("10.0.1.4", "10.1.1.4");

  it("both ends DropUnencrypted: an unencrypted flow is NX_NOT_ACCEPTED and dropped", () => {
    const v = decide(f, peered("DropUnencrypted", "DropUnencrypted"), 0);
    expect([v.encryption, v.action, v.enforcement]).toEqual(["NX_NOT_ACCEPTED", "drop", "DropUnencrypted"]);
    expect(v.detail).toMatch(/both ends enforce DropUnencrypted/);
  });

  it("only one end DropUnencrypted: delivered as under AllowUnencrypted (domain.md: 'both ends enforce')", () => {
    for (const [a, b] of [["DropUnencrypted", "AllowUnencrypted"], ["AllowUnencrypted", "DropUnencrypted"]] as const) {
      const v = decide(f, peered(a, b), 0);
      expect([v.encryption, v.action, v.enforcement]).toEqual(["NX", "deliver", "AllowUnencrypted"]);
    }
  });

  it("DropUnencrypted on a VNet whose encryption is off has no effect", () => {
    const v = decide(f, peered("DropUnencrypted", "DropUnencrypted", false), 0);
    expect([v.encryption, v.action, v.reason, v.enforcement]).toEqual(["NX", "deliver", "peer-vnet-encryption-off", "AllowUnencrypted"]);
  });

  it("DropUnencrypted does not touch encrypted, same-host or out-of-scope flows", () => {
    const drop = { enforcement: "DropUnencrypted" as const };
    expect(decide(flow("10.0.1.4", "10.0.1.5"), pair({}, {}, drop), 0).encryption).toBe("X");
    expect(decide(flow("10.0.1.4", "10.0.1.5"), pair({ host: "h", size: UNSUPPORTED_SIZE }, { host: "h" }, drop), 0).encryption).toBe("NX_LOCAL_DST");
    expect(decide(flow("10.0.1.4", "1.1.1.1"), pair({}, {}, drop), 0)).toMatchObject({ encryption: "NX", action: "deliver" });
  });
});

describe("decide: internal load balancer backend choice", () => {
  const backends = ["be-0", "be-1", "be-2", "be-3"];
  const lbTopo = (seed: number, stopped: string[] = []): Topology => ({
    ...topology({
      vms: [vm("client", "10.0.1.4"), ...backends.map((b, i) => vm(b, `10.0.1.${10 + i}`, { powerState: stopped.includes(b) ? "stopped" : "running" }))],
      loadBalancers: [ilb("ilb-web", "10.0.1.100", backends.map((b) => ({ vm: b })))],
    }),
    settings: { swNotReadyWindowMs: 30_000, seed },
  });

  it("same 5-tuple and seed -> same backend, also on a structurally equal copy of the topology", () => {
    const t = lbTopo(7);
    const copy = structuredClone(t);
    for (let port = 40_000; port < 40_200; port++) {
      const f = flow("10.0.1.4", "10.0.1.100", port);
      const a = decide(f, t, 0);
      expect(a.dst?.via).toBe("ilb-web");
      expect(decide(f, t, 0).dst?.name).toBe(a.dst?.name);
      expect(decide(f, copy, 0).dst?.name).toBe(a.dst?.name);
    }
  });

  it("the seed changes the choice for some flows", () => {
    let differ = 0;
    for (let port = 40_000; port < 40_200; port++) {
      const f = flow("10.0.1.4", "10.0.1.100", port);
      if (decide(f, lbTopo(1), 0).dst?.name !== decide(f, lbTopo(2), 0).dst?.name) differ++;
    }
    expect(differ).toBeGreaterThan(100);
  });

  it("flows spread evenly over the backends (each within 20-30% of 4000 flows)", () => {
    const t = lbTopo(1);
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const name = decide(flow(`10.0.1.4`, "10.0.1.100", 1024 + i, 443, i % 2 === 0 ? "tcp" : "udp"), t, 0).dst?.name ?? "none";
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(backends);
    for (const n of counts.values()) {
      expect(n / 4000).toBeGreaterThan(0.2);
      expect(n / 4000).toBeLessThan(0.3);
    }
  });

  it("reports the chosen backend even when an earlier rule decides the flow", () => {
    const t = lbTopo(1);
    const stoppedClient: Topology = { ...t, vms: t.vms.map((v) => (v.name === "client" ? { ...v, powerState: "stopped" as const } : v)) };
    const v = decide(flow("10.0.1.4", "10.0.1.100"), stoppedClient, 0);
    expect(v.reason).toBe("endpoint-stopped");
    expect(v.dst).toMatchObject({ kind: "vm", via: "ilb-web" });
    expect(backends).toContain(v.dst?.name);
  });

  it("stopped backends are never chosen", () => {
    const t = lbTopo(1, ["be-0", "be-2"]);
    for (let port = 1; port < 300; port++) {
      const v = decide(flow("10.0.1.4", "10.0.1.100", port), t, 0);
      expect(["be-1", "be-3"]).toContain(v.dst?.name);
      expect(v.reason).toBe("encrypted");
    }
  });
});

describe("decide: AKS network plugins", () => {
  const cluster = (plugin: "azure" | "azure-overlay" | "kubenet" | "byocni", podSubnet: string | null, nodeSize = "Standard_D4s_v5"): Topology => {
    const podIp = (i: number) => (podSubnet !== null ? `10.0.2.${20 + i}` : plugin === "azure" ? `10.0.1.${20 + i}` : `10.244.${i}.5`);
    return topology({
      vms: [0, 1].map((i) => vm(`aks-1-np-${i}`, `10.0.1.${10 + i}`, { size: nodeSize, role: { kind: "aks-node", cluster: "aks-1", nodePool: "np", instance: i } })),
      aksClusters: [{
        name: "aks-1", vnet: "vnet-a", networkPlugin: plugin, podSubnet,
        nodePools: [{ name: "np", nodes: ["aks-1-np-0", "aks-1-np-1"] }],
        pods: [{ name: "p-0", node: "aks-1-np-0", ip: podIp(0) }, { name: "p-1", node: "aks-1-np-1", ip: podIp(1) }],
        controlPlaneIp: "20.50.0.1",
      }],
    });
  };

  for (const plugin of ["azure", "azure-overlay", "kubenet", "byocni"] as const) {
    it(`${plugin}: node and cross-node pod traffic are encrypted when the nodes can be`, () => {
      const t = cluster(plugin, null);
      expect(decide(flow("10.0.1.10", "10.0.1.11"), t, 0).encryption).toBe("X");
      const pods = t.aksClusters[0]?.pods ?? [];
      const v = decide(flow(pods[0]?.ip ?? "", pods[1]?.ip ?? ""), t, 0);
      expect([v.encryption, v.src?.kind, v.src?.name, v.src?.vm]).toEqual(["X", "pod", "aks-1/p-0", "aks-1-np-0"]);
      const bad = cluster(plugin, null, UNSUPPORTED_SIZE);
      expect(decide(flow(pods[0]?.ip ?? "", pods[1]?.ip ?? ""), bad, 0).reason).toBe("size-unsupported");
    });
  }

  it("pod subnet (dynamic pod IP): node traffic encrypted, pod traffic not", () => {
    const t = cluster("azure", "vnet-a/pods");
    expect(decide(flow("10.0.1.10", "10.0.1.11"), t, 0).encryption).toBe("X");
    expect(decide(flow("10.0.2.20", "10.0.2.21"), t, 0)).toMatchObject({ encryption: "NX", reason: "pod-subnet-ip" });
  });
});

describe("decide: robustness and the index", () => {
  it("enforces VNETS_MAX when indexing", () => {
    const many = topology({ vnets: Array.from({ length: VNETS_MAX + 1 }, (_, i) => vnet(`v-${i}`, i % 256)) });
    expect(() => decide(flow("10.0.1.4", "10.0.1.5"), many, 0)).toThrow(/4097 VNets, expected at most VNETS_MAX = 4096/);
  });

  it("does not mutate the topology (deep-frozen input)", () => {
    const freeze = <T>(x: T): T => {
      if (typeof x === "object" && x !== null) {
        for (const v of Object.values(x)) freeze(v);
        Object.freeze(x);
      }
      return x;
    };
    const t = freeze(topology({
      vms: [vm("vm-1", "10.0.1.4"), vm("vm-2", "10.0.1.5", { size: UNSUPPORTED_SIZE })],
      loadBalancers: [ilb("ilb-1", "10.0.1.100", [{ vm: "vm-1" }, { vm: "vm-2" }])],
    }));
    expect(decide(flow("10.0.1.5", "10.0.1.100"), t, 0).reason).toBeDefined();
    expect(lint(t).map((d) => d.code)).toEqual(["VNE004", "VNE007"]);
  });

  it("never throws on odd flows", () => {
    const t = pair();
    for (const [s, d] of [["", ""], ["10.0.1.4", "300.1.1.1"], ["::1", "10.0.1.4"], ["10.0.1.4", "10.0.1.4"]] as const) {
      expect(() => decide(flow(s, d), t, Number.NaN)).not.toThrow();
    }
  });

  it("memoises the index per topology object and re-indexes a new object", () => {
    const t = pair();
    expect(indexTopology(t)).toBe(indexTopology(t));
    const changed: Topology = { ...t, vms: t.vms.map((v) => (v.name === "vm-2" ? { ...v, size: UNSUPPORTED_SIZE } : v)) };
    expect(indexTopology(changed)).not.toBe(indexTopology(t));
    expect(decide(flow("10.0.1.4", "10.0.1.5"), t, 0).reason).toBe("encrypted");
    expect(decide(flow("10.0.1.4", "10.0.1.5"), changed, 0).reason).toBe("size-unsupported");
  });

  it("resolves secondary IP configs, scale-set instances and PaaS to their VM", () => {
    const t = topology({
      vms: [
        vm("vm-1", "10.0.1.4", { secondaryIp: "10.0.1.40" }),
        vm("vmss_0", "10.0.1.5", { role: { kind: "scale-set-instance", scaleSet: "vmss", instance: 0 } }),
      ],
    });
    const v = decide(flow("10.0.1.40", "10.0.1.5"), t, 0);
    expect(v.src).toMatchObject({ kind: "vm", name: "vm-1", ip: "10.0.1.40", vm: "vm-1", host: "host-vm-1", vnet: "vnet-a", via: null });
    expect(v.dst).toMatchObject({ kind: "vm", name: "vmss_0" });
    expect(v.reason).toBe("encrypted");
  });
});
