/**
 * Traffic: endpoint labels resolved to addresses, patterns expanded to flows, and expectations
 * checked against the expanded flow names (scenario-format.md, "Expanded flow names").
 */
import { parseIpv4 } from "../topology/cidr.js";
import type { Flow, Topology } from "../topology/model.js";
import { isReason, REASONS } from "../policy/reasons.js";
import type { ResolveContext } from "./context.js";
import { durationMs, parseRate } from "./durations.js";
import type { PathSegment } from "./issues.js";
import { FLOWS_MAX } from "./limits.js";
import { defaultSrcPort } from "./placement.js";
import { didYouMean } from "./suggest.js";
import type { Expectation, FlowSpec } from "./types.js";

export const ENDPOINT_EXPECTED = 'a VM, scale set instance, pod "<cluster>/<pod>", PaaS, appliance, external, load balancer, "<vm>/<nic>/<ipconfig>", "<cluster>/control-plane" or an IPv4 address';

/** Every endpoint label of a topology and its address. */
export function endpointIndex(t: Topology): Map<string, string> {
  const index = new Map<string, string>();
  for (const vm of t.vms) {
    const first = vm.nics[0];
    const primary = first?.ipConfigs.find((c) => c.primary) ?? first?.ipConfigs[0];
    if (primary !== undefined) index.set(vm.name, primary.privateIp);
    for (const nic of vm.nics) for (const c of nic.ipConfigs) index.set(`${vm.name}/${nic.name}/${c.name}`, c.privateIp);
  }
  for (const p of t.paasServices) {
    const ip = index.get(p.hostVm);
    if (ip !== undefined) index.set(p.name, ip);
  }
  for (const a of t.appliances) index.set(a.name, a.ip);
  for (const e of t.externals) index.set(e.name, e.ip);
  for (const lb of t.loadBalancers) index.set(lb.name, lb.frontendIp);
  for (const c of t.aksClusters) {
    index.set(`${c.name}/control-plane`, c.controlPlaneIp);
    for (const p of c.pods) index.set(`${c.name}/${p.name}`, p.ip);
  }
  return index;
}

function resolveEndpoint(ctx: ResolveContext, index: Map<string, string>, path: readonly PathSegment[], label: string): string | null {
  const ip = index.get(label);
  if (ip !== undefined) return ip;
  if (parseIpv4(label) !== null) return label;
  if (ctx.isBroken(label)) return null;
  ctx.error(path, `${JSON.stringify(label)} is not a known endpoint (expected ${ENDPOINT_EXPECTED})${didYouMean(label, index.keys())}`);
  return null;
}

function rateOf(rate: string | { poisson: string } | undefined): FlowSpec["rate"] {
  if (rate === undefined) return null;
  const text = typeof rate === "string" ? rate : rate.poisson;
  const r = parseRate(text);
  return r.ok ? { kind: typeof rate === "string" ? "constant" : "poisson", perSecond: r.value } : null;
}

/** Expands `traffic` to flows in file order. */
export function expandTraffic(ctx: ResolveContext, t: Topology): FlowSpec[] {
  const index = endpointIndex(t);
  const seed = t.settings.seed;
  const flows: FlowSpec[] = [];
  const names = new Map<string, number>();
  /** Claims a flow name for traffic[i]; reports and returns false when an earlier item has it. */
  const claimName = (name: string, i: number, path: readonly PathSegment[]): boolean => {
    const prev = names.get(name);
    if (prev !== undefined) {
      ctx.error(path, `${JSON.stringify(name)} is already used by flow traffic[${prev}]`);
      return false;
    }
    names.set(name, i);
    return true;
  };
  ctx.doc.traffic.forEach((tr, i) => {
    const path: PathSegment[] = ["traffic", i];
    const icmp = tr.protocol === "icmp";
    const common = {
      startMs: durationMs(tr.start), packets: tr.packets, sizeBytes: tr.sizeBytes, rate: rateOf(tr.rate),
      pattern: tr.pattern === "request-response" ? "request-response" as const : "one-way" as const,
    };
    if (tr.pattern === "all-pairs") {
      const vnetName = tr.vnet ?? "";
      if (!t.vnets.some((v) => v.name === vnetName)) {
        ctx.unknown([...path, "vnet"], vnetName, "VNet", t.vnets.map((v) => v.name));
        return;
      }
      const members = t.vms.filter((vm) => vm.nics[0]?.ipConfigs.some((c) => c.primary && c.subnet.split("/")[0] === vnetName));
      const count = members.length * (members.length - 1);
      if (flows.length + count > FLOWS_MAX) {
        ctx.error(path, `expands to ${count} flows, over the limit of ${FLOWS_MAX} flows in total (FLOWS_MAX)`);
        return;
      }
      for (const a of members) {
        for (const b of members) {
          if (a === b) continue;
          const name = `${tr.name ?? ""}:${a.name}->${b.name}`;
          const flow: Flow = { srcIp: index.get(a.name) ?? "", dstIp: index.get(b.name) ?? "", protocol: tr.protocol,
            srcPort: icmp ? 0 : defaultSrcPort(seed, name), dstPort: icmp ? 0 : tr.dstPort };
          if (claimName(name, i, [...path, "name"])) flows.push({ name, from: a.name, to: b.name, flow, ...common });
        }
      }
      return;
    }
    const from = tr.from ?? "";
    const to = tr.to ?? "";
    const name = tr.name ?? `${from}->${to}`;
    if (!claimName(name, i, tr.name === undefined ? path : [...path, "name"])) return;
    const srcIp = resolveEndpoint(ctx, index, [...path, "from"], from);
    const dstIp = resolveEndpoint(ctx, index, [...path, "to"], to);
    if (srcIp === null || dstIp === null) return;
    if (flows.length + 1 > FLOWS_MAX) {
      ctx.error(path, `is over the limit of ${FLOWS_MAX} flows in total (FLOWS_MAX)`);
      return;
    }
    const flow: Flow = { srcIp, dstIp, protocol: tr.protocol, srcPort: icmp ? 0 : (tr.srcPort ?? defaultSrcPort(seed, name)), dstPort: icmp ? 0 : tr.dstPort };
    flows.push({ name, from, to, flow, ...common });
  });
  return flows;
}

/** Expectations, each naming an expanded flow and (optionally) a known reason. */
export function buildExpectations(ctx: ResolveContext, flows: FlowSpec[]): Expectation[] {
  const flowNames = new Set(flows.map((f) => f.name));
  const brokenTraffic = ctx.brokenNames.has("(traffic)");
  return ctx.doc.expect.map((e, i) => {
    const path: PathSegment[] = ["expect", i];
    if (!flowNames.has(e.flow) && !brokenTraffic) {
      ctx.error([...path, "flow"], `${JSON.stringify(e.flow)} is not a known flow (expected an expanded flow name: an explicit flow's name, or "<pattern>:<src>-><dst>")${didYouMean(e.flow, flowNames)}`);
    }
    if (e.reason !== undefined && !isReason(e.reason)) {
      ctx.error([...path, "reason"], `${JSON.stringify(e.reason)} is not a known reason${didYouMean(e.reason, REASONS)} (expected one of ${REASONS.join(", ")})`);
    }
    return { flow: e.flow, encryption: e.encryption as Expectation["encryption"], action: e.action, reason: e.reason ?? null,
      atMs: e.at === undefined ? null : durationMs(e.at) };
  });
}
