/**
 * Timed events: checked against the topology, sorted by time (stable, so equal times keep file
 * order, as in ns-3's (time, insertion id) ordering), and applied purely: applyEvent returns a
 * new topology and never mutates its input.
 */
import type { Host, Topology, Vm } from "../topology/model.js";
import type { ResolveContext } from "./context.js";
import { durationMs } from "./durations.js";
import type { PathSegment } from "./issues.js";
import { VMS_PER_HOST_DEFAULT } from "./limits.js";
import type { Scenario, TimedEvent } from "./types.js";

/** Turns the events section into TimedEvents sorted by atMs, reporting unknown VNets, VMs, NICs and hosts. */
export function buildEvents(ctx: ResolveContext, t: Topology): TimedEvent[] {
  const vnets = new Set(t.vnets.map((v) => v.name));
  const vms = new Map(t.vms.map((v) => [v.name, v]));
  const hosts = new Set(t.hosts.map((h) => h.name));
  const out: { e: TimedEvent; i: number }[] = [];
  ctx.doc.events.forEach((ev, i) => {
    const path: PathSegment[] = ["events", i];
    const atMs = durationMs(ev.at);
    let e: TimedEvent | null = null;
    switch (ev.action) {
      case "enable-encryption":
      case "disable-encryption":
      case "set-enforcement":
        if (!vnets.has(ev.vnet)) ctx.unknown([...path, "vnet"], ev.vnet, "VNet", vnets);
        else e = ev.action === "set-enforcement" ? { atMs, action: ev.action, vnet: ev.vnet, enforcement: ev.enforcement } : { atMs, action: ev.action, vnet: ev.vnet };
        break;
      case "start":
      case "stop":
      case "deallocate":
      case "restart":
      case "redeploy":
        if (!vms.has(ev.vm)) ctx.unknown([...path, "vm"], ev.vm, "VM", vms.keys());
        else e = { atMs, action: ev.action, vm: ev.vm };
        break;
      case "set-accelerated-networking": {
        const vm = vms.get(ev.vm);
        if (vm === undefined) ctx.unknown([...path, "vm"], ev.vm, "VM", vms.keys());
        else if (ev.nic !== undefined && !vm.nics.some((n) => n.name === ev.nic)) ctx.unknown([...path, "nic"], ev.nic, `NIC of ${vm.name}`, vm.nics.map((n) => n.name));
        else e = { atMs, action: ev.action, vm: ev.vm, nic: ev.nic ?? null, enabled: ev.enabled };
        break;
      }
      case "host-hardware":
        if (!hosts.has(ev.host)) ctx.unknown([...path, "host"], ev.host, "host", hosts);
        else e = { atMs, action: ev.action, host: ev.host, hardware: ev.hardware };
        break;
    }
    if (e !== null) out.push({ e, i });
  });
  return out.sort((a, b) => a.e.atMs - b.e.atMs || a.i - b.i).map((x) => x.e);
}

function mapVm(t: Topology, name: string, f: (vm: Vm) => Vm): Topology {
  if (!t.vms.some((v) => v.name === name)) throw new Error(`applyEvent: VM ${JSON.stringify(name)} is not in the topology`);
  return { ...t, vms: t.vms.map((v) => (v.name === name ? f(v) : v)) };
}

function mapVnet(t: Topology, name: string, f: (v: Topology["vnets"][number]) => Topology["vnets"][number]): Topology {
  if (!t.vnets.some((v) => v.name === name)) throw new Error(`applyEvent: VNet ${JSON.stringify(name)} is not in the topology`);
  return { ...t, vnets: t.vnets.map((v) => (v.name === name ? f(v) : v)) };
}

/**
 * The host a redeployed VM moves to: the first host (by name) in its region, other than its
 * current one, with fewer than VMS_PER_HOST_DEFAULT VMs; else a new host "<region>-host-<n>".
 * Deterministic without an rng, so applyEvent stays a pure function of (topology, event).
 */
function redeployTarget(t: Topology, vm: Vm): { host: string; newHost: Host | null } {
  const current = t.hosts.find((h) => h.name === vm.host);
  const region = current?.region ?? "";
  const load = new Map<string, number>();
  for (const v of t.vms) load.set(v.host, (load.get(v.host) ?? 0) + 1);
  const candidates = t.hosts.filter((h) => h.region === region && h.name !== vm.host && (load.get(h.name) ?? 0) < VMS_PER_HOST_DEFAULT)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const pick = candidates[0];
  if (pick !== undefined) return { host: pick.name, newHost: null };
  const names = new Set(t.hosts.map((h) => h.name));
  let n = 1;
  while (names.has(`${region}-host-${n}`)) n++;
  // Underlay: one past the highest 100.64/10 address in use.
  const used = t.hosts.map((h) => h.underlayIp.split(".").map(Number)).map(([a = 0, b = 0, c = 0, d = 0]) => ((a * 256 + b) * 256 + c) * 256 + d);
  const next = Math.max(0x64400000, ...used) + 1;
  const underlayIp = [(next >>> 24) & 255, (next >>> 16) & 255, (next >>> 8) & 255, next & 255].join(".");
  const name = `${region}-host-${n}`;
  return { host: name, newHost: { name, region, hardware: "ok", discoverySupported: true, underlayIp } };
}

/** Applies one event; returns a new topology (the input is not modified). */
export function applyEvent(topology: Topology, event: TimedEvent): Topology {
  const at = event.atMs;
  switch (event.action) {
    case "enable-encryption":
      return mapVnet(topology, event.vnet, (v) => ({ ...v, encryption: { ...v.encryption, enabled: true, enabledAtMs: at } }));
    case "disable-encryption":
      return mapVnet(topology, event.vnet, (v) => ({ ...v, encryption: { ...v.encryption, enabled: false, enabledAtMs: null } }));
    case "set-enforcement":
      return mapVnet(topology, event.vnet, (v) => ({ ...v, encryption: { ...v.encryption, enforcement: event.enforcement } }));
    case "start":
    case "restart":
      return mapVm(topology, event.vm, (v) => ({ ...v, powerState: "running", lastStartedAtMs: at }));
    case "stop":
      return mapVm(topology, event.vm, (v) => ({ ...v, powerState: "stopped" }));
    case "deallocate":
      return mapVm(topology, event.vm, (v) => ({ ...v, powerState: "deallocated" }));
    case "redeploy": {
      const vm = topology.vms.find((v) => v.name === event.vm);
      if (vm === undefined) throw new Error(`applyEvent: VM ${JSON.stringify(event.vm)} is not in the topology`);
      const { host, newHost } = redeployTarget(topology, vm);
      const moved = mapVm(topology, event.vm, (v) => ({ ...v, host, powerState: "running", lastStartedAtMs: at }));
      return newHost === null ? moved : { ...moved, hosts: [...moved.hosts, newHost] };
    }
    case "set-accelerated-networking":
      return mapVm(topology, event.vm, (v) => {
        if (event.nic !== null && !v.nics.some((n) => n.name === event.nic)) {
          throw new Error(`applyEvent: NIC ${JSON.stringify(event.nic)} is not a NIC of ${v.name}`);
        }
        return { ...v, nics: v.nics.map((n) => (event.nic === null || n.name === event.nic ? { ...n, acceleratedNetworking: event.enabled } : n)) };
      });
    case "host-hardware":
      if (!topology.hosts.some((h) => h.name === event.host)) throw new Error(`applyEvent: host ${JSON.stringify(event.host)} is not in the topology`);
      return { ...topology, hosts: topology.hosts.map((h) => (h.name === event.host ? { ...h, hardware: event.hardware } : h)) };
  }
}

/** The topology at virtual time tMs: every event with atMs <= tMs applied in order. */
export function topologyAt(scenario: Scenario, tMs: number): Topology {
  let t = scenario.topology;
  for (const e of scenario.events) {
    if (e.atMs > tMs) break;
    t = applyEvent(t, e);
  }
  return t;
}
