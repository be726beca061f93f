/**
 * Child-process harness for interop tests: every process gets a hard deadline after which it is
 * SIGKILLed, so a misbehaving peer (OpenSSL waiting on a lost datagram, tshark never flushing) can
 * fail a test but never hang vitest. All spawned processes are tracked so `killAll()` in an
 * afterAll hook cleans up whatever a failed assertion left running.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";

/** Default hard deadline of one spawned tool. Generous for 2 shared cores, far below vitest's 30 s. */
export const PROC_TIMEOUT_MS_DEFAULT = 20_000;
/** Upper bound of output kept per stream; a chatty process cannot exhaust test memory. */
export const PROC_OUTPUT_BYTES_MAX = 4 * 1024 * 1024;

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the harness killed the process because its deadline passed. */
  timedOut: boolean;
}

export interface SpawnOptions {
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const live = new Set<Proc>();

export class Proc {
  readonly child: ChildProcessWithoutNullStreams;
  readonly command: string;
  stdout = "";
  stderr = "";
  timedOut = false;
  readonly exited: Promise<ProcResult>;
  private readonly deadline: NodeJS.Timeout;
  private done = false;
  private readonly waiters: Array<() => void> = [];

  constructor(cmd: string, args: readonly string[], options: SpawnOptions = {}) {
    this.command = [cmd, ...args].join(" ");
    this.child = spawn(cmd, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    live.add(this);
    this.child.stdout.setEncoding("utf8");
    this.child.stderr.setEncoding("utf8");
    this.child.stdout.on("data", (s: string) => {
      if (this.stdout.length < PROC_OUTPUT_BYTES_MAX) this.stdout += s;
      this.notify();
    });
    this.child.stderr.on("data", (s: string) => {
      if (this.stderr.length < PROC_OUTPUT_BYTES_MAX) this.stderr += s;
      this.notify();
    });
    // A closed stdin (process exited before we wrote) must not crash the test runner.
    this.child.stdin.on("error", () => undefined);
    const timeoutMs = options.timeoutMs ?? PROC_TIMEOUT_MS_DEFAULT;
    this.deadline = setTimeout(() => {
      this.timedOut = true;
      this.child.kill("SIGKILL");
    }, timeoutMs);
    this.exited = new Promise<ProcResult>((resolve) => {
      this.child.on("error", (err) => {
        this.stderr += `\n[spawn error] ${err.message}`;
      });
      this.child.on("close", (code, signal) => {
        this.done = true;
        clearTimeout(this.deadline);
        live.delete(this);
        this.notify();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr, timedOut: this.timedOut });
      });
    });
  }

  get running(): boolean {
    return !this.done;
  }

  write(text: string | Uint8Array): void {
    if (!this.done && this.child.stdin.writable) this.child.stdin.write(text);
  }

  endInput(): void {
    if (!this.child.stdin.destroyed) this.child.stdin.end();
  }

  /** Graceful stop (SIGTERM), then SIGKILL if still alive after graceMs. */
  async stop(graceMs = 2_000): Promise<ProcResult> {
    if (!this.done) {
      this.child.kill("SIGTERM");
      const t = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      const r = await this.exited;
      clearTimeout(t);
      return r;
    }
    return this.exited;
  }

  /**
   * Resolves when `pattern` appears in the chosen stream(s); rejects after timeoutMs or when the
   * process exits without printing it. The message carries both streams to make failures readable.
   */
  waitFor(pattern: RegExp | string, timeoutMs = 10_000, stream: "stdout" | "stderr" | "both" = "both"): Promise<void> {
    const matches = (): boolean => {
      const text = stream === "stdout" ? this.stdout : stream === "stderr" ? this.stderr : this.stdout + "\n" + this.stderr;
      return typeof pattern === "string" ? text.includes(pattern) : pattern.test(text);
    };
    return new Promise<void>((resolve, reject) => {
      if (matches()) return resolve();
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(pattern)} from: ${this.command}\n${this.describe()}`));
      }, timeoutMs);
      const check = (): void => {
        if (matches()) {
          cleanup();
          resolve();
        } else if (this.done) {
          cleanup();
          reject(new Error(`process exited before printing ${String(pattern)}: ${this.command}\n${this.describe()}`));
        }
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        const i = this.waiters.indexOf(check);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      this.waiters.push(check);
    });
  }

  describe(): string {
    return `--- stdout ---\n${this.stdout.slice(-4000)}\n--- stderr ---\n${this.stderr.slice(-4000)}`;
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

export function spawnProc(cmd: string, args: readonly string[], options?: SpawnOptions): Proc {
  return new Proc(cmd, args, options);
}

/** Runs a command to completion (with the same hard deadline) and returns its output. */
export function runProc(cmd: string, args: readonly string[], options?: SpawnOptions & { input?: string }): Promise<ProcResult> {
  const p = new Proc(cmd, args, options);
  if (options?.input !== undefined) p.write(options.input);
  p.endInput();
  return p.exited;
}

/** SIGKILLs every process still alive; call from afterAll/afterEach. */
export async function killAll(): Promise<void> {
  const pending = [...live];
  for (const p of pending) p.child.kill("SIGKILL");
  await Promise.all(pending.map((p) => p.exited));
}

const toolCache = new Map<string, boolean>();

/** True if `tool` runs (`tool <versionArg>` exits 0 within 5 s). Cached per process. */
export function hasTool(tool: string, versionArg = "--version"): boolean {
  const key = `${tool} ${versionArg}`;
  const cached = toolCache.get(key);
  if (cached !== undefined) return cached;
  const r = spawnSync(tool, [versionArg], { timeout: 5_000, stdio: "ignore" });
  const ok = r.error === undefined && r.status === 0;
  toolCache.set(key, ok);
  return ok;
}

/** Logs why a suite is skipped, naming the missing tool, and returns true when it is. */
export function missingTool(tool: string, versionArg = "--version"): boolean {
  const ok = hasTool(tool, versionArg);
  if (!ok) console.warn(`[interop] SKIP: '${tool}' not found on PATH (install it to run these tests; CI installs openssl and tshark)`);
  return !ok;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
