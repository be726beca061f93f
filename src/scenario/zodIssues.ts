/**
 * zod issues -> scenario issues in the project's wording: `<value as JSON> <what was expected>`,
 * `missing required key "x"`, `unknown key "subnetz" (did you mean "subnets"?)`.
 */
import type { z } from "zod";
import type { PathIssue, PathSegment } from "./issues.js";
import { didYouMean } from "./suggest.js";

type ZodIssue = z.core.$ZodIssue;

/** Azure resource property names (ARM / az output) and the scenario key that means the same. */
const AZURE_SYNONYMS: Readonly<Record<string, string>> = {
  privateIp: "ip", privateIpAddress: "ip", privateIPAddress: "ip", addressPrefix: "prefix", addressPrefixes: "addressSpace",
  enableAcceleratedNetworking: "acceleratedNetworking", vmSize: "size", location: "region", macAddress: "mac", ipConfigurations: "ipConfigs",
  networkInterfaces: "nics", enforcementPolicy: "enforcement",
};

/** The raw value at `path`, or undefined. */
export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function isScalar(v: unknown): boolean {
  return v === null || (typeof v !== "object" && v !== undefined);
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: "a string", number: "a number", int: "an integer", boolean: "a boolean (true or false)",
  array: "a list", object: "a mapping", tuple: "a list", null: "null",
};

function typeWord(expected: string): string {
  return TYPE_WORDS[expected] ?? expected;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (v !== null && typeof v === "object") return "a mapping";
  return JSON.stringify(v) ?? String(v);
}

/** Allowed keys of the object schema at `path` (walking optional/default/array/union wrappers). */
export function knownKeysAt(schema: z.ZodType, path: readonly PathSegment[], root: unknown): string[] {
  let s: unknown = schema;
  const unwrap = (x: unknown): unknown => {
    for (let i = 0; i < 16; i++) {
      const def = (x as { _zod?: { def?: { type?: string; innerType?: unknown; in?: unknown } } })._zod?.def;
      if (def?.type === "optional" || def?.type === "default" || def?.type === "nullable" || def?.type === "prefault") x = def.innerType;
      else if (def?.type === "pipe") x = def.in;
      else return x;
    }
    return x;
  };
  const pickUnion = (x: unknown, value: unknown): unknown => {
    const def = (x as { _zod: { def: { type: string; options?: unknown[]; discriminator?: string } } })._zod.def;
    if (def.type !== "union" || def.options === undefined) return x;
    const objects = def.options.map(unwrap).filter((o) => (o as { _zod: { def: { type: string } } })._zod.def.type === "object");
    if (def.discriminator !== undefined && value !== null && typeof value === "object") {
      const tag = (value as Record<string, unknown>)[def.discriminator];
      const match = objects.find((o) => {
        const lit = unwrap((o as { shape: Record<string, unknown> }).shape[def.discriminator ?? ""]);
        return ((lit as { _zod: { def: { values?: unknown[] } } })._zod.def.values ?? []).includes(tag);
      });
      if (match !== undefined) return match;
    }
    return objects[0] ?? x;
  };
  for (let i = 0; i <= path.length; i++) {
    s = pickUnion(unwrap(s), valueAt(root, path.slice(0, i)));
    if (i === path.length) break;
    const def = (s as { _zod: { def: { type: string; element?: unknown; items?: unknown[] } } })._zod.def;
    const seg = path[i];
    if (def.type === "object") s = (s as { shape: Record<string, unknown> }).shape[String(seg)];
    else if (def.type === "array") s = def.element;
    else if (def.type === "tuple" && typeof seg === "number") s = def.items?.[seg];
    else return [];
    if (s === undefined) return [];
  }
  s = unwrap(s);
  const def = (s as { _zod: { def: { type: string } } })._zod.def;
  return def.type === "object" ? Object.keys((s as { shape: Record<string, unknown> }).shape) : [];
}

/** Converts one zod issue (with its own path prefix) to path issues. */
export function convertZodIssue(issue: ZodIssue, root: unknown, schema: z.ZodType, prefix: readonly PathSegment[] = []): PathIssue[] {
  const path = [...prefix, ...(issue.path as PathSegment[])];
  const value = valueAt(root, path);
  // Scalars are quoted before the message; a list or mapping is named only when the message needs a subject.
  const withValue = (message: string): PathIssue =>
    ({ path, message: isScalar(value) || (value !== undefined && message.startsWith("is ")) ? `${describe(value)} ${message}` : message });
  switch (issue.code) {
    case "invalid_type": {
      if (value === undefined) {
        const key = path[path.length - 1];
        return [{ path, message: `missing required key ${JSON.stringify(String(key))}` }];
      }
      if (issue.message !== "" && !issue.message.startsWith("Invalid input")) return [{ path, message: `${describe(value)} ${issue.message}` }];
      return [{ path, message: `${describe(value)} is not ${typeWord(issue.expected)}` }];
    }
    case "unrecognized_keys":
      return issue.keys.map((key) => {
        const known = knownKeysAt(schema, path, root);
        const synonym = AZURE_SYNONYMS[key];
        const hint = synonym !== undefined && known.includes(synonym) ? ` (did you mean ${JSON.stringify(synonym)}?)` : didYouMean(key, known);
        return { path: [...path, key], atKey: true, message: `unknown key ${JSON.stringify(key)}${hint}`, displayPath: path };
      });
    case "invalid_value": {
      const options = issue.values.map((v) => JSON.stringify(v));
      const hint = typeof value === "string" ? didYouMean(value, issue.values.map(String)) : "";
      const expected = options.length === 1 ? options[0] : `one of ${options.join(", ")}`;
      if (value === undefined) return [{ path, message: `missing required key ${JSON.stringify(String(path[path.length - 1]))}` }];
      return [{ path, message: `${describe(value)} is not ${expected}${hint}` }];
    }
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const inclusive = issue.inclusive !== false;
      const op = issue.code === "too_small" ? (inclusive ? ">=" : ">") : (inclusive ? "<=" : "<");
      if (issue.origin === "array" || issue.origin === "set") {
        const word = issue.code === "too_small" ? "at least" : "at most";
        return [{ path, message: `has ${Array.isArray(value) ? value.length : "?"} items (expected ${word} ${String(bound)})` }];
      }
      if (issue.origin === "string") {
        return [withValue(`is ${issue.code === "too_small" ? "too short" : "too long"} (expected length ${op} ${String(bound)})`)];
      }
      return [withValue(`is out of range (expected ${op} ${String(bound)})`)];
    }
    case "invalid_union": {
      const disc = (issue as { discriminator?: string; options?: unknown[] }).discriminator;
      if (disc !== undefined) {
        const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
        if (value === undefined) return [{ path, message: `missing required key ${JSON.stringify(disc)}` }];
        return [{ path, message: `${describe(value)} is not one of ${options.map((o) => JSON.stringify(o)).join(", ")}${typeof value === "string" ? didYouMean(value, options) : ""}` }];
      }
      // A branch whose first issue is not a type mismatch of the value itself is the one the author meant.
      const meant = issue.errors.filter((branch) => !branch.some((b) => b.code === "invalid_type" && b.path.length === 0));
      if (meant.length === 1 && meant[0] !== undefined) {
        return meant[0].flatMap((b) => convertZodIssue(b, root, schema, path));
      }
      if (value === undefined) return [{ path, message: `missing required key ${JSON.stringify(String(path[path.length - 1]))}` }];
      const text = issue.message === "Invalid input" ? "is not a valid value" : issue.message;
      return [withValue(text)];
    }
    case "custom":
    case "invalid_format":
    default:
      return [withValue(issue.message)];
  }
}
