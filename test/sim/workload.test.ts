import { describe, expect, it } from "vitest";
import type { FlowSpec } from "../../src/scenario/types.js";
import { Simulator } from "../../sim/engine.js";
import { SeededRng } from "../../sim/rng.js";
import { BACK_TO_BACK_GAP_MS, RESPONSE_DELAY_MS, schedulePackets } from "../../sim/workload.js";
import type { Direction } from "../../sim/workload.js";
import { scheduleTimedEvents } from "../../sim/events.js";
import type { TimedEvent } from "../../src/scenario/types.js";

function flow(over: Partial<FlowSpec>): FlowSpec {
  return {
    name: "web->db",
    from: "web",
    to: "db",
    flow: { srcIp: "10.0.0.4", dstIp: "10.0.0.5", protocol: "tcp", srcPort: 50_000, dstPort: 443 },
    startMs: 1_000,
    packets: 5,
    sizeBytes: 100,
    rate: { kind: "constant", perSecond: 100 },
    pattern: "one-way",
    ...over,
  } as FlowSpec;
}

interface Emitted {
  tMs: number;
  name: string;
  index: number;
  direction: Direction;
  sizeBytes: number;
}

function runFlows(specs: FlowSpec[], seed = 1, responseDelayMs?: number): Emitted[] {
  const sim = new Simulator();
  const rng = new SeededRng(seed);
  const out: Emitted[] = [];
  for (const s of specs) {
    schedulePackets(sim, s, rng, (spec, index, direction, sizeBytes) => out.push({ tMs: sim.nowMs, name: spec.name, index, direction, sizeBytes }),
      responseDelayMs === undefined ? {} : { responseDelayMs });
  }
  sim.run();
  return out;
}

describe("schedulePackets: constant and back-to-back", () => {
  it("constant rate: packet i at exactly startMs + i * 1000 / rate", () => {
    expect(runFlows([flow({})]).map((e) => e.tMs)).toEqual([1_000, 1_010, 1_020, 1_030, 1_040]);
    const thirds = runFlows([flow({ rate: { kind: "constant", perSecond: 3 }, packets: 7 })]);
    expect(thirds.map((e) => e.tMs)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => 1_000 + (i * 1_000) / 3));
    expect(thirds.map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(thirds.every((e) => e.direction === "fwd" && e.sizeBytes === 100)).toBe(true);
  });

  it("no rate: back-to-back, BACK_TO_BACK_GAP_MS apart from startMs", () => {
    const e = runFlows([flow({ rate: null, packets: 4, startMs: 0 })]);
    expect(e.map((x) => x.tMs)).toEqual([0, 1, 2, 3].map((i) => i * BACK_TO_BACK_GAP_MS));
  });

  it("a flow of 0 packets emits nothing; a million-packet constant flow ends exactly on time", () => {
    expect(runFlows([flow({ packets: 0 })])).toEqual([]);
    const sim = new Simulator();
    let last = -1;
    let count = 0;
    schedulePackets(sim, flow({ packets: 1_000_000, rate: { kind: "constant", perSecond: 3 }, startMs: 0 }), new SeededRng(1), () => {
      last = sim.nowMs;
      count++;
    });
    // Lazy: one pending event per flow, not one per packet.
    expect(sim.pending).toBe(1);
    sim.run();
    expect(count).toBe(1_000_000);
    expect(last).toBe((999_999 * 1_000) / 3);
  });

  it("interleaves flows by time, equal times in scheduling order", () => {
    const e = runFlows([flow({ name: "a", packets: 2, rate: { kind: "constant", perSecond: 100 } }), flow({ name: "b", packets: 3, rate: { kind: "constant", perSecond: 200 } })]);
    expect(e.map((x) => `${x.tMs}:${x.name}${x.index}`)).toEqual(["1000:a0", "1000:b0", "1005:b1", "1010:a1", "1010:b2"]);
  });

  it("rejects bad flows, naming the flow and the field", () => {
    const sim = new Simulator();
    const rng = new SeededRng(1);
    const emit = (): void => {};
    expect(() => schedulePackets(sim, flow({ packets: -1 }), rng, emit)).toThrow(/schedulePackets\("web->db"\): "packets" expected an integer >= 0, got -1/);
    expect(() => schedulePackets(sim, flow({ sizeBytes: 1.5 }), rng, emit)).toThrow(/"sizeBytes" expected an integer >= 0, got 1.5/);
    expect(() => schedulePackets(sim, flow({ rate: { kind: "poisson", perSecond: 0 } }), rng, emit)).toThrow(/"rate.perSecond" expected a finite number > 0, got 0/);
    expect(() => schedulePackets(sim, flow({}), rng, emit, { responseDelayMs: -1 })).toThrow(/"responseDelayMs"/);
    sim.run({ untilMs: 2_000 });
    expect(() => schedulePackets(sim, flow({ startMs: 1_000 }), rng, emit)).toThrow(/"startMs" expected a finite time >= nowMs \(2000\), got 1000/);
    expect(sim.pending).toBe(0);
  });
});

describe("schedulePackets: Poisson (seed 1)", () => {
  const poisson = (name: string, packets: number): FlowSpec => flow({ name, packets, startMs: 0, rate: { kind: "poisson", perSecond: 100 } });

  it("mean gap is 1000/rate ms, gaps look exponential, and the count in a window is about rate * window", () => {
    const times = runFlows([poisson("p", 20_000)]).map((e) => e.tMs);
    expect(times[0]).toBe(0);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    // Mean 10 ms; standard error 10/sqrt(20,000) ≈ 0.07 ms.
    expect(Math.abs(mean - 10)).toBeLessThan(0.3);
    // Coefficient of variation of an exponential is 1 (a constant rate would give 0).
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    expect(Math.abs(sd / mean - 1)).toBeLessThan(0.05);
    // Packets in the first 100 s: Poisson(10,000), sd 100.
    const inWindow = times.filter((t) => t < 100_000).length;
    expect(Math.abs(inWindow - 10_000)).toBeLessThan(400);
    expect(gaps.every((g) => g >= 0)).toBe(true);
  });

  it("same seed, same times; another seed, other times", () => {
    const a = runFlows([poisson("p", 50)], 1).map((e) => e.tMs);
    expect(runFlows([poisson("p", 50)], 1).map((e) => e.tMs)).toEqual(a);
    expect(runFlows([poisson("p", 50)], 2).map((e) => e.tMs)).not.toEqual(a);
  });

  it("adding a flow does not move another flow's packets (per-flow stream by name)", () => {
    const alone = runFlows([poisson("p", 200)]).map((e) => e.tMs);
    const withOthers = runFlows([poisson("q", 300), poisson("p", 200), poisson("r", 10)]).filter((e) => e.name === "p").map((e) => e.tMs);
    expect(withOthers).toEqual(alone);
    const q = runFlows([poisson("q", 200)]).map((e) => e.tMs);
    expect(q).not.toEqual(alone);
  });
});

describe("schedulePackets: request-response", () => {
  it("every request i is answered by response i of the same size RESPONSE_DELAY_MS later", () => {
    const e = runFlows([flow({ pattern: "request-response", packets: 4, sizeBytes: 300 })]);
    const fwd = e.filter((x) => x.direction === "fwd");
    const rev = e.filter((x) => x.direction === "rev");
    expect(fwd.map((x) => x.index)).toEqual([0, 1, 2, 3]);
    expect(rev.map((x) => x.index)).toEqual([0, 1, 2, 3]);
    expect(rev.map((x) => x.tMs)).toEqual(fwd.map((x) => x.tMs + RESPONSE_DELAY_MS));
    expect(rev.every((x) => x.sizeBytes === 300)).toBe(true);
    expect(e.map((x) => `${x.direction}${x.index}`)).toEqual(["fwd0", "rev0", "fwd1", "rev1", "fwd2", "rev2", "fwd3", "rev3"]);
  });

  it("at equal times a response runs before the next request; responses pair with Poisson requests", () => {
    const tight = runFlows([flow({ pattern: "request-response", packets: 3, rate: null, startMs: 0 })]);
    expect(tight.map((x) => `${x.tMs}:${x.direction}${x.index}`)).toEqual(["0:fwd0", "1:rev0", "1:fwd1", "2:rev1", "2:fwd2", "3:rev2"]);
    const p = runFlows([flow({ pattern: "request-response", packets: 500, startMs: 0, rate: { kind: "poisson", perSecond: 1_000 } })], 3, 5);
    const fwdAt = new Map(p.filter((x) => x.direction === "fwd").map((x) => [x.index, x.tMs]));
    const rev = p.filter((x) => x.direction === "rev");
    expect(rev.length).toBe(500);
    expect(rev.every((x) => x.tMs === fwdAt.get(x.index)! + 5)).toBe(true);
  });
});

describe("scheduleTimedEvents", () => {
  it("applies events at their times, equal times in scenario order", () => {
    const sim = new Simulator();
    const events: TimedEvent[] = [
      { atMs: 0, action: "enable-encryption", vnet: "v1" },
      { atMs: 60_000, action: "stop", vm: "a" },
      { atMs: 60_000, action: "start", vm: "a" },
      { atMs: 120_000, action: "host-hardware", host: "h1", hardware: "faulty" },
    ];
    const seen: string[] = [];
    scheduleTimedEvents(sim, events, (e) => seen.push(`${sim.nowMs}:${e.action}`));
    sim.run();
    expect(seen).toEqual(["0:enable-encryption", "60000:stop", "60000:start", "120000:host-hardware"]);
    sim.run({ untilMs: 200_000 });
    expect(() => scheduleTimedEvents(sim, events, () => {})).toThrow(/events\[0\] \(enable-encryption\) "atMs" expected a finite time >= nowMs \(200000\), got 0/);
  });
});
