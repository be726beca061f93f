/**
 * One worker thread of a parallel run (sim/parallel.ts): runs its shard of the scenario with
 * runScenario and posts what the main thread merges. Progress, key-log lines and per-flow results
 * go in batches as the run goes (one message per batch, not per line or flow); flow-log records
 * go once per drain; the shard's RunResult and what it owned go last.
 */
import { parentPort, workerData, isMainThread } from "node:worker_threads";
import type { Scenario } from "../src/scenario/types.js";
import type { FlowLogRecord } from "../src/flowlog/schema.js";
import type { FlowResult } from "../src/dataplane/results.js";
import { runScenario, ShardRefusedError, type RunOptions, type RunResult, type ShardRun } from "./runner.js";
import { planShards } from "./shard.js";

/** Per-flow results and key-log lines per message. */
export const WORKER_BATCH_ITEMS = 2_048;

export interface WorkerInput {
  scenario: Scenario;
  shard: { index: number; count: number };
  /** The structured-cloneable part of the caller's RunOptions. */
  options: Pick<RunOptions, "seed" | "durationMs" | "enforcement" | "dataplane" | "faults" | "flowLogs" | "flowResults" | "flowSourceModule">;
  wantResults: boolean;
  wantKeyLog: boolean;
}

export interface ShardDone {
  result: RunResult;
  owned: number[];
  expectationOwned: boolean[];
  hostPeaks: ShardRun["hostPeaks"];
}

export type WorkerMessage =
  | { t: "progress"; resolved: number; total: number }
  | { t: "keylog"; lines: string[] }
  | { t: "results"; items: FlowResult[]; indices: number[] }
  | { t: "logs"; atMs: number; records: FlowLogRecord[] }
  | { t: "refused"; why: string }
  | { t: "error"; message: string; stack?: string }
  | { t: "done"; done: ShardDone };

async function main(input: WorkerInput): Promise<void> {
  const port = parentPort!;
  const post = (m: WorkerMessage): void => port.postMessage(m);
  const faults = { ...(input.scenario.faults ?? {}), ...(input.options.faults ?? {}) };
  const plan = planShards(input.scenario, faults, input.shard.count);
  if (plan.owner === null) {
    post({ t: "refused", why: plan.refused ?? "the run cannot be split" });
    return;
  }
  let items: FlowResult[] = [];
  let indices: number[] = [];
  let lines: string[] = [];
  const flushResults = (): void => {
    if (items.length === 0) return;
    post({ t: "results", items, indices });
    items = [];
    indices = [];
  };
  const flushLines = (): void => {
    if (lines.length === 0) return;
    post({ t: "keylog", lines });
    lines = [];
  };
  const shard: ShardRun = {
    index: input.shard.index,
    count: input.shard.count,
    owner: plan.owner,
    onFlowLogs: (atMs, records) => post({ t: "logs", atMs, records }),
    owned: [],
    expectationOwned: [],
    hostPeaks: [],
  };
  const options: RunOptions = {
    ...input.options,
    shard,
    onProgress: (resolved, total) => {
      flushLines();
      flushResults();
      post({ t: "progress", resolved, total });
    },
  };
  if (input.wantResults) {
    options.onFlowResult = (r, i) => {
      items.push(r);
      indices.push(i);
      if (items.length >= WORKER_BATCH_ITEMS) flushResults();
    };
  }
  if (input.wantKeyLog) {
    options.keyLog = (line) => {
      lines.push(line);
      if (lines.length >= WORKER_BATCH_ITEMS) flushLines();
    };
  }
  try {
    const result = await runScenario(input.scenario, options);
    flushLines();
    flushResults();
    post({ t: "done", done: { result, owned: shard.owned, expectationOwned: shard.expectationOwned, hostPeaks: shard.hostPeaks } });
  } catch (e) {
    if (e instanceof ShardRefusedError) post({ t: "refused", why: e.why });
    else post({ t: "error", message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined });
  }
}

if (!isMainThread && parentPort !== null) void main(workerData as WorkerInput);
