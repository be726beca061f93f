/**
 * Pieces of the resolved configuration that are the same for many endpoints are shared (one-entry
 * caches in limits.ts and handshake/config.ts): equal inputs give the very same frozen object, other
 * inputs a new one, and bad input still throws even right after a cached good one.
 */
import { describe, expect, it } from "vitest";
import type { EndpointOptions } from "../../../src/dtls/api.js";
import { ManualClock } from "../../../src/dtls/clock.js";
import { resolveEndpointConfig } from "../../../src/dtls/handshake/config.js";
import { DEFAULT_LIMITS, resolveLimits } from "../../../src/dtls/limits.js";
import { seededRng } from "../../../src/dtls/transport/seeded.js";
import { connect, makePair } from "./harness.js";

const transport = { send(): void {}, onReceive(): void {}, close(): void {} };
function client(extra: Partial<EndpointOptions> = {}): EndpointOptions {
  return { role: "client", transport, clock: new ManualClock(), rng: seededRng(1), psk: { identity: "a", key: new Uint8Array(16) }, ...extra };
}

describe("resolveLimits", () => {
  it("gives the defaults themselves without overrides, and one frozen object for equal overrides", () => {
    expect(resolveLimits(undefined)).toBe(DEFAULT_LIMITS);
    const a = resolveLimits({ retransmitCountMax: 3 });
    const b = resolveLimits({ retransmitCountMax: 3 });
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a).toEqual({ ...DEFAULT_LIMITS, retransmitCountMax: 3 });
    const c = resolveLimits({ retransmitCountMax: 4 });
    expect(c).not.toBe(a);
    expect(c.retransmitCountMax).toBe(4);
    // Overrides naming the default values resolve to the defaults' values.
    expect(resolveLimits({ retransmitCountMax: DEFAULT_LIMITS.retransmitCountMax })).toEqual(DEFAULT_LIMITS);
  });

  it("still checks every value after a cached resolution", () => {
    resolveLimits({ pendingRecordsMax: 5 });
    expect(() => resolveLimits({ pendingRecordsMax: 5, recordsPerKeyMax: 1 })).toThrow(/limits.recordsPerKeyMax expected an integer in \[4, .*\], got 1/);
    expect(() => resolveLimits({ pendingRecordsMax: 5.5 })).toThrow(/limits.pendingRecordsMax/);
    expect(() => resolveLimits({ retransmitCountMax: undefined as unknown as number })).toThrow(/limits.retransmitCountMax expected an integer/);
  });
});

describe("resolveEndpointConfig", () => {
  it("shares the suite list, default groups and a no-rekey policy between endpoints with the same inputs", () => {
    const a = resolveEndpointConfig(client({ suites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"] }), false);
    const b = resolveEndpointConfig(client({ suites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"] }), false);
    expect(b.handshake.suites).toBe(a.handshake.suites);
    expect(b.handshake.groups).toBe(a.handshake.groups);
    expect(b.rekeyPolicy).toBe(a.rekeyPolicy);
    expect(a.handshake.suites.map((s) => s.name)).toEqual(["TLS_PSK_WITH_AES_128_GCM_SHA256"]);
    const c = resolveEndpointConfig(client({ suites: ["TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256"] }), false);
    expect(c.handshake.suites.map((s) => s.name)).toEqual(["TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256"]);
    const d = resolveEndpointConfig(client({ rekey: { afterRecords: 10 } }), false);
    expect(d.rekeyPolicy).toEqual({ afterRecords: 10, afterMs: 0 });
    expect(() => resolveEndpointConfig(client({ suites: ["TLS_NOT_A_SUITE" as "TLS_PSK_WITH_AES_128_GCM_SHA256"] }), false)).toThrow();
  });

  it("endpoints sharing resolved pieces still handshake and rekey independently", () => {
    const limits = { retransmitCountMax: 5 };
    const p = makePair({ seed: 31, limits });
    const q = makePair({ seed: 32, limits: { ...limits } });
    expect(connect(p)).toBe(true);
    expect(connect(q)).toBe(true);
    p.client.rekey();
    expect(p.clock.runUntil(() => p.client.stats.rekeys === 1 && p.server.stats.rekeys === 1, 100_000)).toBe(true);
    expect(q.client.stats.rekeys).toBe(0);
    expect(q.client.send(new Uint8Array([1]))).toBe(true);
    expect(q.clock.runUntil(() => q.serverData.length === 1, 10_000)).toBe(true);
  });
});
