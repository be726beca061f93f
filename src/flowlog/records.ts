/**
 * Groups drained flow tuples into VNet flow log records (Azure "Virtual network flow logs", Log
 * format: one record per flow log, NIC (macAddress) and collection interval; inside, tuples grouped
 * by aclID, then by rule). Used by FlowTable.drain().
 *
 * Order (the same observations always give the same bytes): records by minute, then by
 * (MAC, canonical flow log ID, target resource ID) as strings; acl groups by aclID, rule groups by
 * rule, tuples by timestamp, then state (B, D, C, E), then their text.
 *
 * Why a builder: a drain places every tuple of every flow. Records are keyed by a number (the
 * minute) and a per-NIC string made once per NicRef (not one key string per tuple), tuples are kept
 * as their text plus two sort numbers (no tuple object), and each record's groups sit in maps
 * made per record, not per tuple.
 */
import type { FlowAcl, FlowLogRecord, FlowState } from "./schema.js";
import { FLOW_LOG_CATEGORY, FLOW_LOG_OPERATION_NAME, FLOW_LOG_VERSION } from "./schema.js";

/** The collection interval: records are per minute (Azure "Virtual network flow logs": flows are collected every minute). */
export const FLOW_LOG_INTERVAL_MS = 60_000;

/** Tuples of one state sort in this order at the same timestamp. */
export const STATE_ORDER: Readonly<Record<FlowState, number>> = Object.freeze({ B: 0, D: 1, C: 2, E: 3 });

/** What a record needs of a NIC (a NicRef), resolved once per NicRef (see FlowTable). */
export interface RecordNic {
  /** The NicRef's mac and targetResourceId when this was made. */
  readonly mac: string;
  readonly targetResourceId: string;
  /** `${mac}|${canonical flow log ID}|${targetResourceId}`: records of one minute sort by it. */
  readonly suffix: string;
  readonly canonicalId: string;
  readonly guid: string;
}

interface TupleOut {
  ts: number;
  st: number;
  s: string;
}

interface RecordAcc {
  nic: RecordNic;
  minute: number;
  /** aclID -> rule -> tuples. */
  acls: Map<string, Map<string, TupleOut[]>>;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareTuples(a: TupleOut, b: TupleOut): number {
  return a.ts - b.ts || a.st - b.st || compareStrings(a.s, b.s);
}

export class RecordBuilder {
  private readonly byMinute = new Map<number, Map<string, RecordAcc>>();
  /** The record and tuple list the previous tuple went to: a flow's tuples usually share them. */
  private lastRecord: RecordAcc | null = null;
  private lastAclId = "";
  private lastRule = "";
  private lastList: TupleOut[] | null = null;

  /** Places one tuple (its text as formatTuple writes it) in the record of (nic, minute). */
  add(nic: RecordNic, minute: number, aclId: string, rule: string, ts: number, state: FlowState, text: string): void {
    let r = this.lastRecord;
    if (r === null || r.minute !== minute || r.nic.suffix !== nic.suffix) {
      let recs = this.byMinute.get(minute);
      if (recs === undefined) {
        recs = new Map();
        this.byMinute.set(minute, recs);
      }
      let found = recs.get(nic.suffix);
      if (found === undefined) {
        found = { nic, minute, acls: new Map() };
        recs.set(nic.suffix, found);
      }
      r = found;
      this.lastRecord = r;
      this.lastList = null;
    }
    let list = this.lastList;
    if (list === null || this.lastAclId !== aclId || this.lastRule !== rule) {
      let rules = r.acls.get(aclId);
      if (rules === undefined) {
        rules = new Map();
        r.acls.set(aclId, rules);
      }
      let found = rules.get(rule);
      if (found === undefined) {
        found = [];
        rules.set(rule, found);
      }
      list = found;
      this.lastList = list;
      this.lastAclId = aclId;
      this.lastRule = rule;
    }
    list.push({ ts, st: STATE_ORDER[state], s: text });
  }

  /** The records, in the order described above. */
  build(): FlowLogRecord[] {
    const records: FlowLogRecord[] = [];
    const minutes = [...this.byMinute.keys()].sort((a, b) => a - b);
    for (const minute of minutes) {
      const recs = this.byMinute.get(minute)!;
      const time = new Date(minute * FLOW_LOG_INTERVAL_MS).toISOString();
      for (const suffix of [...recs.keys()].sort(compareStrings)) {
        const r = recs.get(suffix)!;
        const flows: FlowAcl[] = [...r.acls.keys()].sort(compareStrings).map((aclId) => {
          const rules = r.acls.get(aclId)!;
          return {
            aclID: aclId,
            flowGroups: [...rules.keys()].sort(compareStrings).map((rule) => {
              const list = rules.get(rule)!.sort(compareTuples);
              const texts = new Array<string>(list.length);
              for (let i = 0; i < list.length; i++) texts[i] = list[i]!.s;
              return { rule, flowTuples: texts };
            }),
          };
        });
        records.push({
          time,
          flowLogVersion: FLOW_LOG_VERSION,
          flowLogGUID: r.nic.guid,
          macAddress: r.nic.mac,
          category: FLOW_LOG_CATEGORY,
          flowLogResourceID: r.nic.canonicalId,
          targetResourceID: r.nic.targetResourceId,
          operationName: FLOW_LOG_OPERATION_NAME,
          flowRecords: { flows },
        });
      }
    }
    return records;
  }
}
