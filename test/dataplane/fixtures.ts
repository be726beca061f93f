/** Small scenarios for the data-plane tests, written as YAML so they go through the real loader. */
import { parseScenario, type Scenario } from "../../src/scenario/index.js";

export interface PairOptions {
  enforcement?: "AllowUnencrypted" | "DropUnencrypted";
  packets?: number;
  sizeBytes?: number;
  rate?: string;
  pattern?: "one-way" | "request-response";
  extraTraffic?: string;
  vms?: number;
  encryption?: boolean;
}

/** N VMs (vm-0..) of a supported size, each on its own host, in one VNet with encryption on; one flow vm-0 -> vm-1. */
export function pairScenario(o: PairOptions = {}): Scenario {
  const n = o.vms ?? 2;
  const hosts = Array.from({ length: n }, (_, i) => `  - { name: host-${i}, region: westeurope }`).join("\n");
  const vms = Array.from({ length: n }, (_, i) => `  - { name: vm-${i}, size: Standard_D4s_v5, host: host-${i}, subnet: vnet-a/default, ip: 10.0.1.${i + 4} }`).join("\n");
  const rate = o.rate === undefined ? "" : `, rate: "${o.rate}"`;
  const text = `
name: dp-test
seed: 7
hosts:
${hosts}
vnets:
  - name: vnet-a
    region: westeurope
    addressSpace: [10.0.0.0/16]
    encryption: { enabled: ${o.encryption ?? true}, enforcement: ${o.enforcement ?? "AllowUnencrypted"} }
    subnets: [{ name: default, prefix: 10.0.1.0/24 }]
vms:
${vms}
traffic:
  - { name: a-to-b, from: vm-0, to: vm-1, dstPort: 443, packets: ${o.packets ?? 10}, sizeBytes: ${o.sizeBytes ?? 1000}, pattern: ${o.pattern ?? "one-way"}${rate} }
${o.extraTraffic ?? ""}
`;
  return parseScenario(text, "dp-test.yaml");
}

export interface Tapped {
  tMs: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  payload: Uint8Array;
}

export function tapInto(list: Tapped[]) {
  return (tMs: number, src: string, srcPort: number, dst: string, dstPort: number, payload: Uint8Array): void => {
    list.push({ tMs, src, srcPort, dst, dstPort, payload: payload.slice() });
  };
}
