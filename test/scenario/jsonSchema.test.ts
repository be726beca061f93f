import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import fc from "fast-check";
import { scenarioJsonSchema } from "../../src/scenario/index.js";
import { CIDR_RE, IPV4_RE } from "../../src/scenario/fields.js";
import { formatIpv4, parseCidr, parseIpv4 } from "../../src/topology/cidr.js";

type Schema = Record<string, unknown>;
const SUPPORTED = new Set(["$schema", "$id", "title", "description", "default", "type", "properties", "required", "additionalProperties",
  "items", "prefixItems", "enum", "const", "anyOf", "oneOf", "minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength", "pattern"]);

function typeOk(t: string, v: unknown): boolean {
  switch (t) {
    case "object": return v !== null && typeof v === "object" && !Array.isArray(v);
    case "array": return Array.isArray(v);
    case "string": return typeof v === "string";
    case "number": return typeof v === "number";
    case "integer": return Number.isInteger(v);
    case "boolean": return typeof v === "boolean";
    case "null": return v === null;
    default: throw new Error(`unsupported type ${t}`);
  }
}

/** A small validator for the JSON Schema 2020-12 keywords the generated schema uses; returns the error paths. */
function validate(schema: Schema, v: unknown, path = "$"): string[] {
  for (const k of Object.keys(schema)) if (!SUPPORTED.has(k)) throw new Error(`keyword ${k} not supported by the test validator (at ${path})`);
  const errs: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => typeOk(t, v))) return [`${path}: type ${types.join("|")}`];
  }
  if (schema.const !== undefined && v !== schema.const) errs.push(`${path}: const`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(v)) errs.push(`${path}: enum`);
  if (typeof v === "string") {
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(v)) errs.push(`${path}: pattern`);
    if (typeof schema.minLength === "number" && v.length < schema.minLength) errs.push(`${path}: minLength`);
    if (typeof schema.maxLength === "number" && v.length > schema.maxLength) errs.push(`${path}: maxLength`);
  }
  if (typeof v === "number") {
    if (typeof schema.minimum === "number" && v < schema.minimum) errs.push(`${path}: minimum`);
    if (typeof schema.maximum === "number" && v > schema.maximum) errs.push(`${path}: maximum`);
  }
  if (Array.isArray(v)) {
    if (typeof schema.minItems === "number" && v.length < schema.minItems) errs.push(`${path}: minItems`);
    if (typeof schema.maxItems === "number" && v.length > schema.maxItems) errs.push(`${path}: maxItems`);
    const prefix = (schema.prefixItems as Schema[] | undefined) ?? [];
    v.forEach((item, i) => {
      const s = prefix[i] ?? (schema.items as Schema | undefined);
      if (s !== undefined) errs.push(...validate(s, item, `${path}[${i}]`));
    });
  }
  if (typeOk("object", v) && schema.properties !== undefined) {
    const obj = v as Record<string, unknown>;
    const props = schema.properties as Record<string, Schema>;
    for (const r of (schema.required as string[] | undefined) ?? []) if (!(r in obj)) errs.push(`${path}.${r}: required`);
    for (const [k, val] of Object.entries(obj)) {
      const p = props[k];
      if (p === undefined) {
        if (schema.additionalProperties === false) errs.push(`${path}.${k}: additional`);
      } else {
        errs.push(...validate(p, val, `${path}.${k}`));
      }
    }
  }
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as Schema[]).some((s) => validate(s, v, path).length === 0)) errs.push(`${path}: anyOf`);
  if (Array.isArray(schema.oneOf) && (schema.oneOf as Schema[]).filter((s) => validate(s, v, path).length === 0).length !== 1) errs.push(`${path}: oneOf`);
  return errs;
}

const full = parse(readFileSync(fileURLToPath(new URL("./fixtures/full.yaml", import.meta.url)), "utf8")) as Record<string, unknown>;

describe("scenarioJsonSchema", () => {
  const schema = scenarioJsonSchema();

  it("is a draft 2020-12 schema with an id", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe("https://vnetsim.dev/schema/scenario.json");
    expect(schema.required).toEqual(["name", "vnets"]);
    expect(schema.additionalProperties).toBe(false);
  });

  it("validates the full-featured fixture", () => {
    expect(validate(schema, full)).toEqual([]);
  });

  it("rejects what the loader rejects at the schema level", () => {
    expect(validate(schema, { ...full, colour: "blue" })).toEqual(["$.colour: additional"]);
    expect(validate(schema, { name: "x" })).toEqual(["$.vnets: required"]);
    const vnets = full.vnets as Record<string, unknown>[];
    expect(validate(schema, { ...full, vnets: [{ ...vnets[0], addressSpace: ["10.0.300.0/16"] }] }))
      .toEqual(["$.vnets[0].addressSpace[0]: pattern"]);
    expect(validate(schema, { ...full, events: [{ at: "1m", action: "reboot", vm: "vm-1" }] })).toEqual(["$.events[0]: oneOf"]);
  });

  it("describes the fields", () => {
    const props = schema.properties as Record<string, Schema>;
    expect(props.name?.description).toBe("Scenario name");
    const vm = (props.vms?.items as Schema).properties as Record<string, Schema>;
    expect(vm.size?.description).toMatch(/Azure VM size name/);
    expect(vm.subnet?.description).toMatch(/Short form/);
    const text = JSON.stringify(schema);
    expect((text.match(/"description":/g) ?? []).length).toBeGreaterThan(80);
  });
});

describe("address patterns agree with the cidr.ts parsers (property)", () => {
  const octetish = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom("01", "00", "-1", "", "a", "256", "999"));
  const dotted = fc.array(octetish, { minLength: 3, maxLength: 5 }).map((a) => a.join("."));
  it("IPV4_RE matches exactly what parseIpv4 accepts", () => {
    fc.assert(fc.property(fc.oneof(dotted, fc.integer({ min: 0, max: 0xffffffff }).map(formatIpv4), fc.string()), (s) => {
      expect(IPV4_RE.test(s)).toBe(parseIpv4(s) !== null);
    }), { numRuns: 1000 });
  });
  it("CIDR_RE matches exactly what parseCidr accepts", () => {
    const bits = fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), fc.constantFrom("08", "", "x"));
    fc.assert(fc.property(dotted, bits, (ip, b) => {
      const s = `${ip}/${b}`;
      expect(CIDR_RE.test(s)).toBe(parseCidr(s) !== null);
    }), { numRuns: 1000 });
  });
});
