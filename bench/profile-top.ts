/**
 * Where the time goes, from a V8 CPU profile (node --cpu-prof): the functions with the most
 * samples, by self time and inclusive time. Used for bench/PROFILES.md:
 *
 *   npm run build
 *   node --expose-gc --cpu-prof --cpu-prof-dir=prof dist/bench/run.js --quick --no-write --only '^handshake/TLS_ECDHE'
 *   node dist/bench/profile-top.js prof/<file>.cpuprofile [top=25]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

export interface FrameShare {
  frame: string;
  share: number;
}

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url.split("/").pop() ?? "";
  return `${f.functionName === "" ? "(anonymous)" : f.functionName} ${file}:${f.lineNumber + 1}`;
}

/** Self and inclusive shares of the samples per frame (a frame counted once per stack). */
export function summarize(profile: CpuProfile, top: number): { self: FrameShare[]; inclusive: FrameShare[]; samples: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<number, number>();
  for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  for (const [id, count] of hits) {
    const name = frameName(byId.get(id)!);
    self.set(name, (self.get(name) ?? 0) + count);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = frameName(byId.get(cur)!);
      if (seen.has(f)) continue;
      seen.add(f);
      incl.set(f, (incl.get(f) ?? 0) + count);
    }
  }
  const total = profile.samples.length;
  const rank = (m: Map<string, number>): FrameShare[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, c]) => ({ frame, share: c / total }));
  return { self: rank(self), inclusive: rank(incl), samples: total };
}

const file = process.argv[2];
if (file !== undefined && import.meta.url.endsWith(process.argv[1]?.split("/").pop() ?? "-")) {
  const top = Number(process.argv[3] ?? 25);
  const s = summarize(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, top);
  const show = (title: string, xs: FrameShare[]): void => {
    process.stdout.write(`${title}\n`);
    for (const x of xs) process.stdout.write(`${(x.share * 100).toFixed(1).padStart(5)}%  ${x.frame}\n`);
  };
  process.stdout.write(`${s.samples} samples\n`);
  show("self time", s.self);
  show("inclusive time", s.inclusive);
}
