/**
 * Key schedule of DTLS 1.2 with PSK (RFC 4279 / RFC 5489) and AEAD suites:
 * premaster -> master secret (RFC 5246 §8.1, or RFC 7627 §4) -> key block (RFC 5246 §6.3)
 * and Finished verify_data (RFC 5246 §7.4.9). Secrets are returned as fresh arrays and never logged.
 * The master secret can be passed as raw bytes or prepared once (prepareMaster) for the key block
 * and both verify_data computations of a handshake.
 */
import type { SuiteInfo } from "../suites/registry.js";
import { prf, PrfSecret } from "./prf.js";

/** Random structure of ClientHello/ServerHello: 4-byte gmt_unix_time + 28 random bytes (RFC 5246 §7.4.1.2). */
export const HELLO_RANDOM_BYTES = 32;
/** master_secret is always 48 bytes (RFC 5246 §8.1). */
export const MASTER_SECRET_BYTES = 48;
/** verify_data_length for all TLS 1.2 suites defined so far (RFC 5246 §7.4.9). */
export const VERIFY_DATA_BYTES = 12;
/** PSKs are opaque psk<0..2^16-1> in the premaster (RFC 4279 §2); RFC 4279 §5.3 asks for at least 64 bytes support. */
export const PSK_BYTES_MAX = 0xffff;

export interface KeyBlock {
  clientWriteKey: Uint8Array;
  serverWriteKey: Uint8Array;
  clientWriteIv: Uint8Array;
  serverWriteIv: Uint8Array;
}

function expectBytes(fn: string, name: string, value: Uint8Array, length: number): void {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    const got = value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
    throw new Error(`${fn}: "${name}" expected ${length} bytes, got ${got}`);
  }
}

/**
 * premaster = uint16 len(other_secret) || other_secret || uint16 len(psk) || psk.
 * Plain PSK: other_secret is len(psk) zero bytes (RFC 4279 §2). ECDHE_PSK: the ECDH shared secret
 * (RFC 5489 §2).
 */
export function pskPremaster(psk: Uint8Array, otherSecret?: Uint8Array): Uint8Array {
  if (!(psk instanceof Uint8Array) || psk.length === 0 || psk.length > PSK_BYTES_MAX) {
    throw new Error(`pskPremaster: "psk" expected 1..${PSK_BYTES_MAX} bytes, got ${psk instanceof Uint8Array ? psk.length : typeof psk}`);
  }
  // Plain PSK: other_secret is zeros, which the new array already holds (no zero array to copy).
  const otherBytes = otherSecret === undefined ? psk.length : otherSecret.length;
  if (otherBytes > 0xffff) {
    throw new Error(`pskPremaster: "otherSecret" expected at most 65535 bytes, got ${otherBytes}`);
  }
  const out = new Uint8Array(2 + otherBytes + 2 + psk.length);
  out[0] = otherBytes >>> 8;
  out[1] = otherBytes & 0xff;
  if (otherSecret !== undefined) out.set(otherSecret, 2);
  const p = 2 + otherBytes;
  out[p] = psk.length >>> 8;
  out[p + 1] = psk.length & 0xff;
  out.set(psk, p + 2);
  return out;
}

/** Largest premaster built in the shared scratch (pskPremasterShared); a larger one gets its own array. */
export const PREMASTER_SCRATCH_BYTES_MAX = 1024;
let premasterScratch = new Uint8Array(2 + 64 + 2 + 64);
let premasterView: Uint8Array | null = null;

/**
 * pskPremaster without an allocation: the premaster in a buffer shared by every handshake, valid
 * until the next call. The caller uses it at once (the PRF copies it into its HMAC key) and zeroes
 * it (fill(0)) right after, as it would its own copy.
 */
export function pskPremasterShared(psk: Uint8Array, otherSecret?: Uint8Array): Uint8Array {
  if (!(psk instanceof Uint8Array) || psk.length === 0 || psk.length > PSK_BYTES_MAX) return pskPremaster(psk, otherSecret); // throws
  const otherBytes = otherSecret === undefined ? psk.length : otherSecret.length;
  const n = 2 + otherBytes + 2 + psk.length;
  if (otherBytes > 0xffff || n > PREMASTER_SCRATCH_BYTES_MAX) return pskPremaster(psk, otherSecret);
  if (premasterScratch.length < n) {
    premasterScratch = new Uint8Array(Math.min(PREMASTER_SCRATCH_BYTES_MAX, Math.max(n, 2 * premasterScratch.length)));
    premasterView = null;
  }
  const out = premasterView !== null && premasterView.length === n ? premasterView : (premasterView = premasterScratch.subarray(0, n));
  out[0] = otherBytes >>> 8;
  out[1] = otherBytes & 0xff;
  if (otherSecret !== undefined) out.set(otherSecret, 2);
  else out.fill(0, 2, 2 + otherBytes);
  const p = 2 + otherBytes;
  out[p] = psk.length >>> 8;
  out[p + 1] = psk.length & 0xff;
  out.set(psk, p + 2);
  return out;
}

/** The master secret prepared for the PRF calls that use it (RFC 5246 §6.3, §7.4.9); clear() it when done. */
export function prepareMaster(suite: SuiteInfo, master: Uint8Array): PrfSecret {
  expectBytes("prepareMaster", "master", master, MASTER_SECRET_BYTES);
  return new PrfSecret(suite.prfHash, master);
}

/** PRF under the master secret, raw or prepared. */
function masterPrf(fn: string, suite: SuiteInfo, master: Uint8Array | PrfSecret, label: string, seed: Uint8Array, length: number, seed2?: Uint8Array): Uint8Array {
  if (master instanceof PrfSecret) {
    if (master.hash !== suite.prfHash) throw new Error(`${fn}: "master" expected a ${suite.prfHash} PRF secret for ${suite.name}, got ${master.hash}`);
    return master.prf(label, seed, length, seed2);
  }
  expectBytes(fn, "master", master, MASTER_SECRET_BYTES);
  return prf(suite.prfHash, master, label, seed, length, seed2);
}

/** master_secret = PRF(pre_master_secret, "master secret", ClientHello.random + ServerHello.random)[0..47] (RFC 5246 §8.1). */
export function masterSecret(
  suite: SuiteInfo,
  premaster: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Uint8Array {
  expectBytes("masterSecret", "clientRandom", clientRandom, HELLO_RANDOM_BYTES);
  expectBytes("masterSecret", "serverRandom", serverRandom, HELLO_RANDOM_BYTES);
  return prf(suite.prfHash, premaster, "master secret", clientRandom, MASTER_SECRET_BYTES, serverRandom);
}

/** master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47] (RFC 7627 §4). */
export function extendedMasterSecret(suite: SuiteInfo, premaster: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  const hashBytes = suite.prfHash === "sha384" ? 48 : 32;
  expectBytes("extendedMasterSecret", "sessionHash", sessionHash, hashBytes);
  return prf(suite.prfHash, premaster, "extended master secret", sessionHash, MASTER_SECRET_BYTES);
}

/**
 * key_block = PRF(master, "key expansion", server_random + client_random) (RFC 5246 §6.3), cut into
 * client/server MAC keys (empty for AEAD suites), client/server write keys, client/server write IVs.
 */
export function keyBlock(
  suite: SuiteInfo,
  master: Uint8Array | PrfSecret,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): KeyBlock {
  expectBytes("keyBlock", "clientRandom", clientRandom, HELLO_RANDOM_BYTES);
  expectBytes("keyBlock", "serverRandom", serverRandom, HELLO_RANDOM_BYTES);
  const k = suite.encKeyBytes;
  const iv = suite.fixedIvBytes;
  const block = masterPrf("keyBlock", suite, master, "key expansion", serverRandom, 2 * k + 2 * iv, clientRandom);
  // Views of the one fresh block, not copies: nothing else holds it, and a copy each was four
  // more allocations per handshake side.
  return {
    clientWriteKey: block.subarray(0, k),
    serverWriteKey: block.subarray(k, 2 * k),
    clientWriteIv: block.subarray(2 * k, 2 * k + iv),
    serverWriteIv: block.subarray(2 * k + iv, 2 * k + 2 * iv),
  };
}

/** verify_data = PRF(master, finished_label, Hash(handshake_messages))[0..11] (RFC 5246 §7.4.9). */
export function verifyData(
  suite: SuiteInfo,
  master: Uint8Array | PrfSecret,
  label: "client finished" | "server finished",
  handshakeHash: Uint8Array,
): Uint8Array {
  if (label !== "client finished" && label !== "server finished") {
    throw new Error(`verifyData: "label" expected "client finished" or "server finished", got ${JSON.stringify(label)}`);
  }
  expectBytes("verifyData", "handshakeHash", handshakeHash, suite.prfHash === "sha384" ? 48 : 32);
  return masterPrf("verifyData", suite, master, label, handshakeHash, VERIFY_DATA_BYTES);
}

/** The transcript hash is the PRF hash of the negotiated suite (RFC 5246 §7.4.9). */
export function transcriptHashName(suite: SuiteInfo): "sha256" | "sha384" {
  return suite.prfHash;
}

/**
 * Constant-time comparison for MACs, verify_data and cookies. Different lengths return false at once
 * (lengths are public); equal lengths take time independent of the contents: every byte pair is
 * XORed into one accumulator, no early exit. A JS loop rather than node's timingSafeEqual, whose
 * argument checks cost more than comparing the 12-32 bytes compared here.
 */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) {
    throw new TypeError(`timingSafeEqualBytes: expected two Uint8Arrays, got ${typeof a} and ${typeof b}`);
  }
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
