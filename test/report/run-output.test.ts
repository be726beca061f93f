/**
 * `vnetsim run` when the run fails half-way: the runner has already fed the pcap and the key log
 * when it throws. Nothing may appear under the final names (output directory, pcap, key log), no
 * temporary file may stay behind, and an earlier run's output must be left as it was.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { RunOptions } from "../../sim/runner.js";
import type { Scenario } from "../../src/scenario/index.js";

const FAILURE = "simulated failure in the middle of the run";

// The real runner, except that a scenario named "explodes" fails after putting traffic on the wire.
vi.mock("../../sim/runner.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../sim/runner.js")>();
  return {
    ...real,
    runScenario: async (scenario: Scenario, options: RunOptions) => {
      if (scenario.name !== "explodes") return real.runScenario(scenario, options);
      for (let i = 0; i < 100; i += 1) options.tap?.(i, "100.64.0.1", 50000, "100.64.0.2", 4433, new Uint8Array(200));
      options.keyLog?.(`CLIENT_RANDOM ${"11".repeat(32)} ${"22".repeat(48)}`);
      throw new Error(FAILURE);
    },
  };
});

const { buildProgram } = await import("../../src/cli/program.js");

const dir = mkdtempSync(join(tmpdir(), "vnetsim-run-output-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scenarioText(name: string): string {
  return `name: ${name}
hosts:
  - { name: h1, region: westeurope }
  - { name: h2, region: westeurope }
vnets:
  - name: v
    region: westeurope
    addressSpace: [10.0.0.0/16]
    encryption: { enabled: true }
    subnets: [{ name: s, prefix: 10.0.1.0/24 }]
vms:
  - { name: a, size: Standard_D4s_v5, host: h1, subnet: v/s, ip: 10.0.1.4 }
  - { name: b, size: Standard_D4s_v5, host: h2, subnet: v/s, ip: 10.0.1.5 }
traffic:
  - { name: a-to-b, from: a, to: b, packets: 3 }
`;
}

async function run(args: string[]): Promise<unknown> {
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const saved = process.exitCode;
  try {
    await buildProgram().parseAsync(["run", ...args], { from: "user" });
    return null;
  } catch (error) {
    return error;
  } finally {
    out.mockRestore();
    process.exitCode = saved;
  }
}

describe("vnetsim run: a failed run writes nothing", () => {
  it("into a fresh directory: no output directory, no pcap, no key log, no temporary files", async () => {
    const file = join(dir, "explodes.yaml");
    writeFileSync(file, scenarioText("explodes"));
    const base = join(dir, "fresh");
    const out = join(base, "out");
    const error = await run([file, "--out", out, "--pcap", join(base, "captures", "wire.pcap"), "--keylog", join(base, "keys.log")]);
    expect((error as Error).message).toBe(FAILURE);
    // Even the directories the run created for its files are gone again.
    expect(existsSync(base)).toBe(false);
  });

  it("over a previous run: its summary, flow logs, pcap and key log stay as they were", async () => {
    const ok = join(dir, "explodes-later.yaml");
    writeFileSync(ok, scenarioText("fine"));
    const out = join(dir, "previous");
    const pcap = join(out, "wire.pcap");
    const keys = join(out, "keys.log");
    expect(await run([ok, "--out", out, "--pcap", pcap, "--keylog", keys])).toBeNull();
    const snapshot = (): Record<string, string> =>
      Object.fromEntries(
        (readdirSync(out, { recursive: true }) as string[])
          .sort()
          .filter((f) => f.endsWith(".json") || f.endsWith(".pcap") || f.endsWith(".log"))
          .map((f) => [f, readFileSync(join(out, f)).toString("base64")]),
      );
    const before = snapshot();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(["summary.json", "vms.json", "wire.pcap", "keys.log"]));
    expect(Object.keys(before).some((f) => f.endsWith("PT1H.json"))).toBe(true);

    const file = join(dir, "explodes.yaml");
    const error = await run([file, "--out", out, "--pcap", pcap, "--keylog", keys]);
    expect((error as Error).message).toBe(FAILURE);
    expect(snapshot()).toEqual(before);
    expect((readdirSync(out, { recursive: true }) as string[]).filter((f) => f.includes(".tmp") || f.includes(".vnetsim-"))).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.startsWith("."))).toEqual([]);
  });

  it("an existing directory the run did not create is kept even when empty", async () => {
    const out = join(dir, "empty-existing");
    mkdirSync(out);
    const error = await run([join(dir, "explodes.yaml"), "--out", join(out, "run"), "--pcap", join(out, "wire.pcap")]);
    expect((error as Error).message).toBe(FAILURE);
    expect(readdirSync(out)).toEqual([]);
  });
});
