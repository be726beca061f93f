/**
 * Real Azure size names for generated topologies: some whose series support VNet encryption
 * (domain.md §4) and some that do not (including a confidential one). Tests must not assume which
 * is which from these lists alone: the size catalog (src/topology/sizes.json) is the authority,
 * and the lists are checked against it in test/property/arbitraries.test.ts.
 */
export const SUPPORTED_SIZE_NAMES: readonly string[] = Object.freeze([
  "Standard_D4s_v5",
  "Standard_D2s_v5",
  "Standard_E8s_v5",
  "Standard_D8ads_v5",
  "Standard_E4as_v5",
  "Standard_D4s_v4",
  "Standard_D2as_v6",
  "Standard_L8s_v3",
  "Standard_M64s_v2",
]);

export const UNSUPPORTED_SIZE_NAMES: readonly string[] = Object.freeze([
  "Standard_B2s",
  "Standard_A2_v2",
  "Standard_D2_v3",
  "Standard_F4s_v2",
  "Standard_DC2as_v5",
]);

/** A name that matches no catalog series: unknown sizes count as unsupported. */
export const UNKNOWN_SIZE_NAME = "Standard_Q4zz_v9";
