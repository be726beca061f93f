/**
 * Live capture on the loopback interface with tshark (we run as root in CI and here, so no dumpcap
 * capabilities are needed), and decoding helpers. A capture is started before the session and
 * stopped with SIGINT so tshark finalises the pcapng file.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProc, spawnProc, type Proc, type ProcResult } from "./proc.js";

export const LOOPBACK_INTERFACE = "lo";

export interface Capture {
  file: string;
  proc: Proc;
  stop(): Promise<ProcResult>;
}

export async function startCapture(udpPort: number, timeoutMs = 30_000): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), "vnetsim-cap-"));
  const file = join(dir, "session.pcapng");
  const proc = spawnProc("tshark", ["-i", LOOPBACK_INTERFACE, "-f", `udp port ${udpPort}`, "-w", file], { timeoutMs });
  // tshark prints "Capturing on 'Loopback: lo'" once the capture filter is installed.
  await proc.waitFor(/Capturing on/, 10_000, "stderr");
  return {
    file,
    proc,
    async stop(): Promise<ProcResult> {
      // Give the kernel a moment to hand the last datagrams to the capture before stopping.
      await new Promise((r) => setTimeout(r, 300));
      proc.child.kill("SIGINT");
      return proc.exited;
    },
  };
}

/** Runs `tshark -r file ...args` and returns stdout (throws with stderr when tshark fails). */
export async function readCapture(file: string, args: readonly string[]): Promise<string> {
  const r = await runProc("tshark", ["-r", file, ...args], { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`tshark -r ${file} ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}
