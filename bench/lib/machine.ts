/** The machine a run measured: CPU model, cores, Node and OpenSSL versions (top of RESULTS.md). */
import { availableParallelism, cpus, loadavg } from "node:os";
import { opensslVersion } from "./openssl.js";
import type { Machine } from "./report.js";

export function machineInfo(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? "unknown",
    cores: availableParallelism(),
    node: process.version,
    openssl: opensslVersion(),
  };
}

/** 1-minute load average over the core count: how busy the machine was (not part of the schema). */
export function loadPerCore(): number {
  return loadavg()[0]! / Math.max(1, availableParallelism());
}
