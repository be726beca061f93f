import { describe, expect, it } from "vitest";
import {
  DEFAULT_LINK_FAULTS, FAULT_HOSTS_DOWN_MAX, FAULT_LINKS_MAX, FaultModel, LATENCY_MS_DEFAULT, REORDER_DELAY_MS_DEFAULT,
} from "../../sim/faults.js";
import type { LinkFaults } from "../../sim/faults.js";
import { Simulator } from "../../sim/engine.js";
import { SeededRng } from "../../sim/rng.js";

const N = 20_000;

/** Plans N datagrams a->b; returns the count of each outcome and every delay. */
function sample(m: FaultModel, a = "h1", b = "h2", n = N): { counts: [number, number, number]; delays: number[] } {
  const out: number[] = [];
  const counts: [number, number, number] = [0, 0, 0];
  const delays: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = m.plan(a, b, out);
    counts[k as 0 | 1 | 2]++;
    for (let j = 0; j < k; j++) delays.push(out[j]!);
  }
  return { counts, delays };
}

const model = (global: Partial<LinkFaults>, perLink: { a: string; b: string; faults: Partial<LinkFaults> }[] = [], seed = 77): FaultModel =>
  new FaultModel(global, perLink, new SeededRng(seed));

describe("FaultModel defaults and validation", () => {
  it("without faults every datagram arrives once after the default latency", () => {
    const m = model({});
    const { counts, delays } = sample(m, "h1", "h2", 1_000);
    expect(counts).toEqual([0, 1_000, 0]);
    expect(new Set(delays)).toEqual(new Set([LATENCY_MS_DEFAULT]));
    expect(m.lastDrop).toBeNull();
    expect(m.faultsFor("x", "y")).toEqual(DEFAULT_LINK_FAULTS);
  });

  it("rejects rates outside [0, 1] and negative delays, naming the field and where", () => {
    expect(() => model({ lossRate: 1.5 })).toThrow(/FaultModel global: "lossRate" expected a probability in \[0, 1\], got 1.5/);
    expect(() => model({ duplicateRate: Number.NaN })).toThrow(/"duplicateRate".*got NaN/);
    expect(() => model({ latencyMs: -1 })).toThrow(/"latencyMs" expected a finite number >= 0, got -1/);
    expect(() => model({}, [{ a: "h1", b: "h2", faults: { jitterMs: Infinity } }])).toThrow(/FaultModel perLink\[0\]: "jitterMs"/);
    expect(() => model({}, [{ a: "", b: "h2", faults: {} }])).toThrow(/"a" expected a host name/);
  });
});

describe("FaultModel random faults (seed 77)", () => {
  it("loss: the dropped fraction is close to lossRate, counted and explained", () => {
    const m = model({ lossRate: 0.1 });
    const { counts } = sample(m);
    // Binomial(20,000, 0.1): sd ≈ 42 datagrams = 0.0021.
    expect(Math.abs(counts[0] / N - 0.1)).toBeLessThan(0.01);
    expect(counts[2]).toBe(0);
    expect(m.stats).toMatchObject({ planned: N, lost: counts[0], delivered: counts[1], duplicated: 0 });
    const out: number[] = [];
    let sawLoss = false;
    for (let i = 0; i < 100 && !sawLoss; i++) sawLoss = m.plan("h1", "h2", out) === 0 && m.lastDrop === "loss";
    expect(sawLoss).toBe(true);
  });

  it("loss 1 drops everything; loss 0 nothing", () => {
    expect(sample(model({ lossRate: 1 }), "a", "b", 500).counts).toEqual([500, 0, 0]);
    expect(sample(model({ lossRate: 0 }), "a", "b", 500).counts).toEqual([0, 500, 0]);
  });

  it("duplication: about duplicateRate of delivered datagrams arrive twice, each copy with its own delay", () => {
    const m = model({ duplicateRate: 0.2, latencyMs: 1, jitterMs: 2 });
    const out: number[] = [];
    let dup = 0;
    let distinctCopies = 0;
    for (let i = 0; i < N; i++) {
      if (m.plan("h1", "h2", out) === 2) {
        dup++;
        if (out[0] !== out[1]) distinctCopies++;
      }
    }
    expect(Math.abs(dup / N - 0.2)).toBeLessThan(0.01);
    expect(m.stats.duplicated).toBe(dup);
    expect(distinctCopies).toBe(dup);
  });

  it("latency + jitter: delays in [latency, latency + jitter) with mean latency + jitter / 2", () => {
    const { delays } = sample(model({ latencyMs: 2, jitterMs: 4 }));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...delays)).toBeLessThan(6);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(Math.abs(mean - 4)).toBeLessThan(0.05);
  });

  it("reordering: about reorderRate of copies are held back by reorderDelayMs, and later datagrams overtake them", () => {
    const m = model({ reorderRate: 0.25, latencyMs: 0.5 });
    const { delays } = sample(m);
    const held = delays.filter((d) => d === 0.5 + REORDER_DELAY_MS_DEFAULT).length;
    expect(delays.every((d) => d === 0.5 || d === 0.5 + REORDER_DELAY_MS_DEFAULT)).toBe(true);
    expect(Math.abs(held / N - 0.25)).toBeLessThan(0.01);
    expect(m.stats.reordered).toBe(held);
    // On the simulator: 100 datagrams 1 ms apart arrive out of order, none lost.
    const sim = new Simulator();
    const m2 = model({ reorderRate: 0.25, latencyMs: 0.5, reorderDelayMs: 3 });
    const arrived: number[] = [];
    const out: number[] = [];
    for (let i = 0; i < 100; i++) {
      sim.schedule(i, () => {
        const k = m2.plan("h1", "h2", out);
        for (let j = 0; j < k; j++) sim.after(out[j]!, () => arrived.push(i));
      });
    }
    sim.run();
    expect([...arrived].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(arrived).not.toEqual([...arrived].sort((x, y) => x - y));
  });
});

describe("FaultModel partitions, crashes and per-link settings", () => {
  it("a partition drops everything in both directions, only on that link; repair restores it", () => {
    const m = model({});
    m.partition("h2", "h1");
    expect(m.isPartitioned("h1", "h2")).toBe(true);
    expect(sample(m, "h1", "h2", 300).counts).toEqual([300, 0, 0]);
    expect(m.lastDrop).toBe("partition");
    expect(sample(m, "h2", "h1", 300).counts).toEqual([300, 0, 0]);
    expect(sample(m, "h1", "h3", 300).counts).toEqual([0, 300, 0]);
    expect(m.stats.partitioned).toBe(600);
    m.repair("h1", "h2");
    expect(m.isPartitioned("h2", "h1")).toBe(false);
    expect(sample(m, "h2", "h1", 300).counts).toEqual([0, 300, 0]);
    m.repair("h8", "h9"); // never partitioned: nothing to do
    expect(m.isPartitioned("h8", "h9")).toBe(false);
  });

  it("a partition of a link with its own settings keeps them after repair", () => {
    const m = model({}, [{ a: "h1", b: "h2", faults: { latencyMs: 7 } }]);
    m.partition("h1", "h2");
    expect(sample(m, "h1", "h2", 10).counts).toEqual([10, 0, 0]);
    m.repair("h2", "h1");
    expect(new Set(sample(m, "h1", "h2", 10).delays)).toEqual(new Set([7]));
  });

  it("a crashed host neither sends nor receives until it recovers", () => {
    const m = model({});
    m.crashHost("h2");
    expect(m.isHostUp("h2")).toBe(false);
    expect(m.isHostUp("h1")).toBe(true);
    expect(sample(m, "h1", "h2", 100).counts).toEqual([100, 0, 0]);
    expect(m.lastDrop).toBe("host-down");
    expect(sample(m, "h2", "h3", 100).counts).toEqual([100, 0, 0]);
    expect(sample(m, "h1", "h3", 100).counts).toEqual([0, 100, 0]);
    expect(m.stats.hostDown).toBe(200);
    m.recoverHost("h2");
    expect(m.isHostUp("h2")).toBe(true);
    expect(sample(m, "h1", "h2", 100).counts).toEqual([0, 100, 0]);
  });

  it("per-link settings beat the global ones, keyed by the sorted host pair (symmetric)", () => {
    const m = model({ lossRate: 0.5, latencyMs: 1 }, [{ a: "zeta", b: "alpha", faults: { lossRate: 0 } }]);
    expect(m.faultsFor("alpha", "zeta")).toEqual(m.faultsFor("zeta", "alpha"));
    expect(m.faultsFor("alpha", "zeta")).toMatchObject({ lossRate: 0, latencyMs: 1 });
    expect(m.faultsFor("alpha", "beta")).toMatchObject({ lossRate: 0.5, latencyMs: 1 });
    expect(sample(m, "alpha", "zeta", 1_000).counts).toEqual([0, 1_000, 0]);
    expect(sample(m, "zeta", "alpha", 1_000).counts).toEqual([0, 1_000, 0]);
    const other = sample(m, "alpha", "beta", 1_000).counts[0];
    expect(other).toBeGreaterThan(400);
    expect(other).toBeLessThan(600);
    // setLink replaces the link's settings; faultsFor returns a copy the caller cannot corrupt.
    m.setLink("alpha", "zeta", { lossRate: 1 });
    expect(sample(m, "zeta", "alpha", 100).counts).toEqual([100, 0, 0]);
    const f = m.faultsFor("alpha", "beta");
    f.lossRate = 1;
    expect(m.faultsFor("alpha", "beta").lossRate).toBe(0.5);
  });

  it("same seed, same fates; another seed, other fates", () => {
    const fates = (seed: number): string => {
      const m = model({ lossRate: 0.2, duplicateRate: 0.1, reorderRate: 0.1, jitterMs: 1 }, [], seed);
      const out: number[] = [];
      const r: string[] = [];
      for (let i = 0; i < 500; i++) {
        const k = m.plan(i % 2 ? "h1" : "h2", "h3", out);
        r.push(out.slice(0, k).join("/"));
      }
      return r.join(",");
    };
    expect(fates(5)).toBe(fates(5));
    expect(fates(5)).not.toBe(fates(6));
  });
});

describe("FaultModel limits", () => {
  it("FAULT_LINKS_MAX links with their own settings or partitions; one more throws", () => {
    const m = model({});
    for (let i = 0; i < FAULT_LINKS_MAX; i++) m.partition("h", `p${i}`);
    m.partition("p0", "h"); // the same link again takes no new room
    expect(() => m.partition("h", "one-more")).toThrow(/FAULT_LINKS_MAX/);
    expect(() => m.setLink("h", "one-more", {})).toThrow(/65536 links already/);
  });

  it("FAULT_HOSTS_DOWN_MAX hosts down at once; one more throws", () => {
    const m = model({});
    for (let i = 0; i < FAULT_HOSTS_DOWN_MAX; i++) m.crashHost(`h${i}`);
    m.crashHost("h0");
    expect(() => m.crashHost("one-more")).toThrow(/FAULT_HOSTS_DOWN_MAX/);
    m.recoverHost("h0");
    expect(() => m.crashHost("one-more")).not.toThrow();
  });
});
