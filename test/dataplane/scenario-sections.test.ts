/** The scenario's settings.dataplane and faults sections reach the data plane; bad host names are reported. */
import { describe, expect, it } from "vitest";
import { parseScenario, ScenarioError } from "../../src/scenario/index.js";
import { runScenario } from "../../sim/runner.js";

const BASE = `
name: sections
hosts:
  - { name: host-1, region: westeurope }
  - { name: host-2, region: westeurope }
vnets:
  - name: vnet-a
    region: westeurope
    addressSpace: [10.0.0.0/16]
    encryption: { enabled: true }
    subnets: [{ name: default, prefix: 10.0.1.0/24 }]
vms:
  - { name: vm-a, size: Standard_D4s_v5, host: host-1, subnet: vnet-a/default, ip: 10.0.1.4 }
  - { name: vm-b, size: Standard_D4s_v5, host: host-2, subnet: vnet-a/default, ip: 10.0.1.5 }
traffic:
  - { name: a-to-b, from: vm-a, to: vm-b, dstPort: 443, packets: 4, sizeBytes: 1450 }
`;

describe("scenario sections for the data plane", () => {
  it("settings.dataplane: mtuBytes and suite decide the MTU check; rekey settings resolve to ms", async () => {
    const dropped = await runScenario(parseScenario(BASE, "s.yaml"));
    expect(dropped.flows[0]!.droppedBy).toEqual({ "mtu-exceeded": 4 });
    const s = parseScenario(BASE.replace("hosts:", "settings:\n  dataplane: { mtuBytes: 9000, rekeyAfter: 1m, tunnelIdle: 30s, retryBackoff: 2s }\nhosts:"), "s.yaml");
    expect(s.dataplane).toEqual({ mtuBytes: 9000, rekey: { afterMs: 60_000 }, tunnelIdleMs: 30_000, retryBackoffMs: 2_000 });
    const ok = await runScenario(s);
    expect(ok.flows[0]!.encryptedPackets).toBe(4);
  });

  it("faults: staleKeyHosts fails the handshake (NX_FALLBACK); events partition the link", async () => {
    const text = BASE.replace("sizeBytes: 1450", "sizeBytes: 500") + `
faults:
  staleKeyHosts: [host-2]
  events:
    - { at: 10s, action: partition, between: [host-1, host-2] }
    - { at: 20s, action: repair, between: [host-2, host-1] }
`;
    const s = parseScenario(text, "s.yaml");
    expect(s.faults?.events).toEqual([{ atMs: 10_000, action: "partition", a: "host-1", b: "host-2" }, { atMs: 20_000, action: "repair", a: "host-2", b: "host-1" }]);
    const r = await runScenario(s);
    expect(r.flows[0]!.forward.byEncryption).toEqual({ NX_FALLBACK: 4 });
    // options override the scenario's faults section
    const clean = await runScenario(s, { faults: { staleKeyHosts: [] } });
    expect(clean.flows[0]!.encryptedPackets).toBe(4);
  });

  it("unknown hosts in faults are scenario errors naming the path", () => {
    const text = BASE + `
faults:
  lossRate: 0.5
  links: [{ between: [host-1, host-9], lossRate: 1 }]
  events: [{ at: 1s, action: host-crash, host: host-7 }]
`;
    let err: unknown;
    try {
      parseScenario(text, "s.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const msg = String((err as Error).message);
    expect(msg).toMatch(/faults\.links\[0\]\.between\[1\].*host-9/);
    expect(msg).toMatch(/faults\.events\[0\]\.host.*host-7/);
  });
});
