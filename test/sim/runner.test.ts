/**
 * runScenario: determinism (same seed -> identical result JSON and tap byte stream), what crosses
 * the wire (DTLS records for X pairs, VXLAN for plaintext), the per-suite record overhead, and the
 * key log.
 */
import { describe, expect, it } from "vitest";
import { loadScenarioFile } from "../../src/scenario/index.js";
import { runScenario } from "../../sim/runner.js";
import { findMarker, parseInnerPacket, DTLS_SERVER_PORT, VXLAN_UDP_PORT, VXLAN_ENCAP_BYTES, recordOverheadBytes, OUTER_IPV4_UDP_BYTES } from "../../src/dataplane/index.js";
import { pairScenario, tapInto, type Tapped } from "../dataplane/fixtures.js";

function concat(list: Tapped[]): Buffer {
  return Buffer.concat(list.map((t) => Buffer.concat([Buffer.from(`${t.tMs}|${t.src}:${t.srcPort}>${t.dst}:${t.dstPort}|`), Buffer.from(t.payload)])));
}

describe("runScenario determinism", () => {
  it("two runs of default.yaml with the same seed give identical results and tap bytes; another seed differs", async () => {
    const scenario = loadScenarioFile("scenarios/default.yaml");
    const a: Tapped[] = [];
    const b: Tapped[] = [];
    const c: Tapped[] = [];
    const ra = await runScenario(scenario, { tap: tapInto(a) });
    const rb = await runScenario(scenario, { tap: tapInto(b) });
    await runScenario(scenario, { tap: tapInto(c), seed: 99 });
    expect(JSON.stringify(rb)).toBe(JSON.stringify(ra));
    expect(concat(b).equals(concat(a))).toBe(true);
    expect(a.length).toBeGreaterThan(50);
    expect(concat(c).equals(concat(a))).toBe(false);
    expect(ra.tunnels.established).toBeGreaterThan(0);
    // Only the set-up to host-hub-2 fails: its key-service view is stale (faults.staleKeyHosts).
    expect(ra.tunnels.failed).toBeGreaterThan(0);
    expect(ra.flows.filter((f) => f.verdicts.some((v) => v.reason === "handshake-failed")).map((f) => f.name)).toEqual(["app-to-logs"]);
    expect(ra.dtlsOverheadBytes).toBeGreaterThan(0);
  });
});

describe("what crosses the wire", () => {
  it("an X pair's packets are DTLS application records of inner + suite overhead bytes, with no marker; plaintext is VXLAN with it", async () => {
    const list: Tapped[] = [];
    const scenario = pairScenario({ packets: 5, sizeBytes: 1200, extraTraffic: "  - { name: to-internet, from: vm-0, to: 8.8.8.8, dstPort: 443, packets: 3, sizeBytes: 300 }" });
    const r = await runScenario(scenario, { tap: tapInto(list) });
    expect(r.ok).toBe(true);
    const dtls = list.filter((t) => t.dstPort === DTLS_SERVER_PORT || t.srcPort === DTLS_SERVER_PORT);
    const vxlan = list.filter((t) => t.dstPort === VXLAN_UDP_PORT);
    // handshake flights both ways, then 5 application records (type 23), DTLS 1.2 (0xfefd)
    const app = dtls.filter((t) => t.payload[0] === 23);
    expect(app.length).toBe(5);
    for (const t of dtls) {
      expect([20, 21, 22, 23]).toContain(t.payload[0]);
      expect(t.payload[1]).toBe(0xfe);
      expect(t.payload[2]).toBe(0xfd);
      expect(findMarker(t.payload)).toBe(-1);
    }
    for (const t of app) expect(t.payload.length).toBe(1200 + recordOverheadBytes("TLS_PSK_WITH_AES_128_GCM_SHA256"));
    expect(recordOverheadBytes("TLS_PSK_WITH_AES_128_GCM_SHA256")).toBe(37);
    expect(vxlan.length).toBe(3);
    for (const t of vxlan) {
      expect(findMarker(t.payload)).toBeGreaterThan(0);
      const p = parseInnerPacket(t.payload, VXLAN_ENCAP_BYTES, t.payload.length - VXLAN_ENCAP_BYTES);
      expect(p?.totalBytes).toBe(300);
      expect(t.dst).toBe("100.127.255.254");
    }
    const flow = r.flows.find((f) => f.name === "a-to-b")!;
    expect(flow.encryptedPackets).toBe(5);
    expect(flow.verdicts).toEqual([{ encryption: "X", action: "deliver", reason: "encrypted", packets: 5 }]);
    expect(r.dtlsOverheadBytes).toBeGreaterThanOrEqual(5 * 37);
    void OUTER_IPV4_UDP_BYTES;
  });

  it("the key log gets one NSS CLIENT_RANDOM line per handshake and no key appears in the result", async () => {
    const lines: string[] = [];
    const r = await runScenario(pairScenario(), { keyLog: (l) => lines.push(l) });
    expect(lines.length).toBe(r.tunnels.handshakes);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
    const json = JSON.stringify(r);
    for (const l of lines) expect(json.includes(l.split(" ")[2]!)).toBe(false);
  });

  it("request-response: the destination answers every request through the same tunnel", async () => {
    const r = await runScenario(pairScenario({ pattern: "request-response", packets: 8 }));
    const f = r.flows[0]!;
    expect(f.forward.delivered).toBe(8);
    expect(f.reverse.delivered).toBe(8);
    expect(f.encryptedPackets).toBe(16);
    expect(r.tunnels.opened).toBe(1);
  });
});

describe("run bounds", () => {
  it("durationMs cuts the run: what is queued or in flight then is counted as in-flight, conservation holds", async () => {
    const progress: [number, number][] = [];
    // 20 packets at 10/s over 2 s; the run stops at 1 s
    const r = await runScenario(pairScenario({ packets: 20, rate: "10/s" }), { durationMs: 1_000, onProgress: (d, t) => progress.push([d, t]) });
    const f = r.flows[0]!;
    expect(r.stoppedBy).toBe("until");
    expect(r.endedAtMs).toBe(1_000);
    expect(f.sent).toBe(11); // t = 0, 100, ..., 1000 ms
    expect(f.sent).toBe(f.delivered + f.dropped);
    expect(progress.at(-1)?.[1]).toBe(20);
    // a packet at exactly 1 s is still in flight (latency 0.05 ms) when the run stops
    expect(f.droppedBy).toEqual({ "in-flight": 1 });
  });

  it("rejects a bad wire or duration naming the option", async () => {
    await expect(runScenario(pairScenario(), { wire: "tcp" as "udp" })).rejects.toThrow(/wire/);
    await expect(runScenario(pairScenario(), { durationMs: -1 })).rejects.toThrow(/durationMs/);
  });
});

describe("flow logs of a run", () => {
  it("a flow over three minutes gets B, then one tuple per minute (C, C, E) at each NIC, counting every packet once", async () => {
    const { parseTuple } = await import("../../src/flowlog/schema.js");
    // 9 packets, one every 20 s: minutes 0, 1 and 2 get 3 each
    const r = await runScenario(pairScenario({ packets: 9, rate: "0.05/s" }));
    const tuples = r.flowLogRecords.flatMap((rec) => rec.flowRecords.flows.flatMap((f) => f.flowGroups.flatMap((g) => g.flowTuples.map((t) => ({ mac: rec.macAddress, time: rec.time, t: parseTuple(t) })))));
    for (const dir of ["O", "I"] as const) {
      const mine = tuples.filter((x) => x.t.direction === dir);
      expect(mine.map((x) => x.t.state)).toEqual(["B", "C", "C", "E"]);
      expect(mine.map((x) => x.t.packetsSrcToDst)).toEqual([0, 3, 3, 3]);
      expect(mine.every((x) => x.t.encryption === "X")).toBe(true);
      expect(new Set(mine.map((x) => x.time)).size).toBe(3);
    }
  });
});
