/**
 * Live capture on the loopback interface with tshark (we run as root in CI and here, so no dumpcap
 * capabilities are needed), and decoding helpers. A capture is started before the session and
 * stopped with SIGINT so tshark finalises the pcapng file.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSocket } from "node:dgram";
import { runProc, spawnProc, type Proc, type ProcResult } from "./proc.js";
import { freeUdpPort, LOOPBACK_V4 } from "./ports.js";

export const LOOPBACK_INTERFACE = "lo";

export interface Capture {
  file: string;
  proc: Proc;
  stop(): Promise<ProcResult>;
}

/** Probe datagrams sent while waiting for the capture to go live (one every PROBE_INTERVAL_MS). */
export const PROBE_INTERVAL_MS = 100;
export const PROBE_TIMEOUT_MS = 30_000;

/**
 * Starts capturing `udp port <udpPort>`. tshark's "Capturing on" message comes before packets are
 * really seen (the first datagrams of a session were missing in practice), so we also capture a
 * probe port, send probe datagrams there, and return only once tshark has printed one (-P -l).
 */
export async function startCapture(udpPort: number, timeoutMs = 90_000): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), "vnetsim-cap-"));
  const file = join(dir, "session.pcapng");
  const probePort = await freeUdpPort();
  const filter = `udp port ${udpPort} or udp port ${probePort}`;
  const proc = spawnProc("tshark", ["-i", LOOPBACK_INTERFACE, "-f", filter, "-w", file, "-P", "-l"], { timeoutMs });
  await proc.waitFor(/Capturing on/, PROBE_TIMEOUT_MS, "stderr");
  const probe = createSocket("udp4");
  try {
    const deadline = Date.now() + PROBE_TIMEOUT_MS;
    while (!proc.stdout.includes(String(probePort))) {
      if (Date.now() > deadline || !proc.running) {
        throw new Error(`tshark did not see probe datagrams to udp ${probePort} within ${PROBE_TIMEOUT_MS} ms\n${proc.describe()}`);
      }
      probe.send(Buffer.from("vnetsim-capture-probe"), probePort, LOOPBACK_V4);
      await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
    }
  } finally {
    probe.close();
  }
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
