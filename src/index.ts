/**
 * vnetsim's public API: what `import ... from "vnetsim"` gives. The DTLS endpoint is a separate
 * entry point ("vnetsim/dtls") and the fast-check arbitraries are "vnetsim/testing".
 */
export type * from "./topology/model.js";
// The topology: CIDR math and the VM size catalog.
export * from "./topology/index.js";
// Scenario files: parseScenario, loadScenarioFile, topologyAt, the JSON Schema, limits.
export * from "./scenario/index.js";
// The policy: decide(flow, topology, nowMs), lint(topology), the reason table.
export * from "./policy/index.js";
// Evaluating a whole scenario, as `vnetsim run` and `vnetsim lint` do.
export {
  evaluateScenario,
  lintScenario,
  emptyTotals,
  dataplaneOnly,
  DATAPLANE_ONLY_NOTE,
  LINT_SNAPSHOTS_MAX,
  type EvaluateOptions,
  type ExpectationCheck,
  type ExpectationStatus,
  type EncryptionTotals,
  type FlowEvaluation,
  type LintFinding,
  type ScenarioEvaluation,
  type ScenarioLint,
} from "./cli/evaluate.js";
// Running a scenario through the simulator and the data plane (what `vnetsim run` does).
export {
  runScenario,
  type RunOptions as SimulationOptions,
  type RunResult as SimulationResult,
  type FlowSource,
} from "../sim/runner.js";
// Azure Network Watcher VNet flow logs: aggregation, writer, reader and queries.
export * from "./flowlog/index.js";
// Reports: the run summary, the pcap writer and the NSS key log writer.
export { buildRunSummary, renderSummary, writeSummaryJson, type RunSummary } from "./report/summary.js";
export { PcapWriter, pcapWireTap } from "./report/pcap.js";
export { KeyLogWriter } from "./report/keylog.js";
