/** Issues found in a scenario file, and the error that carries them. */
import { ISSUES_MAX } from "./limits.js";

export interface ScenarioIssue {
  file: string;
  /** 1-based line of the offending node. */
  line: number;
  /** 1-based column of the offending node. */
  column: number;
  /** Path of the offending value, e.g. "vnets[0].subnets[1].prefix"; "(root)" for the whole file, "(yaml)" for syntax. */
  path: string;
  message: string;
}

export type PathSegment = string | number;

/** An issue before it is located in the file: where (as a path) and what. */
export interface PathIssue {
  path: readonly PathSegment[];
  message: string;
  /** Point at the key of the last path segment rather than at its value (unknown keys). */
  atKey?: boolean;
  /** Path shown in the message when it differs from `path` (an unknown key is reported on its object). */
  displayPath?: readonly PathSegment[];
}

/** "vnets[0].subnets[1].prefix"; "(root)" for the empty path. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out === "" ? "(root)" : out;
}

export function formatIssue(issue: ScenarioIssue): string {
  return `${issue.file}:${issue.line}:${issue.column} ${issue.path}: ${issue.message}`;
}

/** Bad scenario input. `message` has one line per issue (at most ISSUES_MAX, then a count of the rest). */
export class ScenarioError extends Error {
  readonly issues: ScenarioIssue[];
  constructor(issues: ScenarioIssue[]) {
    const shown = issues.slice(0, ISSUES_MAX).map(formatIssue);
    if (issues.length > ISSUES_MAX) shown.push(`... and ${issues.length - ISSUES_MAX} more issues (ISSUES_MAX = ${ISSUES_MAX})`);
    super(shown.join("\n"));
    this.name = "ScenarioError";
    this.issues = issues;
  }
}

/** Sorts by position, keeping the order of issues at the same position. */
export function sortIssues(issues: ScenarioIssue[]): ScenarioIssue[] {
  return issues.map((issue, i) => ({ issue, i }))
    .sort((a, b) => a.issue.line - b.issue.line || a.issue.column - b.issue.column || a.i - b.i)
    .map((x) => x.issue);
}
