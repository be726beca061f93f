/**
 * Our DtlsEndpoint client (UDP transport, real clock) against `openssl s_server -dtls1_2 -nocert
 * -psk ...` for every suite OpenSSL 3.0 shares with us. OpenSSL's s_server always does the cookie
 * exchange, so every case also covers HelloVerifyRequest handling. Data both ways: our line shows
 * up on s_server's stdout, a line written to s_server's stdin arrives as a "data" event.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { CipherSuiteName } from "../../src/dtls/api.js";
import { DEFAULT_SUITES } from "../../src/dtls/suites/registry.js";
import { killAll, missingTool } from "./helpers/proc.js";
import { freeUdpPort } from "./helpers/ports.js";
import { ALL_SUITES, OPENSSL_SUITE_NAMES, randomHex, startOpensslServer } from "./helpers/openssl.js";
import { startOurClient } from "./helpers/ours.js";
import { fragmentedHandshakes, startRelay } from "./helpers/relay.js";

const noOpenssl = missingTool("openssl", "version");

interface Case {
  suite: CipherSuiteName;
  curves?: string;
}

const CASES: Case[] = ALL_SUITES.flatMap((suite): Case[] =>
  suite.startsWith("TLS_ECDHE") ? [{ suite, curves: "X25519" }, { suite, curves: "P-256" }] : [{ suite }],
);

describe.skipIf(noOpenssl)("our client -> openssl s_server -dtls1_2", () => {
  afterAll(killAll);

  for (const c of CASES) {
    const cipher = OPENSSL_SUITE_NAMES[c.suite];
    it(`${cipher}${c.curves !== undefined ? ` -curves ${c.curves}` : ""}: handshake (with cookie), data both ways, close_notify`, async () => {
      const port = await freeUdpPort();
      const pskHex = randomHex(16);
      const server = await startOpensslServer({
        port,
        pskHex,
        cipher,
        hint: "vnetsim-hint",
        identity: "client1",
        ...(c.curves !== undefined ? { curves: c.curves } : {}),
      });
      // Our client offers every suite in default order; OpenSSL's -cipher forces the choice.
      const client = await startOurClient({ port, identity: "client1", pskHex, suites: [...DEFAULT_SUITES] });
      try {
        const { events, ep } = client;
        await events.until(() => events.connected !== null || events.failed !== null, 10_000, "handshake");
        expect(events.failed).toBeNull();
        expect(events.connected?.suite).toBe(c.suite);
        await server.waitFor(`Ciphersuite: ${cipher}`, 5_000, "stderr");
        expect(ep.send(Buffer.from(`ping-${cipher}\n`))).toBe(true);
        await server.waitFor(`ping-${cipher}`, 5_000, "stdout");
        server.write(`pong-${cipher}\n`);
        await events.until(() => events.text().includes(`pong-${cipher}`), 5_000, "s_server line");
        client.close();
        // s_server ends the connection on our close_notify and, with -naccept 1, exits cleanly.
        const r = await server.exited;
        expect(r.timedOut).toBe(false);
        expect(r.stderr).not.toMatch(/error:/);
        expect(ep.stats.handshakes).toBe(1);
      } finally {
        client.close();
        await server.stop();
      }
    });
  }

  it("s_server with OpenSSL's defaults (-dtls, no -cipher): our default offer gets ECDHE-PSK-CHACHA20-POLY1305", async () => {
    const port = await freeUdpPort();
    const pskHex = randomHex(16);
    const server = await startOpensslServer({ port, pskHex, cipher: "", version: "-dtls" });
    const client = await startOurClient({ port, identity: "client1", pskHex });
    try {
      const { events, ep } = client;
      await events.until(() => events.connected !== null || events.failed !== null, 10_000, "handshake");
      expect(events.connected?.suite).toBe("TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256");
      ep.send(Buffer.from("ping-defaults\n"));
      await server.waitFor("ping-defaults", 5_000, "stdout");
    } finally {
      client.close();
      await server.stop();
    }
  });

  it("fragmentation both ways: s_server -mtu 256 with a 200-byte hint, our client mtuBytes 120 with a 240-byte identity", async () => {
    const port = await freeUdpPort();
    const pskHex = randomHex(16);
    const cipher = OPENSSL_SUITE_NAMES.TLS_PSK_WITH_AES_256_GCM_SHA384;
    const identity = "i".repeat(240);
    const server = await startOpensslServer({ port, pskHex, cipher, hint: "h".repeat(200), identity, mtuBytes: 256 });
    const relay = await startRelay(port);
    const client = await startOurClient({ port: relay.port, identity, pskHex, mtuBytes: 120 });
    try {
      const { events, ep } = client;
      await events.until(() => events.connected !== null || events.failed !== null, 10_000, "handshake");
      expect(events.failed).toBeNull();
      ep.send(Buffer.from("ping-fragmented\n"));
      await server.waitFor("ping-fragmented", 5_000, "stdout");
      server.write("pong-fragmented\n");
      await events.until(() => events.text().includes("pong-fragmented"), 5_000, "s_server line");
      expect(fragmentedHandshakes(relay.datagrams, "s->c").map((r) => r.handshake!.msgType)).toContain(12);
      expect(fragmentedHandshakes(relay.datagrams, "c->s").map((r) => r.handshake!.msgType)).toContain(16);
      const ours = relay.datagrams.filter((g) => g.direction === "c->s").map((g) => g.bytes.length);
      expect(Math.max(...ours)).toBeLessThanOrEqual(120);
    } finally {
      client.close();
      await relay.close();
      await server.stop();
    }
  });
});
