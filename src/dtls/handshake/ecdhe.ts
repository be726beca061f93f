/**
 * Ephemeral ECDH for ECDHE_PSK (RFC 5489 §2) on X25519 (crypto/x25519.ts) and P-256 (node:crypto).
 * Private keys come from the endpoint's Rng, so a seeded simulator run is replayable.
 * - X25519 (RFC 8422 §5.11, RFC 7748): 32-byte public keys; the shared secret is the X25519
 *   output, and an all-zero output (low-order peer point) is rejected.
 * - secp256r1: uncompressed points only (RFC 8422 §5.1.2: 0x04 || X || Y, 65 bytes); the
 *   premaster is the x-coordinate of the shared point (RFC 8422 §5.10).
 */
import { createECDH } from "node:crypto";
import type { NamedGroup, Rng } from "../api.js";
import { preferredX25519, X25519_KEY_BYTES, type X25519 } from "../crypto/x25519.js";

export const X25519_POINT_BYTES = X25519_KEY_BYTES;
export const P256_POINT_BYTES = 65;

export interface EcdhKeyPair {
  readonly group: NamedGroup;
  readonly publicPoint: Uint8Array;
  /** Shared secret with the peer's point, or null if the point is invalid (illegal_parameter). */
  derive(peerPoint: Uint8Array): Uint8Array | null;
}

/** `x25519` picks the X25519 implementation (tests compare them); by default sodium if it loads, else node:crypto. */
export function generateKeyPair(group: NamedGroup, rng: Rng, x25519: X25519 = preferredX25519()): EcdhKeyPair {
  if (group === "x25519") {
    const raw = new Uint8Array(X25519_KEY_BYTES);
    rng(raw);
    const kp = x25519.keyPair(raw);
    raw.fill(0);
    return {
      group,
      publicPoint: kp.publicKey,
      // RFC 7748 §6.1 / RFC 8422 §5.11: an all-zero result means a low-order point; abort (null).
      derive: (peer) => kp.sharedSecret(peer),
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
