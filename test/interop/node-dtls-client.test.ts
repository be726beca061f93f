/**
 * Our DtlsServer against node-dtls-client (a second, independent DTLS 1.2 PSK client written in
 * TypeScript). It implements PSK key exchange only; of our suites it has AES-128-GCM, AES-256-GCM
 * and AES-128-CCM_8 (its README's list), so those three are tested; ChaCha20 and ECDHE_PSK are
 * covered by OpenSSL. Data both ways: its line is echoed, and our server greets first.
 */
import { afterAll, describe, expect, it } from "vitest";
import { dtls } from "node-dtls-client";
import type { CipherSuiteName } from "../../src/dtls/api.js";
import { randomHex } from "./helpers/openssl.js";
import { startOurServer, type OurServer } from "./helpers/ours.js";

/** The suites node-dtls-client 2.x and we both implement. */
type SharedSuite = Extract<CipherSuiteName, "TLS_PSK_WITH_AES_128_GCM_SHA256" | "TLS_PSK_WITH_AES_256_GCM_SHA384" | "TLS_PSK_WITH_AES_128_CCM_8">;
const NODE_DTLS_CLIENT_SUITES: SharedSuite[] = [
  "TLS_PSK_WITH_AES_128_GCM_SHA256",
  "TLS_PSK_WITH_AES_256_GCM_SHA384",
  "TLS_PSK_WITH_AES_128_CCM_8",
];

interface ClientRun {
  connected: boolean;
  messages: string[];
  errors: string[];
  closed: boolean;
}

/** Connects, sends one line after the greeting arrives, waits for its echo, closes. Hard deadline. */
function runNodeDtlsClient(port: number, identity: string, pskHex: string, suite: SharedSuite, line: string): Promise<ClientRun> {
  const run: ClientRun = { connected: false, messages: [], errors: [], closed: false };
  return new Promise<ClientRun>((resolve) => {
    const socket = dtls.createSocket({
      type: "udp4",
      address: "127.0.0.1",
      port,
      psk: { [identity]: Buffer.from(pskHex, "hex") },
      ciphers: [suite],
      timeout: 2_000,
    });
    const finish = (): void => {
      clearTimeout(deadline);
      resolve(run);
    };
    const deadline = setTimeout(() => {
      run.errors.push("deadline: 10 s passed");
      try {
        socket.close();
      } catch {
        // already closed
      }
      finish();
    }, 10_000);
    socket.on("connected", () => {
      run.connected = true;
    });
    socket.on("message", (m: Buffer) => {
      run.messages.push(m.toString("utf8"));
      const all = run.messages.join("");
      if (all.includes("hello-from-vnetsim") && run.messages.length === 1) socket.send(Buffer.from(line));
      if (all.includes(line)) socket.close();
    });
    socket.on("error", (e: Error) => {
      run.errors.push(e.message);
      finish();
    });
    socket.on("close", () => {
      run.closed = true;
      finish();
    });
  });
}

describe("our server <- node-dtls-client", () => {
  let server: OurServer | null = null;
  afterAll(async () => {
    await server?.close();
  });

  it("our server fragments its flight at mtuBytes 100 (long hint); node-dtls-client reassembles it", async () => {
    const pskHex = randomHex(16);
    server = await startOurServer({
      identity: "ndc-client",
      psk: Buffer.from(pskHex, "hex"),
      hint: "h".repeat(150),
      mtuBytes: 100,
      suites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"],
      greeting: "hello-from-vnetsim\n",
    });
    try {
      const run = await runNodeDtlsClient(server.port, "ndc-client", pskHex, "TLS_PSK_WITH_AES_128_GCM_SHA256", "ping-fragmented\n");
      expect(run.errors).toEqual([]);
      expect(run.messages.join("")).toBe("hello-from-vnetsim\nping-fragmented\n");
    } finally {
      await server.close();
      server = null;
    }
  });

  it("wrong key: node-dtls-client reports an error, our server fails the session, nothing hangs", async () => {
    server = await startOurServer({ identity: "ndc-client", psk: Buffer.from(randomHex(16), "hex") });
    try {
      const run = await runNodeDtlsClient(server.port, "ndc-client", randomHex(16), "TLS_PSK_WITH_AES_128_CCM_8", "never\n");
      expect(run.connected).toBe(false);
      expect(run.errors.length).toBeGreaterThan(0);
      const { events } = await server.firstSession();
      await events.until(() => events.failed !== null, 15_000, "server failure");
      expect(["retransmit-exhausted", "bad-record-mac", "bad-finished"]).toContain(events.failed!.reason);
    } finally {
      await server.close();
      server = null;
    }
  });

  for (const suite of NODE_DTLS_CLIENT_SUITES) {
    it(`${suite}: handshake (with cookie), data both ways, close_notify`, async () => {
      const pskHex = randomHex(16);
      server = await startOurServer({ identity: "ndc-client", psk: Buffer.from(pskHex, "hex"), greeting: "hello-from-vnetsim\n" });
      try {
        const run = await runNodeDtlsClient(server.port, "ndc-client", pskHex, suite, `ping-${suite}\n`);
        expect(run.errors).toEqual([]);
        expect(run.connected).toBe(true);
        expect(run.messages.join("")).toBe(`hello-from-vnetsim\nping-${suite}\n`);
        const { events } = await server.firstSession();
        expect(events.connected).toMatchObject({ suite, identity: "ndc-client" });
        expect(events.text()).toBe(`ping-${suite}\n`);
        await events.until(() => events.closed !== null, 5_000, "close_notify from node-dtls-client");
        expect(events.closed?.reason).toBe("close-notify");
      } finally {
        await server.close();
        server = null;
      }
    });
  }
});
