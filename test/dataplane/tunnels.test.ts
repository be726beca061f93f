/**
 * Tunnel behaviour: handshake failure and its fallback under each enforcement, the retry after
 * the back-off, the MTU limit with the suite's overhead, the pending queue limit, the table limit
 * with eviction, the idle timeout, and rekeying mid-flow.
 */
import { describe, expect, it } from "vitest";
import { runScenario } from "../../sim/runner.js";
import { conservationViolations, encryptedInnerBytesMax, findMarker, DTLS_SERVER_PORT } from "../../src/dataplane/index.js";
import { pairScenario, tapInto, type Tapped } from "./fixtures.js";

function conserved(r: Awaited<ReturnType<typeof runScenario>>): string[] {
  return r.flows.flatMap((f) => [...conservationViolations(`${f.name} fwd`, f.forward), ...conservationViolations(`${f.name} rev`, f.reverse)]);
}

describe("handshake failure", () => {
  it("a key-service mismatch fails the handshake: NX_FALLBACK (plaintext) under AllowUnencrypted", async () => {
    const list: Tapped[] = [];
    const r = await runScenario(pairScenario({ packets: 6 }), { faults: { staleKeyHosts: ["host-1"] }, tap: tapInto(list) });
    const f = r.flows[0]!;
    expect(r.tunnels.failed).toBeGreaterThanOrEqual(1);
    expect(r.tunnels.established).toBe(0);
    expect(f.delivered).toBe(6);
    expect(f.plaintextPackets).toBe(6);
    expect(f.forward.byEncryption).toEqual({ NX_FALLBACK: 6 });
    expect(f.verdicts).toEqual([{ encryption: "NX_FALLBACK", action: "deliver", reason: "handshake-failed", packets: 6 }]);
    // the fallback is plaintext on the wire: the marker is visible there, never in a DTLS datagram
    expect(list.filter((t) => findMarker(t.payload) >= 0).length).toBe(6);
    expect(list.filter((t) => t.dstPort === DTLS_SERVER_PORT || t.srcPort === DTLS_SERVER_PORT).every((t) => findMarker(t.payload) < 0)).toBe(true);
    expect(conserved(r)).toEqual([]);
  });

  it("the same failure drops the packets as NX_NOT_ACCEPTED under DropUnencrypted", async () => {
    const r = await runScenario(pairScenario({ packets: 6, enforcement: "DropUnencrypted" }), { faults: { staleKeyHosts: ["host-1"] } });
    const f = r.flows[0]!;
    expect(f.delivered).toBe(0);
    expect(f.droppedBy).toEqual({ "handshake-failed": 6 });
    expect(f.forward.byEncryption).toEqual({ NX_NOT_ACCEPTED: 6 });
    expect(f.forward.denied).toBe(6);
    expect(conserved(r)).toEqual([]);
  });

  it("a partition during set-up exhausts the retransmissions; after the back-off and the repair a new handshake succeeds", async () => {
    // 1 packet per second for 30 s; the link is cut from 0 to 5 s. Handshake gives up after 3.1 s.
    const r = await runScenario(pairScenario({ packets: 30, rate: "1/s" }), {
      faults: { events: [{ atMs: 0, action: "partition", a: "host-0", b: "host-1" }, { atMs: 5_000, action: "repair", a: "host-0", b: "host-1" }] },
      dataplane: { retryBackoffMs: 10_000 },
    });
    const f = r.flows[0]!;
    expect(r.tunnels.failed).toBe(1);
    expect(r.tunnels.established).toBe(1);
    expect(r.tunnels.opened).toBe(2);
    expect(f.forward.byEncryption.NX_FALLBACK).toBeGreaterThan(0);
    expect(f.forward.byEncryption.X).toBeGreaterThan(0);
    expect(f.delivered + f.dropped).toBe(30);
    // packets queued at 0..3 s fall back to plaintext, but the link is still cut: lost to the partition
    expect(f.droppedBy.partition).toBeGreaterThan(0);
    expect(conserved(r)).toEqual([]);
  });
});

describe("limits", () => {
  const maxInner = encryptedInnerBytesMax(1500, "TLS_PSK_WITH_AES_128_GCM_SHA256");
  it(`MTU: ${maxInner} bytes fit in a DTLS record on a 1500-byte underlay, one more is dropped as mtu-exceeded`, async () => {
    expect(maxInner).toBe(1500 - 28 - 37);
    const ok = await runScenario(pairScenario({ packets: 3, sizeBytes: maxInner }));
    expect(ok.flows[0]!.encryptedPackets).toBe(3);
    const big = await runScenario(pairScenario({ packets: 3, sizeBytes: maxInner + 1 }));
    expect(big.flows[0]!.droppedBy).toEqual({ "mtu-exceeded": 3 });
    expect(big.flows[0]!.verdicts).toEqual([{ encryption: "X", action: "drop", reason: "mtu-exceeded", packets: 3 }]);
    // ChaCha20-Poly1305 has no explicit nonce: 8 bytes more room
    const chacha = await runScenario(pairScenario({ packets: 3, sizeBytes: maxInner + 8 }), { dataplane: { suite: "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256" } });
    expect(chacha.flows[0]!.encryptedPackets).toBe(3);
    // plaintext packets only need to fit the MTU itself
    const plain = await runScenario(pairScenario({ packets: 2, sizeBytes: 1501, encryption: false }));
    expect(plain.flows[0]!.droppedBy).toEqual({ "mtu-exceeded": 2 });
  });

  it("pending queue: packets past pendingPackets during a slow handshake are dropped as queue-full", async () => {
    const r = await runScenario(pairScenario({ packets: 10 }), { dataplane: { pendingPackets: 3 }, faults: { global: { latencyMs: 20 } } });
    const f = r.flows[0]!;
    expect(f.droppedBy).toEqual({ "queue-full": 7 });
    expect(f.encryptedPackets).toBe(3);
    expect(conserved(r)).toEqual([]);
  });

  it("table limit: with one tunnel per host the least recently used tunnel is evicted", async () => {
    const extra = [
      "  - { name: a-to-c, from: vm-0, to: vm-2, dstPort: 443, packets: 10, start: 500ms }",
      "  - { name: a-to-b-again, from: vm-0, to: vm-1, dstPort: 8443, packets: 10, start: 1s }",
    ].join("\n");
    const r = await runScenario(pairScenario({ vms: 3, packets: 10, extraTraffic: extra }), { dataplane: { tunnelsPerHost: 1 } });
    expect(r.tunnels.evicted).toBe(2);
    expect(r.tunnels.opened).toBe(3);
    for (const f of r.flows) expect(f.encryptedPackets).toBe(10);
    const unlimited = await runScenario(pairScenario({ vms: 3, packets: 10, extraTraffic: extra }));
    expect(unlimited.tunnels.evicted).toBe(0);
    expect(unlimited.tunnels.opened).toBe(2);
  });

  it("idle timeout: a tunnel unused for tunnelIdleMs closes; the next packet opens a new one (next key generation)", async () => {
    const lines: string[] = [];
    const r = await runScenario(pairScenario({ packets: 4, rate: "0.2/s" }), { dataplane: { tunnelIdleMs: 2_000 }, keyLog: (l) => lines.push(l) });
    expect(r.tunnels.opened).toBe(4);
    expect(r.tunnels.idleClosed).toBe(4);
    expect(r.flows[0]!.encryptedPackets).toBe(4);
    const kept = await runScenario(pairScenario({ packets: 4, rate: "0.2/s" }), { dataplane: { tunnelIdleMs: 60_000 } });
    expect(kept.tunnels.opened).toBe(1);
    expect(new Set(lines).size).toBe(4);
  });

  it("rekey mid-flow (every 10 records) on a lossless link loses nothing", async () => {
    const r = await runScenario(pairScenario({ packets: 100, pattern: "request-response" }), { dataplane: { rekey: { afterRecords: 10 } } });
    const f = r.flows[0]!;
    expect(r.tunnels.rekeys).toBeGreaterThanOrEqual(5);
    expect(f.delivered).toBe(200);
    expect(f.encryptedPackets).toBe(200);
    expect(f.dropped).toBe(0);
  });

  it("rejects bad data-plane settings with the field named", async () => {
    await expect(runScenario(pairScenario(), { dataplane: { mtuBytes: 100 } })).rejects.toThrow(/mtuBytes/);
    await expect(runScenario(pairScenario(), { dataplane: { tunnelsPerHost: 0 } })).rejects.toThrow(/tunnelsPerHost/);
  });
});

describe("ends without a host", () => {
  it("appliances the policy lets encrypt (Firewall Premium) get their own tunnels at the edge, also between two of them", async () => {
    const { parseScenario } = await import("../../src/scenario/index.js");
    const s = parseScenario(`
name: edge-tunnels
hosts: [{ name: host-1, region: westeurope }]
vnets:
  - name: vnet-hub
    region: westeurope
    addressSpace: [10.0.0.0/16]
    encryption: { enabled: true }
    subnets: [{ name: AzureFirewallSubnet, prefix: 10.0.1.0/26 }, { name: app, prefix: 10.0.2.0/24 }]
vms:
  - { name: vm-a, size: Standard_D4s_v5, host: host-1, subnet: vnet-hub/app, ip: 10.0.2.4 }
appliances:
  - { name: fw-1, kind: azure-firewall-premium, subnet: vnet-hub/AzureFirewallSubnet, ip: 10.0.1.4 }
  - { name: fw-2, kind: azure-firewall-premium, subnet: vnet-hub/AzureFirewallSubnet, ip: 10.0.1.5 }
traffic:
  - { name: fw1-to-fw2, from: fw-1, to: fw-2, packets: 3 }
  - { name: fw1-to-vm, from: fw-1, to: vm-a, packets: 3, pattern: request-response }
  - { name: vm-to-fw2, from: vm-a, to: fw-2, packets: 3 }
  - { name: fw1-to-fw1, from: fw-1, to: 10.0.1.4, packets: 2 }
`, "edge.yaml");
    const r = await runScenario(s);
    expect(conserved(r)).toEqual([]);
    expect(r.packets.plaintextLeaks).toBe(0);
    const byName = new Map(r.flows.map((f) => [f.name, f]));
    for (const name of ["fw1-to-fw2", "fw1-to-vm", "vm-to-fw2"]) {
      const f = byName.get(name)!;
      expect(f.verdicts.map((v) => v.encryption)).toEqual(["X"]);
      expect(f.encryptedPackets).toBe(f.sent);
    }
    // one tunnel per pair of ends: fw-1|fw-2, fw-1|vm-a, fw-2|vm-a (+ fw-1 with itself if the policy encrypts it)
    expect(r.tunnels.opened).toBeGreaterThanOrEqual(3);
  });
});

describe("named limits", () => {
  it("a host gives out each of its CLIENT_PORTS ephemeral ports once, then refuses (counted); freed ports come back", async () => {
    const { HostOffload, CLIENT_PORTS, KeyService, EPHEMERAL_PORT_MIN, EPHEMERAL_PORT_MAX } = await import("../../src/dataplane/index.js");
    const h = new HostOffload(1, "h", "100.64.0.1", "westeurope", new KeyService(new Uint8Array(16).fill(1)));
    const seen = new Set<number>();
    for (let i = 0; i < CLIENT_PORTS; i++) {
      const p = h.allocPort();
      expect(p).toBeGreaterThanOrEqual(EPHEMERAL_PORT_MIN);
      expect(p).toBeLessThanOrEqual(EPHEMERAL_PORT_MAX);
      seen.add(p);
    }
    expect(seen.size).toBe(CLIENT_PORTS);
    expect(h.allocPort()).toBe(-1);
    expect(h.stats.portsExhausted).toBe(1);
    h.freePort(50_000);
    expect(h.allocPort()).toBe(50_000);
  });

  it("fault events past FAULT_EVENTS_MAX are refused naming the limit", async () => {
    const { FAULT_EVENTS_MAX } = await import("../../sim/runner.js");
    const events = Array.from({ length: FAULT_EVENTS_MAX + 1 }, (_, i) => ({ atMs: i, action: "host-crash" as const, host: "host-0" }));
    await expect(runScenario(pairScenario(), { faults: { events } })).rejects.toThrow(/FAULT_EVENTS_MAX/);
  });
});
