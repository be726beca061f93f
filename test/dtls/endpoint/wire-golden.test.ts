/**
 * Golden wire: every datagram both ways (with its virtual time), every key log line, event and the
 * final stats of 48 handshakes-plus-data runs (4 suites x 4 seeds x 3 link setups: clean; loss,
 * duplication and reordering; a 120-byte MTU with rekeys every 3 records), hashed. The expected
 * digest was recorded with the build before the handshake allocation work of 2026-11-29 (commit
 * d1aca59): that work changed nothing observable. A change here means the bytes on the wire, the
 * order the seeded rng is drawn from, key logs, timers or retransmissions changed: if on purpose,
 * record the new digest and say why in the commit.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CipherSuiteName } from "../../../src/dtls/api.js";
import { ManualClock } from "../../../src/dtls/clock.js";
import { DtlsEndpoint } from "../../../src/dtls/endpoint.js";
import { createMemoryLink, type MemoryLinkOptions } from "../../../src/dtls/transport/memory.js";
import { seededRandom, seededRng } from "../../../src/dtls/transport/seeded.js";

const SUITES: CipherSuiteName[] = [
  "TLS_PSK_WITH_AES_128_GCM_SHA256",
  "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
  "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
  "TLS_PSK_WITH_AES_256_GCM_SHA384",
];

const EXPECTED = { lines: 2866, digest: "b1560276eb6f07ba856e28cb7f3990e6e8818c89680e13686f86d5e1a409ae11", counts: { data: 624, alert: 92, failed: 4, rekeyed: 128 } };

const hex = (d: Uint8Array): string => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString("hex");

function runAll(): { lines: number; digest: string; counts: Record<string, number> } {
  const h = createHash("sha256");
  let lines = 0;
  const counts: Record<string, number> = {};
  const log = (s: string): void => {
    h.update(s + "\n");
    lines++;
    const k = s.split(" ")[1]!;
    if (["rekeyed", "failed", "data", "alert"].includes(k)) counts[k] = (counts[k] ?? 0) + 1;
  };
  for (const suite of SUITES) {
    for (let seed = 1; seed <= 4; seed++) {
      for (const fault of [0, 1, 2]) {
        const clock = new ManualClock();
        const link: MemoryLinkOptions =
          fault === 0
            ? { clock, latencyMs: 0 }
            : fault === 1
              ? { clock, latencyMs: 3, lossRate: 0.3, duplicateRate: 0.2, reorderRate: 0.3, rng: seededRandom(seed * 31) }
              : { clock, latencyMs: 1 };
        link.tap = (dir, d) => log(`${clock.nowMs()} ${dir} ${hex(d)}`);
        const [ct, st] = createMemoryLink(link);
        const psk = new Uint8Array(32);
        seededRng(seed)(psk);
        const opts = fault === 2 ? { mtuBytes: 120, rekey: { afterRecords: 3, afterMs: 0 } } : {};
        const client = new DtlsEndpoint({ role: "client", transport: ct, clock, rng: seededRng(seed + 2), psk: { identity: "id-" + seed, key: psk }, suites: [suite], keyLog: (l) => log("kc " + l), ...opts });
        const server = new DtlsEndpoint({
          role: "server",
          transport: st,
          clock,
          rng: seededRng(seed + 3),
          psk: { lookup: (id) => (id === "id-" + seed ? psk : undefined), ...(seed % 2 ? { hint: "hint" } : {}) },
          suites: [suite],
          keyLog: (l) => log("ks " + l),
          peerAddress: "127.0.0.1:5000",
          ...opts,
        });
        for (const [n, e] of [["c", client], ["s", server]] as const) {
          e.on("data", (d) => log(n + " data " + hex(d)));
          e.on("failed", (f) => log(n + " failed " + JSON.stringify(f)));
          e.on("rekeyed", (r) => log(n + " rekeyed " + r.epoch));
          e.on("alert", (a) => log(n + " alert " + JSON.stringify(a)));
        }
        server.start();
        client.start();
        try {
          clock.runUntil(() => client.state === "connected" && server.state === "connected", 300000);
        } catch (e) {
          log("until " + (e as Error).message);
        }
        for (let i = 0; i < 8; i++) {
          client.send(Uint8Array.of(i, seed));
          server.send(Uint8Array.of(i + 100));
          clock.advance(10);
        }
        try {
          clock.runUntilIdle(100000);
        } catch (e) {
          log("idle " + (e as Error).message);
        }
        log(JSON.stringify([client.state, server.state, client.stats, server.stats, client.currentEpoch]));
        client.close();
        server.close();
      }
    }
  }
  return { lines, digest: h.digest("hex"), counts };
}

describe("golden wire (handshakes, retransmissions, fragmentation, rekeys)", () => {
  it("48 seeded runs put exactly the recorded bytes on the wire, key logs and stats included", () => {
    expect(runAll()).toEqual(EXPECTED);
  });
});
