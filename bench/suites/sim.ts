/** The simulator benchmark (filled in once sim/runner.ts exists). */
import type { BenchContext } from "../lib/context.js";

export async function runSimSuite(ctx: BenchContext): Promise<void> {
  if (!ctx.selected("simulator")) return;
  ctx.notes.push("The simulator benchmark did not run: sim/runner.ts (runScenario) is not in the tree yet.");
}
