/**
 * An in-memory datagram link between two Transports, driven by a Clock (ManualClock for virtual
 * time). Link faults follow the ns-3/turmoil vocabulary: loss, duplication, reordering, latency.
 * With a seeded `rng` a run is exactly reproducible: every decision draws from it in a fixed order.
 */
import type { Clock, Transport } from "../api.js";

export interface MemoryLinkOptions {
  lossRate?: number;
  duplicateRate?: number;
  /** Probability that a datagram is held back by an extra 1..3 x latency, overtaking order. */
  reorderRate?: number;
  latencyMs?: number;
  /** Float in [0, 1); required when any rate is non-zero. */
  rng?: () => number;
  clock: Clock;
  /** Deterministic fault injection: return true to drop. `index` counts datagrams per direction from 0. */
  drop?: (direction: "a->b" | "b->a", index: number, datagram: Uint8Array) => boolean;
  /** Observes every datagram handed to the link (before loss), e.g. for tests reading alerts. */
  tap?: (direction: "a->b" | "b->a", datagram: Uint8Array) => void;
}

export interface MemoryLinkStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
}

export type MemoryTransport = Transport & { readonly stats: MemoryLinkStats };

/** Datagrams in flight on one link direction; beyond this new ones are dropped (a full queue). */
export const MEMORY_LINK_IN_FLIGHT_MAX = 10_000;

function checkRate(name: string, v: number | undefined): number {
  const r = v ?? 0;
  if (!Number.isFinite(r) || r < 0 || r > 1) throw new RangeError(`memory link "${name}" expected a number in [0, 1], got ${v}`);
  return r;
}

export function createMemoryLink(options: MemoryLinkOptions): [MemoryTransport, MemoryTransport] {
  const loss = checkRate("lossRate", options.lossRate);
  const dup = checkRate("duplicateRate", options.duplicateRate);
  const reorder = checkRate("reorderRate", options.reorderRate);
  const latency = options.latencyMs ?? 1;
  if (!Number.isFinite(latency) || latency < 0) throw new RangeError(`memory link "latencyMs" expected >= 0, got ${options.latencyMs}`);
  if ((loss > 0 || dup > 0 || reorder > 0) && options.rng === undefined) {
    throw new Error(`memory link: "rng" is required when lossRate, duplicateRate or reorderRate is non-zero`);
  }
  const rng = options.rng ?? (() => 0);
  const { clock } = options;

  const make = (dir: "a->b" | "b->a") => {
    let handler: ((d: Uint8Array) => void) | null = null;
    let closed = false;
    let index = 0;
    let inFlight = 0;
    const stats: MemoryLinkStats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0 };
    return {
      end: {
        stats,
        onReceive(h: (d: Uint8Array) => void) {
          handler = h;
        },
        close() {
          closed = true;
        },
      },
      deliverer(peerSideClosed: () => boolean, peerHandler: () => ((d: Uint8Array) => void) | null) {
        return (datagram: Uint8Array) => {
          if (closed) return;
          stats.sent++;
          options.tap?.(dir, datagram);
          const i = index++;
          if (options.drop?.(dir, i, datagram) === true || (loss > 0 && rng() < loss) || inFlight >= MEMORY_LINK_IN_FLIGHT_MAX) {
            stats.lost++;
            return;
          }
          const copies = dup > 0 && rng() < dup ? 2 : 1;
          if (copies === 2) stats.duplicated++;
          for (let c = 0; c < copies; c++) {
            let delay = latency + c * 0.5;
            if (reorder > 0 && rng() < reorder) {
              stats.reordered++;
              delay += Math.max(latency, 1) * (1 + rng() * 2);
            }
            const copy = datagram.slice();
            inFlight++;
            clock.setTimer(delay, () => {
              inFlight--;
              const h = peerHandler();
              if (h === null || peerSideClosed()) return;
              stats.delivered++;
              h(copy);
            });
          }
        };
      },
      isClosed: () => closed,
      handler: () => handler,
    };
  };

  const a = make("a->b");
  const b = make("b->a");
  const sendA = a.deliverer(b.isClosed, b.handler);
  const sendB = b.deliverer(a.isClosed, a.handler);
  const ta: MemoryTransport = { ...a.end, stats: a.end.stats, send: sendA };
  const tb: MemoryTransport = { ...b.end, stats: b.end.stats, send: sendB };
  return [ta, tb];
}
