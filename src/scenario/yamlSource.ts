/**
 * YAML text -> plain value, keeping the parsed document so that any path into the value can be
 * located at its line and column (yaml's LineCounter), and turning YAML's own errors (syntax,
 * duplicate keys) into issues.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { PathIssue, PathSegment, ScenarioIssue } from "./issues.js";

export interface YamlSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/** Most aliases expanded when converting to a value (yaml's guard against "billion laughs"). */
export const YAML_MAX_ALIAS_COUNT = 100;

export interface ParsedYaml {
  source: YamlSource;
  /** The value, or undefined when the YAML has errors. */
  value: unknown;
  issues: ScenarioIssue[];
}

function positionOf(source: YamlSource, offset: number): { line: number; column: number } {
  const p = source.lineCounter.linePos(Math.max(0, Math.min(offset, source.text.length)));
  return { line: p.line, column: p.col };
}

/** The map key written at `offset` (yaml reports a duplicate key by its first character only). */
function keyAt(text: string, offset: number): string {
  const m = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^:,{}[\]\n]*?))\s*:/.exec(text.slice(offset));
  if (m === null) return text.slice(offset, offset + 1);
  return (m[1] ?? m[2]?.replace(/''/g, "'") ?? m[3] ?? "").trim();
}

/** Parses YAML 1.2 (core schema). Duplicate keys are errors. */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const source: YamlSource = { file, text, doc, lineCounter };
  const issues: ScenarioIssue[] = doc.errors.map((e) => {
    const { line, column } = positionOf(source, e.pos[0]);
    const message = e.code === "DUPLICATE_KEY"
      ? `duplicate key ${JSON.stringify(keyAt(text, e.pos[0]))}`
      : `YAML syntax error: ${e.message}`;
    return { file, line, column, path: "(yaml)", message };
  });
  if (issues.length > 0) return { source, value: undefined, issues };
  try {
    return { source, value: doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT }), issues };
  } catch (err) {
    return { source, value: undefined, issues: [{ file, line: 1, column: 1, path: "(yaml)", message: `YAML error: ${(err as Error).message}` }] };
  }
}

/** The node at `path` (and the pair's key node), or the deepest existing ancestor. */
function nodeAt(doc: Document.Parsed, path: readonly PathSegment[]): { node: Node | null; keyNode: Node | null; complete: boolean } {
  let node: Node | null = doc.contents as Node | null;
  let keyNode: Node | null = null;
  for (const seg of path) {
    if (node === null) return { node, keyNode, complete: false };
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) === String(seg) : p.key === seg));
      if (pair === undefined) return { node, keyNode: null, complete: false };
      keyNode = isScalar(pair.key) ? pair.key : null;
      if (pair.value === null || pair.value === undefined) return { node: keyNode ?? node, keyNode, complete: true };
      node = pair.value as Node;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg];
      if (item === undefined || item === null) return { node, keyNode: null, complete: false };
      keyNode = null;
      node = item as Node;
    } else {
      return { node, keyNode, complete: false };
    }
  }
  return { node, keyNode, complete: true };
}

/** Locates a path issue in the file. */
export function locate(source: YamlSource, issue: PathIssue, pathText: string): ScenarioIssue {
  const found = nodeAt(source.doc, issue.path);
  const target = issue.atKey === true && found.complete && found.keyNode !== null ? found.keyNode : found.node;
  const offset = target?.range?.[0] ?? 0;
  return { file: source.file, ...positionOf(source, offset), path: pathText, message: issue.message };
}
