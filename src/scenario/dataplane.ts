/**
 * The data-plane and fault sections of a scenario (issue 4): `settings.dataplane` (underlay MTU,
 * tunnel idle timeout, tunnel table size, pending queue, cipher suite, rekeying, handshake timers)
 * and `faults` (link faults globally and per host pair, hosts with a stale key-service view, and
 * timed partition/repair/host-crash/host-recover events), in the vocabulary of sim/faults.ts.
 * Omitted values take the data plane's defaults (src/dataplane/settings.ts). Additive: scenarios
 * without these sections load as before.
 */
import { z } from "zod";
import type { Topology } from "../topology/model.js";
import type { ResolveContext } from "./context.js";
import { durationMs } from "./durations.js";
import { duration, list, resourceName } from "./fields.js";
import type { PathSegment } from "./issues.js";
import type { ScenarioDataplane, ScenarioFaultEvent, ScenarioFaults, ScenarioLinkFaults } from "./types.js";

/** Most per-link fault entries and fault events in one scenario. */
export const FAULT_LINKS_PER_SCENARIO_MAX = 4_096;
export const FAULT_EVENTS_PER_SCENARIO_MAX = 4_096;

const SUITES = ["TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_256_GCM_SHA384", "TLS_PSK_WITH_AES_128_CCM_8", "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"] as const;

const rate = z.number().min(0).max(1);
const ms = z.number().min(0).max(3_600_000);

export const dataplaneSettingsSchema = z.strictObject({
  mtuBytes: z.int().min(576).max(9000).optional().describe("Underlay MTU in bytes (default 1500); DTLS overhead counts against it"),
  tunnelIdle: duration.optional().describe("A tunnel without packets for this long closes (default 5m)"),
  tunnelsPerHost: z.int().min(1).max(16_384).optional().describe("Tunnel table size per host; the least recently used is evicted past it (default 4096)"),
  pendingPackets: z.int().min(0).max(65_536).optional().describe("Packets queued per tunnel half during a handshake (default 64)"),
  suite: z.enum(SUITES).optional().describe("DTLS 1.2 cipher suite of the tunnels (default TLS_PSK_WITH_AES_128_GCM_SHA256)"),
  rekeyAfterRecords: z.int().min(0).optional().describe("Rekey a tunnel after this many records (default 0 = never)"),
  rekeyAfter: duration.optional().describe("Rekey a tunnel after its key is this old (default 0 = never)"),
  handshakeRetransmitInitial: duration.optional().describe("First handshake retransmission timer (default 100ms), doubled each time"),
  handshakeRetransmits: z.int().min(0).max(100).optional().describe("Retransmissions before a handshake fails (default 4)"),
  retryBackoff: duration.optional().describe("After a failed handshake, fall back for this long before retrying (default 10s, doubling)"),
  retryBackoffMax: duration.optional().describe("Ceiling of the doubling retry back-off (default 5m)"),
}).describe("Data plane: host offloads and DTLS tunnels");

const linkFaultFields = {
  lossRate: rate.optional().describe("Probability a datagram is lost"),
  duplicateRate: rate.optional().describe("Probability a datagram is delivered twice"),
  reorderRate: rate.optional().describe("Probability a datagram is held back so later ones overtake it"),
  latencyMs: ms.optional().describe("One-way latency in ms (default 0.05)"),
  jitterMs: ms.optional().describe("Extra delay, uniform in [0, jitterMs)"),
  reorderDelayMs: ms.optional().describe("Hold-back of a reordered datagram in ms (default 10)"),
};

const hostPair = z.tuple([resourceName, resourceName]).describe("Two host names (a link; order does not matter)");

export const faultEventSchema = z.discriminatedUnion("action", [
  z.strictObject({ at: duration, action: z.literal("partition"), between: hostPair }),
  z.strictObject({ at: duration, action: z.literal("repair"), between: hostPair }),
  z.strictObject({ at: duration, action: z.literal("host-crash"), host: resourceName }),
  z.strictObject({ at: duration, action: z.literal("host-recover"), host: resourceName }),
]).describe("Timed fault on the memory wire");

export const faultsSchema = z.strictObject({
  ...linkFaultFields,
  links: list(z.strictObject({ between: hostPair, ...linkFaultFields }), FAULT_LINKS_PER_SCENARIO_MAX).optional().describe("Faults of one host-to-host link, over the global ones"),
  staleKeyHosts: list(resourceName, FAULT_LINKS_PER_SCENARIO_MAX).optional().describe("Hosts whose key-service view is stale: their tunnel handshakes fail"),
  events: list(faultEventSchema, FAULT_EVENTS_PER_SCENARIO_MAX).optional().describe("Partition/repair of links, crash/recovery of hosts"),
}).describe("Faults of the memory wire (sim/faults.ts)");

export type DataplaneSettingsDoc = z.output<typeof dataplaneSettingsSchema>;
export type FaultsDoc = z.output<typeof faultsSchema>;

function linkFaults(f: Partial<Record<keyof typeof linkFaultFields, number | undefined>>): ScenarioLinkFaults {
  const out: ScenarioLinkFaults = {};
  for (const k of Object.keys(linkFaultFields) as (keyof typeof linkFaultFields)[]) {
    const v = f[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export function buildDataplane(d: DataplaneSettingsDoc | undefined): ScenarioDataplane | undefined {
  if (d === undefined) return undefined;
  const out: ScenarioDataplane = {};
  if (d.mtuBytes !== undefined) out.mtuBytes = d.mtuBytes;
  if (d.tunnelIdle !== undefined) out.tunnelIdleMs = durationMs(d.tunnelIdle);
  if (d.tunnelsPerHost !== undefined) out.tunnelsPerHost = d.tunnelsPerHost;
  if (d.pendingPackets !== undefined) out.pendingPackets = d.pendingPackets;
  if (d.suite !== undefined) out.suite = d.suite;
  if (d.rekeyAfterRecords !== undefined || d.rekeyAfter !== undefined) {
    out.rekey = {};
    if (d.rekeyAfterRecords !== undefined) out.rekey.afterRecords = d.rekeyAfterRecords;
    if (d.rekeyAfter !== undefined) out.rekey.afterMs = durationMs(d.rekeyAfter);
  }
  if (d.handshakeRetransmitInitial !== undefined) out.handshakeRetransmitInitialMs = durationMs(d.handshakeRetransmitInitial);
  if (d.handshakeRetransmits !== undefined) out.handshakeRetransmits = d.handshakeRetransmits;
  if (d.retryBackoff !== undefined) out.retryBackoffMs = durationMs(d.retryBackoff);
  if (d.retryBackoffMax !== undefined) out.retryBackoffMaxMs = durationMs(d.retryBackoffMax);
  return out;
}

/** The faults section with every host name checked against the topology. */
export function buildFaults(ctx: ResolveContext, f: FaultsDoc | undefined, t: Topology): ScenarioFaults | undefined {
  if (f === undefined) return undefined;
  const hosts = new Set(t.hosts.map((h) => h.name));
  const check = (path: PathSegment[], name: string): boolean => {
    if (hosts.has(name)) return true;
    ctx.unknown(path, name, "host", hosts);
    return false;
  };
  const links: ScenarioFaults["links"] = [];
  (f.links ?? []).forEach((l, i) => {
    const [a, b] = l.between;
    const okA = check(["faults", "links", i, "between", 0], a);
    const okB = check(["faults", "links", i, "between", 1], b);
    if (okA && okB) links.push({ a, b, faults: linkFaults(l) });
  });
  const staleKeyHosts = (f.staleKeyHosts ?? []).filter((h, i) => check(["faults", "staleKeyHosts", i], h));
  const events: ScenarioFaultEvent[] = [];
  (f.events ?? []).forEach((e, i) => {
    const atMs = durationMs(e.at);
    if (e.action === "partition" || e.action === "repair") {
      const okA = check(["faults", "events", i, "between", 0], e.between[0]);
      const okB = check(["faults", "events", i, "between", 1], e.between[1]);
      if (okA && okB) events.push({ atMs, action: e.action, a: e.between[0], b: e.between[1] });
    } else if (check(["faults", "events", i, "host"], e.host)) {
      events.push({ atMs, action: e.action, host: e.host });
    }
  });
  events.sort((x, y) => x.atMs - y.atMs);
  return { global: linkFaults(f), links, staleKeyHosts, events };
}
