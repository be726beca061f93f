/**
 * Writes flow log records as Azure lays them out in storage: one PT1H.json per flow log, NIC
 * (MAC address) and hour, holding `{ "records": [...] }` (Azure "Virtual network flow logs",
 * storage; domain.md §3).
 *
 * Atomicity: each blob is written to a temporary file in the same directory, fsync'ed, then
 * renamed over PT1H.json (rename(2) is atomic within one file system), and the directory is
 * fsync'ed so the rename itself survives a power cut. A crash or Ctrl-C at any point leaves
 * either the old PT1H.json or the new one, never half of one; a stray temporary file may remain,
 * and the reader ignores it (its name is not PT1H.json).
 *
 * Determinism: blobs are visited in sorted path order, records keep their order (the flow table
 * sorts them), JSON is written with a fixed key order, and temporary names use a counter rather
 * than the clock or randomness, so the same records always give the same bytes.
 *
 * Appending: Azure appends to the hour's blob as the hour goes on. When PT1H.json exists already
 * (an earlier drain of the same run), its records are kept and the new ones appended after them.
 */
import * as nodeFs from "node:fs";
import { basename, dirname, join } from "node:path";
import { blobRelativePath } from "./ids.js";
import type { FlowLogRecord } from "./schema.js";

/** Upper bound on records in one blob (60 minutes per hour; generous for several drains per minute). */
export const BLOB_RECORDS_MAX = 100_000;
/** Upper bound on blobs one call writes. */
export const WRITE_BLOBS_MAX = 100_000;

/** The file-system calls the writer makes; tests inject failures through this. */
export interface WriterFs {
  mkdirSync(path: string, options: { recursive: true }): unknown;
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  existsSync(path: string): boolean;
  readFileSync(path: string, encoding: "utf8"): string;
}

export interface WriteOptions {
  fs?: WriterFs;
  /** Default BLOB_RECORDS_MAX. */
  blobRecordsMax?: number;
  /** Default WRITE_BLOBS_MAX. */
  blobsMax?: number;
}

let tempCounter = 0;

/** The bytes of one blob: `{"records":[` then one record per line, then `]}` and a newline. */
export function serializeBlob(records: readonly FlowLogRecord[]): string {
  if (records.length === 0) return '{"records":[]}\n';
  return `{"records":[\n${records.map((r) => JSON.stringify(orderedRecord(r))).join(",\n")}\n]}\n`;
}

/** Copies a record with Azure's key order, so input objects built in another order serialise the same. */
function orderedRecord(r: FlowLogRecord): FlowLogRecord {
  return {
    time: r.time,
    flowLogVersion: r.flowLogVersion,
    flowLogGUID: r.flowLogGUID,
    macAddress: r.macAddress,
    category: r.category,
    flowLogResourceID: r.flowLogResourceID,
    targetResourceID: r.targetResourceID,
    operationName: r.operationName,
    flowRecords: {
      flows: r.flowRecords.flows.map((f) => ({
        aclID: f.aclID,
        flowGroups: f.flowGroups.map((g) => ({ rule: g.rule, flowTuples: [...g.flowTuples] })),
      })),
    },
  };
}

/** Writes `text` to `path` atomically: temp file in the same directory, fsync, rename, fsync dir. */
export function writeFileAtomic(path: string, text: string, fs: WriterFs = nodeFs): void {
  const dir = dirname(path);
  tempCounter += 1;
  const temp = join(dir, `.${basename(path)}.${process.pid}.${tempCounter}.tmp`);
  const bytes = Buffer.from(text, "utf8");
  let fd: number | null = null;
  try {
    fd = fs.openSync(temp, "wx", 0o644);
    let off = 0;
    while (off < bytes.length) {
      const n = fs.writeSync(fd, bytes, off, bytes.length - off);
      if (n <= 0) throw new Error(`short write to ${temp}`);
      off += n;
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(temp, path);
  } catch (error) {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing: the original error is the one to report
      }
    }
    try {
      fs.unlinkSync(temp);
    } catch {
      // the temp file may not exist (open failed) or may already be renamed
    }
    throw error;
  }
  syncDir(dir, fs);
}

function syncDir(dir: string, fs: WriterFs): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

function readExisting(path: string, fs: WriterFs): FlowLogRecord[] {
  if (!fs.existsSync(path)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`writeFlowLogs: existing blob ${path} is not valid JSON (${(error as Error).message}); refusing to overwrite it`);
  }
  const records = (parsed as { records?: unknown }).records;
  if (!Array.isArray(records)) {
    throw new Error(`writeFlowLogs: existing blob ${path} has no "records" array; refusing to overwrite it`);
  }
  return records as FlowLogRecord[];
}

/**
 * Writes the records into the blob layout under `outDir` and returns the paths written, sorted.
 * Records are grouped by blob (flow log, hour, MAC) and keep their given order within a blob.
 */
export function writeFlowLogs(outDir: string, records: readonly FlowLogRecord[], options: WriteOptions = {}): string[] {
  const fs = options.fs ?? nodeFs;
  const blobsMax = options.blobsMax ?? WRITE_BLOBS_MAX;
  const blobRecordsMax = options.blobRecordsMax ?? BLOB_RECORDS_MAX;
  const byPath = new Map<string, FlowLogRecord[]>();
  for (const r of records) {
    const rel = blobRelativePath(r);
    const path = join(outDir, ...rel.split("/"));
    let list = byPath.get(path);
    if (list === undefined) {
      if (byPath.size >= blobsMax) {
        throw new RangeError(`writeFlowLogs: more than ${blobsMax} blobs in one call (WRITE_BLOBS_MAX); nothing was written`);
      }
      list = [];
      byPath.set(path, list);
    }
    list.push(r);
  }
  const paths = [...byPath.keys()].sort();
  // Check every blob before writing any, so a limit error leaves the directory as it was.
  const contents = paths.map((path) => {
    const all = [...readExisting(path, fs), ...(byPath.get(path) ?? [])];
    if (all.length > blobRecordsMax) {
      throw new RangeError(`writeFlowLogs: ${path} would hold ${all.length} records, more than ${blobRecordsMax} (BLOB_RECORDS_MAX)`);
    }
    return serializeBlob(all);
  });
  paths.forEach((path, i) => {
    fs.mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, contents[i] ?? "", fs);
  });
  return paths;
}
