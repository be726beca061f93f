/**
 * Our DtlsServer (the `vnetsim dtls serve` library on 127.0.0.1 UDP) against `openssl s_client
 * -dtls1_2`, for every suite OpenSSL 3.0 shares with us, with application data both ways (the
 * client's line is echoed; our server also greets first). Fragmentation both ways is checked on
 * the wire through a recording relay.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { CipherSuiteName } from "../../src/dtls/api.js";
import { killAll, missingTool } from "./helpers/proc.js";
import { ALL_SUITES, OPENSSL_SUITE_NAMES, randomHex, startOpensslClient } from "./helpers/openssl.js";
import { startOurServer } from "./helpers/ours.js";
import { fragmentedHandshakes, startRelay } from "./helpers/relay.js";

const noOpenssl = missingTool("openssl", "version");

interface Case {
  suite: CipherSuiteName;
  curves?: string;
}

const CASES: Case[] = ALL_SUITES.flatMap((suite): Case[] =>
  suite.startsWith("TLS_ECDHE") ? [{ suite, curves: "X25519" }, { suite, curves: "P-256" }] : [{ suite }],
);

describe.skipIf(noOpenssl)("our server <- openssl s_client -dtls1_2", () => {
  afterAll(killAll);

  for (const c of CASES) {
    const cipher = OPENSSL_SUITE_NAMES[c.suite];
    it(`${cipher}${c.curves !== undefined ? ` -curves ${c.curves}` : ""}: handshake, data both ways`, async () => {
      const pskHex = randomHex(32);
      const server = await startOurServer({ identity: "client1", psk: Buffer.from(pskHex, "hex"), greeting: "hello-from-vnetsim\n" });
      try {
        const client = startOpensslClient({
          port: server.port,
          pskHex,
          cipher,
          identity: "client1",
          ...(c.curves !== undefined ? { curves: c.curves } : {}),
        });
        await client.waitFor("CONNECTION ESTABLISHED", 10_000, "stderr");
        await client.waitFor(`Ciphersuite: ${cipher}`, 5_000, "stderr");
        // OpenSSL names the ECDHE group we chose: "Server Temp Key: X25519, 253 bits" / "ECDH, prime256v1, 256 bits".
        if (c.curves === "X25519") await client.waitFor("Server Temp Key: X25519", 5_000, "stderr");
        if (c.curves === "P-256") await client.waitFor(/Server Temp Key: ECDH, prime256v1/, 5_000, "stderr");
        const { events } = await server.firstSession();
        await events.until(() => events.connected !== null, 5_000, "connected");
        expect(events.connected).toMatchObject({ suite: c.suite, identity: "client1" });
        await client.waitFor("hello-from-vnetsim", 5_000, "stdout");
        client.write(`ping-${cipher}\n`);
        await events.until(() => events.text().includes(`ping-${cipher}`), 5_000, "client line");
        // The echo: s_client's stdout holds only what it received, so the line came back from us.
        await client.waitFor(`ping-${cipher}`, 5_000, "stdout");
        client.endInput();
        const r = await client.exited;
        expect(r.timedOut).toBe(false);
        // s_client sends close_notify on EOF; our endpoint reports it as a peer close.
        await events.until(() => events.closed !== null, 5_000, "close_notify from s_client");
        expect(events.closed?.reason).toBe("close-notify");
        expect(events.failed).toBeNull();
      } finally {
        await server.close();
      }
    });
  }

  it("s_client with OpenSSL's defaults (-dtls, no -cipher) gets DTLS 1.2, our first choice ECDHE-PSK-CHACHA20-POLY1305 and X25519", async () => {
    const pskHex = randomHex(16);
    const server = await startOurServer({ identity: "client1", psk: Buffer.from(pskHex, "hex") });
    try {
      const client = startOpensslClient({ port: server.port, pskHex, cipher: "", identity: "client1", version: "-dtls" });
      await client.waitFor("CONNECTION ESTABLISHED", 10_000, "stderr");
      await client.waitFor("Protocol version: DTLSv1.2", 5_000, "stderr");
      await client.waitFor("Ciphersuite: ECDHE-PSK-CHACHA20-POLY1305", 5_000, "stderr");
      await client.waitFor("Server Temp Key: X25519", 5_000, "stderr");
      client.write("ping-defaults\n");
      await client.waitFor("ping-defaults", 5_000, "stdout");
      client.endInput();
      await client.exited;
    } finally {
      await server.close();
    }
  });

  for (const suite of ALL_SUITES) {
    const cipher = OPENSSL_SUITE_NAMES[suite];
    it(`${cipher}: OpenSSL fragments at -mtu 256 and we reassemble; we fragment at mtuBytes 120 and OpenSSL reassembles`, async () => {
      const pskHex = randomHex(16);
      const identity = "i".repeat(240); // ClientKeyExchange > 228 bytes: OpenSSL must fragment it.
      const server = await startOurServer({ identity, psk: Buffer.from(pskHex, "hex"), hint: "h".repeat(200), mtuBytes: 120 });
      const relay = await startRelay(server.port);
      try {
        const client = startOpensslClient({ port: relay.port, pskHex, cipher, identity, mtuBytes: 256 });
        await client.waitFor("CONNECTION ESTABLISHED", 10_000, "stderr");
        client.write("ping-fragmented\n");
        await client.waitFor("ping-fragmented", 5_000, "stdout");
        client.endInput();
        await client.exited;
        expect(fragmentedHandshakes(relay.datagrams, "c->s").map((r) => r.handshake!.msgType)).toContain(16);
        expect(fragmentedHandshakes(relay.datagrams, "s->c").map((r) => r.handshake!.msgType)).toContain(12);
        const ours = relay.datagrams.filter((g) => g.direction === "s->c").map((g) => g.bytes.length);
        expect(Math.max(...ours)).toBeLessThanOrEqual(120);
      } finally {
        await relay.close();
        await server.close();
      }
    });
  }
});
