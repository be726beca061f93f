/**
 * Every buffer, counter and table in the DTLS endpoint has a named limit here (TigerBeetle style:
 * put a limit on everything). EndpointOptions.limits overrides the DtlsLimits ones per endpoint.
 */
import type { DtlsLimits } from "./api.js";
import { SEQ_MAX } from "./constants.js";

/** Handshake bytes held for reassembly, all messages together. Our largest flight is < 1 KiB; a
 * peer with certificates would need more, but we only speak PSK. */
export const REASSEMBLY_BYTES_MAX = 64 * 1024;
/** Retransmissions of one flight before the handshake fails with "retransmit-exhausted".
 * At the RFC 6347 §4.2.4.1 timer values the 8th retransmission goes out after 1+2+4+8+16+32+60+60 s
 * = 183 s, and the handshake fails one more timeout later, at 243 s (finalFlightRetainMs). */
export const RETRANSMIT_COUNT_MAX = 8;
/** RFC 6347 §4.2.4.1: "an initial timer value of 1 second" (RECOMMENDED). */
export const RETRANSMIT_INITIAL_MS = 1000;
/** RFC 6347 §4.2.4.1: double on each retransmission "up to no less than the RFC 6298 maximum of 60 seconds". */
export const RETRANSMIT_MAX_MS = 60_000;
/** Application records queued while the send key is exhausted and a rekey handshake runs. */
export const PENDING_RECORDS_MAX = 256;
/**
 * Records sealed under one key before rekeying is forced. 2^24 follows the AES-GCM usage limit
 * (about 2^24.5 full-size records, RFC 8446 §5.5 citing the AEAD limits analysis); it is also far
 * below the 48-bit DTLS sequence space (RFC 6347 §4.1), which is the absolute hard stop.
 */
export const RECORDS_PER_KEY_MAX = 2 ** 24;
/**
 * Records of each key held back from application data for the rekey handshake that still runs
 * under it (our flights, their retransmissions, alerts), so that *every* record sealed under a key,
 * handshake or not, stays within recordsPerKeyMax. Capped at a quarter of the limit.
 */
export const HANDSHAKE_RECORDS_RESERVE = 64;

/** Application records one key may seal: recordsPerKeyMax minus the handshake reserve. */
export function appRecordsPerKeyMax(limits: DtlsLimits): number {
  return limits.recordsPerKeyMax - Math.min(HANDSHAKE_RECORDS_RESERVE, Math.floor(limits.recordsPerKeyMax / 4));
}

/**
 * How long a server keeps its final flight to answer the client's retransmissions of its own final
 * flight (RFC 6347 §4.2.4): the client's whole retransmission budget, taking our limits as the
 * peer's (both ends of a tunnel are configured alike): its timeouts retransmitInitialMs, doubling up
 * to retransmitMaxMs (RFC 6347 §4.2.4.1), one per transmission, retransmitCountMax + 1 of them. After
 * that the client has failed with "retransmit-exhausted" and asks no more; the last timeout covers
 * the retransmission's time on the wire.
 */
export function finalFlightRetainMs(limits: Pick<DtlsLimits, "retransmitCountMax" | "retransmitInitialMs" | "retransmitMaxMs">): number {
  let totalMs = 0;
  let timeoutMs = limits.retransmitInitialMs;
  for (let i = 0; i <= limits.retransmitCountMax; i++) {
    totalMs += timeoutMs;
    timeoutMs = Math.min(2 * timeoutMs, limits.retransmitMaxMs);
  }
  return totalMs;
}

/** finalFlightRetainMs with the default limits: 1+2+4+8+16+32+60+60+60 s = 243 s. */
export const FINAL_FLIGHT_RETAIN_MS = 243_000;

/** DtlsServer: concurrent sessions (one per peer address). */
export const SESSIONS_MAX = 1024;
/** DtlsServer: a session silent this long may be evicted to admit a new client when sessionsMax is
 * reached (a vanished client never sends close_notify). */
export const SESSION_IDLE_MS = 600_000;
/** Handshake message length accepted from a peer (RFC 5246 allows 2^24-1; PSK messages are tiny). */
export const HANDSHAKE_MESSAGE_BYTES_MAX = 16 * 1024;
/** How far ahead of the next expected message_seq a fragment may be and still be buffered. */
export const HANDSHAKE_MESSAGES_AHEAD_MAX = 8;
/** Records of the next epoch (or app data of an unfinished handshake) buffered until they can be
 * processed; RFC 6347 §4.1 allows buffering such records to survive reordering. */
export const EARLY_RECORDS_MAX = 32;
/** Old read epochs kept after a rekey so late records still decrypt; RFC 6347 §4.1 suggests keeping
 * the previous epoch's keys for up to the maximum segment lifetime (2 minutes, RFC 793). */
export const PREVIOUS_EPOCH_RETAIN_MS = 120_000;
/** Cookie secret rotation period for HelloVerifyRequest (RFC 6347 §4.2.1: "change secret frequently"). */
export const COOKIE_SECRET_ROTATE_MS = 60_000;
/** Default path MTU for handshake fragmentation: IPv6 minimum MTU 1280 - 40 (IPv6) - 8 (UDP). */
export const DEFAULT_MTU_BYTES = 1232;
/** Smallest MTU we can fragment into (one 13-byte header + explicit nonce + tag + 12-byte handshake
 * header + at least a few bytes of body). */
export const MTU_BYTES_MIN = 80;

export const DEFAULT_LIMITS: Readonly<DtlsLimits> = Object.freeze({
  reassemblyBytesMax: REASSEMBLY_BYTES_MAX,
  retransmitCountMax: RETRANSMIT_COUNT_MAX,
  retransmitInitialMs: RETRANSMIT_INITIAL_MS,
  retransmitMaxMs: RETRANSMIT_MAX_MS,
  pendingRecordsMax: PENDING_RECORDS_MAX,
  recordsPerKeyMax: RECORDS_PER_KEY_MAX,
});

const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as readonly (keyof DtlsLimits)[];

/**
 * The last resolved limits (frozen), returned again when the next endpoint's overrides resolve to the
 * same values (the simulator gives every tunnel the same limits): a one-entry cache, so bounded by
 * construction, and endpoints with equal limits share one object instead of one each.
 */
let lastLimits: Readonly<DtlsLimits> = DEFAULT_LIMITS;

/** Merges overrides onto the defaults and checks each value (bad input throws, naming the field). */
export function resolveLimits(overrides: Partial<DtlsLimits> | undefined): Readonly<DtlsLimits> {
  if (overrides === undefined) return DEFAULT_LIMITS;
  const last = lastLimits;
  let same = true;
  for (let i = 0; i < LIMIT_NAMES.length && same; i++) {
    const k = LIMIT_NAMES[i]!;
    same = (Object.hasOwn(overrides, k) ? overrides[k] : DEFAULT_LIMITS[k]) === last[k];
  }
  if (same) return last;
  const limits: DtlsLimits = { ...DEFAULT_LIMITS, ...overrides };
  const check = (name: keyof DtlsLimits, min: number, max: number): void => {
    const v = limits[name];
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`limits.${name} expected an integer in [${min}, ${max}], got ${v}`);
    }
  };
  check("reassemblyBytesMax", 256, 2 ** 30);
  check("retransmitCountMax", 0, 1000);
  check("retransmitInitialMs", 1, 3_600_000);
  check("retransmitMaxMs", limits.retransmitInitialMs, 3_600_000);
  check("pendingRecordsMax", 0, 1_000_000);
  check("recordsPerKeyMax", 4, SEQ_MAX + 1);
  lastLimits = Object.freeze(limits);
  return lastLimits;
}
