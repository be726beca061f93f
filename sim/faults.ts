/**
 * Link and host faults for the memory wire: loss, duplication, reordering, latency and jitter per
 * link or globally, partition/repair of a link, host crash/recovery (the verbs of turmoil; links
 * keyed by the sorted host pair as in ns-3 point-to-point channels and turmoil, so a→b and b→a
 * are one link with one setting).
 *
 * plan() decides one datagram's fate at send time and writes its delivery delays into an array
 * the caller owns (0 entries: dropped; 1: delivered once; 2: duplicated), so the hot path
 * allocates nothing. Why a datagram was dropped is left in `lastDrop`, and every outcome is
 * counted in `stats`, so the data plane can account for each packet by reason.
 *
 * Draw order per datagram (fixed, so a seed replays): loss; then for each copy jitter and
 * reorder; duplication between the first and second copy. A draw is skipped when its rate is 0.
 * One stream serves all links, so faults replay exactly for the same scenario and seed.
 */
import type { SeededRng } from "./rng.js";

export interface LinkFaults {
  /** Probability in [0, 1] that a datagram is lost. */
  lossRate: number;
  /** Probability in [0, 1] that a delivered datagram is delivered twice. */
  duplicateRate: number;
  /** Probability in [0, 1] that a copy is held back by reorderDelayMs so later datagrams overtake it. */
  reorderRate: number;
  /** One-way base delay. */
  latencyMs: number;
  /** Extra delay, uniform in [0, jitterMs), per copy. */
  jitterMs: number;
  /** Hold-back of a reordered copy (default REORDER_DELAY_MS_DEFAULT). */
  reorderDelayMs?: number;
}

/** Intra-region host-to-host one-way latency used when a scenario gives none (~50 µs). */
export const LATENCY_MS_DEFAULT = 0.05;
/** Hold-back of a reordered copy: longer than the 1 ms default packet gap, so it is overtaken. */
export const REORDER_DELAY_MS_DEFAULT = 10;
/** Most links with their own settings or a partition. */
export const FAULT_LINKS_MAX = 65_536;
/** Most hosts down at once. */
export const FAULT_HOSTS_DOWN_MAX = 65_536;

export const DEFAULT_LINK_FAULTS: Readonly<Required<LinkFaults>> = Object.freeze({
  lossRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  latencyMs: LATENCY_MS_DEFAULT,
  jitterMs: 0,
  reorderDelayMs: REORDER_DELAY_MS_DEFAULT,
});

export type DropReason = "loss" | "partition" | "host-down";

export interface FaultStats {
  planned: number;
  delivered: number;
  lost: number;
  partitioned: number;
  hostDown: number;
  duplicated: number;
  reordered: number;
}

interface LinkEntry {
  faults: Required<LinkFaults>;
  /** Set by perLink (or setLink); false means the global faults apply. */
  overridden: boolean;
  partitioned: boolean;
}

const RATE_FIELDS = ["lossRate", "duplicateRate", "reorderRate"] as const;
const DELAY_FIELDS = ["latencyMs", "jitterMs", "reorderDelayMs"] as const;

function checkFaults(where: string, f: Partial<LinkFaults>): void {
  for (const k of RATE_FIELDS) {
    const v = f[k];
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new RangeError(`${where}: "${k}" expected a probability in [0, 1], got ${v}`);
  }
  for (const k of DELAY_FIELDS) {
    const v = f[k];
    if (v !== undefined && !(v >= 0 && v !== Infinity)) throw new RangeError(`${where}: "${k}" expected a finite number >= 0, got ${v}`);
  }
}

function merge(base: Readonly<Required<LinkFaults>>, over: Partial<LinkFaults>): Required<LinkFaults> {
  return {
    lossRate: over.lossRate ?? base.lossRate,
    duplicateRate: over.duplicateRate ?? base.duplicateRate,
    reorderRate: over.reorderRate ?? base.reorderRate,
    latencyMs: over.latencyMs ?? base.latencyMs,
    jitterMs: over.jitterMs ?? base.jitterMs,
    reorderDelayMs: over.reorderDelayMs ?? base.reorderDelayMs,
  };
}

function checkHost(where: string, name: string, h: unknown): void {
  if (typeof h !== "string" || h.length === 0) throw new TypeError(`${where}: "${name}" expected a host name, got ${JSON.stringify(h)}`);
}

export class FaultModel {
  private readonly global: Required<LinkFaults>;
  /** Sorted pair (lo, hi) -> entry; two levels so lookups build no key string. */
  private readonly links = new Map<string, Map<string, LinkEntry>>();
  private linkCount = 0;
  private readonly down = new Set<string>();
  private readonly rng: SeededRng;
  /** Why the last plan() that returned 0 dropped the datagram; null after a delivery. */
  lastDrop: DropReason | null = null;
  readonly stats: FaultStats = { planned: 0, delivered: 0, lost: 0, partitioned: 0, hostDown: 0, duplicated: 0, reordered: 0 };

  /** global: the settings of every link without its own (missing fields from DEFAULT_LINK_FAULTS). */
  constructor(global: Partial<LinkFaults>, perLink: readonly { a: string; b: string; faults: Partial<LinkFaults> }[], rng: SeededRng) {
    checkFaults("FaultModel global", global);
    this.global = merge(DEFAULT_LINK_FAULTS, global);
    this.rng = rng;
    perLink.forEach((l, i) => this.setLink(l.a, l.b, l.faults, `FaultModel perLink[${i}]`));
  }

  /** Gives the link a–b its own settings (over the global ones); replaces earlier ones. */
  setLink(a: string, b: string, faults: Partial<LinkFaults>, where = "FaultModel.setLink"): void {
    checkHost(where, "a", a);
    checkHost(where, "b", b);
    checkFaults(where, faults);
    const e = this.entry(a, b, true, where)!;
    e.faults = merge(this.global, faults);
    e.overridden = true;
  }

  /** The settings that apply to the link a–b (same for b–a). */
  faultsFor(a: string, b: string): Required<LinkFaults> {
    const e = this.entry(a, b, false, "FaultModel.faultsFor");
    return { ...(e !== null && e.overridden ? e.faults : this.global) };
  }

  /** Cuts the link a–b in both directions until repair(a, b). */
  partition(a: string, b: string): void {
    checkHost("FaultModel.partition", "a", a);
    checkHost("FaultModel.partition", "b", b);
    this.entry(a, b, true, "FaultModel.partition")!.partitioned = true;
  }

  repair(a: string, b: string): void {
    const e = this.entry(a, b, false, "FaultModel.repair");
    if (e !== null) e.partitioned = false;
  }

  isPartitioned(a: string, b: string): boolean {
    return this.entry(a, b, false, "FaultModel.isPartitioned")?.partitioned ?? false;
  }

  /** A crashed host neither sends nor receives until recoverHost(). */
  crashHost(h: string): void {
    checkHost("FaultModel.crashHost", "host", h);
    if (!this.down.has(h) && this.down.size >= FAULT_HOSTS_DOWN_MAX) {
      throw new RangeError(`FaultModel.crashHost: ${FAULT_HOSTS_DOWN_MAX} hosts are already down (FAULT_HOSTS_DOWN_MAX); expected fewer crashed hosts, got one more: ${JSON.stringify(h)}`);
    }
    this.down.add(h);
  }

  recoverHost(h: string): void {
    this.down.delete(h);
  }

  isHostUp(h: string): boolean {
    return !this.down.has(h);
  }

  /**
   * Decides one datagram from host a to host b: writes 0, 1 or 2 delivery delays (ms from now)
   * into out[0..] and returns how many. Allocates nothing.
   */
  plan(a: string, b: string, out: number[]): number {
    const stats = this.stats;
    stats.planned++;
    if (this.down.size > 0 && (this.down.has(a) || this.down.has(b))) {
      stats.hostDown++;
      this.lastDrop = "host-down";
      return 0;
    }
    let f = this.global;
    if (this.linkCount > 0) {
      const e = this.entry(a, b, false, "");
      if (e !== null) {
        if (e.partitioned) {
          stats.partitioned++;
          this.lastDrop = "partition";
          return 0;
        }
        if (e.overridden) f = e.faults;
      }
    }
    const rng = this.rng;
    if (f.lossRate > 0 && rng.nextFloat() < f.lossRate) {
      stats.lost++;
      this.lastDrop = "loss";
      return 0;
    }
    this.lastDrop = null;
    stats.delivered++;
    out[0] = this.delay(f);
    if (f.duplicateRate > 0 && rng.nextFloat() < f.duplicateRate) {
      stats.duplicated++;
      out[1] = this.delay(f);
      return 2;
    }
    return 1;
  }

  private delay(f: Required<LinkFaults>): number {
    let d = f.latencyMs;
    if (f.jitterMs > 0) d += this.rng.nextFloat() * f.jitterMs;
    if (f.reorderRate > 0 && this.rng.nextFloat() < f.reorderRate) {
      this.stats.reordered++;
      d += f.reorderDelayMs;
    }
    return d;
  }

  private entry(a: string, b: string, create: boolean, where: string): LinkEntry | null {
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    let inner = this.links.get(lo);
    const found = inner?.get(hi);
    if (found !== undefined) return found;
    if (!create) return null;
    if (this.linkCount >= FAULT_LINKS_MAX) {
      throw new RangeError(`${where}: ${FAULT_LINKS_MAX} links already have their own settings or a partition (FAULT_LINKS_MAX); expected fewer, got one more: ${JSON.stringify(lo)}–${JSON.stringify(hi)}`);
    }
    if (inner === undefined) {
      inner = new Map();
      this.links.set(lo, inner);
    }
    const e: LinkEntry = { faults: this.global, overridden: false, partitioned: false };
    inner.set(hi, e);
    this.linkCount++;
    return e;
  }
}
