/**
 * A file written beside its final path and renamed into place only when complete: the writers of
 * a run's pcap and key log use it so that a failed or interrupted run never leaves a half-written
 * FILE (rename(2) within one directory is atomic). `commit()` fsyncs, closes and renames;
 * `abort()` closes and removes the temporary file and leaves FILE as it was.
 */
import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";

export type StagedFileState = "open" | "committed" | "aborted";

let tempCounter = 0;

export class StagedFile {
  readonly path: string;
  readonly tempPath: string;
  private fd: number | null;
  private stateValue: StagedFileState = "open";

  /** Creates the temporary file (exclusively, with `mode`) beside `path`. */
  constructor(path: string, mode: number) {
    this.path = path;
    tempCounter += 1;
    this.tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${tempCounter}.tmp`);
    this.fd = fs.openSync(this.tempPath, "wx", mode);
  }

  get state(): StagedFileState {
    return this.stateValue;
  }

  /** Writes `length` bytes of `bytes` from `offset`, looping over short writes. */
  write(bytes: Uint8Array, offset = 0, length = bytes.length - offset): void {
    if (this.fd === null) throw new Error(`staged file ${this.path}: write after it was ${this.stateValue}`);
    const end = offset + length;
    while (offset < end) {
      const n = fs.writeSync(this.fd, bytes, offset, end - offset);
      if (n <= 0) throw new Error(`staged file ${this.path}: short write to ${this.tempPath}`);
      offset += n;
    }
  }

  /** fsyncs, closes and renames the temporary file to `path`; on failure aborts and rethrows. */
  commit(): void {
    if (this.stateValue !== "open") throw new Error(`staged file ${this.path}: commit after it was ${this.stateValue}`);
    try {
      const fd = this.fd;
      if (fd !== null) {
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        this.fd = null;
      }
      fs.renameSync(this.tempPath, this.path);
      this.stateValue = "committed";
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Closes and removes the temporary file; `path` is left as it was. Harmless once committed. */
  abort(): void {
    if (this.stateValue === "committed") return;
    this.stateValue = "aborted";
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already failing; the temporary file is removed below either way
      }
      this.fd = null;
    }
    fs.rmSync(this.tempPath, { force: true });
  }
}
