import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/dtls/clock.js";
import { CookieJar } from "../../../src/dtls/handshake/cookie.js";
import type { ClientHello } from "../../../src/dtls/handshake/messages.js";
import { seededRng } from "../../../src/dtls/transport/seeded.js";

const ch = (random: number, cookie: Uint8Array = new Uint8Array(0)): ClientHello => ({
  clientVersion: 0xfefd,
  random: new Uint8Array(32).fill(random),
  sessionId: new Uint8Array(0),
  cookie,
  cipherSuites: [0xa8],
  compressionMethods: [0],
  extensions: [],
});

describe("CookieJar (RFC 6347 §4.2.1)", () => {
  it("binds peer and ClientHello fields; survives one rotation, not two", () => {
    const clock = new ManualClock();
    const jar = new CookieJar(clock, seededRng(1), 1000);
    const c = jar.make("1.2.3.4:5", ch(1));
    expect(c).toHaveLength(32);
    expect(jar.verify("1.2.3.4:5", ch(1, c))).toBe(true);
    expect(jar.verify("1.2.3.4:6", ch(1, c))).toBe(false);
    expect(jar.verify("1.2.3.4:5", ch(2, c))).toBe(false);
    clock.advance(1500);
    expect(jar.verify("1.2.3.4:5", ch(1, c))).toBe(true);
    clock.advance(1000);
    expect(jar.verify("1.2.3.4:5", ch(1, c))).toBe(false);
  });

  it("rejects a non-positive rotation period", () => {
    expect(() => new CookieJar(new ManualClock(), seededRng(1), 0)).toThrow(/cookieSecretRotateMs/);
  });
});

describe("ManualClock", () => {
  it("fires in (due time, insertion) order and supports cancellation", () => {
    const clock = new ManualClock();
    const order: string[] = [];
    clock.setTimer(10, () => order.push("a"));
    const b = clock.setTimer(5, () => order.push("b"));
    clock.setTimer(10, () => order.push("c"));
    clock.setTimer(5, () => order.push("d"));
    clock.clearTimer(b);
    clock.advance(10);
    expect(order).toEqual(["d", "a", "c"]);
    expect(clock.nowMs()).toBe(10);
  });

  it("runUntilIdle throws past its limit instead of spinning forever", () => {
    const clock = new ManualClock();
    const again = () => clock.setTimer(1, again);
    again();
    expect(() => clock.runUntilIdle(50)).toThrow(/timersMax/);
  });

  it("rejects negative delays", () => {
    expect(() => new ManualClock().setTimer(-1, () => {})).toThrow(/delayMs/);
  });
});
