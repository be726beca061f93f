/**
 * The VM size catalog (data in sizes.json) and the size-name parser that maps an Azure size
 * name to a series id, so that a size is matched by series (domain.md §4: "a size catalog must
 * be data, matched by series, and overridable").
 *
 * Azure size names follow "Standard_<family><vCPUs>[-<constrained vCPUs>]<features>[_<extra>...][_v<version>]"
 * (Azure docs, "Azure virtual machine sizes naming conventions"): Standard_D4s_v5,
 * Standard_E4-2ads_v5, Standard_M416s_8_v2, Standard_NC40ads_H100_v5, Standard_ND128isr_NDR_GB200_v6.
 */
import catalogData from "./sizes.json" with { type: "json" };
import type { SizeSeriesEntry } from "./model.js";

/** A catalog entry: the model's SizeSeriesEntry plus what the catalog needs to match names. */
export interface SizeCatalogEntry extends SizeSeriesEntry {
  /** Family letters as they appear in size names, e.g. "D", "NC", "DC". */
  family: string;
  /** Other series ids of the same series (memory, isolated and similar variants). */
  aliases?: readonly string[];
  /** The entry applies only to sizes with at least this many vCPUs (Mv2 vs Msv2 share a name pattern). */
  minVcpus?: number;
  note?: string;
}

/** The components of a size name. */
export interface ParsedSizeName {
  /** The name as given. */
  name: string;
  /** Tier prefix, "Standard" (the only one in use for VNet encryption). */
  tier: string;
  /** Upper-case family letters, e.g. "D", "NC", "DC", "DS". */
  family: string;
  vcpus: number;
  /** Constrained-core count ("Standard_E4-2s_v5" -> 2), or null. */
  constrainedVcpus: number | null;
  /** Lower-case feature letters, e.g. "ads" (AMD, local disk, premium storage). */
  features: string;
  /** Accelerator or interconnect segments, e.g. ["H100"], ["NDR", "GB200"]. */
  accelerators: string[];
  /** Numeric memory-variant segment ("Standard_M416s_8_v2" -> 8), or null. */
  memoryVariant: number | null;
  /** Version number ("_v5" -> 5), or null for version-1 series (Standard_B2s, Standard_F4s). */
  version: number | null;
  /** Series id derived from the name: family + features + accelerators + "v" + version, e.g. "Eadsv5". */
  series: string;
}

/** Longest size name accepted; real names are well under 40 characters. */
export const SIZE_NAME_MAX_CHARS = 64;

const FIRST_SEGMENT_RE = /^([A-Za-z]{1,4})([0-9]{1,4})(?:-([0-9]{1,4}))?([a-zA-Z]{0,8})$/;
const VERSION_RE = /^[vV]([0-9]{1,2})$/;
const ACCELERATOR_RE = /^[A-Za-z][A-Za-z0-9]{0,9}$/;
const MEMORY_VARIANT_RE = /^[0-9]{1,3}$/;

/** Parses an Azure size name; null when it does not follow the naming convention. Case-insensitive. */
export function parseSizeName(size: string): ParsedSizeName | null {
  if (size.length > SIZE_NAME_MAX_CHARS) return null;
  const segments = size.split("_");
  const tier = segments[0];
  if (tier === undefined || tier.toLowerCase() !== "standard" || segments.length < 2) return null;
  const first = FIRST_SEGMENT_RE.exec(segments[1] ?? "");
  if (first === null) return null;
  const [, familyText = "", vcpuText = "", constrainedText, featureText = ""] = first;
  const rest = segments.slice(2);
  let version: number | null = null;
  const last = rest[rest.length - 1];
  if (last !== undefined) {
    const v = VERSION_RE.exec(last);
    if (v !== null) {
      version = Number(v[1]);
      rest.pop();
    }
  }
  const accelerators: string[] = [];
  let memoryVariant: number | null = null;
  for (const seg of rest) {
    if (MEMORY_VARIANT_RE.test(seg) && memoryVariant === null && accelerators.length === 0) {
      memoryVariant = Number(seg);
    } else if (ACCELERATOR_RE.test(seg) && !/^v[0-9]*$/i.test(seg)) {
      accelerators.push(seg.toUpperCase());
    } else {
      return null;
    }
  }
  const vcpus = Number(vcpuText);
  if (vcpus === 0) return null;
  const family = familyText.toUpperCase();
  const features = featureText.toLowerCase();
  const series = family + features + accelerators.join("") + (version === null ? "" : `v${version}`);
  return {
    name: size,
    tier: "Standard",
    family,
    vcpus,
    constrainedVcpus: constrainedText === undefined ? null : Number(constrainedText),
    features,
    accelerators,
    memoryVariant,
    version,
    series,
  };
}

function validateCatalog(data: unknown): SizeCatalogEntry[] {
  const list = (data as { series?: unknown }).series;
  if (!Array.isArray(list)) throw new Error('sizes.json: "series" expected an array');
  const seen = new Set<string>();
  return list.map((raw: unknown, i) => {
    const e = raw as Partial<SizeCatalogEntry>;
    if (typeof e.series !== "string" || typeof e.family !== "string" || typeof e.encryption !== "boolean" ||
        typeof e.acceleratedNetworking !== "boolean" || typeof e.confidential !== "boolean") {
      throw new Error(`sizes.json: series[${i}] expected {series, family, encryption, acceleratedNetworking, confidential}, got ${JSON.stringify(raw)}`);
    }
    if (seen.has(e.series)) throw new Error(`sizes.json: series[${i}] duplicate series id ${JSON.stringify(e.series)}`);
    seen.add(e.series);
    return Object.freeze({ ...e }) as SizeCatalogEntry;
  });
}

/** The bundled size catalog (sizes.json), validated at load. */
export const SIZE_CATALOG: readonly SizeCatalogEntry[] = Object.freeze(validateCatalog(catalogData));

/** Finds the catalog entry for a parsed size: by series id or alias, preferring the most specific vCPU range. */
export function catalogEntryFor(parsed: ParsedSizeName, catalog: readonly SizeCatalogEntry[] = SIZE_CATALOG): SizeCatalogEntry | undefined {
  let best: SizeCatalogEntry | undefined;
  for (const entry of catalog) {
    const named = entry.series === parsed.series || (entry.aliases ?? []).includes(parsed.series);
    if (!named || parsed.vcpus < (entry.minVcpus ?? 0)) continue;
    if (best === undefined || (entry.minVcpus ?? 0) > (best.minVcpus ?? 0)) best = entry;
  }
  return best;
}

/** The series id a size belongs to: the catalog's canonical id when known, else the id derived from the name. */
export function seriesOf(size: string): string | null {
  const parsed = parseSizeName(size);
  if (parsed === null) return null;
  return catalogEntryFor(parsed)?.series ?? parsed.series;
}

/**
 * Capability of a size: a scenario override first (matched on the canonical series, then on the
 * series id derived from the name), then the bundled catalog. undefined = unknown size.
 */
export function lookupSize(size: string, overrides: readonly SizeSeriesEntry[] = []): SizeSeriesEntry | undefined {
  const parsed = parseSizeName(size);
  if (parsed === null) return undefined;
  const fromCatalog = catalogEntryFor(parsed);
  const canonical = fromCatalog?.series ?? parsed.series;
  const override = overrides.find((o) => o.series === canonical) ?? overrides.find((o) => o.series === parsed.series);
  if (override !== undefined) return override;
  if (fromCatalog === undefined) return undefined;
  return {
    series: fromCatalog.series,
    encryption: fromCatalog.encryption,
    acceleratedNetworking: fromCatalog.acceleratedNetworking,
    confidential: fromCatalog.confidential,
  };
}
