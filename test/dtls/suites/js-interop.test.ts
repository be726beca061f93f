/**
 * The "js" AEAD backend on the wire against OpenSSL: our DtlsServer (127.0.0.1 UDP) with
 * backend "js" and `openssl s_client -dtls1_2` for both ChaCha20-Poly1305 suites. The Finished
 * messages and every application record are sealed and opened by js.ts on our side and by OpenSSL
 * on the other; lines longer than one ChaCha20 block, not a multiple of 16 bytes, go both ways
 * (s_client's line is echoed by our server, which also greets first).
 */
import { afterAll, describe, expect, it } from "vitest";
import type { CipherSuiteName } from "../../../src/dtls/api.js";
import { killAll, missingTool } from "../../interop/helpers/proc.js";
import { OPENSSL_SUITE_NAMES, randomHex, startOpensslClient } from "../../interop/helpers/openssl.js";
import { startOurServer } from "../../interop/helpers/ours.js";

const noOpenssl = missingTool("openssl", "version");
const SUITES: CipherSuiteName[] = ["TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"];

describe.skipIf(noOpenssl)("js backend <- openssl s_client -dtls1_2", () => {
  afterAll(killAll);

  for (const suite of SUITES) {
    const cipher = OPENSSL_SUITE_NAMES[suite];
    it(`${cipher}: handshake and records both ways with our side on backend "js"`, async () => {
      const pskHex = randomHex(32);
      const greeting = `hello-from-js-${"g".repeat(150)}\n`;
      const server = await startOurServer({ identity: "client1", psk: Buffer.from(pskHex, "hex"), greeting, backend: "js" });
      try {
        const client = startOpensslClient({ port: server.port, pskHex, cipher, identity: "client1" });
        await client.waitFor("CONNECTION ESTABLISHED", 10_000, "stderr");
        await client.waitFor(`Ciphersuite: ${cipher}`, 5_000, "stderr");
        const { events } = await server.firstSession();
        await events.until(() => events.connected !== null, 5_000, "connected");
        expect(events.connected).toMatchObject({ suite, identity: "client1" });
        await client.waitFor(greeting.trimEnd(), 5_000, "stdout");
        const line = `ping-${cipher}-${"p".repeat(333)}`;
        client.write(`${line}\n`);
        await events.until(() => events.text().includes(line), 5_000, "client line");
        await client.waitFor(line, 5_000, "stdout"); // s_client's stdout holds only what it received
        client.endInput();
        await client.exited;
        await events.until(() => events.closed !== null, 5_000, "close_notify from s_client");
        expect(events.closed?.reason).toBe("close-notify");
        expect(events.failed).toBeNull();
      } finally {
        await server.close();
      }
    });
  }
});
