import { describe, expect, it } from "vitest";
import { applyEvent, parseScenario, topologyAt, type TimedEvent } from "../../src/scenario/index.js";
import type { Topology } from "../../src/topology/model.js";

const TEXT = `name: events
seed: 5
hosts:
  - { name: h1, region: westeurope }
vnets:
  - name: vnet-a
    region: westeurope
    addressSpace: [10.0.0.0/16]
    subnets: [{ name: default, prefix: 10.0.1.0/24 }]
vms:
  - { name: vm-1, size: Standard_D4s_v5, subnet: vnet-a/default, host: h1 }
  - name: vm-2
    size: Standard_D4s_v5
    host: h1
    nics:
      - { name: n0, ipConfigs: [{ name: c, subnet: vnet-a/default }] }
      - { name: n1, ipConfigs: [{ name: c, subnet: vnet-a/default }] }
events:
  - { at: 2m, action: stop, vm: vm-1 }
  - { at: 1m, action: restart, vm: vm-1 }
  - { at: 2m, action: start, vm: vm-1 }
`;

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === "object") {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

describe("applyEvent", () => {
  const s = parseScenario(TEXT, "events.yaml");
  const t0 = deepFreeze(s.topology) as Topology;
  const before = JSON.stringify(t0);
  const events: TimedEvent[] = [
    { atMs: 10, action: "enable-encryption", vnet: "vnet-a" },
    { atMs: 20, action: "set-enforcement", vnet: "vnet-a", enforcement: "DropUnencrypted" },
    { atMs: 30, action: "disable-encryption", vnet: "vnet-a" },
    { atMs: 40, action: "stop", vm: "vm-1" },
    { atMs: 50, action: "deallocate", vm: "vm-1" },
    { atMs: 60, action: "start", vm: "vm-1" },
    { atMs: 70, action: "restart", vm: "vm-2" },
    { atMs: 80, action: "redeploy", vm: "vm-2" },
    { atMs: 90, action: "set-accelerated-networking", vm: "vm-2", nic: "n1", enabled: false },
    { atMs: 95, action: "set-accelerated-networking", vm: "vm-1", nic: null, enabled: false },
    { atMs: 99, action: "host-hardware", host: "h1", hardware: "absent" },
  ];

  it("never mutates its input (the input is deep-frozen)", () => {
    let t = t0;
    for (const e of events) t = applyEvent(t, e);
    expect(JSON.stringify(t0)).toBe(before);
    expect(t).not.toBe(t0);
  });

  it("applies each action", () => {
    const step = (i: number) => events.slice(0, i + 1).reduce(applyEvent, t0);
    expect(step(0).vnets[0]?.encryption).toEqual({ enabled: true, enforcement: "AllowUnencrypted", enabledAtMs: 10 });
    expect(step(1).vnets[0]?.encryption).toEqual({ enabled: true, enforcement: "DropUnencrypted", enabledAtMs: 10 });
    expect(step(2).vnets[0]?.encryption).toEqual({ enabled: false, enforcement: "DropUnencrypted", enabledAtMs: null });
    expect(step(3).vms[0]).toMatchObject({ powerState: "stopped", lastStartedAtMs: -86_400_000 });
    expect(step(4).vms[0]?.powerState).toBe("deallocated");
    expect(step(5).vms[0]).toMatchObject({ powerState: "running", lastStartedAtMs: 60 });
    expect(step(6).vms[1]).toMatchObject({ powerState: "running", lastStartedAtMs: 70 });
    const redeployed = step(7);
    // h1 is the only explicit host and both VMs are on it: redeploy creates a new host in the region.
    expect(redeployed.vms[1]).toMatchObject({ host: "westeurope-host-1", powerState: "running", lastStartedAtMs: 80 });
    expect(redeployed.hosts.map((h) => h.name)).toEqual(["h1", "westeurope-host-1"]);
    expect(redeployed.hosts[1]).toMatchObject({ region: "westeurope", hardware: "ok", discoverySupported: true });
    expect(redeployed.hosts[1]?.underlayIp).not.toBe(redeployed.hosts[0]?.underlayIp);
    expect(step(8).vms[1]?.nics.map((n) => n.acceleratedNetworking)).toEqual([true, false]);
    expect(step(9).vms[0]?.nics.map((n) => n.acceleratedNetworking)).toEqual([false]);
    expect(step(10).hosts[0]?.hardware).toBe("absent");
  });

  it("redeploy moves to an existing host with room before creating one", () => {
    const once = applyEvent(t0, { atMs: 1, action: "redeploy", vm: "vm-2" });
    const twice = applyEvent(once, { atMs: 2, action: "redeploy", vm: "vm-1" });
    expect(twice.vms.map((v) => v.host)).toEqual(["westeurope-host-1", "westeurope-host-1"]);
    expect(twice.hosts).toHaveLength(2);
  });

  it.each([
    [{ atMs: 0, action: "start", vm: "nope" }, 'applyEvent: VM "nope" is not in the topology'],
    [{ atMs: 0, action: "enable-encryption", vnet: "nope" }, 'applyEvent: VNet "nope" is not in the topology'],
    [{ atMs: 0, action: "host-hardware", host: "nope", hardware: "ok" }, 'applyEvent: host "nope" is not in the topology'],
    [{ atMs: 0, action: "set-accelerated-networking", vm: "vm-2", nic: "n9", enabled: true }, 'applyEvent: NIC "n9" is not a NIC of vm-2'],
    [{ atMs: 0, action: "redeploy", vm: "nope" }, 'applyEvent: VM "nope" is not in the topology'],
  ] as [TimedEvent, string][])("throws on a reference outside the topology: %j", (e, message) => {
    expect(() => applyEvent(t0, e)).toThrow(message);
  });
});

describe("topologyAt", () => {
  const s = parseScenario(TEXT, "events.yaml");
  it("sorts events by time and keeps file order at equal times", () => {
    expect(s.events.map((e) => `${e.atMs}:${e.action}`)).toEqual(["60000:restart", "120000:stop", "120000:start"]);
  });
  it("applies the events with atMs <= t", () => {
    expect(topologyAt(s, 59_999)).toBe(s.topology);
    expect(topologyAt(s, 60_000).vms[0]).toMatchObject({ powerState: "running", lastStartedAtMs: 60_000 });
    expect(topologyAt(s, 120_000).vms[0]).toMatchObject({ powerState: "running", lastStartedAtMs: 120_000 });
  });
});
