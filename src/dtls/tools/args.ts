/**
 * Validation of the `vnetsim dtls serve|connect` inputs. Every function throws DtlsToolUsageError
 * with a message that names the flag, the bad value and what was expected; the one exception is
 * the PSK, whose value is never echoed (keys never appear in logs or error messages).
 */
import type { CipherSuiteName, NamedGroup } from "../api.js";
import { SUITES } from "../suites/registry.js";
import { MTU_BYTES_MIN } from "../limits.js";

/** A user mistake in a tool's arguments (the CLI turns it into exit code 2). */
export class DtlsToolUsageError extends Error {
  override readonly name = "DtlsToolUsageError";
}

export interface HostPort {
  host: string;
  port: number;
}

/** Largest UDP payload over IPv4 (65535 - 20 IP - 8 UDP); an MTU above it cannot be a path MTU. */
export const MTU_BYTES_MAX = 65_507;
/** OpenSSL 3.0's PSK_MAX_PSK_LEN is 512 bytes; RFC 4279 §5.3 requires at least 64 bytes of support. */
export const PSK_BYTES_MAX = 512;
/** OpenSSL's PSK_MAX_IDENTITY_LEN (256); RFC 4279 §5.3 requires at least 128 bytes of support. */
export const PSK_IDENTITY_BYTES_MAX = 256;
/** Longest --timeout we accept: one day. */
export const TIMEOUT_MS_MAX = 86_400_000;

/** OpenSSL's names for our suites, accepted as aliases on the command line. */
export const SUITE_OPENSSL_NAMES: Readonly<Record<CipherSuiteName, string>> = {
  TLS_PSK_WITH_AES_128_GCM_SHA256: "PSK-AES128-GCM-SHA256",
  TLS_PSK_WITH_AES_256_GCM_SHA384: "PSK-AES256-GCM-SHA384",
  TLS_PSK_WITH_AES_128_CCM_8: "PSK-AES128-CCM8",
  TLS_PSK_WITH_CHACHA20_POLY1305_SHA256: "PSK-CHACHA20-POLY1305",
  TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-PSK-CHACHA20-POLY1305",
};

const GROUP_ALIASES: Readonly<Record<string, NamedGroup>> = {
  x25519: "x25519",
  secp256r1: "secp256r1",
  "p-256": "secp256r1",
  prime256v1: "secp256r1",
};

function isLoopbackV4(host: string): boolean {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

/** Loopback spellings we accept; "localhost" is pinned to 127.0.0.1 so no resolver is involved. */
function normaliseLoopbackHost(host: string): string | null {
  if (host === "localhost") return "127.0.0.1";
  if (isLoopbackV4(host)) return host;
  if (host === "::1" || /^(0{1,4}:){7}0{0,3}1$/.test(host) || host === "0:0:0:0:0:0:0:1") return "::1";
  return null;
}

export function parsePort(text: string, flag: string, allowZero = false): number {
  const min = allowZero ? 0 : 1;
  if (!/^\d{1,5}$/.test(text) || Number(text) < min || Number(text) > 65_535) {
    throw new DtlsToolUsageError(`${flag}: port "${text}" is invalid; expected a whole number from ${min} to 65535`);
  }
  return Number(text);
}

/**
 * "127.0.0.1:4444", "[::1]:4444" or "localhost:4444". Only loopback: these tools exist to test
 * against OpenSSL on one machine and must never expose a PSK endpoint on a network interface.
 */
export function parseLoopbackAddress(text: string, flag: string, allowPortZero = false): HostPort {
  const m = /^\[([^\]]+)\]:([^:]*)$/.exec(text) ?? /^([^:[\]]+):([^:]*)$/.exec(text);
  if (m === null) {
    throw new DtlsToolUsageError(`${flag}: "${text}" is not HOST:PORT; expected e.g. 127.0.0.1:4444 or [::1]:4444`);
  }
  const rawHost = m[1]!;
  const host = normaliseLoopbackHost(rawHost.toLowerCase());
  if (host === null) {
    throw new DtlsToolUsageError(
      `${flag}: address "${rawHost}" is not a loopback address; vnetsim dtls only uses 127.0.0.0/8, ::1 or localhost`,
    );
  }
  return { host, port: parsePort(m[2]!, flag, allowPortZero) };
}

/** Hex PSK (as OpenSSL's -psk, optional 0x). The message describes the problem, never the value. */
export function parsePskHex(text: string, flag = "--psk"): Uint8Array {
  const hex = text.startsWith("0x") || text.startsWith("0X") ? text.slice(2) : text;
  if (hex.length === 0) throw new DtlsToolUsageError(`${flag}: the key is empty; expected hex digits such as 00112233...`);
  const bad = hex.search(/[^0-9a-fA-F]/);
  if (bad >= 0) {
    throw new DtlsToolUsageError(`${flag}: the key has a non-hex character at position ${bad + 1}; expected only 0-9 and a-f`);
  }
  if (hex.length % 2 !== 0) {
    throw new DtlsToolUsageError(`${flag}: the key has an odd number of hex digits (${hex.length}); expected whole bytes`);
  }
  if (hex.length / 2 > PSK_BYTES_MAX) {
    throw new DtlsToolUsageError(`${flag}: the key is ${hex.length / 2} bytes; expected at most ${PSK_BYTES_MAX} bytes`);
  }
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

export function parseIdentity(text: string, flag = "--psk-identity"): string {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes === 0) throw new DtlsToolUsageError(`${flag}: the identity is empty; expected 1 to ${PSK_IDENTITY_BYTES_MAX} bytes`);
  if (bytes > PSK_IDENTITY_BYTES_MAX) {
    throw new DtlsToolUsageError(`${flag}: the identity is ${bytes} bytes; expected at most ${PSK_IDENTITY_BYTES_MAX} bytes`);
  }
  return text;
}

/** Comma-separated suite names, IANA ("TLS_PSK_WITH_AES_128_GCM_SHA256") or OpenSSL ("PSK-AES128-GCM-SHA256"). */
export function parseSuiteList(text: string, flag = "--suites"): CipherSuiteName[] {
  const byName = new Map<string, CipherSuiteName>();
  for (const s of SUITES) {
    byName.set(s.name.toUpperCase(), s.name);
    byName.set(SUITE_OPENSSL_NAMES[s.name].toUpperCase(), s.name);
  }
  const out: CipherSuiteName[] = [];
  for (const raw of text.split(",")) {
    const name = raw.trim();
    const suite = byName.get(name.toUpperCase());
    if (suite === undefined) {
      const valid = SUITES.map((s) => `${s.name} (${SUITE_OPENSSL_NAMES[s.name]})`).join(", ");
      throw new DtlsToolUsageError(`${flag}: unknown cipher suite "${name}"; expected one of: ${valid}`);
    }
    if (!out.includes(suite)) out.push(suite);
  }
  return out;
}

export function parseGroupList(text: string, flag = "--groups"): NamedGroup[] {
  const out: NamedGroup[] = [];
  for (const raw of text.split(",")) {
    const name = raw.trim();
    const group = GROUP_ALIASES[name.toLowerCase()];
    if (group === undefined) {
      throw new DtlsToolUsageError(`${flag}: unknown group "${name}"; expected x25519 or secp256r1 (alias P-256)`);
    }
    if (!out.includes(group)) out.push(group);
  }
  return out;
}

export function parseMtuBytes(text: string, flag = "--mtu"): number {
  const n = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(n >= MTU_BYTES_MIN && n <= MTU_BYTES_MAX)) {
    throw new DtlsToolUsageError(`${flag}: "${text}" is invalid; expected bytes of UDP payload from ${MTU_BYTES_MIN} to ${MTU_BYTES_MAX}`);
  }
  return n;
}

/** "10s", "500ms", "2m" or a plain number of milliseconds; must be > 0. */
export function parseTimeoutMs(text: string, flag = "--timeout"): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  const unitMs = m?.[2] === "s" ? 1_000 : m?.[2] === "m" ? 60_000 : 1;
  const ms = m === null ? NaN : Math.round(Number(m[1]) * unitMs);
  if (!(ms > 0 && ms <= TIMEOUT_MS_MAX)) {
    throw new DtlsToolUsageError(`${flag}: "${text}" is invalid; expected a duration such as 10s, 500ms or 2m (at most 24h)`);
  }
  return ms;
}
