import { describe, expect, it } from "vitest";
import { parseScenario, ScenarioError } from "../../src/scenario/index.js";
import { FLOWS_MAX, INSTANCES_MAX, ISSUES_MAX, NICS_PER_VM_MAX, SCENARIO_MAX_BYTES, SECTION_MAX_ITEMS, VMS_MAX } from "../../src/scenario/limits.js";

const HEAD = `name: limits
vnets:
  - name: vnet-a
    region: westeurope
    addressSpace: [10.0.0.0/8]
    subnets: [{ name: big, prefix: 10.0.0.0/12 }]
`;

function messageOf(text: string): string {
  try {
    parseScenario(text, "l.yaml");
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  return "(loaded)";
}

describe("limits", () => {
  it("SCENARIO_MAX_BYTES", () => {
    const text = `${HEAD}# ${"x".repeat(SCENARIO_MAX_BYTES)}\n`;
    expect(messageOf(text)).toBe(`l.yaml:1:1 (root): the file is ${Buffer.byteLength(text)} bytes, over the limit of ${SCENARIO_MAX_BYTES} (SCENARIO_MAX_BYTES)`);
  });

  it("INSTANCES_MAX", () => {
    const text = `${HEAD}scaleSets:\n  - { name: ss, size: Standard_D2s_v5, instances: ${INSTANCES_MAX + 1}, subnet: vnet-a/big }\n`;
    expect(messageOf(text)).toBe(`l.yaml:8:51 scaleSets[0].instances: ${INSTANCES_MAX + 1} is out of range (expected <= ${INSTANCES_MAX})`);
  });

  it("VMS_MAX", () => {
    const sets = Math.ceil((VMS_MAX + 1) / INSTANCES_MAX);
    const lines = Array.from({ length: sets }, (_, i) => `  - { name: ss${i}, size: Standard_D2s_v5, instances: ${INSTANCES_MAX}, subnet: vnet-a/big }`);
    const text = `${HEAD}scaleSets:\n${lines.join("\n")}\n`;
    expect(messageOf(text)).toBe(`l.yaml:1:1 (root): has ${sets * INSTANCES_MAX} VMs after expanding scale sets, node pools and PaaS (limit VMS_MAX = ${VMS_MAX}; each set at most ${INSTANCES_MAX})`);
  });

  it("FLOWS_MAX", () => {
    const n = Math.ceil(Math.sqrt(FLOWS_MAX)) + 1;
    const text = `${HEAD}scaleSets:\n  - { name: ss, size: Standard_D2s_v5, instances: ${n}, subnet: vnet-a/big }\ntraffic:\n  - { pattern: all-pairs, name: mesh, vnet: vnet-a }\n`;
    expect(messageOf(text)).toBe(`l.yaml:10:5 traffic[0]: expands to ${n * (n - 1)} flows, over the limit of ${FLOWS_MAX} flows in total (FLOWS_MAX)`);
  });

  it("SECTION_MAX_ITEMS", () => {
    const items = Array.from({ length: SECTION_MAX_ITEMS + 1 }, (_, i) => `  - { name: e${i}, ip: 8.8.${i >> 8}.${i & 255} }`);
    expect(messageOf(`${HEAD}externals:\n${items.join("\n")}\n`)).toBe(`l.yaml:8:3 externals: has ${SECTION_MAX_ITEMS + 1} items (expected at most ${SECTION_MAX_ITEMS})`);
  });

  it("ISSUES_MAX: the rest are counted", () => {
    const extra = 37;
    const items = Array.from({ length: ISSUES_MAX + extra }, (_, i) => `  - { name: e${i}, ip: 8.8.8.${300 + i} }`);
    const lines = messageOf(`${HEAD}externals:\n${items.join("\n")}\n`).split("\n");
    expect(lines).toHaveLength(ISSUES_MAX + 1);
    expect(lines[0]).toBe('l.yaml:8:21 externals[0].ip: "8.8.8.300" is not an IPv4 address (expected e.g. "10.0.1.4")');
    expect(lines[ISSUES_MAX]).toBe(`... and ${extra} more issues (ISSUES_MAX = ${ISSUES_MAX})`);
  });

  it("NICS_PER_VM_MAX", () => {
    const nics = Array.from({ length: NICS_PER_VM_MAX + 1 }, (_, i) => `      - { name: n${i}, ipConfigs: [{ name: c, subnet: vnet-a/big }] }`);
    const text = `${HEAD}vms:\n  - name: vm-1\n    size: Standard_D4s_v5\n    nics:\n${nics.join("\n")}\n`;
    expect(messageOf(text)).toBe(`l.yaml:11:7 vms[0].nics: has ${NICS_PER_VM_MAX + 1} items (expected at most ${NICS_PER_VM_MAX})`);
  });
});
