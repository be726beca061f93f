/**
 * Ephemeral ECDH for ECDHE_PSK (RFC 5489 §2) on X25519 and P-256 via node:crypto.
 * Private keys come from the endpoint's Rng, so a seeded simulator run is replayable.
 * - X25519 (RFC 8422 §5.11, RFC 7748): 32-byte public keys; the shared secret is the X25519
 *   output, and an all-zero output (low-order peer point) is rejected.
 * - secp256r1: uncompressed points only (RFC 8422 §5.1.2: 0x04 || X || Y, 65 bytes); the
 *   premaster is the x-coordinate of the shared point (RFC 8422 §5.10).
 */
import { createECDH, createPrivateKey, createPublicKey, diffieHellman } from "node:crypto";
import type { NamedGroup, Rng } from "../api.js";

/** DER prefixes wrapping a raw X25519 key into PKCS#8 / SPKI (RFC 8410 §7, OID 1.3.101.110). */
const X25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
const X25519_SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00]);
export const X25519_POINT_BYTES = 32;
export const P256_POINT_BYTES = 65;

export interface EcdhKeyPair {
  readonly group: NamedGroup;
  readonly publicPoint: Uint8Array;
  /** Shared secret with the peer's point, or null if the point is invalid (illegal_parameter). */
  derive(peerPoint: Uint8Array): Uint8Array | null;
}

function concat(a: Uint8Array, b: Uint8Array): Buffer {
  return Buffer.concat([a, b]);
}

export function generateKeyPair(group: NamedGroup, rng: Rng): EcdhKeyPair {
  if (group === "x25519") {
    const raw = new Uint8Array(32);
    rng(raw);
    const priv = createPrivateKey({ key: concat(X25519_PKCS8_PREFIX, raw), format: "der", type: "pkcs8" });
    const spki = createPublicKey(priv).export({ format: "der", type: "spki" });
    const publicPoint = new Uint8Array(spki.subarray(spki.length - X25519_POINT_BYTES));
    return {
      group,
      publicPoint,
      derive(peer) {
        if (peer.length !== X25519_POINT_BYTES) return null;
        try {
          const pub = createPublicKey({ key: concat(X25519_SPKI_PREFIX, peer), format: "der", type: "spki" });
          const s = new Uint8Array(diffieHellman({ privateKey: priv, publicKey: pub }));
          // RFC 7748 §6.1 / RFC 8422 §5.11: an all-zero result means a low-order point; abort.
          if (s.every((b) => b === 0)) return null;
          return s;
        } catch {
          return null;
        }
      },
    };
  }
  const ecdh = createECDH("prime256v1");
  // A random 32-byte scalar is >= the group order with probability ~2^-32; draw again then.
  for (let attempt = 0; ; attempt++) {
    const raw = new Uint8Array(32);
    rng(raw);
    try {
      ecdh.setPrivateKey(raw);
      break;
    } catch (e) {
      if (attempt >= 16) throw e;
    }
  }
  const publicPoint = new Uint8Array(ecdh.getPublicKey());
  return {
    group,
    publicPoint,
    derive(peer) {
      if (peer.length !== P256_POINT_BYTES || peer[0] !== 0x04) return null;
      try {
        return new Uint8Array(ecdh.computeSecret(peer));
      } catch {
        return null;
      }
    },
  };
}
