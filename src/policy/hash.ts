/**
 * The stable hash an internal load balancer uses to pick a backend for a flow. Azure Load
 * Balancer's default distribution mode is a 5-tuple hash (Azure doc "Azure Load Balancer
 * distribution modes"); the simulator uses 32-bit FNV-1a (FNV spec, draft-eastlake-fnv §2) over
 * the tuple and the scenario seed, finished with the MurmurHash3 fmix32 avalanche so that the low
 * bits used by `% backendCount` are well mixed. No allocation: strings are read char by char.
 */
import type { Flow } from "../topology/model.js";
import { fmix32 } from "../util/fmix32.js";

const FNV32_OFFSET_BASIS = 0x811c9dc5; // draft-eastlake-fnv §2.2, 32-bit offset basis
const FNV32_PRIME = 0x01000193; // draft-eastlake-fnv §2.1, 32-bit FNV prime

function mixString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ (s.charCodeAt(i) & 0xff), FNV32_PRIME);
    h = Math.imul(h ^ (s.charCodeAt(i) >>> 8), FNV32_PRIME);
  }
  // A separator so that ("1.2", "3.4") and ("1.23", ".4") differ.
  return Math.imul(h ^ 0xff, FNV32_PRIME);
}

function mixUint32(h: number, n: number): number {
  h = Math.imul(h ^ (n & 0xff), FNV32_PRIME);
  h = Math.imul(h ^ ((n >>> 8) & 0xff), FNV32_PRIME);
  h = Math.imul(h ^ ((n >>> 16) & 0xff), FNV32_PRIME);
  return Math.imul(h ^ ((n >>> 24) & 0xff), FNV32_PRIME);
}

/** A stable unsigned 32-bit hash of the flow's 5-tuple and a seed. */
export function flowHash(flow: Flow, seed: number): number {
  let h = FNV32_OFFSET_BASIS;
  h = mixUint32(h, seed >>> 0);
  h = mixString(h, flow.srcIp);
  h = mixString(h, flow.dstIp);
  h = mixString(h, flow.protocol);
  h = mixUint32(h, flow.srcPort >>> 0);
  h = mixUint32(h, flow.dstPort >>> 0);
  return fmix32(h);
}
