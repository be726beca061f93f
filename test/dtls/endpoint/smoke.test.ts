import { describe, expect, it } from "vitest";
import { connect, makePair } from "./harness.js";

describe("smoke", () => {
  it("PSK AES-128-GCM handshake and data", () => {
    const p = makePair({ clientSuites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"] });
    const ok = connect(p);
    expect(p.client.failure).toBeNull();
    expect(p.server.failure).toBeNull();
    expect(ok).toBe(true);
    expect(p.client.send(new TextEncoder().encode("hello"))).toBe(true);
    p.clock.runUntilIdle();
    expect(new TextDecoder().decode(p.serverData[0])).toBe("hello");
  });
});
