/**
 * Packet emission schedules from a scenario flow (FlowSpec, src/scenario/types.ts).
 *
 * Times of the forward packets (index i from 0):
 * - the first packet leaves at spec.startMs, whatever the rate;
 * - constant rate r/s: packet i at startMs + i * 1000 / r (computed from i, not accumulated, so
 *   packet 1,000,000 is exactly where it should be);
 * - Poisson rate r/s: gaps are exponential with mean 1000 / r ms, drawn from the flow's own stream
 *   rng.fork("workload/" + spec.name), so adding a flow does not move another flow's packets;
 * - no rate (null): back-to-back, BACK_TO_BACK_GAP_MS apart.
 * Request-response: each forward packet i is answered by reverse packet i, of the same size,
 * responseDelayMs (default RESPONSE_DELAY_MS) after it, emitted by the workload; the data plane
 * decides whether it is delivered. At equal times a response runs before the next request.
 *
 * Scheduling is lazy: a flow holds one pending forward event (plus its responses in flight), so
 * the queue grows with the number of flows, not packets. One function and one state object per
 * flow serve every event (Simulator.scheduleCall), with no closure per packet.
 */
import type { FlowSpec } from "../src/scenario/types.js";
import type { Simulator } from "./engine.js";
import type { SeededRng } from "./rng.js";

/** Gap between packets of a flow without a rate ("back-to-back"): 1,000 packets/s. */
export const BACK_TO_BACK_GAP_MS = 1;
/** Time from a request to its response when the caller gives none. */
export const RESPONSE_DELAY_MS = 1;

export type Direction = "fwd" | "rev";
export type EmitFn = (spec: FlowSpec, index: number, direction: Direction, sizeBytes: number) => void;

export interface WorkloadOptions {
  responseDelayMs?: number;
}

interface FlowRun {
  readonly sim: Simulator;
  readonly spec: FlowSpec;
  readonly emit: EmitFn;
  /** Poisson only. */
  readonly rng: SeededRng | null;
  /** Packets per second (back-to-back: 1000 / BACK_TO_BACK_GAP_MS). */
  readonly perSecond: number;
  readonly responseDelayMs: number;
  fwdSent: number;
  revSent: number;
}

function fireRev(run: FlowRun): void {
  run.emit(run.spec, run.revSent++, "rev", run.spec.sizeBytes);
}

function fireFwd(run: FlowRun): void {
  const spec = run.spec;
  const i = run.fwdSent++;
  run.emit(spec, i, "fwd", spec.sizeBytes);
  const sim = run.sim;
  if (spec.pattern === "request-response") sim.post(sim.nowMs + run.responseDelayMs, fireRev, run);
  const next = i + 1;
  if (next >= spec.packets) return;
  const atMs = run.rng === null ? spec.startMs + (next * 1000) / run.perSecond : sim.nowMs + run.rng.exponential(run.perSecond / 1000);
  sim.post(atMs, fireFwd, run);
}

/**
 * Flows handed to the runner one at a time, for runs too large to hold every FlowSpec at once
 * (issue 5: 1,000,000 flows). The start time of every flow is known up front (the runner puts one
 * start event per flow in the queue, in index order, exactly where schedulePackets would put the
 * first packet); the spec itself is made when the flow starts and dropped when it ends.
 */
export interface FlowSource {
  /** Flows in the source; indices 0 .. count - 1. */
  readonly count: number;
  /** The flow's start (its first packet), virtual ms; must equal specOf(index).startMs. */
  startMsOf(index: number): number;
  /** The flow's spec; called once per flow, at its start. */
  specOf(index: number): FlowSpec;
}

/** Checks the fields schedulePackets relies on; throws naming the flow, the field and the value. */
/** The flow's name is quoted only for an error: checking a million valid flows builds no strings. */
function whereOf(spec: FlowSpec): string {
  return `schedulePackets(${JSON.stringify(spec.name)})`;
}

export function checkFlowSpec(nowMs: number, spec: FlowSpec, options: WorkloadOptions = {}): void {
  if (!Number.isSafeInteger(spec.packets) || spec.packets < 0) {
    throw new RangeError(`${whereOf(spec)}: "packets" expected an integer >= 0, got ${spec.packets}`);
  }
  if (!Number.isSafeInteger(spec.sizeBytes) || spec.sizeBytes < 0) {
    throw new RangeError(`${whereOf(spec)}: "sizeBytes" expected an integer >= 0, got ${spec.sizeBytes}`);
  }
  if (!(spec.startMs >= nowMs) || spec.startMs === Infinity) {
    throw new RangeError(`${whereOf(spec)}: "startMs" expected a finite time >= nowMs (${nowMs}), got ${spec.startMs}`);
  }
  const rate = spec.rate;
  if (rate !== null && (!(rate.perSecond > 0) || rate.perSecond === Infinity)) {
    throw new RangeError(`${whereOf(spec)}: "rate.perSecond" expected a finite number > 0, got ${rate.perSecond}`);
  }
  const responseDelayMs = options.responseDelayMs ?? RESPONSE_DELAY_MS;
  if (!(responseDelayMs >= 0) || responseDelayMs === Infinity) {
    throw new RangeError(`${whereOf(spec)}: "responseDelayMs" expected a finite number >= 0, got ${responseDelayMs}`);
  }
}

function newRun(sim: Simulator, spec: FlowSpec, rng: SeededRng, emit: EmitFn, options: WorkloadOptions): FlowRun {
  const rate = spec.rate;
  const poisson = rate !== null && rate.kind === "poisson";
  return {
    sim, spec, emit,
    responseDelayMs: options.responseDelayMs ?? RESPONSE_DELAY_MS,
    rng: poisson ? rng.fork(`workload/${spec.name}`) : null,
    perSecond: rate === null ? 1000 / BACK_TO_BACK_GAP_MS : rate.perSecond,
    fwdSent: 0,
    revSent: 0,
  };
}

/** Schedules the packets of one flow on `sim`; emit() is called at each packet's time. */
export function schedulePackets(sim: Simulator, spec: FlowSpec, rng: SeededRng, emit: EmitFn, options: WorkloadOptions = {}): void {
  checkFlowSpec(sim.nowMs, spec, options);
  if (spec.packets === 0) return;
  sim.post(spec.startMs, fireFwd, newRun(sim, spec, rng, emit, options));
}

/**
 * The same schedule as schedulePackets, from inside the event at the flow's start: the first packet
 * is emitted now (the caller's event stands where schedulePackets' first event would have been),
 * the rest are scheduled as usual. The caller has checked the spec (checkFlowSpec).
 */
export function startPacketsNow(sim: Simulator, spec: FlowSpec, rng: SeededRng, emit: EmitFn, options: WorkloadOptions = {}): void {
  if (sim.nowMs !== spec.startMs) {
    throw new RangeError(`startPacketsNow(${JSON.stringify(spec.name)}): expected to be called at the flow's "startMs" (${spec.startMs}), called at ${sim.nowMs}`);
  }
  if (spec.packets === 0) return;
  fireFwd(newRun(sim, spec, rng, emit, options));
}
