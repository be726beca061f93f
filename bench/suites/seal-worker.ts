/**
 * A worker thread of the two-thread sealing benchmark (workers.ts): builds a CipherState from
 * workerData, warms up, says "ready", then on "go" seals 1400 B records into its own buffer for
 * durationMs and reports how many.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { AeadBackendName } from "../../src/dtls/api.js";
import { suiteByName } from "../../src/dtls/suites/registry.js";
import type { CipherSuiteName } from "../../src/dtls/api.js";
import { recordOp } from "./record.js";

export interface SealWorkerData {
  suite: CipherSuiteName;
  backend: AeadBackendName;
  sizeBytes: number;
  seed: number;
  warmupMs: number;
}
export type SealWorkerResult = { records: number; elapsedMs: number };

/** Records sealed between two looks at the clock. */
const CLOCK_EVERY_RECORDS = 256;

function sealFor(op: () => void, durationMs: number): SealWorkerResult {
  const t0 = performance.now();
  let records = 0;
  let now = t0;
  while (now - t0 < durationMs) {
    for (let i = 0; i < CLOCK_EVERY_RECORDS; i++) op();
    records += CLOCK_EVERY_RECORDS;
    now = performance.now();
  }
  return { records, elapsedMs: now - t0 };
}

if (parentPort !== null) {
  const port = parentPort;
  const data = workerData as SealWorkerData;
  const op = recordOp("seal", suiteByName(data.suite), data.backend, data.sizeBytes, data.seed);
  sealFor(op, data.warmupMs);
  port.on("message", (m: { durationMs: number } | "exit") => {
    if (m === "exit") {
      port.close();
      return;
    }
    port.postMessage(sealFor(op, m.durationMs));
  });
  port.postMessage("ready");
}
