/**
 * Argument checks and buffer helpers shared by the AEAD backends. They throw only for caller bugs
 * (wrong sizes), with a message naming the argument; they never see key bytes.
 */
import type { AeadAlgorithm } from "./registry.js";

/** Every TLS 1.2 AEAD suite here uses a 12-byte nonce (RFC 5116 §3.2: N_MIN = N_MAX = 12 for these AEADs). */
export const AEAD_NONCE_BYTES = 12;

export function checkKey(backend: string, alg: AeadAlgorithm, key: Uint8Array, expected: number): void {
  if (!(key instanceof Uint8Array) || key.length !== expected) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    throw new Error(`${backend} ${alg}: "key" expected ${expected} bytes, got ${got}`);
  }
}

export function checkNonce(alg: AeadAlgorithm, nonce: Uint8Array): void {
  if (nonce.length !== AEAD_NONCE_BYTES) {
    throw new Error(`${alg}: "nonce" expected ${AEAD_NONCE_BYTES} bytes, got ${nonce.length}`);
  }
}

export function checkOut(alg: AeadAlgorithm, out: Uint8Array, outOffset: number, needed: number): void {
  if (!Number.isInteger(outOffset) || outOffset < 0 || out.length - outOffset < needed) {
    throw new Error(
      `${alg}: "out" expected room for ${needed} bytes at offset ${outOffset}, got ${out.length - outOffset}`,
    );
  }
}

/** True if the two views share memory but do not start at the same address (not plain in-place). */
export function overlapsShifted(a: Uint8Array, aLength: number, b: Uint8Array, bOffset: number, bLength: number): boolean {
  if (a.buffer !== b.buffer) return false;
  const aStart = a.byteOffset;
  const bStart = b.byteOffset + bOffset;
  if (aStart === bStart) return false;
  return aStart < bStart + bLength && bStart < aStart + aLength;
}
