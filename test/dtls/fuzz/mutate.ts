/**
 * Hostile datagrams for the fuzz tests, as fast-check arbitraries built from small typed pieces:
 * a source (a recorded datagram of a clean session, or random bytes) and a list of mutations
 * (bit flips, truncation, wrong length/epoch/sequence/version/type fields, appended garbage,
 * splicing two datagrams). Mutations are plain data so a failing case prints readably.
 */
import fc from "fast-check";
import type { DtlsEndpoint } from "../../../src/dtls/endpoint.js";
import { EARLY_RECORDS_MAX } from "../../../src/dtls/limits.js";
import type { DtlsLimits } from "../../../src/dtls/api.js";
import type { Side } from "./harness.js";

/** Largest random datagram: a jumbo UDP payload is bigger, but the endpoint's paths are all hit. */
export const RANDOM_DATAGRAM_BYTES_MAX = 1_500;

export type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "truncate"; keep: number }
  | { kind: "length"; value: number }
  | { kind: "epoch"; value: number }
  | { kind: "seq"; value: number }
  | { kind: "version"; value: number }
  | { kind: "type"; value: number }
  | { kind: "append"; bytes: Uint8Array }
  | { kind: "handshake-field"; offset: number; value: number };

export type Source =
  | { kind: "recorded"; from: Side; index: number }
  | { kind: "random"; bytes: Uint8Array }
  /** One well-formed record header around an arbitrary body: unauthenticated alerts, CCS, handshakes. */
  | { kind: "crafted"; type: number; version: number; epoch: number; seq: number; body: Uint8Array };

export interface Injection {
  source: Source;
  mutations: Mutation[];
  /** Splice a second recorded datagram after this one (two sessions' records in one datagram). */
  spliceWith?: { from: Side; index: number };
}

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("truncate" as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant("length" as const), value: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ kind: fc.constant("epoch" as const), value: fc.oneof(fc.constantFrom(0, 1, 2, 0xffff), fc.integer({ min: 0, max: 0xffff })) }),
  fc.record({ kind: fc.constant("seq" as const), value: fc.oneof(fc.constantFrom(0, 1, 63, 64, 2 ** 48 - 1), fc.integer({ min: 0, max: 2 ** 48 - 1 })) }),
  fc.record({ kind: fc.constant("version" as const), value: fc.constantFrom(0xfefd, 0xfeff, 0xfefc, 0x0303, 0x0000, 0xffff) }),
  fc.record({ kind: fc.constant("type" as const), value: fc.oneof(fc.constantFrom(20, 21, 22, 23, 24, 0, 255)) }),
  fc.record({ kind: fc.constant("append" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  // DTLS handshake header (RFC 6347 §4.2.2) starts at byte 13: msg_type(1) length(3) message_seq(2)
  // fragment_offset(3) fragment_length(3).
  fc.record({ kind: fc.constant("handshake-field" as const), offset: fc.integer({ min: 13, max: 24 }), value: fc.integer({ min: 0, max: 255 }) }),
);

/** Indexes pick a recorded datagram modulo the list length, so any small range covers every one. */
const INDEX_MAX = 64;

export function sourceArb(): fc.Arbitrary<Source> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("recorded" as const), from: fc.constantFrom<Side>("client", "server"), index: fc.nat({ max: INDEX_MAX }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("random" as const), bytes: fc.uint8Array({ minLength: 0, maxLength: RANDOM_DATAGRAM_BYTES_MAX }) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("crafted" as const),
        type: fc.constantFrom(20, 21, 22, 23),
        version: fc.constantFrom(0xfefd, 0xfeff),
        epoch: fc.constantFrom(0, 1, 2),
        seq: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.constant(2 ** 48 - 1)),
        body: fc.oneof(
          fc.uint8Array({ maxLength: 48 }),
          // alert (level, description) and change_cipher_spec (1) bodies, well formed
          fc.tuple(fc.constantFrom(1, 2), fc.constantFrom(0, 10, 20, 40, 51, 70, 100, 115)).map(([l, d]) => Uint8Array.of(l, d)),
          fc.constant(Uint8Array.of(1)),
        ),
      }),
    },
  );
}

export function injectionArb(mutationsMax = 3): fc.Arbitrary<Injection> {
  return fc.record(
    {
      source: sourceArb(),
      mutations: fc.array(mutationArb, { maxLength: mutationsMax }),
      spliceWith: fc.record({ from: fc.constantFrom<Side>("client", "server"), index: fc.nat({ max: INDEX_MAX }) }),
    },
    { requiredKeys: ["source", "mutations"] },
  );
}

function pick(list: Uint8Array[], index: number): Uint8Array {
  if (list.length === 0) return new Uint8Array(0);
  return list[index % list.length]!;
}

function put16(d: Uint8Array, at: number, v: number): void {
  if (at + 2 <= d.length) {
    d[at] = (v >>> 8) & 0xff;
    d[at + 1] = v & 0xff;
  }
}

/** Applies one mutation to the first record of a datagram (a copy; the recording stays intact). */
export function applyMutation(d: Uint8Array, m: Mutation): Uint8Array {
  const out = Uint8Array.from(d);
  switch (m.kind) {
    case "flip":
      if (out.length > 0) out[m.at % out.length]! ^= 1 << m.bit;
      return out;
    case "truncate":
      return out.slice(0, out.length === 0 ? 0 : m.keep % out.length);
    case "length":
      put16(out, 11, m.value);
      return out;
    case "epoch":
      put16(out, 3, m.value);
      return out;
    case "seq":
      if (out.length >= 11) {
        put16(out, 5, Math.floor(m.value / 2 ** 32));
        put16(out, 7, Math.floor(m.value / 2 ** 16) & 0xffff);
        put16(out, 9, m.value & 0xffff);
      }
      return out;
    case "version":
      put16(out, 1, m.value);
      return out;
    case "type":
      if (out.length > 0) out[0] = m.value;
      return out;
    case "append": {
      const r = new Uint8Array(out.length + m.bytes.length);
      r.set(out, 0);
      r.set(m.bytes, out.length);
      return r;
    }
    case "handshake-field":
      if (m.offset < out.length) out[m.offset] = m.value;
      return out;
  }
}

/** A DTLS record header (RFC 6347 §4.1) followed by `body`, unprotected. */
export function craftRecord(c: { type: number; version: number; epoch: number; seq: number; body: Uint8Array }): Uint8Array {
  const d = new Uint8Array(13 + c.body.length);
  d[0] = c.type;
  put16(d, 1, c.version);
  put16(d, 3, c.epoch);
  put16(d, 5, Math.floor(c.seq / 2 ** 32));
  put16(d, 7, Math.floor(c.seq / 2 ** 16) & 0xffff);
  put16(d, 9, c.seq & 0xffff);
  put16(d, 11, c.body.length);
  d.set(c.body, 13);
  return d;
}

export function materialise(inj: Injection, recorded: Record<Side, Uint8Array[]>): Uint8Array {
  let d: Uint8Array;
  switch (inj.source.kind) {
    case "random":
      d = Uint8Array.from(inj.source.bytes);
      break;
    case "recorded":
      d = Uint8Array.from(pick(recorded[inj.source.from], inj.source.index));
      break;
    case "crafted":
      d = craftRecord(inj.source);
      break;
  }
  for (const m of inj.mutations) d = applyMutation(d, m);
  if (inj.spliceWith !== undefined) {
    const tail = pick(recorded[inj.spliceWith.from], inj.spliceWith.index);
    const r = new Uint8Array(d.length + tail.length);
    r.set(d, 0);
    r.set(tail, d.length);
    d = r;
  }
  return d;
}

/** Sizes of everything an endpoint buffers on behalf of a peer (DtlsEndpoint.gauges()). */
export type Gauges = ReturnType<DtlsEndpoint["gauges"]>;

export function gauges(ep: DtlsEndpoint): Gauges {
  return ep.gauges();
}

/** Throws (naming the gauge) if any buffer is above its named limit. */
export function assertBounded(ep: DtlsEndpoint, limits: DtlsLimits): Gauges {
  const g = gauges(ep);
  if (g.reassemblyBytes > limits.reassemblyBytesMax) throw new Error(`reassembly buffer ${g.reassemblyBytes} > reassemblyBytesMax ${limits.reassemblyBytesMax}`);
  if (g.earlyRecords > EARLY_RECORDS_MAX) throw new Error(`early records ${g.earlyRecords} > EARLY_RECORDS_MAX ${EARLY_RECORDS_MAX}`);
  if (g.earlyAppData > EARLY_RECORDS_MAX) throw new Error(`early app data ${g.earlyAppData} > EARLY_RECORDS_MAX ${EARLY_RECORDS_MAX}`);
  if (g.pendingRecords > limits.pendingRecordsMax) throw new Error(`pending records ${g.pendingRecords} > pendingRecordsMax ${limits.pendingRecordsMax}`);
  return g;
}
