/**
 * EndpointOptions -> the checked, defaulted configuration the endpoint and its handshakes use.
 * Bad input throws here, at construction, with the field, the value and what was expected.
 */
import type { CipherSuiteName, EndpointOptions, NamedGroup, PskClientConfig, PskServerConfig, RekeyPolicy } from "../api.js";
import { COOKIE_SECRET_ROTATE_MS, DEFAULT_MTU_BYTES, MTU_BYTES_MIN, resolveLimits } from "../limits.js";
import { DEFAULT_SUITES, suiteByName, type SuiteInfo } from "../suites/registry.js";
import { CookieJar } from "./cookie.js";
import type { HandshakeConfig } from "./host.js";

/** Largest UDP payload over IPv4 (65535 - 20 - 8). */
export const UDP_PAYLOAD_BYTES_MAX = 65507;

/** Default key exchange groups, in preference order (shared, frozen). */
const DEFAULT_GROUPS: readonly NamedGroup[] = Object.freeze(["x25519", "secp256r1"] as const);
/** No rekey by policy (the default), shared by every endpoint that has none. */
const NO_REKEY: Readonly<RekeyPolicy> = Object.freeze({ afterRecords: 0, afterMs: 0 });

/**
 * The resolved suite list of the last call, reused when the next endpoint asks for the same names in
 * the same order (the simulator opens every tunnel with the same list): a one-entry cache, so
 * bounded by construction. The array is frozen; the handshakes only read it.
 */
let lastSuiteNames: readonly CipherSuiteName[] | null = null;
let lastSuites: readonly SuiteInfo[] = [];

function resolveSuites(names: readonly CipherSuiteName[]): readonly SuiteInfo[] {
  const last = lastSuiteNames;
  if (last !== null && last.length === names.length) {
    let same = true;
    for (let i = 0; i < names.length && same; i++) same = names[i] === last[i];
    if (same) return lastSuites;
  }
  const suites = Object.freeze(names.map((n) => suiteByName(n)));
  lastSuiteNames = Object.freeze([...names]);
  lastSuites = suites;
  return suites;
}

export interface ResolvedEndpointConfig {
  handshake: HandshakeConfig;
  rekeyPolicy: RekeyPolicy;
  acceptRenegotiation: boolean;
}

export function resolveEndpointConfig(options: EndpointOptions, cookieVerified: boolean): ResolvedEndpointConfig {
  if (options.role !== "client" && options.role !== "server") {
    throw new TypeError(`EndpointOptions.role expected "client" or "server", got ${JSON.stringify(options.role)}`);
  }
  const limits = resolveLimits(options.limits);
  const afterRecords = options.rekey?.afterRecords ?? 0;
  const afterMs = options.rekey?.afterMs ?? 0;
  const rekeyPolicy = afterRecords === 0 && afterMs === 0 ? NO_REKEY : { afterRecords, afterMs };
  if (!(rekeyPolicy.afterRecords >= 0) || !(rekeyPolicy.afterMs >= 0)) {
    throw new RangeError(`EndpointOptions.rekey expected afterRecords/afterMs >= 0, got ${JSON.stringify(options.rekey)}`);
  }
  if (options.role === "client") {
    const psk = options.psk as PskClientConfig;
    if (typeof psk.identity !== "string" || !(psk.key instanceof Uint8Array) || psk.key.length === 0) {
      throw new TypeError(`EndpointOptions.psk for a client expected { identity: string, key: non-empty Uint8Array }`);
    }
  } else if (typeof (options.psk as PskServerConfig).lookup !== "function") {
    throw new TypeError(`EndpointOptions.psk for a server expected { lookup(identity) }`);
  }
  const suiteNames = options.suites ?? DEFAULT_SUITES;
  if (suiteNames.length === 0) throw new RangeError(`EndpointOptions.suites expected at least one suite, got []`);
  const groups = options.groups ?? DEFAULT_GROUPS;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (g !== "x25519" && g !== "secp256r1") {
      throw new RangeError(`EndpointOptions.groups: unknown group ${JSON.stringify(g)}; expected x25519 or secp256r1`);
    }
  }
  const mtuBytes = options.mtuBytes ?? DEFAULT_MTU_BYTES;
  if (!Number.isInteger(mtuBytes) || mtuBytes < MTU_BYTES_MIN || mtuBytes > UDP_PAYLOAD_BYTES_MAX) {
    throw new RangeError(`EndpointOptions.mtuBytes expected an integer in [${MTU_BYTES_MIN}, ${UDP_PAYLOAD_BYTES_MAX}], got ${mtuBytes}`);
  }
  const handshake: HandshakeConfig = {
    role: options.role,
    clock: options.clock,
    rng: options.rng,
    limits,
    suites: resolveSuites(suiteNames),
    groups,
    psk: options.psk,
    mtuBytes,
    backend: options.backend,
    peerAddress: options.peerAddress ?? "peer",
    keyLog: options.keyLog,
    extendedMasterSecret: options.extendedMasterSecret ?? true,
    cookieJar:
      options.role === "server" && !cookieVerified && options.cookieExchange !== false
        ? new CookieJar(options.clock, options.rng, COOKIE_SECRET_ROTATE_MS)
        : null,
  };
  return { handshake, rekeyPolicy, acceptRenegotiation: options.acceptRenegotiation ?? true };
}
