/**
 * X25519 (RFC 7748 §5) from a caller's raw 32-byte private key, so keys stay drawn from the
 * endpoint's seeded Rng and a simulator run replays.
 *
 * Two implementations, with the same results (checked against each other in
 * test/dtls/crypto/x25519.test.ts):
 * - "sodium": libsodium's crypto_scalarmult_base / crypto_scalarmult through the optional
 *   sodium-native, raw bytes in and out (~30 + ~50 µs here);
 * - "node": node:crypto, importing the raw keys as JWK (RFC 8037 §2, kty "OKP", crv "X25519").
 *   JWK, not PKCS#8/SPKI DER: OpenSSL 3's DER decoder made the import 3-4x the cost of the
 *   curve arithmetic (bench/PROFILES.md), ~150 µs per key pair and shared secret with JWK.
 * The preferred one is sodium when it loads, else node.
 */
import { createPrivateKey, createPublicKey, diffieHellman } from "node:crypto";
import { createRequire } from "node:module";

/** Public keys, private keys and shared secrets are 32 bytes (RFC 7748 §5, §6.1). */
export const X25519_KEY_BYTES = 32;

export type X25519Name = "sodium" | "node";

export interface X25519KeyPair {
  readonly publicKey: Uint8Array;
  /** X25519(private, peer), or null for a peer key of the wrong size or an all-zero result (RFC 7748 §6.1). */
  sharedSecret(peerPublic: Uint8Array): Uint8Array | null;
}

export interface X25519 {
  readonly name: X25519Name;
  /** A key pair from 32 raw private-key bytes (clamped as RFC 7748 §5 says; the bytes are copied). */
  keyPair(privateKey: Uint8Array): X25519KeyPair;
}

function checkPrivate(privateKey: Uint8Array): void {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== X25519_KEY_BYTES) {
    const got = privateKey instanceof Uint8Array ? `${privateKey.length} bytes` : typeof privateKey;
    throw new Error(`x25519 keyPair: "privateKey" expected ${X25519_KEY_BYTES} bytes, got ${got}`);
  }
}

function allZero(b: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < b.length; i++) acc |= b[i]!;
  return acc === 0;
}

const b64url = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url");

export const nodeX25519: X25519 = Object.freeze({
  name: "node" as const,
  keyPair(privateKey: Uint8Array): X25519KeyPair {
    checkPrivate(privateKey);
    // "x" is required by the JWK shape node checks but recomputed from "d" by OpenSSL.
    const priv = createPrivateKey({ key: { kty: "OKP", crv: "X25519", d: b64url(privateKey), x: "" }, format: "jwk" });
    const x = createPublicKey(priv).export({ format: "jwk" }).x;
    if (typeof x !== "string") throw new Error("x25519 keyPair: node:crypto exported no public key");
    const publicKey = new Uint8Array(Buffer.from(x, "base64url"));
    return {
      publicKey,
      sharedSecret(peer: Uint8Array): Uint8Array | null {
        if (peer.length !== X25519_KEY_BYTES) return null;
        try {
          const pub = createPublicKey({ key: { kty: "OKP", crv: "X25519", x: b64url(peer) }, format: "jwk" });
          const s = diffieHellman({ privateKey: priv, publicKey: pub });
          const out = new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
          return allZero(out) ? null : out;
        } catch {
          return null;
        }
      },
    };
  },
});

/** The two sodium-native calls used here. */
interface SodiumScalarmultApi {
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
}

/** Wraps a loaded sodium-native. */
export function sodiumX25519(sodium: SodiumScalarmultApi): X25519 {
  return Object.freeze({
    name: "sodium" as const,
    keyPair(privateKey: Uint8Array): X25519KeyPair {
      checkPrivate(privateKey);
      const n = new Uint8Array(privateKey);
      const publicKey = new Uint8Array(X25519_KEY_BYTES);
      sodium.crypto_scalarmult_base(publicKey, n);
      return {
        publicKey,
        sharedSecret(peer: Uint8Array): Uint8Array | null {
          if (peer.length !== X25519_KEY_BYTES) return null;
          const out = new Uint8Array(X25519_KEY_BYTES);
          try {
            // libsodium refuses (throws in sodium-native) an all-zero result, i.e. a low-order point.
            sodium.crypto_scalarmult(out, n, peer);
          } catch {
            return null;
          }
          return allZero(out) ? null : out;
        },
      };
    },
  });
}

/** sodium-native's X25519, or an Error (not thrown) when it cannot be loaded. */
export function loadSodiumX25519(moduleName = "sodium-native"): X25519 | Error {
  try {
    const sodium = createRequire(import.meta.url)(moduleName) as Partial<SodiumScalarmultApi>;
    if (typeof sodium.crypto_scalarmult_base !== "function" || typeof sodium.crypto_scalarmult !== "function") {
      return new Error(`x25519: ${moduleName} lacks crypto_scalarmult_base / crypto_scalarmult`);
    }
    return sodiumX25519(sodium as SodiumScalarmultApi);
  } catch (e) {
    return new Error(`x25519: ${moduleName} could not be loaded (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
  }
}

let preferred: X25519 | null = null;

/** sodium when it loads (tried once), else node:crypto. */
export function preferredX25519(): X25519 {
  if (preferred === null) {
    const s = loadSodiumX25519();
    preferred = s instanceof Error ? nodeX25519 : s;
  }
  return preferred;
}
