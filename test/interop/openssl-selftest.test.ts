/**
 * Validates the interop harness itself, OpenSSL against OpenSSL: if these fail, a failure of our
 * endpoint against OpenSSL says nothing about our endpoint. Covers the suites we implement, data
 * both ways, fragmentation at a small MTU and the alert texts our negative tests look for.
 */
import { afterAll, describe, expect, it } from "vitest";
import { killAll, missingTool } from "./helpers/proc.js";
import { freeUdpPort } from "./helpers/ports.js";
import { fragmentedHandshakes, startRelay } from "./helpers/relay.js";
import {
  ALL_SUITES,
  OPENSSL_SUITE_NAMES,
  opensslAlertNumber,
  randomHex,
  startOpensslClient,
  startOpensslServer,
} from "./helpers/openssl.js";

const noOpenssl = missingTool("openssl", "version");

describe.skipIf(noOpenssl)("interop harness: openssl s_client <-> openssl s_server", () => {
  afterAll(killAll);

  // Two suites are enough to prove the harness; the full matrix runs against our endpoint.
  for (const suite of [ALL_SUITES[0]!, ALL_SUITES[4]!]) {
    it(`${OPENSSL_SUITE_NAMES[suite]}: handshake, data both ways, -mtu 256`, async () => {
      const port = await freeUdpPort();
      const pskHex = randomHex(16);
      const cipher = OPENSSL_SUITE_NAMES[suite];
      const server = await startOpensslServer({ port, pskHex, cipher, hint: "h", mtuBytes: 256 });
      const client = startOpensslClient({ port, pskHex, cipher, identity: "id", mtuBytes: 256 });
      await client.waitFor("CONNECTION ESTABLISHED", 10_000, "stderr");
      client.write("ping-from-client\n");
      await server.waitFor("ping-from-client", 5_000, "stdout");
      server.write("pong-from-server\n");
      await client.waitFor("pong-from-server", 5_000, "stdout");
      await server.waitFor(`Ciphersuite: ${cipher}`, 5_000, "stderr");
      client.endInput();
      const r = await client.exited;
      expect(r.timedOut).toBe(false);
      await server.stop();
    });
  }

  it("-mtu 256 with a 240-byte identity and a 200-byte hint fragments ClientKeyExchange and ServerKeyExchange (seen by the relay)", async () => {
    const port = await freeUdpPort();
    const pskHex = randomHex(16);
    const cipher = "PSK-AES128-GCM-SHA256";
    const server = await startOpensslServer({ port, pskHex, cipher, hint: "h".repeat(200), mtuBytes: 256 });
    const relay = await startRelay(port);
    try {
      const client = startOpensslClient({ port: relay.port, pskHex, cipher, identity: "i".repeat(240), mtuBytes: 256 });
      await client.waitFor("CONNECTION ESTABLISHED", 10_000, "stderr");
      client.write("ping-fragmented\n");
      await server.waitFor("ping-fragmented", 5_000, "stdout");
      client.endInput();
      await client.exited;
      // 16 = client_key_exchange (RFC 5246 §7.4), 12 = server_key_exchange.
      expect(fragmentedHandshakes(relay.datagrams, "c->s").map((r) => r.handshake!.msgType)).toContain(16);
      expect(fragmentedHandshakes(relay.datagrams, "s->c").map((r) => r.handshake!.msgType)).toContain(12);
      expect(Math.max(...relay.datagrams.map((g) => g.bytes.length))).toBeLessThanOrEqual(256 - 28);
    } finally {
      await relay.close();
      await server.stop();
    }
  });

  it("disjoint cipher lists end in handshake_failure (alert 40) on the client", async () => {
    const port = await freeUdpPort();
    const pskHex = randomHex(16);
    const server = await startOpensslServer({ port, pskHex, cipher: "PSK-AES128-GCM-SHA256" });
    const client = startOpensslClient({ port, pskHex, cipher: "PSK-AES256-GCM-SHA384", identity: "id" });
    const r = await client.exited;
    expect(r.timedOut).toBe(false);
    expect(opensslAlertNumber(r.stderr)).toBe(40);
    await server.stop();
  });

  it("a DTLS 1.0 client against a DTLS 1.2-only server gets protocol_version (alert 70)", async () => {
    const port = await freeUdpPort();
    const pskHex = randomHex(16);
    const server = await startOpensslServer({ port, pskHex, cipher: "PSK-AES128-GCM-SHA256" });
    const client = startOpensslClient({
      port,
      pskHex,
      version: "-dtls1",
      cipher: "PSK-AES128-CBC-SHA:@SECLEVEL=0",
      identity: "id",
    });
    const r = await client.exited;
    expect(opensslAlertNumber(r.stderr)).toBe(70);
    await server.stop();
  });
});
