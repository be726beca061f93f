/** Shared helpers of the data-plane tests: flow log totals per flow, compared with the data plane's counters. */
import { parseTuple, type FlowLogRecord } from "../../src/flowlog/schema.js";
import type { Scenario } from "../../src/scenario/index.js";
import type { RunResult } from "../../sim/runner.js";

export interface LogTotals {
  /** Allowed packets logged at the flow's source NIC (O): forwarded requests, delivered responses. */
  outFwd: number;
  outRev: number;
  /** Allowed packets logged at the destination NIC (I): delivered requests, forwarded responses. */
  inFwd: number;
  inRev: number;
  /** Denied packets (D tuples). */
  denied: number;
}

function key(srcIp: string, dstIp: string, srcPort: number, dstPort: number): string {
  return `${srcIp}|${dstIp}|${srcPort}|${dstPort}`;
}

/** Sums every tuple of the records per 5-tuple (without protocol; scenarios do not reuse ports across protocols). */
export function flowLogTotals(records: readonly FlowLogRecord[], skip: ReadonlySet<string> = new Set()): Record<string, LogTotals> {
  const out: Record<string, LogTotals> = {};
  for (const r of records) {
    for (const f of r.flowRecords.flows) {
      for (const g of f.flowGroups) {
        for (const s of g.flowTuples) {
          const t = parseTuple(s);
          const k = key(t.srcIp, t.dstIp, t.srcPort, t.dstPort);
          if (skip.has(k)) continue;
          const e = (out[k] ??= { outFwd: 0, outRev: 0, inFwd: 0, inRev: 0, denied: 0 });
          if (t.state === "D") e.denied += t.packetsSrcToDst + t.packetsDstToSrc;
          else if (t.direction === "O") {
            e.outFwd += t.packetsSrcToDst;
            e.outRev += t.packetsDstToSrc;
          } else {
            e.inFwd += t.packetsSrcToDst;
            e.inRev += t.packetsDstToSrc;
          }
        }
      }
    }
  }
  for (const k of Object.keys(out)) if (Object.values(out[k]!).every((v) => v === 0)) delete out[k];
  return out;
}

/** Keys of flows whose NICs changed during the run (their per-NIC totals split; compared separately). */
export function changedFlows(result: RunResult): Set<string> {
  return new Set(result.flows.filter((f) => f.endsChanged).map((f) => key(f.srcIp, f.dstIp, f.srcPort, f.dstPort)));
}

/**
 * What the flow logs must say given the data plane's counters, for flows whose two ends both have
 * a NIC (VM to VM): source NIC O = forwarded requests + delivered responses, destination NIC I =
 * delivered requests + forwarded responses, D = packets denied by the encryption policy.
 */
export function expectedLogTotals(scenario: Scenario, result: RunResult): Record<string, LogTotals> {
  const out: Record<string, LogTotals> = {};
  for (const f of result.flows) {
    const k = key(f.srcIp, f.dstIp, f.srcPort, f.dstPort);
    if (f.endsChanged) continue;
    const src = f.srcVm !== null;
    const dst = f.dstVm !== null;
    const e: LogTotals = {
      outFwd: src ? f.forward.forwarded : 0,
      outRev: src ? f.reverse.delivered : 0,
      inFwd: dst ? f.forward.delivered : 0,
      inRev: dst ? f.reverse.forwarded : 0,
      denied: (src ? f.forward.denied : 0) + (dst ? f.reverse.denied : 0),
    };
    if (Object.values(e).every((v) => v === 0)) continue;
    out[k] = e;
  }
  void scenario;
  return out;
}
