/** The CPU-profile summary used for bench/PROFILES.md, on a hand-made profile. */
import { describe, expect, it } from "vitest";
import { summarize } from "../../bench/profile-top.js";

const frame = (functionName: string, lineNumber: number) => ({ functionName, url: "file:///x/dist/src/a.js", lineNumber });

describe("summarize", () => {
  it("splits samples into self and inclusive shares, counting a recursive frame once per stack", () => {
    // root(1) -> run(2) -> seal(3) -> seal(4, recursion, same frame) ; run(2) -> gc(5)
    const profile = {
      nodes: [
        { id: 1, callFrame: frame("(root)", -1), children: [2] },
        { id: 2, callFrame: frame("run", 9), children: [3, 5] },
        { id: 3, callFrame: frame("seal", 19), children: [4] },
        { id: 4, callFrame: frame("seal", 19) },
        { id: 5, callFrame: frame("", 29) },
      ],
      samples: [3, 4, 4, 5, 2, 4, 3, 5],
    };
    const s = summarize(profile, 10);
    expect(s.samples).toBe(8);
    expect(s.self[0]).toEqual({ frame: "seal a.js:20", share: 5 / 8 });
    expect(s.self.find((x) => x.frame === "(anonymous) a.js:30")?.share).toBe(2 / 8);
    expect(s.inclusive.find((x) => x.frame === "run a.js:10")?.share).toBe(1);
    expect(s.inclusive.find((x) => x.frame === "seal a.js:20")?.share).toBe(5 / 8);
    expect(summarize(profile, 1).self).toHaveLength(1);
  });
});
