/**
 * The simulated wire as a pcap, read by Wireshark's own dissectors (tshark): encrypted pairs show
 * DTLS 1.2 records only, plaintext pairs show VXLAN with the inner packet, the NSS key log decrypts
 * the DTLS application data back to the inner IPv4 packets (their "VNSIMPKT" marker), and a run
 * under loss and reordering never puts an encrypted pair's inner packet on the wire in clear.
 *
 * The marker checks read the pcap with a small reader here (no tshark needed); the dissection and
 * decryption checks skip with a message naming tshark when it is missing (CI installs it).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runScenario, type RunOptions, type RunResult } from "../../sim/runner.js";
import { parseScenario, type Scenario } from "../../src/scenario/index.js";
import { KeyLogWriter } from "../../src/report/keylog.js";
import { PCAP_FILE_HEADER_BYTES, PCAP_RECORD_HEADER_BYTES, PcapWriter, pcapWireTap } from "../../src/report/pcap.js";
import { TSHARK_MISSING, tshark } from "../report/tshark.js";

const dir = mkdtempSync(join(tmpdir(), "vnetsim-pcap-tshark-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** "VNSIMPKT", the first bytes of every inner packet's payload (src/dataplane/packet.ts MARKER). */
const MARKER_HEX = Buffer.from("VNSIMPKT", "latin1").toString("hex");
/** Wireshark does not know the tunnel port: tell it that 4433 is DTLS (src/dataplane/encap.ts DTLS_SERVER_PORT). */
const DTLS_DECODE = ["-d", "udp.port==4433,dtls"];

/**
 * Two hosts; a VNet with encryption on (a -> b: X) and one with it off (c -> d: NX, VXLAN in
 * plaintext), plus a same-host pair (a -> e: NX_LOCAL_DST, never on the wire).
 */
const SCENARIO_YAML = `name: pcap-pairs
epoch: "2026-01-01T00:00:00Z"
seed: 11
hosts:
  - { name: h1, region: westeurope }
  - { name: h2, region: westeurope }
vnets:
  - name: enc
    region: westeurope
    addressSpace: [10.0.0.0/16]
    encryption: { enabled: true }
    subnets: [{ name: s, prefix: 10.0.1.0/24 }]
  - name: plain
    region: westeurope
    addressSpace: [10.1.0.0/16]
    subnets: [{ name: s, prefix: 10.1.1.0/24 }]
vms:
  - { name: a, size: Standard_D4s_v5, host: h1, subnet: enc/s, ip: 10.0.1.4 }
  - { name: b, size: Standard_D4s_v5, host: h2, subnet: enc/s, ip: 10.0.1.5 }
  - { name: e, size: Standard_D4s_v5, host: h1, subnet: enc/s, ip: 10.0.1.6 }
  - { name: c, size: Standard_D4s_v5, host: h1, subnet: plain/s, ip: 10.1.1.4 }
  - { name: d, size: Standard_D4s_v5, host: h2, subnet: plain/s, ip: 10.1.1.5 }
traffic:
  - { name: a-to-b, from: a, to: b, packets: 12, sizeBytes: 600, rate: 10/s, pattern: request-response }
  - { name: c-to-d, from: c, to: d, packets: 7, sizeBytes: 400, rate: 10/s, protocol: udp, dstPort: 5000 }
  - { name: a-to-e, from: a, to: e, packets: 3 }
expect:
  - { flow: a-to-b, encryption: X, action: deliver }
  - { flow: c-to-d, encryption: NX, action: deliver }
  - { flow: a-to-e, encryption: NX_LOCAL_DST, action: deliver }
`;

interface Captured {
  result: RunResult;
  pcap: string;
  keylog: string;
  frames: number;
}

let counter = 0;
async function capture(scenario: Scenario, options: RunOptions = {}): Promise<Captured> {
  counter += 1;
  const pcap = join(dir, `run-${counter}.pcap`);
  const keylog = join(dir, `run-${counter}.keys`);
  const writer = new PcapWriter(pcap, { epochMs: Date.parse(scenario.topology.epochIso) });
  const keys = new KeyLogWriter(keylog);
  const result = await runScenario(scenario, { ...options, tap: pcapWireTap(writer), keyLog: keys.sink() });
  const { frames } = writer.close();
  keys.close();
  return { result, pcap, keylog, frames };
}

interface Frame {
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  udpPayload: Buffer;
}

/** Reads our own pcap files back (Ethernet/IPv4/UDP, no options): enough to search payloads. */
function readFrames(path: string): Frame[] {
  const bytes = readFileSync(path);
  const frames: Frame[] = [];
  let off = PCAP_FILE_HEADER_BYTES;
  const ip = (o: number): string => [0, 1, 2, 3].map((i) => bytes[o + i]).join(".");
  while (off < bytes.length) {
    const incl = bytes.readUInt32LE(off + 8);
    const frame = off + PCAP_RECORD_HEADER_BYTES;
    const ipAt = frame + 14;
    const udpAt = ipAt + 20;
    frames.push({
      srcIp: ip(ipAt + 12),
      dstIp: ip(ipAt + 16),
      srcPort: bytes.readUInt16BE(udpAt),
      dstPort: bytes.readUInt16BE(udpAt + 2),
      udpPayload: bytes.subarray(udpAt + 8, frame + incl),
    });
    off = frame + incl;
  }
  return frames;
}

/** The inner packets found in clear in a frame: [inner src, inner dst] of each marker occurrence. */
function clearInnerPackets(f: Frame): { src: string; dst: string }[] {
  const found: { src: string; dst: string }[] = [];
  const marker = Buffer.from("VNSIMPKT", "latin1");
  for (let at = f.udpPayload.indexOf(marker); at >= 0; at = f.udpPayload.indexOf(marker, at + 1)) {
    // VXLAN (8) + inner Ethernet (14) precede the inner IPv4 header.
    const ipAt = 8 + 14;
    const ip = (o: number): string => [0, 1, 2, 3].map((i) => f.udpPayload[ipAt + o + i]).join(".");
    found.push({ src: ip(12), dst: ip(16) });
  }
  return found;
}

function underlay(scenario: Scenario, host: string): string {
  const h = scenario.topology.hosts.find((x) => x.name === host);
  if (h === undefined) throw new Error(`no host ${host}`);
  return h.underlayIp;
}

const scenario = parseScenario(SCENARIO_YAML, "pcap-pairs.yaml");

describe("the pcap of a run (our reader)", () => {
  it("holds every datagram the wire carried; markers are in clear only in VXLAN frames of the plaintext pair", async () => {
    const { result, pcap, frames } = await capture(scenario);
    expect(result.ok).toBe(true);
    expect(frames).toBe(result.wireStats.datagrams);
    const all = readFrames(pcap);
    expect(all).toHaveLength(frames);
    const clear = all.flatMap((f) => clearInnerPackets(f).map((p) => ({ ...p, dstPort: f.dstPort })));
    // c -> d: 7 packets, all in VXLAN; a -> b: never in clear; a -> e: same host, never on the wire.
    expect(clear).toHaveLength(7);
    for (const p of clear) expect(p).toEqual({ src: "10.1.1.4", dst: "10.1.1.5", dstPort: 4789 });
    const h1 = underlay(scenario, "h1");
    const h2 = underlay(scenario, "h2");
    const dtls = all.filter((f) => f.srcPort === 4433 || f.dstPort === 4433);
    expect(dtls.length).toBeGreaterThanOrEqual(24 + 4); // 24 data records, plus the handshake
    for (const f of dtls) expect([f.srcIp, f.dstIp].sort()).toEqual([h1, h2].sort());
  });

  it("is the same bytes for the same seed, and different for another seed", async () => {
    const one = await capture(scenario);
    const two = await capture(scenario);
    expect(readFileSync(one.pcap).equals(readFileSync(two.pcap))).toBe(true);
    expect(readFileSync(one.keylog, "utf8")).toBe(readFileSync(two.keylog, "utf8"));
    const other = await capture(scenario, { seed: 12 });
    expect(readFileSync(other.pcap).equals(readFileSync(one.pcap))).toBe(false);
  });

  it("under loss, duplication and reordering no encrypted pair's packet crosses the wire in clear, and conservation holds", async () => {
    const { result, pcap } = await capture(scenario, { faults: { global: { lossRate: 0.2, duplicateRate: 0.1, reorderRate: 0.3 } } });
    // The faults did act: packets were lost and copies delivered.
    expect(result.packets.droppedBy.loss ?? 0).toBeGreaterThan(0);
    expect(result.packets.duplicates).toBeGreaterThan(0);
    const encryptedFlows = result.flows.filter((f) => f.verdicts.every((v) => v.encryption === "X"));
    expect(encryptedFlows.map((f) => f.name)).toEqual(["a-to-b"]);
    for (const f of result.flows) expect(f.sent, f.name).toBe(f.delivered + f.dropped);
    const clear = readFrames(pcap).flatMap(clearInnerPackets);
    expect(clear.length).toBeGreaterThan(0);
    for (const p of clear) expect([p.src, p.dst].sort()).toEqual(["10.1.1.4", "10.1.1.5"]);
  });

  it("under DropUnencrypted with every handshake failing, nothing of the encrypted pair is in clear (NX_NOT_ACCEPTED, not NX_FALLBACK)", async () => {
    const { result, pcap } = await capture(scenario, { enforcement: "DropUnencrypted", faults: { staleKeyHosts: ["h2"] } });
    const ab = result.flows.find((f) => f.name === "a-to-b");
    expect(ab?.verdicts.map((v) => v.encryption)).toEqual(["NX_NOT_ACCEPTED"]);
    expect(ab?.delivered).toBe(0);
    expect(result.flows.some((f) => f.verdicts.some((v) => v.encryption === "NX_FALLBACK"))).toBe(false);
    for (const p of readFrames(pcap).flatMap(clearInnerPackets)) expect([p.src, p.dst].sort()).toEqual(["10.1.1.4", "10.1.1.5"]);
  });
});

describe.skipIf(TSHARK_MISSING !== null)("tshark reads the pcap of a run", () => {
  it("shows DTLS 1.2 records between the encrypted pair's hosts and VXLAN with the inner packets for the plaintext pair", async () => {
    const { result, pcap, frames } = await capture(scenario);
    const lines = tshark(pcap, [...DTLS_DECODE, "-T", "fields", "-E", "separator=|", "-e", "frame.protocols", "-e", "ip.src", "-e", "ip.dst", "-e", "dtls.record.version"])
      .trim()
      .split("\n");
    expect(lines).toHaveLength(frames);
    const dtls = lines.filter((l) => l.includes(":dtls"));
    const vxlan = lines.filter((l) => l.includes(":vxlan:"));
    expect(dtls.length + vxlan.length).toBe(frames);
    // Every record after the ClientHello is DTLS 1.2 (0xfefd, RFC 6347 §4.1); a ClientHello may carry 1.0 (0xfeff).
    const v12 = dtls.filter((l) => (l.split("|")[3] ?? "").split(",").every((v) => v === "0xfefd"));
    expect(v12.length).toBeGreaterThanOrEqual(24);
    for (const l of dtls) expect(l).not.toMatch(/:vxlan:/);
    // VXLAN frames carry the inner packet: tshark shows the outer and the inner addresses.
    expect(vxlan).toHaveLength(7);
    for (const l of vxlan) {
      expect(l).toMatch(/eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:udp/);
      expect(l.split("|")[1]).toMatch(/,10\.1\.1\.4$/);
      expect(l.split("|")[2]).toMatch(/,10\.1\.1\.5$/);
    }
    expect(result.flows.find((f) => f.name === "a-to-b")?.encryptedPackets).toBe(24);
  });

  it("with the key log decrypts every application data record to an inner IPv4 packet with the marker; without it, none", async () => {
    const { result, pcap, keylog } = await capture(scenario);
    const fields = ["-Y", "dtls.app_data", "-T", "fields", "-e", "data.data"];
    const decrypted = tshark(pcap, [...DTLS_DECODE, "-o", `tls.keylog_file:${keylog}`, ...fields])
      .split(/[\n,]/)
      .filter((s) => s !== "");
    const inner = decrypted.filter((hex) => hex.startsWith("45") && hex.includes(MARKER_HEX));
    expect(inner).toHaveLength(result.flows.find((f) => f.name === "a-to-b")?.encryptedPackets ?? -1);
    // The inner packets are a <-> b.
    for (const hex of inner) expect([hex.slice(24, 32), hex.slice(32, 40)].sort()).toEqual(["0a000104", "0a000105"]);
    const closed = tshark(pcap, [...DTLS_DECODE, ...fields]);
    expect(closed).not.toContain(MARKER_HEX);
  });
});
