/**
 * Failures against OpenSSL, both directions: wrong key, unknown identity, DTLS 1.0 only peers and
 * disjoint suite lists. Each must end in a named outcome (our failure reason and alert, OpenSSL's
 * "SSL alert number N") within a bounded time: no crash, no hang.
 *
 * A wrong PSK is special in DTLS: the peer's Finished arrives under keys that do not match, and a
 * record that fails authentication is discarded silently (RFC 6347 §4.1.2.7), by OpenSSL and by us,
 * so the handshake ends by retransmission exhaustion or by our bad-finished/bad-record-mac check;
 * it never completes.
 */
import { afterAll, describe, expect, it } from "vitest";
import { AlertDescription } from "../../src/dtls/constants.js";
import { killAll, missingTool } from "./helpers/proc.js";
import { freeUdpPort } from "./helpers/ports.js";
import { opensslAlertNumber, randomHex, startOpensslClient, startOpensslServer } from "./helpers/openssl.js";
import { startOurClient, startOurServer } from "./helpers/ours.js";

const noOpenssl = missingTool("openssl", "version");
const WRONG_KEY_REASONS = ["retransmit-exhausted", "bad-record-mac", "bad-finished"];

describe.skipIf(noOpenssl)("negative interop: our server <- openssl s_client", () => {
  afterAll(killAll);

  it("wrong key: no session; our server ends the handshake within its retransmit budget", async () => {
    const server = await startOurServer({ identity: "client1", psk: Buffer.from(randomHex(16), "hex") });
    try {
      const client = startOpensslClient({ port: server.port, pskHex: randomHex(16), cipher: "PSK-AES128-GCM-SHA256", identity: "client1" });
      const { events, ep } = await server.firstSession();
      await events.until(() => events.failed !== null, 15_000, "server failure");
      expect(WRONG_KEY_REASONS).toContain(events.failed!.reason);
      expect(events.connected).toBeNull();
      expect(ep.state).toBe("failed");
      expect(client.stderr).not.toContain("CONNECTION ESTABLISHED");
      await client.stop();
    } finally {
      await server.close();
    }
  });

  it("unknown identity: unknown_psk_identity (115) on the wire, 'unknown-psk-identity' here", async () => {
    const pskHex = randomHex(16);
    const server = await startOurServer({ identity: "client1", psk: Buffer.from(pskHex, "hex") });
    try {
      const client = startOpensslClient({ port: server.port, pskHex, cipher: "PSK-AES128-GCM-SHA256", identity: "mallory" });
      const r = await client.exited;
      expect(r.timedOut).toBe(false);
      expect(opensslAlertNumber(r.stderr)).toBe(AlertDescription.UnknownPskIdentity);
      const { events } = await server.firstSession();
      await events.until(() => events.failed !== null, 5_000, "server failure");
      expect(events.failed!.reason).toBe("unknown-psk-identity");
      expect(events.alerts).toContainEqual({ level: "fatal", description: AlertDescription.UnknownPskIdentity, sent: true });
    } finally {
      await server.close();
    }
  });

  it("DTLS 1.0 client (-dtls1): protocol_version (70)", async () => {
    const pskHex = randomHex(16);
    const server = await startOurServer({ identity: "client1", psk: Buffer.from(pskHex, "hex") });
    try {
      const client = startOpensslClient({
        port: server.port,
        pskHex,
        version: "-dtls1",
        cipher: "PSK-AES128-CBC-SHA:@SECLEVEL=0",
        identity: "client1",
      });
      const r = await client.exited;
      expect(r.timedOut).toBe(false);
      expect(opensslAlertNumber(r.stderr)).toBe(AlertDescription.ProtocolVersion);
      // If the version check ran in a session (after the cookie), that session must say why.
      for (const s of server.sessions) {
        await s.events.until(() => s.events.failed !== null, 5_000, "server failure");
        expect(s.events.failed!.reason).toBe("protocol-version");
      }
    } finally {
      await server.close();
    }
  });

  it("disjoint suites (we accept only CCM_8, s_client offers only AES-256-GCM): handshake_failure (40)", async () => {
    const pskHex = randomHex(16);
    const server = await startOurServer({ identity: "client1", psk: Buffer.from(pskHex, "hex"), suites: ["TLS_PSK_WITH_AES_128_CCM_8"] });
    try {
      const client = startOpensslClient({ port: server.port, pskHex, cipher: "PSK-AES256-GCM-SHA384", identity: "client1" });
      const r = await client.exited;
      expect(r.timedOut).toBe(false);
      expect(opensslAlertNumber(r.stderr)).toBe(AlertDescription.HandshakeFailure);
      const { events } = await server.firstSession();
      await events.until(() => events.failed !== null, 5_000, "server failure");
      expect(events.failed!.reason).toBe("no-shared-suite");
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(noOpenssl)("negative interop: our client -> openssl s_server", () => {
  afterAll(killAll);

  it("wrong key: our client fails within its retransmit budget, never connects", async () => {
    const port = await freeUdpPort();
    const server = await startOpensslServer({ port, pskHex: randomHex(16), cipher: "PSK-AES128-GCM-SHA256" });
    const client = await startOurClient({ port, identity: "client1", pskHex: randomHex(16) });
    try {
      const { events, ep } = client;
      await events.until(() => events.failed !== null, 15_000, "client failure");
      expect(WRONG_KEY_REASONS).toContain(events.failed!.reason);
      expect(events.connected).toBeNull();
      expect(ep.state).toBe("failed");
    } finally {
      client.close();
      await server.stop();
    }
  });

  it("DTLS 1.0-only s_server: our client gets a fatal alert (handshake_failure or protocol_version) and fails", async () => {
    const port = await freeUdpPort();
    const pskHex = randomHex(16);
    const server = await startOpensslServer({ port, pskHex, version: "-dtls1", cipher: "ALL:@SECLEVEL=0" });
    const client = await startOurClient({ port, identity: "client1", pskHex });
    try {
      const { events } = client;
      await events.until(() => events.failed !== null, 10_000, "client failure");
      expect(events.connected).toBeNull();
      const received = events.alerts.filter((a) => !a.sent && a.level === "fatal").map((a) => a.description);
      expect([AlertDescription.HandshakeFailure, AlertDescription.ProtocolVersion]).toContain(received[0]);
      expect(["alert-received", "protocol-version"]).toContain(events.failed!.reason);
      const r = await server.exited;
      expect(r.stderr).toMatch(/no shared cipher|unsupported protocol|wrong version/);
    } finally {
      client.close();
      await server.stop();
    }
  });

  it("disjoint suites (we offer only CCM_8, s_server accepts only AES-256-GCM): handshake_failure (40)", async () => {
    const port = await freeUdpPort();
    const pskHex = randomHex(16);
    const server = await startOpensslServer({ port, pskHex, cipher: "PSK-AES256-GCM-SHA384" });
    const client = await startOurClient({ port, identity: "client1", pskHex, suites: ["TLS_PSK_WITH_AES_128_CCM_8"] });
    try {
      const { events } = client;
      await events.until(() => events.failed !== null, 10_000, "client failure");
      expect(events.failed!.reason).toBe("alert-received");
      expect(events.alerts).toContainEqual({ level: "fatal", description: AlertDescription.HandshakeFailure, sent: false });
      const r = await server.exited;
      expect(r.stderr).toContain("no shared cipher");
    } finally {
      client.close();
      await server.stop();
    }
  });
});
