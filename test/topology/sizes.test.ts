import { describe, expect, it } from "vitest";
import { catalogEntryFor, lookupSize, parseSizeName, seriesOf, SIZE_CATALOG, SIZE_NAME_MAX_CHARS } from "../../src/topology/sizes.js";

describe("parseSizeName", () => {
  it("splits a name into its components", () => {
    expect(parseSizeName("Standard_E4-2ads_v5")).toEqual({
      name: "Standard_E4-2ads_v5", tier: "Standard", family: "E", vcpus: 4, constrainedVcpus: 2, features: "ads",
      accelerators: [], memoryVariant: null, version: 5, series: "Eadsv5",
    });
    expect(parseSizeName("Standard_ND128isr_NDR_GB200_v6")).toMatchObject({
      family: "ND", vcpus: 128, features: "isr", accelerators: ["NDR", "GB200"], version: 6, series: "NDisrNDRGB200v6",
    });
    expect(parseSizeName("Standard_M416s_8_v2")).toMatchObject({ family: "M", vcpus: 416, memoryVariant: 8, series: "Msv2" });
    expect(parseSizeName("Standard_B2s")).toMatchObject({ family: "B", vcpus: 2, features: "s", version: null, series: "Bs" });
  });

  // Real size names (Azure "Sizes for virtual machines" pages) -> the series they belong to.
  it.each([
    ["Standard_D4s_v5", "Dsv5"], ["Standard_D2_v5", "Dv5"], ["Standard_D8ds_v5", "Ddsv5"], ["Standard_D8d_v5", "Ddv5"],
    ["Standard_D2ls_v5", "Dlsv5"], ["Standard_D2lds_v5", "Dldsv5"], ["Standard_D4as_v5", "Dasv5"], ["Standard_D96ads_v5", "Dadsv5"],
    ["Standard_D2_v4", "Dv4"], ["Standard_D2s_v4", "Dsv4"], ["Standard_D2d_v4", "Ddv4"], ["Standard_D4ds_v4", "Ddsv4"],
    ["Standard_D2a_v4", "Dav4"], ["Standard_D2as_v4", "Dasv4"],
    ["Standard_D2s_v6", "Dsv6"], ["Standard_D2as_v6", "Dasv6"], ["Standard_D2ads_v6", "Dadsv6"], ["Standard_D2als_v6", "Dalsv6"],
    ["Standard_D2alds_v6", "Daldsv6"], ["Standard_D2pls_v6", "Dplsv6"], ["Standard_D2plds_v6", "Dpldsv6"], ["Standard_D2ps_v6", "Dpsv6"],
    ["Standard_D2pds_v6", "Dpdsv6"],
    ["Standard_E8ads_v5", "Eadsv5"], ["Standard_E2_v5", "Ev5"], ["Standard_E4s_v5", "Esv5"], ["Standard_E4-2s_v5", "Esv5"],
    ["Standard_E104i_v5", "Ev5"], ["Standard_E104is_v5", "Esv5"], ["Standard_E104ids_v5", "Edsv5"], ["Standard_E2d_v5", "Edv5"],
    ["Standard_E2as_v5", "Easv5"], ["Standard_E2bs_v5", "Ebsv5"], ["Standard_E2bds_v5", "Ebdsv5"],
    ["Standard_E2_v4", "Ev4"], ["Standard_E2s_v4", "Esv4"], ["Standard_E80is_v4", "Esv4"], ["Standard_E2d_v4", "Edv4"],
    ["Standard_E2ds_v4", "Edsv4"], ["Standard_E2a_v4", "Eav4"], ["Standard_E2as_v4", "Easv4"], ["Standard_E96ias_v4", "Easv4"],
    ["Standard_E2as_v6", "Easv6"], ["Standard_E2ads_v6", "Eadsv6"], ["Standard_E2ps_v6", "Epsv6"], ["Standard_E2pds_v6", "Epdsv6"],
    ["Standard_M64s_v2", "Msv2"], ["Standard_M32ms_v2", "Msv2"], ["Standard_M192ims_v2", "Msv2"], ["Standard_M64ds_v2", "Mdsv2"],
    ["Standard_M128dms_v2", "Mdsv2"], ["Standard_M208s_v2", "Mv2"], ["Standard_M416ms_v2", "Mv2"], ["Standard_M416s_8_v2", "Mv2"],
    ["Standard_M832ixs_v2", "Mv2"], ["Standard_M12s_v3", "Msv3"], ["Standard_M48s_1_v3", "Msv3"], ["Standard_M96ds_2_v3", "Mdsv3"],
    ["Standard_L8s_v3", "Lsv3"], ["Standard_L8s_v2", "Lsv2"], ["Standard_L8as_v3", "Lasv3"],
    ["Standard_F4als_v6", "Falsv6"], ["Standard_F4as_v6", "Fasv6"], ["Standard_F4ams_v6", "Famsv6"],
    ["Standard_NC40ads_H100_v5", "NCadsH100v5"], ["Standard_NC80adis_H100_v5", "NCadsH100v5"],
    ["Standard_ND128isr_GB200_v6", "NDGB200v6"], ["Standard_ND128isr_NDR_GB200_v6", "NDGB200v6"], ["Standard_ND128isr_GB300_v6", "NDGB300v6"],
    ["Standard_B2s", "Bs"], ["Standard_B2ms", "Bs"], ["Standard_B1ls", "Bs"], ["Standard_B2s_v2", "Bsv2"], ["Standard_B2ts_v2", "Bsv2"],
    ["Standard_B2als_v2", "Basv2"], ["Standard_B2pts_v2", "Bpsv2"],
    ["Standard_A2_v2", "Av2"], ["Standard_A2m_v2", "Av2"], ["Standard_D2_v3", "Dv3"], ["Standard_D2s_v3", "Dsv3"],
    ["Standard_D2_v2", "Dv2"], ["Standard_DS2_v2", "DSv2"], ["Standard_DS11-1_v2", "DSv2"], ["Standard_E2_v3", "Ev3"],
    ["Standard_E64is_v3", "Esv3"], ["Standard_F4", "F"], ["Standard_F4s", "Fs"], ["Standard_F4s_v2", "Fsv2"], ["Standard_FX4mds", "FXmds"],
    ["Standard_M128s", "Ms"], ["Standard_M8ms", "Ms"],
    ["Standard_DC2as_v5", "DCasv5"], ["Standard_DC4ads_v5", "DCadsv5"], ["Standard_EC8as_v5", "ECasv5"], ["Standard_EC8ads_v5", "ECadsv5"],
    ["Standard_DC2s_v3", "DCsv3"], ["Standard_DC2ds_v3", "DCdsv3"], ["Standard_DC1s_v2", "DCsv2"], ["Standard_DC2es_v5", "DCesv5"],
    ["Standard_NC6s_v3", "NCsv3"], ["Standard_NC24rs_v3", "NCsv3"], ["Standard_NC4as_T4_v3", "NCasT4v3"],
    ["Standard_NC24ads_A100_v4", "NCadsA100v4"], ["Standard_ND96asr_v4", "NDasrv4"], ["Standard_ND96amsr_A100_v4", "NDamsrA100v4"],
    ["Standard_ND96isr_H100_v5", "NDisrH100v5"], ["Standard_NV12s_v3", "NVsv3"], ["Standard_NV36ads_A10_v5", "NVadsA10v5"],
    ["Standard_HB120rs_v3", "HBrsv3"], ["Standard_HB120-96rs_v3", "HBrsv3"], ["Standard_HC44rs", "HCrs"],
    ["standard_d4s_v5", "Dsv5"], ["STANDARD_D4S_V5", "Dsv5"],
  ])("%s -> %s", (name, series) => {
    expect(seriesOf(name)).toBe(series);
  });

  it.each(["", "D4s_v5", "Basic_A1", "Standard_", "Standard_D", "Standard_Ds_v5", "Standard_D0s_v5", "Standard_D4s_v", "Standard_D4s_v5_",
    "Standard_D4s__v5", "Standard_4s_v5", "Standard_D4s v5", "Standard_D4s_v5!", `Standard_D4s_${"X".repeat(SIZE_NAME_MAX_CHARS)}_v5`])(
    "rejects %j", (name) => {
      expect(parseSizeName(name)).toBeNull();
      expect(lookupSize(name)).toBeUndefined();
    });

  it("derives a series id for names not in the catalog", () => {
    expect(seriesOf("Standard_X4zz_v9")).toBe("Xzzv9");
    expect(lookupSize("Standard_X4zz_v9")).toBeUndefined();
  });
});

describe("catalog", () => {
  const supported = ["Dv4", "Dsv4", "Ddv4", "Ddsv4", "Dav4", "Dasv4", "Dv5", "Dsv5", "Ddv5", "Ddsv5", "Dlsv5", "Dldsv5", "Dasv5", "Dadsv5",
    "Dasv6", "Dadsv6", "Dalsv6", "Daldsv6", "Dsv6", "Dplsv6", "Dpldsv6", "Dpsv6", "Dpdsv6",
    "Ev4", "Esv4", "Edv4", "Edsv4", "Eav4", "Easv4", "Ev5", "Esv5", "Edv5", "Edsv5", "Easv5", "Eadsv5", "Easv6", "Eadsv6", "Epsv6", "Epdsv6",
    "Mv2", "Msv2", "Mdsv2", "Msv3", "Mdsv3", "Lsv3", "Falsv6", "Famsv6", "Fasv6", "NCadsH100v5", "NDGB200v6", "NDGB300v6"];
  it.each(supported)("%s (domain.md §4) is supported, with Accelerated Networking, not confidential", (series) => {
    const e = SIZE_CATALOG.find((x) => x.series === series);
    expect(e).toBeDefined();
    expect(e).toMatchObject({ encryption: true, acceleratedNetworking: true, confidential: false });
  });
  it.each(["Av2", "Bs", "Bsv2", "Dv2", "Dv3", "Dsv3", "Ev3", "Esv3", "F", "Fs", "Fsv2", "NCsv3", "Lsv2"])("%s is unsupported", (series) => {
    expect(SIZE_CATALOG.find((x) => x.series === series)).toMatchObject({ encryption: false, confidential: false });
  });
  it.each(["DCasv5", "DCadsv5", "ECasv5", "ECadsv5", "DCsv3", "DCdsv3", "DCsv2"])("%s is confidential and unsupported", (series) => {
    expect(SIZE_CATALOG.find((x) => x.series === series)).toMatchObject({ encryption: false, confidential: true });
  });
  it("has unique series ids, and no alias names two entries with the same vCPU range", () => {
    const ids = SIZE_CATALOG.map((e) => e.series);
    expect(new Set(ids).size).toBe(ids.length);
    const keys = new Set<string>();
    for (const e of SIZE_CATALOG) {
      for (const id of [e.series, ...(e.aliases ?? [])]) {
        const key = `${id}@${e.minVcpus ?? 0}`;
        expect(keys.has(key), key).toBe(false);
        keys.add(key);
      }
    }
  });
  it("every entry's series id parses back to itself through a synthetic size name", () => {
    for (const e of SIZE_CATALOG) {
      const parsed = parseSizeName(`Standard_${e.family}${e.minVcpus ?? 2}${e.series.slice(e.family.length).replace(/v(\d+)$/, "_v$1")}`);
      if (parsed === null || e.series.startsWith("ND") || e.series.startsWith("NC") || e.series.startsWith("NV")) continue;
      expect(catalogEntryFor(parsed)?.series).toBe(e.series);
    }
  });
});

describe("lookupSize", () => {
  it("returns the catalog capability", () => {
    expect(lookupSize("Standard_D4s_v5")).toEqual({ series: "Dsv5", encryption: true, acceleratedNetworking: true, confidential: false });
    expect(lookupSize("Standard_DC2as_v5")).toEqual({ series: "DCasv5", encryption: false, acceleratedNetworking: true, confidential: true });
    expect(lookupSize("Standard_B2s")).toEqual({ series: "Bs", encryption: false, acceleratedNetworking: false, confidential: false });
  });
  it("prefers an override, by canonical series or by the derived id", () => {
    const off = { series: "Dsv5", encryption: false, acceleratedNetworking: true, confidential: false };
    expect(lookupSize("Standard_D4s_v5", [off])).toBe(off);
    expect(lookupSize("Standard_D4ds_v5", [off])).toEqual({ series: "Ddsv5", encryption: true, acceleratedNetworking: true, confidential: false });
    const mOverride = { series: "Msv2", encryption: false, acceleratedNetworking: true, confidential: false };
    expect(lookupSize("Standard_M32ms_v2", [mOverride])).toBe(mOverride);
    const newSeries = { series: "Dsv7", encryption: true, acceleratedNetworking: true, confidential: false };
    expect(lookupSize("Standard_D4s_v7")).toBeUndefined();
    expect(lookupSize("Standard_D4s_v7", [newSeries])).toBe(newSeries);
  });
});
