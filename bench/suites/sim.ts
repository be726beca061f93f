/**
 * The simulator at scale (issue 5 §2): the generated topology of bench/lib/sim-topology.ts through
 * sim/runner.ts runScenario, in a child process so its peak RSS (getrusage maxRSS) is measured
 * alone. Full runs use the full scale (10,000 VMs, 1,000,000 flows), --quick 1/100 of it.
 * Rows: flows/s and handshakes/s end to end, and the whole run (perSecond = 1 / wall seconds,
 * allocBytesPerOp = peak RSS in bytes), named with its scale.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchContext } from "../lib/context.js";
import { emptyRow } from "../lib/report.js";
import { FULL_SCALE, QUICK_SCALE, simRunOperation, type SimScale } from "../lib/sim-topology.js";
import type { SimChildResult } from "./sim-child.js";

/** The child's heap may grow past the 2 GiB target so a miss is measured, not crashed. */
export const SIM_CHILD_HEAP_MB = 8192;
/** A run that takes longer than this is stopped and reported as failed. */
export const SIM_CHILD_TIMEOUT_MS = 15 * 60_000;

function runChild(scale: SimScale, seed: number): Promise<SimChildResult> {
  const script = fileURLToPath(new URL("./sim-child.js", import.meta.url));
  const args = [`--max-old-space-size=${SIM_CHILD_HEAP_MB}`, script, ...[scale.vms, scale.hosts, scale.vnets, scale.pairs, scale.flowsPerPair, seed].map(String)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), SIM_CHILD_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || line === "") {
        reject(new Error(`simulator child exited with ${code ?? signal}: ${err.trim().split("\n").slice(-3).join(" / ")}`));
        return;
      }
      resolve(JSON.parse(line) as SimChildResult);
    });
  });
}

export async function runSimSuite(ctx: BenchContext): Promise<void> {
  const scale = ctx.settings.quick ? QUICK_SCALE : FULL_SCALE;
  const op = simRunOperation(scale);
  if (!ctx.selected(`simulator/${op}`)) return;
  ctx.log(`simulator: ${op} (child process)...`);
  const r = await runChild(scale, ctx.settings.seed);
  const seconds = r.runMs / 1000;
  const base = { ...emptyRow("simulator", ""), suite: null, backend: "node" };
  ctx.rows.push({ ...base, operation: "flows end to end", perSecond: r.flows / seconds });
  ctx.rows.push({ ...base, operation: "tunnel handshakes", perSecond: r.handshakes / seconds });
  ctx.rows.push({ ...base, operation: op, perSecond: 1 / seconds, allocBytesPerOp: r.maxRssBytes });
  const label = ctx.settings.quick ? "at 1/100 scale (--quick)" : "at full scale";
  ctx.notes.push(
    `Simulator ${label}: ${r.scale.vms} VMs on ${r.scale.hosts} hosts in ${r.scale.vnets} VNets, ${r.flows} flows between ${r.scale.pairs} VM pairs; ` +
      `generating the scenario took ${(r.buildMs / 1000).toFixed(1)} s, runScenario ${seconds.toFixed(1)} s (${r.stoppedBy}); ` +
      `${r.handshakes} handshakes, ${r.tunnelsEstablished} tunnels established, ${r.tunnelsFailed} failed; ` +
      `${r.packetsDelivered} of ${r.packetsSent} packets delivered, ${r.encryptedPackets} out of a DTLS record; peak RSS ${(r.maxRssBytes / 2 ** 20).toFixed(0)} MiB.`,
  );
  if (r.encryptedPackets < r.flows) {
    ctx.notes.push(`Simulator: only ${r.encryptedPackets} of ${r.flows} flows had their packet delivered through a tunnel.`);
  }
  ctx.log(`simulator: ${seconds.toFixed(1)} s, ${Math.round(r.flows / seconds)} flows/s, ${Math.round(r.handshakes / seconds)} handshakes/s, peak RSS ${(r.maxRssBytes / 2 ** 20).toFixed(0)} MiB`);
}
