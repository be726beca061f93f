/** The policy: decide() per flow, lint() per topology, and the one reason table. */
export { FLOW_ENCRYPTION_VALUES, isFlowEncryption, type FlowAction, type FlowEncryption, type Outcome } from "./values.js";
export { REASONS, REASON_TABLE, isReason, outcomeFor, type Reason, type ReasonRow } from "./reasons.js";
export type { EndpointKind, ResolvedEndpoint, Verdict } from "./verdict.js";
export { APPLIANCE_FACTS, APPLIANCE_KINDS, type ApplianceFacts } from "./appliances.js";
export { flowHash } from "./hash.js";
export { decide } from "./decide.js";
export { lint, DROP_UNENCRYPTED_FEATURE, SUGGESTED_SIZE, type Diagnostic } from "./lint.js";
export { LINT_RULES, type LintCode, type LintRule, type LintSeverity } from "./lint-rules.js";
export { reasonTableMarkdown } from "./reason-table-markdown.js";
export { VNETS_MAX } from "./topology-index.js";
