export type { Expectation, FlowSpec, Scenario, ScenarioDataplane, ScenarioFaultEvent, ScenarioFaults, ScenarioLinkFaults, TimedEvent } from "./types.js";
export { ScenarioError, formatIssue, type ScenarioIssue } from "./issues.js";
export { parseScenario, loadScenarioFile } from "./load.js";
export { applyEvent, topologyAt } from "./events.js";
export { scenarioJsonSchema } from "./jsonSchema.js";
export { parseDuration, durationMs, parseRate } from "./durations.js";
export { scenarioSchema, type ScenarioInput, type ScenarioDoc } from "./schema.js";
export { defaultSrcPort } from "./placement.js";
export * from "./limits.js";
