/**
 * Rekey interop: our rekey is a secure renegotiation (RFC 5746) inside the association, so OpenSSL
 * must agree on it in both roles and both directions of initiation. OpenSSL 3.0 refuses
 * client-initiated renegotiation unless s_server has -client_renegotiation; without it, it answers a
 * rekey with a no_renegotiation warning (RFC 5246 §7.2.2) and the session goes on with the old keys.
 *
 * Both initiators in both roles are covered: OpenSSL's client "R" and our server's rekey()
 * (HelloRequest, after which the ServerHello carries message_seq 1, RFC 6347 §4.2.2) against our
 * server; our client's rekey() and s_server's "r" (HelloRequest) against our client.
 */
import { afterAll, describe, expect, it } from "vitest";
import { AlertDescription } from "../../src/dtls/constants.js";
import { killAll, missingTool } from "./helpers/proc.js";
import { freeUdpPort } from "./helpers/ports.js";
import { randomHex, startOpensslClient, startOpensslServer } from "./helpers/openssl.js";
import { startOurClient, startOurServer } from "./helpers/ours.js";

const noOpenssl = missingTool("openssl", "version");
const CIPHERS = ["PSK-AES128-GCM-SHA256", "ECDHE-PSK-CHACHA20-POLY1305"];

describe.skipIf(noOpenssl)("rekey (secure renegotiation) against OpenSSL", () => {
  afterAll(killAll);

  for (const cipher of CIPHERS) {
    it(`${cipher}: s_client's "R" renegotiates with our server; data flows under epoch 2`, async () => {
      const pskHex = randomHex(16);
      const server = await startOurServer({ identity: "client1", psk: Buffer.from(pskHex, "hex") });
      try {
        const client = startOpensslClient({ port: server.port, pskHex, cipher, identity: "client1" });
        await client.waitFor("CONNECTION ESTABLISHED", 10_000, "stderr");
        const { ep, events } = await server.firstSession();
        await events.until(() => events.connected !== null, 5_000, "connected");
        expect(ep.currentEpoch).toBe(1);
        client.write("R\n");
        await client.waitFor("RENEGOTIATING", 5_000, "stderr");
        await events.until(() => ep.currentEpoch === 2, 10_000, "epoch 2");
        expect(ep.stats.handshakes).toBe(2);
        client.write("ping-after-rekey\n");
        await client.waitFor("ping-after-rekey", 5_000, "stdout");
        expect(events.failed, JSON.stringify(events.failed)).toBeNull();
        client.endInput();
        await client.exited;
      } finally {
        await server.close();
      }
    });

    it(`${cipher}: our server's rekey() (HelloRequest) with s_client; data flows under epoch 2`, async () => {
      const pskHex = randomHex(16);
      const server = await startOurServer({ identity: "client1", psk: Buffer.from(pskHex, "hex") });
      try {
        const client = startOpensslClient({ port: server.port, pskHex, cipher, identity: "client1" });
        await client.waitFor("CONNECTION ESTABLISHED", 10_000, "stderr");
        const { ep, events } = await server.firstSession();
        await events.until(() => events.connected !== null, 5_000, "connected");
        ep.rekey();
        // s_client only reads the socket when it has input or a timer; a line nudges it along.
        client.write("nudge\n");
        await events.until(() => ep.currentEpoch === 2 || events.failed !== null, 10_000, "epoch 2");
        expect(events.failed, JSON.stringify(events.failed)).toBeNull();
        // Down first (s_client must have finished its side to decrypt epoch 2), then up, echoed.
        ep.send(Buffer.from("from-server-epoch-2\n"));
        await client.waitFor("from-server-epoch-2", 5_000, "stdout");
        client.write("ping-after-server-rekey\n");
        await client.waitFor("ping-after-server-rekey", 5_000, "stdout");
        client.endInput();
        await client.exited;
      } finally {
        await server.close();
      }
    });

    it(`${cipher}: our client's rekey() with s_server -client_renegotiation; data both ways under epoch 2`, async () => {
      const port = await freeUdpPort();
      const pskHex = randomHex(16);
      const server = await startOpensslServer({ port, pskHex, cipher, extraArgs: ["-client_renegotiation"] });
      const client = await startOurClient({ port, identity: "client1", pskHex });
      try {
        const { ep, events } = client;
        await events.until(() => events.connected !== null, 10_000, "connected");
        ep.rekey();
        await events.until(() => ep.currentEpoch === 2 || events.failed !== null, 10_000, "epoch 2");
        expect(events.failed, JSON.stringify(events.failed)).toBeNull();
        expect(ep.stats.rekeys).toBe(1);
        ep.send(Buffer.from("ping-after-rekey\n"));
        await server.waitFor("ping-after-rekey", 5_000, "stdout");
        server.write("pong-after-rekey\n");
        await events.until(() => events.text().includes("pong-after-rekey"), 5_000, "pong");
      } finally {
        client.close();
        await server.stop();
      }
    });
  }

  it("s_server's 'r' (HelloRequest) makes our client rekey", async () => {
    const port = await freeUdpPort();
    const pskHex = randomHex(16);
    // Without -brief: s_server only reads command letters from stdin when not quiet.
    const server = await startOpensslServer({ port, pskHex, cipher: "PSK-AES256-GCM-SHA384", brief: false });
    const client = await startOurClient({ port, identity: "client1", pskHex });
    try {
      const { ep, events } = client;
      await events.until(() => events.connected !== null, 10_000, "connected");
      server.write("r\n");
      await events.until(() => ep.currentEpoch === 2 || events.failed !== null, 10_000, "epoch 2");
      expect(events.failed, JSON.stringify(events.failed)).toBeNull();
      ep.send(Buffer.from("ping-after-hello-request\n"));
      await server.waitFor("ping-after-hello-request", 5_000, "stdout");
    } finally {
      client.close();
      await server.stop();
    }
  });

  it("OpenSSL 3.0 s_server refuses a client-initiated rekey by default: no_renegotiation warning, old keys keep working", async () => {
    const port = await freeUdpPort();
    const pskHex = randomHex(16);
    const server = await startOpensslServer({ port, pskHex, cipher: "PSK-AES128-CCM8" });
    const client = await startOurClient({ port, identity: "client1", pskHex });
    try {
      const { ep, events } = client;
      await events.until(() => events.connected !== null, 10_000, "connected");
      ep.rekey();
      await events.until(
        () => events.alerts.some((a) => !a.sent && a.description === AlertDescription.NoRenegotiation) || events.failed !== null,
        10_000,
        "no_renegotiation",
      );
      expect(events.failed, JSON.stringify(events.failed)).toBeNull();
      expect(ep.state).toBe("connected");
      expect(ep.currentEpoch).toBe(1);
      ep.send(Buffer.from("ping-old-keys\n"));
      await server.waitFor("ping-old-keys", 5_000, "stdout");
    } finally {
      client.close();
      await server.stop();
    }
  });
});
