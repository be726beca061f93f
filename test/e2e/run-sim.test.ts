/**
 * `vnetsim run` as a user runs it (the built CLI, plain node): the simulation end to end, its
 * output directory (summary.json, vms.json, flow-log blobs in Azure's layout), the pcap and key
 * log read by tshark, determinism across runs, and the error paths (exit 2, nothing written).
 *
 * The CLI is compiled like test/e2e/build.ts does (test/e2e/tsconfig.json: the CLI's import graph
 * with the project's compiler options) but into a private directory, so this file never races
 * cli.test.ts, which rebuilds dist/e2e from scratch in its own beforeAll.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLOW_ENCRYPTION_VALUES } from "../../src/policy/index.js";
import { TSHARK_MISSING, tshark } from "../report/tshark.js";
import { BUILD_TIMEOUT_MS, REPO_ROOT } from "./build.js";

/** One simulated run of the default scenario takes a second or two; allow for two loaded cores. */
const SIM_TIMEOUT_MS = 120_000;
const MARKER_HEX = Buffer.from("VNSIMPKT", "latin1").toString("hex");
/** The exact tshark options the README documents. */
const DTLS_DECODE = ["-d", "udp.port==4433,dtls"];

let root = "";
let main = "";
let tmp = "";

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "vnetsim-run-sim-build-"));
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", "test/e2e/tsconfig.json", "--outDir", join(root, "dist")], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: BUILD_TIMEOUT_MS,
  });
  main = join(root, "dist", "src", "cli", "main.js");
  if (!existsSync(main)) throw new Error(`building the CLI failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  if (result.status !== 0) console.warn(`run-sim build: tsc reported errors elsewhere (exit ${result.status}):\n${result.stdout}`);
  symlinkSync(join(REPO_ROOT, "node_modules"), join(root, "node_modules"), "dir");
  copyFileSync(join(REPO_ROOT, "package.json"), join(root, "package.json"));
  tmp = mkdtempSync(join(tmpdir(), "vnetsim-run-sim-"));
}, BUILD_TIMEOUT_MS);

afterAll(() => {
  for (const d of [root, tmp]) if (d !== "") rmSync(d, { recursive: true, force: true });
});

function vnetsim(args: readonly string[], cwd = REPO_ROOT) {
  const r = spawnSync(process.execPath, [main, ...args], {
    cwd,
    encoding: "utf8",
    timeout: SIM_TIMEOUT_MS,
    env: { ...process.env, NO_COLOR: "", FORCE_COLOR: "" },
  });
  if (r.error !== undefined) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under dir, as paths relative to it, sorted. */
function walk(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as { isFile(): boolean; name: string; parentPath: string }[])
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const BLOB_RE =
  /^insights-logs-flowlogflowevent\/flowLogResourceID=\/SUBSCRIPTIONS\/[^/]+\/RESOURCEGROUPS\/NETWORKWATCHERRG\/PROVIDERS\/MICROSOFT\.NETWORK\/NETWORKWATCHERS\/NETWORKWATCHER_[A-Z0-9]+\/FLOWLOGS\/[^/]+\/y=\d{4}\/m=\d{2}\/d=\d{2}\/h=\d{2}\/m=00\/macAddress=[0-9A-F]{12}\/PT1H\.json$/;

describe("vnetsim run (simulation) on the default scenario", () => {
  let a = "";
  let first = { status: 0 as number | null, stdout: "", stderr: "" };

  beforeAll(() => {
    a = join(tmp, "a");
    first = vnetsim(["run", "scenarios/default.yaml", "--out", a, "--pcap", join(a, "wire.pcap"), "--keylog", join(a, "keys.log")]);
  }, SIM_TIMEOUT_MS);

  it("exits 0, prints the summary and where the output went, and nothing on stderr without a terminal", () => {
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^default: /);
    expect(first.stdout).toMatch(/^ENCRYPTION +ACTION +FLOWS +PACKETS$/m);
    // All eight flow-log encryption values, NX_FALLBACK included (a failed tunnel set-up to host-hub-2).
    for (const value of FLOW_ENCRYPTION_VALUES) {
      expect(first.stdout).toMatch(new RegExp(`^${value} +(deliver|drop) +[1-9]\\d* +[1-9]\\d*$`, "m"));
    }
    expect(first.stdout).toMatch(/^NX_FALLBACK +deliver +1 +[1-9]\d*$/m);
    expect(first.stdout).toMatch(/^ {2}tunnels {5}established [1-9]\d*, failed \d+/m);
    expect(first.stdout).toMatch(/^ {2}DTLS {8}[1-9]\d* bytes of overhead on the wire$/m);
    expect(first.stdout).toContain("PASS ");
    expect(first.stdout).not.toContain("FAIL ");
    expect(first.stdout).toContain(`Output in ${a}`);
    expect(first.stdout).toContain(join(a, "summary.json"));
    expect(first.stdout).toMatch(/wire\.pcap \([1-9]\d* frames\)/);
  });

  it("writes summary.json, vms.json and PT1H.json blobs in Azure's layout, and no temporary files", () => {
    const files = walk(a);
    expect(files).toContain("summary.json");
    expect(files).toContain("vms.json");
    expect(files).toContain("wire.pcap");
    expect(files).toContain("keys.log");
    const blobs = files.filter((f) => f.endsWith("PT1H.json"));
    expect(blobs.length).toBeGreaterThan(5);
    for (const b of blobs) expect(b).toMatch(BLOB_RE);
    expect(files.filter((f) => !["summary.json", "vms.json", "wire.pcap", "keys.log"].includes(f) && !f.endsWith("PT1H.json"))).toEqual([]);
    expect(readdirSync(tmp).filter((f) => f.startsWith("."))).toEqual([]);
    // The output directory gets the usual mode (umask), not a temporary directory's 0700.
    const probe = join(tmp, "mode-probe");
    mkdirSync(probe);
    expect((statSync(a).mode & 0o777).toString(8)).toBe((statSync(probe).mode & 0o777).toString(8));
    rmSync(probe, { recursive: true });
    const summary = JSON.parse(readFileSync(join(a, "summary.json"), "utf8")) as {
      scenario: { name: string; seed: number };
      flows: { name: string; verdicts: { encryption: string }[]; sent: number; delivered: number; dropped: number }[];
      expectations: { ok: boolean }[];
      ok: boolean;
    };
    expect(summary.scenario).toMatchObject({ name: "default", seed: 1 });
    const shown = new Set(summary.flows.flatMap((f) => f.verdicts.map((v) => v.encryption)));
    expect(FLOW_ENCRYPTION_VALUES.filter((value) => !shown.has(value))).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(summary.expectations.length).toBeGreaterThan(5);
    expect(summary.flows.length).toBeGreaterThan(10);
    for (const f of summary.flows) expect(f.sent, f.name).toBe(f.delivered + f.dropped);
    const vms = JSON.parse(readFileSync(join(a, "vms.json"), "utf8")) as { macToVm: Record<string, string> };
    expect(Object.values(vms.macToVm)).toContain("vm-app-2");
  });

  it("vnetsim flows OUT --encryption X lists the encrypted tuples (and --vm uses vms.json)", () => {
    const x = vnetsim(["flows", a, "--encryption", "X", "--json"]);
    expect(x.status).toBe(0);
    const doc = JSON.parse(x.stdout) as { tuples: { encryption: string; state: string }[] };
    expect(doc.tuples.length).toBeGreaterThan(0);
    for (const t of doc.tuples) expect(t.encryption).toBe("X");
    const text = vnetsim(["flows", a, "--encryption", "NX_NOT_ACCEPTED"]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("NX_NOT_ACCEPTED");
    const byVm = vnetsim(["flows", a, "--vm", "vm-app-2", "--json"]);
    expect(byVm.status).toBe(0);
    expect((JSON.parse(byVm.stdout) as { tuples: unknown[] }).tuples.length).toBeGreaterThan(0);
  });

  it("is deterministic: a second run with the same seed writes byte-identical flow logs, summary and pcap", () => {
    const b = join(tmp, "b");
    const second = vnetsim(["run", "scenarios/default.yaml", "--out", b, "--pcap", join(b, "wire.pcap"), "--keylog", join(b, "keys.log"), "--seed", "1"]);
    expect(second.status).toBe(0);
    const files = walk(a);
    expect(walk(b)).toEqual(files);
    for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
  });

  it("a re-run into the same directory replaces the previous flow logs instead of appending to them", () => {
    const blobs = walk(a).filter((x) => x.endsWith("PT1H.json"));
    const before = blobs.map((f) => readFileSync(join(a, f)));
    const again = vnetsim(["run", "scenarios/default.yaml", "--out", a]);
    expect(again.status).toBe(0);
    expect(walk(a).filter((x) => x.endsWith("PT1H.json"))).toEqual(blobs);
    blobs.forEach((f, i) => expect(readFileSync(join(a, f)).equals(before[i] ?? Buffer.alloc(0)), f).toBe(true));
  });

  describe.skipIf(TSHARK_MISSING !== null)("tshark on the run's pcap", () => {
    it("shows DTLS 1.2 records for the encrypted pairs and VXLAN-carried inner packets for plaintext ones", () => {
      const pcap = join(a, "wire.pcap");
      const all = tshark(pcap, DTLS_DECODE).trim().split("\n");
      const dtls12 = tshark(pcap, [...DTLS_DECODE, "-Y", "dtls.record.version == 0xfefd"]).trim().split("\n");
      expect(dtls12.length).toBeGreaterThan(50);
      expect(all.some((l) => /DTLSv1\.2 .*Application Data/.test(l))).toBe(true);
      const vxlan = tshark(pcap, ["-Y", "vxlan", "-T", "fields", "-e", "frame.protocols", "-e", "ip.src", "-e", "ip.dst"]).trim().split("\n");
      expect(vxlan.length).toBeGreaterThan(10);
      // Outer addresses are the hosts' underlay; the inner ones are the VMs' (two ip layers).
      for (const l of vxlan) {
        expect(l).toMatch(/:vxlan:eth:ethertype:ip:/);
        expect(l.split("\t")[1]?.split(",")).toHaveLength(2);
      }
    });

    it("decrypts the DTLS application data with the key log: the inner packets' marker appears; without it, it does not", () => {
      const pcap = join(a, "wire.pcap");
      const fields = ["-Y", "dtls.app_data", "-T", "fields", "-e", "data.data"];
      const decrypted = tshark(pcap, [...DTLS_DECODE, "-o", `tls.keylog_file:${join(a, "keys.log")}`, ...fields]);
      const withMarker = decrypted.split(/[\n,]/).filter((h) => h.startsWith("45") && h.includes(MARKER_HEX));
      const summary = JSON.parse(readFileSync(join(a, "summary.json"), "utf8")) as { totals: { packets: { encrypted: number } } };
      expect(withMarker.length).toBeGreaterThanOrEqual(summary.totals.packets.encrypted);
      expect(tshark(pcap, [...DTLS_DECODE, ...fields])).not.toContain(MARKER_HEX);
    });
  });
});

describe("README", () => {
  it("the sample under 'Running a simulation' is what the command prints, run from a fresh directory", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const sample = /### Running a simulation[^\n]*\n\n```text\n\$ npx vnetsim (run [^\n]+)\n([\s\S]*?)```/.exec(readme);
    expect(sample, "README has the sample").not.toBeNull();
    const cwd = mkdtempSync(join(tmp, "readme-"));
    symlinkSync(join(REPO_ROOT, "scenarios"), join(cwd, "scenarios"), "dir");
    const r = vnetsim((sample?.[1] ?? "").split(" "), cwd);
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd()).toBe((sample?.[2] ?? "").trimEnd());
  });

  it("documents the options of vnetsim run and the tshark commands the tests use", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    for (const flag of ["--out", "--duration", "--enforcement", "--wire", "--pcap", "--keylog", "--workers", "--policy-only"]) expect(readme).toContain(`\`${flag}`);
    expect(readme).toContain("-d udp.port==4433,dtls");
    expect(readme).toContain("-o tls.keylog_file:out/default/keys.log");
    expect(readme).toContain("dtls.record.version == 0xfefd");
  });
});

describe("vnetsim run: options and errors", () => {
  const TWO_VMS = `name: two-vms
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
  - { name: a-to-b, from: a, to: b, packets: 5 }
`;

  function scenarioFile(name: string, text: string): string {
    const path = join(tmp, name);
    writeFileSync(path, text);
    return path;
  }

  it("exits 1 when an expectation fails on the wire, still writing the run's output", () => {
    const file = scenarioFile("failing.yaml", `${TWO_VMS}expect:\n  - { flow: a-to-b, encryption: NX, action: deliver }\n`);
    const out = join(tmp, "failing");
    const r = vnetsim(["run", file, "--out", out]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL a-to-b at 0: expected NX deliver$/m);
    expect(r.stdout).toContain("on the wire: X deliver (encrypted) via tunnel");
    expect((JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { ok: boolean }).ok).toBe(false);
  });

  it("--json prints the summary with the output paths; --enforcement and --duration are applied", () => {
    const file = scenarioFile("two.yaml", TWO_VMS);
    const out = join(tmp, "json");
    const r = vnetsim(["run", file, "--out", out, "--json", "--enforcement", "DropUnencrypted", "--duration", "2m"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    const doc = JSON.parse(r.stdout) as { run: { enforcement: string; durationMs: number }; outputs: { dir: string; summaryFile: string }; ok: boolean };
    expect(doc.run).toMatchObject({ enforcement: "DropUnencrypted", durationMs: 120_000 });
    expect(doc.outputs.summaryFile).toBe(join(out, "summary.json"));
    const { outputs: _outputs, ...summary } = doc as typeof doc & Record<string, unknown>;
    expect(`${JSON.stringify(summary, null, 2)}\n`).toBe(readFileSync(join(out, "summary.json"), "utf8"));
  });

  it("--wire udp sends real datagrams over 127.0.0.1 and reports the same outcome", () => {
    const file = scenarioFile("udp.yaml", `${TWO_VMS}expect:\n  - { flow: a-to-b, encryption: X, action: deliver }\n`);
    const out = join(tmp, "udp");
    const r = vnetsim(["run", file, "--out", out, "--wire", "udp", "--pcap", join(out, "wire.pcap"), "--json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { run: { wire: string }; totals: { packets: { sent: number; encrypted: number } }; outputs: { pcapFrames: number } };
    expect(doc.run.wire).toBe("udp");
    expect(doc.totals.packets).toMatchObject({ sent: 5, encrypted: 5 });
    expect(doc.outputs.pcapFrames).toBeGreaterThan(5);
  });

  it.skipIf(spawnSync("script", ["--version"]).status !== 0)("draws the progress bar on stderr only when it is a terminal, and never with --json (util-linux script gives it a pty)", () => {
    const file = scenarioFile("tty.yaml", TWO_VMS);
    const onTty = (extra: string) =>
      spawnSync("script", ["-qec", `${process.execPath} ${main} run ${file} --out ${join(tmp, "tty")} ${extra} > /dev/null`, "/dev/null"], {
        encoding: "utf8",
        timeout: SIM_TIMEOUT_MS,
      });
    const bar = onTty("");
    expect(bar.status).toBe(0);
    // eslint-disable-next-line no-control-regex -- the bar's erase-line escape (ESC [ K) is what we look for
    expect(bar.stdout).toMatch(/\r\[#+\] 100\.0% \d+\/\d+ two-vms\u001b\[K/);
    expect(bar.stdout.endsWith("\r\u001b[K")).toBe(true);
    const json = onTty("--json");
    expect(json.status).toBe(0);
    expect(json.stdout).toBe("");
  });

  it("a run without traffic into a directory of an earlier run removes the earlier flow logs", () => {
    const out = join(tmp, "reuse");
    expect(vnetsim(["run", scenarioFile("reuse.yaml", TWO_VMS), "--out", out]).status).toBe(0);
    expect(walk(out).some((f) => f.endsWith("PT1H.json"))).toBe(true);
    const quiet = scenarioFile("quiet.yaml", TWO_VMS.replace(/traffic:\n.*\n/, ""));
    const r = vnetsim(["run", quiet, "--out", out]);
    expect(r.status).toBe(0);
    expect(walk(out)).toEqual(["summary.json", "vms.json"]);
  });

  it("writes to ./out/<scenario name> by default", () => {
    const cwd = mkdtempSync(join(tmp, "cwd-"));
    const file = scenarioFile("default-out.yaml", TWO_VMS);
    const r = vnetsim(["run", file], cwd);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Output in ${join("out", "two-vms")}`);
    expect(existsSync(join(cwd, "out", "two-vms", "summary.json"))).toBe(true);
  });

  it.each([
    [["--wire", "tcp"], /argument 'tcp' is invalid. Allowed choices are memory, udp/],
    [["--enforcement", "Maybe"], /Allowed choices are AllowUnencrypted, DropUnencrypted/],
    [["--duration", "soon"], /Expected a positive virtual time such as 90s, 10m or 2h.*"soon"/],
    [["--duration", "-5m"], /Expected a positive virtual time/],
    [["--seed", "x"], /Expected a whole number/],
    [["--at", "5m"], /--at decides flows at an instant and needs --policy-only/],
    [["--pcap", "same.file", "--keylog", "./same.file"], /--pcap and --keylog name the same file/],
    [["--policy-only", "--pcap", "x.pcap"], /vnetsim run: --out, --pcap need a simulation; remove --policy-only/],
  ])("exits 2 for %j with a clear message and writes nothing", (flags, message) => {
    const out = join(tmp, `bad-${flags.join("")}`.replace(/[^a-z0-9-]/gi, "_"));
    const r = vnetsim(["run", "scenarios/same-host.yaml", "--out", out, ...flags]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(out)).toBe(false);
  });

  it("exits 2 when --pcap is a directory, before writing anything", () => {
    const out = join(tmp, "pcap-dir");
    const r = vnetsim(["run", "scenarios/same-host.yaml", "--out", out, "--pcap", tmp]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("is a directory, expected a file name");
    expect(existsSync(out)).toBe(false);
  });

  it("exits 2 for an invalid scenario and writes nothing", () => {
    const file = scenarioFile("broken.yaml", TWO_VMS.replace("prefix: 10.0.1.0/24", "prefix: 10.0.300.0/24"));
    const out = join(tmp, "broken");
    const r = vnetsim(["run", file, "--out", out, "--pcap", join(out, "wire.pcap")]);
    expect(r.status).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it("--policy-only keeps the policy table of `vnetsim run` before the simulator, and writes nothing", () => {
    const cwd = mkdtempSync(join(tmp, "policy-"));
    const r = vnetsim(["run", join(REPO_ROOT, "scenarios/same-host.yaml"), "--policy-only", "--at", "0"], cwd);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^FLOW +AT +SOURCE +DESTINATION +PROTO\/PORT +ENCRYPTION +ACTION +REASON$/m);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("--workers 2 splits a VM-to-VM scenario and writes the one-thread output; says why when it cannot split", () => {
    const one = join(tmp, "workers-1");
    const two = join(tmp, "workers-2");
    const keysOne = join(tmp, "workers-1.keys");
    const keysTwo = join(tmp, "workers-2.keys");
    expect(vnetsim(["run", "scenarios/regional-peering.yaml", "--out", one, "--keylog", keysOne]).status).toBe(0);
    const r = vnetsim(["run", "scenarios/regional-peering.yaml", "--out", two, "--keylog", keysTwo, "--workers", "2"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Split by tunnel over 2 worker threads \(flows \d+ \/ \d+\)/);
    expect(walk(two)).toEqual(walk(one));
    for (const f of walk(one)) {
      if (f === "summary.json") continue;
      expect(readFileSync(join(two, f), "utf8"), f).toBe(readFileSync(join(one, f), "utf8"));
    }
    const s1 = JSON.parse(readFileSync(join(one, "summary.json"), "utf8")) as Record<string, unknown>;
    const s2 = JSON.parse(readFileSync(join(two, "summary.json"), "utf8")) as Record<string, unknown>;
    expect(s2.parallel).toMatchObject({ requested: 2, workers: 2, refused: null, exact: true, notes: [] });
    delete s2.parallel;
    expect(s2).toEqual(s1);
    const sorted = (f: string): string[] => readFileSync(f, "utf8").split("\n").sort();
    expect(sorted(keysTwo)).toEqual(sorted(keysOne));

    const refused = vnetsim(["run", "scenarios/ilb-supported.yaml", "--out", join(tmp, "workers-ilb"), "--workers", "2"]);
    expect(refused.status).toBe(0);
    expect(refused.stdout).toMatch(/Ran on one thread, not 2: flow "client-to-ilb" \(10\.0\.1\.4 -> 10\.0\.2\.100\) has an end with no fixed VM behind it \(a load balancer frontend, an appliance or an external address\)/);
  });

  it.each([
    [["--workers", "0"], /--workers.*Expected an integer from 1 to 64 \(worker threads\), got "0"/],
    [["--workers", "two"], /Expected an integer from 1 to 64 \(worker threads\), got "two"/],
    [["--workers", "2", "--wire", "udp"], /--workers 2 needs the memory wire/],
    [["--workers", "2", "--pcap", "w.pcap"], /--workers 2 cannot write --pcap/],
    [["--workers", "2", "--policy-only"], /--out, --workers need a simulation; remove --policy-only/],
  ])("exits 2 for %j, naming the flag, and writes nothing", (args, message) => {
    const out = join(tmp, `workers-bad-${args.join("_")}`);
    const r = vnetsim(["run", "scenarios/same-host.yaml", "--out", out, ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});
