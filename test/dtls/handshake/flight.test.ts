import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/dtls/clock.js";
import { ContentType } from "../../../src/dtls/constants.js";
import { packFlight, RetransmitTimer, type FlightItem } from "../../../src/dtls/handshake/flight.js";
import { DEFAULT_LIMITS } from "../../../src/dtls/limits.js";

describe("packFlight", () => {
  const sealer = {
    overheadBytes: (epoch: number) => (epoch === 0 ? 13 : 13 + 8 + 16),
    seal: (epoch: number, type: ContentType, payload: Uint8Array) => {
      const r = new Uint8Array(payload.length + (epoch === 0 ? 13 : 37));
      r[0] = type;
      r[12] = epoch;
      return r;
    },
  };
  it("packs several records per datagram and never exceeds the MTU", () => {
    const items: FlightItem[] = [
      { kind: "handshake", epoch: 0, msgType: 16, messageSeq: 2, body: new Uint8Array(300) },
      { kind: "ccs", epoch: 0 },
      { kind: "handshake", epoch: 1, msgType: 20, messageSeq: 3, body: new Uint8Array(12) },
    ];
    const big = packFlight(items, 1400, sealer);
    expect(big).toHaveLength(1);
    const small = packFlight(items, 120, sealer);
    for (const d of small) expect(d.length).toBeLessThanOrEqual(120);
    expect(small.length).toBeGreaterThan(3);
  });
});

describe("RetransmitTimer (RFC 6347 §4.2.4.1)", () => {
  it("doubles from the initial value up to the maximum, then gives up after the count", () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    let exhaustedAt = -1;
    const t = new RetransmitTimer(clock, { ...DEFAULT_LIMITS, retransmitCountMax: 9 }, () => fired.push(clock.nowMs()), () => (exhaustedAt = clock.nowMs()));
    t.startFlight();
    clock.runUntilIdle();
    const gaps = fired.map((x, i) => x - (i === 0 ? 0 : fired[i - 1]!));
    expect(gaps).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    expect(exhaustedAt).toBe(fired.at(-1)! + 60000);
  });

  it("stop() cancels; resetBackoff() returns to the initial value", () => {
    const clock = new ManualClock();
    let n = 0;
    const t = new RetransmitTimer(clock, DEFAULT_LIMITS, () => n++, () => {});
    t.startFlight();
    clock.advance(3500);
    expect(n).toBe(2);
    expect(t.currentTimeoutMs).toBe(4000);
    t.stop();
    clock.advance(100_000);
    expect(n).toBe(2);
    t.resetBackoff();
    expect(t.currentTimeoutMs).toBe(1000);
  });
});
