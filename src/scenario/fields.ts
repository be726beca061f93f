/**
 * Reusable zod field schemas for the scenario file. Each refinement's message completes the
 * sentence "<value as JSON> ...", so an issue reads `"10.0.300.0/24" is not an IPv4 CIDR`.
 */
import { z } from "zod";
import { isCanonicalCidr, parseCidr } from "../topology/cidr.js";
import { parseDuration, parseRate, DURATION_EXPECTED, RATE_EXPECTED } from "./durations.js";
import { NAME_MAX_CHARS, SECTION_MAX_ITEMS } from "./limits.js";

const NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
export const NAME_EXPECTED = 'letters, digits, "_", "." and "-", starting with a letter or digit';

export function isResourceName(s: string): boolean {
  return s.length <= NAME_MAX_CHARS && NAME_RE.test(s);
}

/** A resource name: no "/" or ":" because those separate parts of references ("vnet/subnet", "flow:src->dst"). */
export const resourceName = z.string()
  .regex(NAME_RE, { message: `is not a valid name (expected ${NAME_EXPECTED}, at most ${NAME_MAX_CHARS} characters)` })
  .max(NAME_MAX_CHARS);

const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
/** Dotted quad, the same language as cidr.ts parseIpv4 (checked by a property test); a pattern so the JSON Schema carries it. */
export const IPV4_RE = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
export const CIDR_RE = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}/(?:3[0-2]|[12]?[0-9])$`);

export const ipv4 = z.string()
  .regex(IPV4_RE, { message: 'is not an IPv4 address (expected e.g. "10.0.1.4")' })
  .describe("IPv4 address in dotted-quad form");

export const cidr = z.string()
  .regex(CIDR_RE, { message: 'is not an IPv4 CIDR (expected e.g. "10.0.0.0/16")' })
  .refine((s) => parseCidr(s) === null || isCanonicalCidr(s), {
    message: "has host bits set (expected the network address of the block)",
  })
  .describe("IPv4 CIDR block, network address and prefix length, e.g. 10.0.0.0/16");

/** "vnet/subnet". */
export const subnetRef = z.string()
  .refine((s) => {
    const parts = s.split("/");
    return parts.length === 2 && parts.every(isResourceName);
  }, { message: 'is not a subnet reference (expected "<vnet>/<subnet>", e.g. "vnet-a/default")' })
  .describe('Subnet reference "<vnet>/<subnet>"');

export const duration = z.union([z.number(), z.string()], { error: `is not a duration (expected ${DURATION_EXPECTED})` })
  .superRefine((value, ctx) => {
    const r = parseDuration(value);
    if (!r.ok) ctx.addIssue({ code: "custom", message: r.message, input: value });
  })
  .describe(`Duration: ${DURATION_EXPECTED}; negative = before time 0`);

export const rateText = z.string()
  .superRefine((value, ctx) => {
    const r = parseRate(value);
    if (!r.ok) ctx.addIssue({ code: "custom", message: r.message, input: value });
  })
  .describe(`Rate: ${RATE_EXPECTED}`);

export const port = z.int().min(0).max(65_535).describe("TCP/UDP port (RFC 793 §3.1: 16 bits)");

/** 12 hex digits without separators, as flow logs print it; quote it in YAML when it is all digits. */
export const macAddress = z.string({ error: 'is not a string (quote a MAC address in YAML, e.g. "00224801ABCD")' })
  .refine((s) => /^[0-9A-Fa-f]{12}$/.test(s), { message: 'is not a MAC address (expected 12 hex digits without separators, e.g. "00224801ABCD")' })
  .describe("MAC address: 12 hex digits, no separators");

/** A bounded list (every section has a limit). */
export function list<T extends z.ZodType>(item: T, maxItems = SECTION_MAX_ITEMS) {
  return z.array(item).max(maxItems);
}
