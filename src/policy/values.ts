/**
 * The eight encryption values of an Azure VNet flow log tuple (flow log version 4, field 9,
 * "encryption"), and what happens to the traffic. Source: Azure Network Watcher, "Virtual network
 * flow logs", log format; restated in docs/domain.md §3.
 */
export type FlowEncryption =
  | "X"
  | "NX"
  | "NX_HW_NOT_SUPPORTED"
  | "NX_SW_NOT_READY"
  | "NX_NOT_ACCEPTED"
  | "NX_NOT_SUPPORTED"
  | "NX_LOCAL_DST"
  | "NX_FALLBACK";

/** Every flow-log encryption value, in the order of domain.md §3. */
export const FLOW_ENCRYPTION_VALUES: readonly FlowEncryption[] = Object.freeze([
  "X",
  "NX",
  "NX_HW_NOT_SUPPORTED",
  "NX_SW_NOT_READY",
  "NX_NOT_ACCEPTED",
  "NX_NOT_SUPPORTED",
  "NX_LOCAL_DST",
  "NX_FALLBACK",
] as const);

/** What the host does with the packets of a flow. */
export type FlowAction = "deliver" | "drop";

/** An encryption value together with the action taken. */
export interface Outcome {
  encryption: FlowEncryption;
  action: FlowAction;
}

const VALUE_SET: ReadonlySet<string> = new Set(FLOW_ENCRYPTION_VALUES);

/** True when `value` is one of the eight flow-log encryption values. */
export function isFlowEncryption(value: string): value is FlowEncryption {
  return VALUE_SET.has(value);
}
