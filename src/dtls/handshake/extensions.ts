/**
 * Hello extensions (RFC 5246 §7.4.1.4) and the codecs of the ones we speak:
 * renegotiation_info (RFC 5746 §3.2), extended_master_secret (RFC 7627 §5.1),
 * supported_groups and ec_point_formats (RFC 8422 §5.1.1, §5.1.2).
 */
import type { NamedGroup } from "../api.js";
import { ExtensionType } from "../constants.js";
import { DecodeError } from "../errors.js";
import { ByteReader, ByteWriter } from "./wire.js";

export interface Extension {
  type: number;
  data: Uint8Array;
}

/** NamedGroup code points (RFC 8422 §5.1.1). */
export const NAMED_GROUP_IDS: Readonly<Record<NamedGroup, number>> = Object.freeze({
  secp256r1: 23,
  x25519: 29,
});

export function groupById(id: number): NamedGroup | undefined {
  if (id === 23) return "secp256r1";
  if (id === 29) return "x25519";
  return undefined;
}

/** ECPointFormat uncompressed (RFC 8422 §5.1.2); the only format RFC 8422 leaves defined. */
export const POINT_FORMAT_UNCOMPRESSED = 0;
/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3). */
export const RENEGOTIATION_INFO_SCSV = 0x00ff;

/** Reads `extensions<0..2^16-1>` (the rest of a hello); an absent block means no extensions. */
export function readExtensions(r: ByteReader): Extension[] {
  if (r.remaining === 0) return [];
  const block = r.vec16("extensions");
  const er = new ByteReader(block);
  const out: Extension[] = [];
  while (er.remaining > 0) {
    const type = er.u16("extension.type");
    const data = er.vec16("extension.data");
    // RFC 5246 §7.4.1.4: "There MUST NOT be more than one extension of the same type." A linear
    // search: a block holds at most 2^16 / 4 extensions, and hellos a handful (no Set per hello).
    for (let i = 0; i < out.length; i++) if (out[i]!.type === type) throw new DecodeError(`extension ${type} appears twice`);
    out.push({ type, data });
  }
  return out;
}

export function writeExtensions(w: ByteWriter, exts: readonly Extension[]): void {
  if (exts.length === 0) return;
  // Written in place (no inner writer and copy); field names only built for an error.
  const start = w.beginVec16();
  for (let i = 0; i < exts.length; i++) {
    const e = exts[i]!;
    if (e.data.length > 65535) throw new RangeError(`"extension ${e.type}" expected at most 65535 bytes, got ${e.data.length}`);
    w.u16(e.type).u16(e.data.length).bytes(e.data);
  }
  w.endVec16(start, "extensions");
}

export function findExtension(exts: readonly Extension[], type: number): Extension | undefined {
  for (let i = 0; i < exts.length; i++) if (exts[i]!.type === type) return exts[i];
  return undefined;
}

// renegotiation_info: opaque renegotiated_connection<0..255> (RFC 5746 §3.2)
export function encodeRenegotiationInfo(verifyData: Uint8Array): Extension {
  if (verifyData.length === 0) return EMPTY_RENEGOTIATION_INFO;
  return { type: ExtensionType.renegotiation_info, data: new ByteWriter(64).vec8(verifyData, "renegotiated_connection").finish() };
}
export function decodeRenegotiationInfo(data: Uint8Array): Uint8Array {
  const r = new ByteReader(data);
  const v = r.vec8("renegotiated_connection");
  r.expectEnd("renegotiation_info");
  return v;
}

/**
 * The extensions every initial hello carries, encoded once and shared (frozen objects; their data
 * is only read): RFC 5746 §3.4 empty renegotiation_info, RFC 7627 §5.1 extended_master_secret,
 * RFC 8422 §5.1.2 ec_point_formats [uncompressed].
 */
const EMPTY_RENEGOTIATION_INFO: Extension = Object.freeze({ type: ExtensionType.renegotiation_info, data: Uint8Array.of(0) });
const EXTENDED_MASTER_SECRET: Extension = Object.freeze({ type: ExtensionType.extended_master_secret, data: new Uint8Array(0) });
const POINT_FORMATS: Extension = Object.freeze({ type: ExtensionType.ec_point_formats, data: Uint8Array.of(1, POINT_FORMAT_UNCOMPRESSED) });

/** encodeSupportedGroups' one-entry cache (every endpoint of a run offers the same groups). */
let lastGroups: readonly number[] = [];
let lastGroupsExtension: Extension | null = null;

// supported_groups: NamedGroup named_group_list<2..2^16-1> (RFC 8422 §5.1.1)
export function encodeSupportedGroups(groups: readonly number[]): Extension {
  const last = lastGroupsExtension;
  if (last !== null && lastGroups.length === groups.length) {
    let same = true;
    for (let i = 0; i < groups.length && same; i++) same = groups[i] === lastGroups[i];
    if (same) return last;
  }
  const ext = Object.freeze(encodeSupportedGroupsFresh(groups));
  lastGroups = Object.freeze(groups.slice());
  lastGroupsExtension = ext;
  return ext;
}

function encodeSupportedGroupsFresh(groups: readonly number[]): Extension {
  const inner = new ByteWriter(32);
  for (const g of groups) inner.u16(g);
  return { type: ExtensionType.supported_groups, data: new ByteWriter(40).vec16(inner.finish(), "named_group_list").finish() };
}
export function decodeSupportedGroups(data: Uint8Array): number[] {
  const r = new ByteReader(data);
  const list = r.vec16("named_group_list", 2);
  r.expectEnd("supported_groups");
  if (list.length % 2 !== 0) throw new DecodeError(`named_group_list length ${list.length} is odd`);
  const out: number[] = [];
  for (let i = 0; i < list.length; i += 2) out.push((list[i]! << 8) | list[i + 1]!);
  return out;
}

// ec_point_formats: ECPointFormat ec_point_format_list<1..2^8-1> (RFC 8422 §5.1.2)
export function encodePointFormats(): Extension {
  return POINT_FORMATS;
}
export function decodePointFormats(data: Uint8Array): number[] {
  const r = new ByteReader(data);
  const list = r.vec8("ec_point_format_list", 1);
  r.expectEnd("ec_point_formats");
  return Array.from(list);
}

// extended_master_secret: empty extension_data (RFC 7627 §5.1)
export function encodeExtendedMasterSecret(): Extension {
  return EXTENDED_MASTER_SECRET;
}
