/**
 * A simulated regional key service (domain.md §5: keys are managed by the platform per region).
 * Each tunnel's pre-shared key is derived with HKDF-SHA256 (RFC 5869) from the service's root
 * secret, which the runner derives from the scenario seed, so a run is replayable and no key is
 * ever stored or printed. The PSK identity (RFC 4279 §2) names the region, the pair and the key
 * generation, e.g. "vnetsim/westeurope/vm-a|vm-b/g1": the server side looks the identity up and
 * derives the same key from its own view of the service.
 *
 * A host whose view of the service is stale (a fault the runner can inject) derives different
 * keys: its handshakes fail with bad_record_mac, as a real key mismatch would.
 */
import { createHmac } from "node:crypto";
import { hmacKey, type HmacKey } from "../dtls/crypto/hmac.js";

/** RFC 5869 with SHA-256: the key length we hand the DTLS PSK suites (32 bytes). */
export const PSK_BYTES = 32; // = one SHA-256 output block (RFC 5869 §2.3: T(1))
/** Root secrets shorter than this are refused (RFC 5869 §3.3: the IKM should have enough entropy). */
export const ROOT_SECRET_BYTES_MIN = 16;
/** RFC 4279 §5.3: PSK identities up to 2^16-1 bytes; ours are names, much shorter. */
export const PSK_IDENTITY_CHARS_MAX = 512;
const IDENTITY_PREFIX = "vnetsim/";
/** HKDF salt: domain separation for this purpose (RFC 5869 §3.1). */
const HKDF_SALT = new TextEncoder().encode("vnetsim key service v1");
/** RFC 5869 §2.3: the counter octet of the first output block. */
const BLOCK_1 = Uint8Array.of(1);
const UTF8 = new TextEncoder();
/** An identity's UTF-8 bytes while its key is derived (at most 3 bytes per UTF-16 unit). */
const identityScratch = new Uint8Array(PSK_IDENTITY_CHARS_MAX * 3);

export interface TunnelPsk {
  identity: string;
  key: Uint8Array;
}

export interface ParsedIdentity {
  region: string;
  pair: string;
  generation: number;
}

/** The identity string for a (region, pair, generation). */
export function pskIdentity(region: string, pair: string, generation: number): string {
  if (!Number.isSafeInteger(generation) || generation < 1) {
    throw new RangeError(`pskIdentity: "generation" expected an integer >= 1, got ${generation}`);
  }
  if (region.length === 0 || region.includes("/")) throw new TypeError(`pskIdentity: "region" expected a name without "/", got ${JSON.stringify(region)}`);
  if (pair.length === 0 || pair.includes("/")) throw new TypeError(`pskIdentity: "pair" expected "a|b" without "/", got ${JSON.stringify(pair)}`);
  const id = `${IDENTITY_PREFIX}${region}/${pair}/g${generation}`;
  if (id.length > PSK_IDENTITY_CHARS_MAX) throw new RangeError(`pskIdentity: identity expected at most ${PSK_IDENTITY_CHARS_MAX} chars, got ${id.length}`);
  return id;
}

/** Parses an identity made by pskIdentity; null for anything else (the server then refuses it). */
export function parsePskIdentity(identity: string): ParsedIdentity | null {
  if (identity.length > PSK_IDENTITY_CHARS_MAX || !identity.startsWith(IDENTITY_PREFIX)) return null;
  const parts = identity.slice(IDENTITY_PREFIX.length).split("/");
  if (parts.length !== 3) return null;
  const [region, pair, gen] = parts as [string, string, string];
  const m = /^g([1-9][0-9]{0,14})$/.exec(gen);
  if (region.length === 0 || pair.length === 0 || m === null) return null;
  return { region, pair, generation: Number(m[1]) };
}

export class KeyService {
  /** HKDF-Extract(salt, root) (RFC 5869 §2.2), computed once: each key is then one HMAC. */
  private readonly prk: HmacKey;
  /** PSKs handed out (each derivation counts). */
  issued = 0;
  /** The last derivation: the server half asks for the key the client half was just given. */
  private lastIdentity = "";
  private lastKey: Uint8Array | null = null;

  constructor(rootSecret: Uint8Array) {
    if (!(rootSecret instanceof Uint8Array) || rootSecret.length < ROOT_SECRET_BYTES_MIN) {
      throw new RangeError(`KeyService: "rootSecret" expected at least ${ROOT_SECRET_BYTES_MIN} bytes, got ${rootSecret instanceof Uint8Array ? rootSecret.length : typeof rootSecret}`);
    }
    // HMAC keyed with the PRK once (its pad states), so each key costs three SHA-256 compressions
    // in JS instead of a node:crypto Hmac object and key per tunnel.
    this.prk = hmacKey("sha256", createHmac("sha256", HKDF_SALT).update(rootSecret).digest());
  }

  /** The PSK of one tunnel generation: HKDF-SHA256(root, salt, info = identity). */
  pskFor(region: string, pair: string, generation: number): TunnelPsk {
    const identity = pskIdentity(region, pair, generation);
    return { identity, key: this.keyForIdentity(identity) };
  }

  /** The server side: the key for an identity the client presented, or undefined if it is not ours. */
  lookup(identity: string): Uint8Array | undefined {
    return parsePskIdentity(identity) === null ? undefined : this.keyForIdentity(identity);
  }

  /**
   * HKDF-Expand(PRK, info = identity, L = 32) (RFC 5869 §2.3): with L equal to the hash length it is
   * the single block T(1) = HMAC(PRK, info || 0x01). Same bytes as node's hkdfSync, which builds a
   * key object per call and costs several times more (a tunnel derives two keys).
   */
  private keyForIdentity(identity: string): Uint8Array {
    this.issued++;
    if (this.lastKey !== null && identity === this.lastIdentity) return this.lastKey.slice();
    const n = UTF8.encodeInto(identity, identityScratch).written;
    const key = new Uint8Array(PSK_BYTES);
    this.prk.macInto(key, 0, identityScratch.subarray(0, n), BLOCK_1);
    this.lastIdentity = identity;
    this.lastKey = key;
    return key.slice();
  }

  /** Never print keys: a service shows only how many it issued. */
  toJSON(): { issued: number } {
    return { issued: this.issued };
  }
}
