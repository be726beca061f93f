/**
 * vms.json: the MAC -> VM name map a run writes beside its flow logs, so `vnetsim flows --vm NAME`
 * can find a VM's tuples (flow logs themselves only carry the NIC's MAC address).
 *
 * Format: `{ "macToVm": { "000D3A000001": "vm-a", ... } }`, keys sorted, MACs upper-case.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { normalizeMac } from "./schema.js";
import { writeFileAtomic } from "./writer.js";

export const VMS_JSON_FILE = "vms.json";
/** Upper bound on entries in vms.json. */
export const VM_MAP_ENTRIES_MAX = 1_000_000;

/** Writes DIR/vms.json atomically; returns its path. */
export function writeVmMap(dir: string, macToVm: ReadonlyMap<string, string>): string {
  if (macToVm.size > VM_MAP_ENTRIES_MAX) {
    throw new RangeError(`writeVmMap: ${macToVm.size} entries, more than VM_MAP_ENTRIES_MAX=${VM_MAP_ENTRIES_MAX}`);
  }
  const entries: [string, string][] = [];
  for (const [mac, vm] of macToVm) {
    const m = normalizeMac(mac);
    if (m === null) throw new TypeError(`writeVmMap: key expected a MAC address, got ${JSON.stringify(mac)}`);
    entries.push([m, vm]);
  }
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  fs.mkdirSync(dir, { recursive: true });
  const path = join(dir, VMS_JSON_FILE);
  writeFileAtomic(path, `${JSON.stringify({ macToVm: Object.fromEntries(entries) }, null, 2)}\n`);
  return path;
}

/** Reads a vms.json file. Throws an Error naming the file when it is malformed. */
export function readVmMap(path: string): Map<string, string> {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`${path}: not a readable JSON file (${(error as Error).message})`);
  }
  const map = (doc as { macToVm?: unknown } | null)?.macToVm;
  if (typeof map !== "object" || map === null || Array.isArray(map)) {
    throw new Error(`${path}: expected { "macToVm": { MAC: VM name } }`);
  }
  const out = new Map<string, string>();
  for (const [key, vm] of Object.entries(map)) {
    const mac = normalizeMac(key);
    if (mac === null || typeof vm !== "string") {
      throw new Error(`${path}: entry ${JSON.stringify(key)} expected a MAC address mapped to a VM name, got ${JSON.stringify(vm)}`);
    }
    if (out.size >= VM_MAP_ENTRIES_MAX) throw new Error(`${path}: more than VM_MAP_ENTRIES_MAX=${VM_MAP_ENTRIES_MAX} entries`);
    out.set(mac, vm);
  }
  return out;
}
