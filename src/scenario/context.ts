/** Shared state of one resolution pass: the document, the issues found, and names to stay quiet about. */
import type { PathIssue, PathSegment } from "./issues.js";
import type { ScenarioDoc } from "./schema.js";
import { didYouMean } from "./suggest.js";

export class ResolveContext {
  readonly issues: PathIssue[] = [];
  constructor(
    readonly doc: ScenarioDoc,
    /** Names of items that failed schema validation and were left out: references to them are not reported again. */
    readonly brokenNames: ReadonlySet<string> = new Set(),
  ) {}

  /** True when `value` names a broken item, or something generated from one ("vmss_0", "aks-1/pod", "aks-1-pool-0"). */
  isBroken(value: string): boolean {
    for (const b of this.brokenNames) {
      if (value === b || value.startsWith(`${b}/`) || value.startsWith(`${b}_`) || value.startsWith(`${b}-`)) return true;
    }
    return false;
  }

  error(path: readonly PathSegment[], message: string): void {
    this.issues.push({ path, message });
  }

  /** `"x" is not a known <what> (did you mean "y"?)`, unless x (or its first "/" part) belongs to a broken item. */
  unknown(path: readonly PathSegment[], value: string, what: string, candidates: Iterable<string>): void {
    if (this.isBroken(value)) return;
    this.error(path, `${JSON.stringify(value)} is not a known ${what}${didYouMean(value, candidates)}`);
  }

  /** Reports a duplicate name (`"x" is already used by <what> <where>`); returns true when `name` was already seen. */
  duplicate(seen: Map<string, string>, path: readonly PathSegment[], name: string, where: string, what: string): boolean {
    const first = seen.get(name);
    if (first !== undefined) {
      this.error(path, `${JSON.stringify(name)} is already used by ${first}`);
      return true;
    }
    seen.set(name, `${what} ${where}`);
    return false;
  }
}
