/**
 * The cipher suites this DTLS implementation speaks: all AEAD, all PSK-based (RFC 4279 family).
 * One table row per suite; everything else (key sizes, nonce layout, PRF hash) is derived from it.
 */
import type { CipherSuiteName } from "../api.js";

export type AeadAlgorithm = "aes-128-gcm" | "aes-256-gcm" | "aes-128-ccm-8" | "chacha20-poly1305";

export interface SuiteInfo {
  readonly name: CipherSuiteName;
  /** Two-byte CipherSuite value from the IANA TLS registry. */
  readonly id: number;
  readonly keyExchange: "psk" | "ecdhe-psk";
  readonly aead: AeadAlgorithm;
  /** Hash of the TLS 1.2 PRF and of the handshake transcript (RFC 5246 §5, §7.4.9). */
  readonly prfHash: "sha256" | "sha384";
  readonly encKeyBytes: number;
  /** client/server_write_IV length from the key block: 4 for GCM/CCM (salt), 12 for ChaCha20 (RFC 7905 §2). */
  readonly fixedIvBytes: number;
  /** Explicit per-record nonce carried in the record: 8 for GCM/CCM (RFC 5288 §3; RFC 6655 uses the same layout), 0 for ChaCha20. */
  readonly recordIvBytes: number;
  /** Authentication tag: 16, or 8 for CCM_8 (RFC 6655 §4). */
  readonly tagBytes: number;
}

export const SUITES: readonly SuiteInfo[] = Object.freeze(
  ([
  // RFC 5487 §2
  {
    name: "TLS_PSK_WITH_AES_128_GCM_SHA256",
    id: 0x00a8,
    keyExchange: "psk",
    aead: "aes-128-gcm",
    prfHash: "sha256",
    encKeyBytes: 16,
    fixedIvBytes: 4,
    recordIvBytes: 8,
    tagBytes: 16,
  },
  // RFC 5487 §2
  {
    name: "TLS_PSK_WITH_AES_256_GCM_SHA384",
    id: 0x00a9,
    keyExchange: "psk",
    aead: "aes-256-gcm",
    prfHash: "sha384",
    encKeyBytes: 32,
    fixedIvBytes: 4,
    recordIvBytes: 8,
    tagBytes: 16,
  },
  // RFC 6655 §3 (PSK suites; AEAD_AES_128_CCM_8 with an 8-byte ICV, §4); PRF is the TLS 1.2 default, SHA-256 (RFC 5246 §5)
  {
    name: "TLS_PSK_WITH_AES_128_CCM_8",
    id: 0xc0a8,
    keyExchange: "psk",
    aead: "aes-128-ccm-8",
    prfHash: "sha256",
    encKeyBytes: 16,
    fixedIvBytes: 4,
    recordIvBytes: 8,
    tagBytes: 8,
  },
  // RFC 7905 §2-3
  {
    name: "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
    id: 0xccab,
    keyExchange: "psk",
    aead: "chacha20-poly1305",
    prfHash: "sha256",
    encKeyBytes: 32,
    fixedIvBytes: 12,
    recordIvBytes: 0,
    tagBytes: 16,
  },
  // RFC 7905 §3
  {
    name: "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
    id: 0xccac,
    keyExchange: "ecdhe-psk",
    aead: "chacha20-poly1305",
    prfHash: "sha256",
    encKeyBytes: 32,
    fixedIvBytes: 12,
    recordIvBytes: 0,
    tagBytes: 16,
  },
  ] satisfies SuiteInfo[]).map((s) => Object.freeze(s)),
);

const BY_ID = new Map<number, SuiteInfo>(SUITES.map((s) => [s.id, s]));
const BY_NAME = new Map<string, SuiteInfo>(SUITES.map((s) => [s.name, s]));

export function suiteById(id: number): SuiteInfo | undefined {
  return BY_ID.get(id);
}

/** Throws on a name that is not in SUITES (bad input, e.g. from a scenario file). */
export function suiteByName(name: CipherSuiteName): SuiteInfo {
  const suite = BY_NAME.get(name);
  if (suite === undefined) {
    throw new Error(
      `cipher suite "${String(name)}" is unknown; expected one of ${SUITES.map((s) => s.name).join(", ")}`,
    );
  }
  return suite;
}

/**
 * Server preference order (first = most preferred) when EndpointOptions.suites is not given.
 * - ECDHE_PSK first: the only suite with forward secrecy (RFC 5489 §1); a leaked regional PSK then
 *   does not decrypt recorded tunnels.
 * - AES-128-GCM next: with AES-NI/VAES it is the fastest record cipher in node:crypto and in OpenSSL
 *   (see shared/docs/benchmarks.md), and the 8+16 byte overhead matches the Azure MTU notes.
 * - ChaCha20-Poly1305 PSK: fastest without AES hardware and with sodium-native; 16 bytes less
 *   per-record overhead than GCM (no explicit nonce, RFC 7905 §2).
 * - AES-256-GCM: for peers that insist on 256-bit keys.
 * - AES-128-CCM_8 last: an 8-byte tag allows a forgery per 2^64 tries instead of 2^128; it exists for
 *   constrained devices.
 */
export const DEFAULT_SUITES: readonly CipherSuiteName[] = Object.freeze([
  "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
  "TLS_PSK_WITH_AES_128_GCM_SHA256",
  "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
  "TLS_PSK_WITH_AES_256_GCM_SHA384",
  "TLS_PSK_WITH_AES_128_CCM_8",
]);
