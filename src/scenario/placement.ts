/**
 * Deterministic choices derived from the scenario seed: which auto-created host a VM lands on,
 * host underlay addresses, NIC MAC addresses, and default source ports. Everything draws from
 * pure-rand's xoroshiro128+ seeded with the scenario seed, in file order, so the same file and
 * seed always give the same topology.
 */
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import type { Host } from "../topology/model.js";
import { AddressBook } from "./addresses.js";
import { draftRegion, type VmDraft } from "./compute.js";
import type { ResolveContext } from "./context.js";
import { formatPath, type PathSegment } from "./issues.js";
import { VMS_PER_HOST_DEFAULT } from "./limits.js";

/** Underlay addresses come from the RFC 6598 shared address space, which VNets rarely use. */
export const UNDERLAY_BLOCK = "100.64.0.0/10";
/** Microsoft's IEEE OUI 00-22-48, the prefix of Azure NIC MAC addresses. */
export const AZURE_MAC_OUI = "002248";
/** IANA dynamic/private port range (RFC 6335 §6): 49152-65535. */
export const EPHEMERAL_PORT_MIN = 49_152;
export const EPHEMERAL_PORT_MAX = 65_535;
/** Tries to draw an unused MAC before giving up (2^24 values per OUI; collisions are rare). */
export const MAC_DRAW_ATTEMPTS_MAX = 64;

export function seededRng(seed: number): RandomGenerator {
  return xoroshiro128plus(seed);
}

/** FNV-1a 32-bit hash (Fowler-Noll-Vo, IETF draft-eastlake-fnv §2): a stable number per name. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Default source port of a flow: from the seed and the flow name, in the ephemeral range. */
export function defaultSrcPort(seed: number, flowName: string): number {
  const rng = xoroshiro128plus((seed ^ fnv1a32(flowName)) | 0);
  return uniformInt(rng, EPHEMERAL_PORT_MIN, EPHEMERAL_PORT_MAX);
}

export interface Placement {
  hosts: Host[];
  /** VM name -> host name. */
  hostOf: Map<string, string>;
}

/**
 * Places every VM: explicit hosts are checked (they exist, same region as the VM's VNet); the
 * others are shuffled per region with the seeded rng and packed `vmsPerHost` to an auto-created
 * host "<region>-host-<n>".
 */
export function placeVms(ctx: ResolveContext, drafts: VmDraft[], rng: RandomGenerator): Placement {
  const doc = ctx.doc;
  const hosts: Host[] = [];
  const hostByName = new Map<string, Host>();
  const seen = new Map<string, string>();
  const underlay = new AddressBook();
  doc.hosts.forEach((h, i) => {
    const path: PathSegment[] = ["hosts", i];
    if (ctx.duplicate(seen, [...path, "name"], h.name, formatPath(path), "host")) return;
    const host: Host = { name: h.name, region: h.region, hardware: h.hardware, discoverySupported: h.discoverySupported, underlayIp: h.underlayIp ?? "" };
    if (h.underlayIp !== undefined) underlay.claim(ctx, [...path, "underlayIp"], h.underlayIp, `host ${h.name} (${formatPath(path)})`);
    hosts.push(host);
    hostByName.set(h.name, host);
  });
  const hostOf = new Map<string, string>();
  const unplaced = new Map<string, VmDraft[]>();
  // Scale set instances share one "hosts" entry: report a bad entry once, for the first instance.
  const reported = new Set<string>();
  for (const d of drafts) {
    const region = draftRegion(d);
    if (d.host !== null) {
      const host = hostByName.get(d.host.name);
      const key = formatPath(d.host.path);
      if (host === undefined) {
        if (!reported.has(key)) ctx.unknown(d.host.path, d.host.name, "host", hostByName.keys());
        reported.add(key);
      } else if (region !== null && host.region !== region) {
        if (!reported.has(key)) ctx.error(d.host.path, `${JSON.stringify(d.host.name)} is in region ${host.region}, but ${d.name} is in a VNet in region ${region}`);
        reported.add(key);
      } else {
        hostOf.set(d.name, host.name);
      }
      continue;
    }
    if (region === null) continue;
    const list = unplaced.get(region) ?? [];
    list.push(d);
    unplaced.set(region, list);
  }
  const perHost = doc.settings.vmsPerHost ?? VMS_PER_HOST_DEFAULT;
  for (const region of [...unplaced.keys()].sort()) {
    const list = [...(unplaced.get(region) ?? [])];
    // Fisher-Yates shuffle (Knuth, TAOCP vol. 2, §3.4.2, Algorithm P).
    for (let i = list.length - 1; i > 0; i--) {
      const j = uniformInt(rng, 0, i);
      const a = list[i];
      const b = list[j];
      if (a !== undefined && b !== undefined) {
        list[i] = b;
        list[j] = a;
      }
    }
    let n = 0;
    let current: Host | null = null;
    let load = 0;
    for (const d of list) {
      if (current === null || load >= perHost) {
        let name: string;
        do {
          n++;
          name = `${region}-host-${n}`;
        } while (hostByName.has(name));
        current = { name, region, hardware: "ok", discoverySupported: true, underlayIp: "" };
        hosts.push(current);
        hostByName.set(name, current);
        load = 0;
      }
      hostOf.set(d.name, current.name);
      load++;
    }
  }
  for (const h of hosts) {
    if (h.underlayIp === "") h.underlayIp = underlay.allocate(UNDERLAY_BLOCK, `host ${h.name}`, 1, 1) ?? "";
  }
  return { hosts, hostOf };
}

/** Fills in every NIC's MAC address: explicit ones are checked for duplicates first, then the rest are drawn. */
export function assignMacs(ctx: ResolveContext, drafts: VmDraft[], rng: RandomGenerator): void {
  const used = new Map<string, string>();
  for (const d of drafts) {
    for (const nic of d.nics) {
      if (nic.mac === null) continue;
      nic.mac = nic.mac.toUpperCase();
      const prev = used.get(nic.mac);
      if (prev !== undefined) ctx.error(nic.macPath, `${JSON.stringify(nic.mac)} is already the MAC address of ${prev}`);
      else used.set(nic.mac, `${d.name}/${nic.name}`);
    }
  }
  for (const d of drafts) {
    for (const nic of d.nics) {
      if (nic.mac !== null) continue;
      for (let attempt = 0; attempt < MAC_DRAW_ATTEMPTS_MAX; attempt++) {
        const mac = AZURE_MAC_OUI + uniformInt(rng, 0, 0xffffff).toString(16).toUpperCase().padStart(6, "0");
        if (!used.has(mac)) {
          nic.mac = mac;
          used.set(mac, `${d.name}/${nic.name}`);
          break;
        }
      }
      if (nic.mac === null) ctx.error(d.path, `could not draw an unused MAC address for ${d.name}/${nic.name} in ${MAC_DRAW_ATTEMPTS_MAX} attempts`);
    }
  }
}
