/**
 * Scenario file -> Scenario: YAML (with positions) -> schema validation -> references,
 * addresses and placement -> Topology at time 0, flows, events and expectations. Every issue
 * found is reported at once, each located at file:line:col.
 */
import { readFileSync, statSync } from "node:fs";
import type { PaasService, Topology, Vm } from "../topology/model.js";
import { allocateAks, collectAks } from "./aks.js";
import { AddressBook } from "./addresses.js";
import { allocateVmAddresses, claimVmAddresses, collectVmDrafts, finishNics, type VmDraft } from "./compute.js";
import { ResolveContext } from "./context.js";
import { durationMs } from "./durations.js";
import { allocateAppliances, buildExternals, buildLoadBalancers, claimLoadBalancerFrontends, collectAppliances } from "./edge.js";
import { buildEvents } from "./events.js";
import { buildDataplane, buildFaults } from "./dataplane.js";
import { formatPath, ScenarioError, sortIssues, type PathIssue, type PathSegment, type ScenarioIssue } from "./issues.js";
import { SCENARIO_MAX_BYTES } from "./limits.js";
import { buildNetwork } from "./network.js";
import { assignMacs, placeVms, seededRng } from "./placement.js";
import { LIST_SECTIONS, scenarioSchema, type ScenarioDoc } from "./schema.js";
import { buildExpectations, expandTraffic } from "./traffic.js";
import type { Scenario } from "./types.js";
import { locate, parseYaml, type YamlSource } from "./yamlSource.js";
import { convertZodIssue } from "./zodIssues.js";

/** Default NX_SW_NOT_READY window (scenario-format.md). */
export const SW_NOT_READY_WINDOW_DEFAULT_MS = 30_000;

type Section = (typeof LIST_SECTIONS)[number];

/** Top-level scalars replaced (undefined = default) when invalid, to keep checking the rest. */
const SCALAR_STAND_INS: Readonly<Record<string, unknown>> = {
  name: "invalid-name", description: undefined, epoch: undefined, seed: undefined, settings: undefined,
};

/** Schema validation; items that fail are left out (and remembered) so the reference checks can still run. */
function validate(value: unknown, issues: PathIssue[]): { doc: ScenarioDoc; kept: Map<Section, number[]>; broken: Set<string> } | null {
  const first = scenarioSchema.safeParse(value);
  if (first.success) return { doc: first.data, kept: new Map(), broken: new Set() };
  issues.push(...first.error.issues.flatMap((i) => convertZodIssue(i, value, scenarioSchema)));
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const pruned: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const badItems = new Map<Section, Set<number>>();
  for (const i of first.error.issues) {
    const [section, index] = i.path;
    if (section === undefined && i.code === "unrecognized_keys") {
      for (const k of i.keys) delete pruned[k];
    } else if (typeof section === "string" && section in SCALAR_STAND_INS) {
      // A bad top-level setting: carry on with a stand-in so that the rest of the file is still checked.
      pruned[section] = SCALAR_STAND_INS[section];
    } else if (typeof index === "number" && (LIST_SECTIONS as readonly unknown[]).includes(section)) {
      const set = badItems.get(section as Section) ?? new Set<number>();
      set.add(index);
      badItems.set(section as Section, set);
    } else {
      return null;
    }
  }
  const kept = new Map<Section, number[]>();
  const broken = new Set<string>();
  for (const [section, bad] of badItems) {
    const items = pruned[section] as unknown[];
    kept.set(section, items.map((_, k) => k).filter((k) => !bad.has(k)));
    pruned[section] = items.filter((_, k) => !bad.has(k));
    for (const k of bad) {
      const item = items[k] as Record<string, unknown> | null;
      const name = item !== null && typeof item === "object" ? item.name ?? item.vnet ?? item.vm : undefined;
      if (typeof name === "string") broken.add(name);
      broken.add(`(${section})`);
    }
  }
  const second = scenarioSchema.safeParse(pruned);
  return second.success ? { doc: second.data, kept, broken } : null;
}

function checkEndpointNames(ctx: ResolveContext, drafts: VmDraft[]): void {
  const seen = new Map<string, string>();
  const reported = new Set<string>();
  const check = (name: string, path: PathSegment[], what: string): void => {
    const first = seen.get(name);
    const where = formatPath(path.slice(0, -1));
    if (first === undefined) {
      seen.set(name, `${what} ${where}`);
    } else if (first !== `${what} ${where}` && !reported.has(name)) {
      reported.add(name);
      ctx.error(path, `${JSON.stringify(name)} is already used by ${first} (VMs, PaaS, appliances, externals and load balancers share one namespace)`);
    }
  };
  for (const d of drafts) check(d.name, [...d.path, "name"], d.role.kind === "vm" ? "VM" : d.role.kind);
  ctx.doc.paas.forEach((p, i) => check(p.name, ["paas", i, "name"], "PaaS"));
  ctx.doc.appliances.forEach((a, i) => check(a.name, ["appliances", i, "name"], "appliance"));
  ctx.doc.externals.forEach((e, i) => check(e.name, ["externals", i, "name"], "external"));
  ctx.doc.loadBalancers.forEach((l, i) => check(l.name, ["loadBalancers", i, "name"], "load balancer"));
}

/** Builds the topology at time 0 and everything that refers to it; issues go to ctx. */
export function resolveScenario(ctx: ResolveContext): Omit<Scenario, "file"> {
  const doc = ctx.doc;
  const net = buildNetwork(ctx);
  const book = new AddressBook();
  const drafts = collectVmDrafts(ctx, net);
  checkEndpointNames(ctx, drafts);
  claimVmAddresses(ctx, net, book, drafts);
  const applianceDrafts = collectAppliances(ctx, net, book);
  claimLoadBalancerFrontends(ctx, net, book);
  const externals = buildExternals(ctx, net, book);
  const aksDrafts = collectAks(ctx, net, book);
  allocateVmAddresses(ctx, book, drafts);
  const appliances = allocateAppliances(ctx, book, applianceDrafts);
  const aksClusters = allocateAks(ctx, book, aksDrafts);
  const rng = seededRng(doc.seed);
  const placement = placeVms(ctx, drafts, rng);
  assignMacs(ctx, drafts, rng);
  const vms: Vm[] = drafts.map((d) => ({
    name: d.name, size: d.size, host: placement.hostOf.get(d.name) ?? "", powerState: d.powerState,
    lastStartedAtMs: d.lastStartedAtMs, nics: finishNics(d), role: d.role,
  }));
  const loadBalancers = buildLoadBalancers(ctx, net, new Map(vms.map((v) => [v.name, v])));
  const paasServices: PaasService[] = doc.paas.map((p) => ({ name: p.name, hostVm: `${p.name}-vm` }));
  const topology: Topology = {
    epochIso: doc.epoch,
    settings: {
      swNotReadyWindowMs: doc.settings.swNotReadyWindowMs === undefined ? SW_NOT_READY_WINDOW_DEFAULT_MS : durationMs(doc.settings.swNotReadyWindowMs),
      seed: doc.seed,
    },
    vnets: net.vnets,
    hosts: placement.hosts,
    vms,
    peerings: net.peerings,
    loadBalancers,
    aksClusters,
    appliances,
    paasServices,
    externals,
    sizeOverrides: doc.sizes.map((s) => ({ series: s.series, encryption: s.encryption, acceleratedNetworking: s.acceleratedNetworking, confidential: s.confidential })),
  };
  const flows = expandTraffic(ctx, topology);
  const expectations = buildExpectations(ctx, flows);
  const events = buildEvents(ctx, topology);
  const scenario: Omit<Scenario, "file"> = { name: doc.name, description: doc.description, topology, settings: { tunnelScope: doc.settings.tunnelScope ?? "vm-pair" }, events, flows, expectations };
  const dataplane = buildDataplane(doc.settings.dataplane);
  const faults = buildFaults(ctx, doc.faults, topology);
  if (dataplane !== undefined) scenario.dataplane = dataplane;
  if (faults !== undefined) scenario.faults = faults;
  return scenario;
}

function remap(issue: PathIssue, kept: Map<Section, number[]>): PathIssue {
  const [section, index, ...rest] = issue.path;
  const map = kept.get(section as Section);
  if (map === undefined || typeof index !== "number") return issue;
  const original = map[index] ?? index;
  const displayRest = issue.displayPath?.slice(2);
  return { ...issue, path: [section as string, original, ...rest], ...(displayRest === undefined ? {} : { displayPath: [section as string, original, ...displayRest] }) };
}

function located(source: YamlSource, issues: PathIssue[]): ScenarioIssue[] {
  const out = issues.map((i) => locate(source, i, formatPath(i.displayPath ?? i.path)));
  const seen = new Set<string>();
  return sortIssues(out).filter((i) => {
    const key = `${i.line}:${i.column}:${i.path}:${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Parses and resolves a scenario; throws ScenarioError listing every issue found. */
export function parseScenario(text: string, fileName: string): Scenario {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > SCENARIO_MAX_BYTES) {
    throw new ScenarioError([{ file: fileName, line: 1, column: 1, path: "(root)", message: `the file is ${bytes} bytes, over the limit of ${SCENARIO_MAX_BYTES} (SCENARIO_MAX_BYTES)` }]);
  }
  const parsed = parseYaml(text, fileName);
  if (parsed.issues.length > 0) throw new ScenarioError(sortIssues(parsed.issues));
  const value = parsed.value;
  if (value === null || value === undefined) {
    throw new ScenarioError([{ file: fileName, line: 1, column: 1, path: "(root)", message: 'the file is empty (expected a mapping with at least "name" and "vnets")' }]);
  }
  const issues: PathIssue[] = [];
  const valid = validate(value, issues);
  if (valid === null) throw new ScenarioError(located(parsed.source, issues));
  const ctx = new ResolveContext(valid.doc, valid.broken);
  const result = resolveScenario(ctx);
  issues.push(...ctx.issues.map((i) => remap(i, valid.kept)));
  if (issues.length > 0) throw new ScenarioError(located(parsed.source, issues));
  return { ...result, file: fileName };
}

/** Reads and parses a scenario file (the path as given appears in messages). */
export function loadScenarioFile(path: string): Scenario {
  const size = statSync(path).size;
  if (size > SCENARIO_MAX_BYTES) {
    throw new ScenarioError([{ file: path, line: 1, column: 1, path: "(root)", message: `the file is ${size} bytes, over the limit of ${SCENARIO_MAX_BYTES} (SCENARIO_MAX_BYTES)` }]);
  }
  return parseScenario(readFileSync(path, "utf8"), path);
}
