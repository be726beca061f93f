/** The simulation engine: virtual clock and event queue, seeded streams, workloads, faults. */
export { Simulator, SIM_EVENTS_MAX, SIM_EVENTS_CEILING } from "./engine.js";
export type { EventHandle, RunOptions, RunResult, SimulatorOptions, StoppedBy } from "./engine.js";
export type { EventFn } from "./queue.js";
export { SeededRng, dtlsRngFrom, FORK_LABEL_MAX_CHARS } from "./rng.js";
export { schedulePackets, BACK_TO_BACK_GAP_MS, RESPONSE_DELAY_MS } from "./workload.js";
export type { Direction, EmitFn, WorkloadOptions } from "./workload.js";
export { scheduleTimedEvents } from "./events.js";
export {
  FaultModel, DEFAULT_LINK_FAULTS, LATENCY_MS_DEFAULT, REORDER_DELAY_MS_DEFAULT, FAULT_LINKS_MAX, FAULT_HOSTS_DOWN_MAX,
} from "./faults.js";
export type { LinkFaults, DropReason, FaultStats } from "./faults.js";
