import { randomFillSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { realClock } from "../../../src/dtls/clock.js";
import { DtlsEndpoint } from "../../../src/dtls/endpoint.js";
import { DtlsServer } from "../../../src/dtls/server.js";
import { listenUdp, udpClientTransport } from "../../../src/dtls/transport/udp.js";
import { IDENTITY, PSK } from "./harness.js";

const rng = (b: Uint8Array) => void randomFillSync(b);

describe("UDP transport + DtlsServer (loopback, real clock)", () => {
  it("rejects non-loopback hosts", async () => {
    await expect(udpClientTransport("192.0.2.1", 1)).rejects.toThrow(/loopback/);
  });

  for (const host of ["127.0.0.1", "::1"]) {
    it(`handshake and echo over ${host}`, async () => {
      const clock = realClock();
      const box: { server?: DtlsServer } = {};
      const listener = await listenUdp(host, 0, (peer, d) => box.server?.handleDatagram(peer, d));
      const server = (box.server = new DtlsServer({ clock, rng, psk: { lookup: (id) => (id === IDENTITY ? PSK : undefined) }, send: (peer, d) => listener.send(peer, d) }));
      server.on("session", (_peer, ep) => ep.on("data", (d) => ep.send(d)));
      const transport = await udpClientTransport(host, listener.port);
      const client = new DtlsEndpoint({ role: "client", transport, clock, rng, psk: { identity: IDENTITY, key: PSK } });
      const echoed = new Promise<string>((resolve, reject) => {
        client.on("connected", () => client.send(new TextEncoder().encode("ping over udp")));
        client.on("data", (d) => resolve(new TextDecoder().decode(d)));
        client.on("failed", (f) => reject(new Error(f.reason)));
      });
      client.start();
      try {
        expect(await echoed).toBe("ping over udp");
        expect(server.stats.helloVerifyRequestsSent).toBe(1);
        expect(server.sessionCount).toBe(1);
        expect(client.suite).toBe("TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256");
      } finally {
        client.close();
        server.close();
        await listener.close();
      }
    });
  }
});
