/** Command line of bench/run.ts: `[--quick] [--only REGEX] [--seed N] [--no-write]`. */

export interface BenchArgs {
  quick: boolean;
  only: RegExp | null;
  seed: number;
  /** Skip writing results (a dry run for trying one benchmark with --only). */
  write: boolean;
}

export const DEFAULT_SEED = 1;

export const USAGE = "usage: npm run bench -- [--quick] [--only REGEX] [--seed N] [--no-write]";

/** Parses argv (without node and the script); throws naming the bad argument. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const out: BenchArgs = { quick: false, only: null, seed: DEFAULT_SEED, write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[i + 1];
      if (v === undefined) throw new Error(`bench: "${a}" expected a value after it; ${USAGE}`);
      i++;
      return v;
    };
    if (a === "--quick") out.quick = true;
    else if (a === "--no-write") out.write = false;
    else if (a === "--only") {
      const v = value();
      try {
        out.only = new RegExp(v);
      } catch (e) {
        throw new Error(`bench: "--only" expected a regular expression, got ${JSON.stringify(v)} (${(e as Error).message})`);
      }
    } else if (a === "--seed") {
      const v = value();
      const n = Number(v);
      if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new Error(`bench: "--seed" expected a non-negative integer, got ${JSON.stringify(v)}`);
      out.seed = n;
    } else throw new Error(`bench: unknown argument ${JSON.stringify(a)}; ${USAGE}`);
  }
  return out;
}
