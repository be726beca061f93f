/**
 * Stateless HelloVerifyRequest cookies (RFC 6347 §4.2.1): Cookie = HMAC(Secret, Client-IP,
 * Client-Parameters). The server keeps only the secret (and the previous one, so cookies issued
 * just before a rotation stay valid); a ClientHello without a valid cookie creates no state.
 */
import type { Clock, Rng } from "../api.js";
import { hmacKey, type HmacKey } from "../crypto/hmac.js";
import { timingSafeEqualBytes } from "../crypto/keys.js";
import type { ClientHello } from "./messages.js";

export const COOKIE_SECRET_BYTES = 32;
/** HMAC-SHA256 output; well within the DTLS 1.2 cookie limit of 255 bytes (RFC 6347 §4.2.1). */
export const COOKIE_BYTES = 32;

export class CookieJar {
  /** The secrets as HMAC keys, prepared once per rotation (each cookie is then one HMAC). */
  private current: HmacKey;
  private previous: HmacKey | null = null;
  private rotatedAtMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly rotateMs: number,
  ) {
    if (!Number.isFinite(rotateMs) || rotateMs <= 0) {
      throw new RangeError(`cookieSecretRotateMs expected a positive number, got ${rotateMs}`);
    }
    this.current = this.freshSecret();
    this.rotatedAtMs = clock.nowMs();
  }

  private freshSecret(): HmacKey {
    const s = new Uint8Array(COOKIE_SECRET_BYTES);
    this.rng(s);
    const key = hmacKey("sha256", s);
    s.fill(0);
    return key;
  }

  /** Rotates lazily on use, so no timer is needed; after two periods idle both old secrets go. */
  private maybeRotate(): void {
    const age = this.clock.nowMs() - this.rotatedAtMs;
    if (age < this.rotateMs) return;
    this.previous = age < 2 * this.rotateMs ? this.current : null;
    this.current = this.freshSecret();
    this.rotatedAtMs = this.clock.nowMs();
  }

  make(peer: string, ch: ClientHello): Uint8Array {
    this.maybeRotate();
    const cookie = new Uint8Array(COOKIE_BYTES);
    compute(this.current, peer, ch, cookie);
    return cookie;
  }

  verify(peer: string, ch: ClientHello): boolean {
    this.maybeRotate();
    if (ch.cookie.length !== COOKIE_BYTES) return false;
    // The expected cookie only lives for the comparison: computed into a reused buffer.
    try {
      compute(this.current, peer, ch, expectedScratch);
      if (timingSafeEqualBytes(ch.cookie, expectedScratch)) return true;
      if (this.previous === null) return false;
      compute(this.previous, peer, ch, expectedScratch);
      return timingSafeEqualBytes(ch.cookie, expectedScratch);
    } finally {
      expectedScratch.fill(0);
    }
  }
}

/**
 * HMAC-SHA256 over the peer and the ClientHello fields that stay the same when the client resends
 * it with the cookie. Variable parts are length-prefixed so different field splits cannot collide:
 * u16 len || peer || u16 version || random || u16 len || session_id || u16 count || suites (u16
 * each) || compression methods (u8 each).
 */
function compute(key: HmacKey, peer: string, ch: ClientHello, out: Uint8Array): void {
  // A server endpoint serves one peer address, so its bytes are encoded once, not per cookie.
  if (peer !== lastPeer) {
    lastPeerBytes = UTF8_ENCODER.encode(peer);
    lastPeer = peer;
  }
  const peerBytes = lastPeerBytes;
  const n = 2 + peerBytes.length + 2 + ch.random.length + 2 + ch.sessionId.length + 2 + 2 * ch.cipherSuites.length + ch.compressionMethods.length;
  // The input is assembled in a reused buffer (compute() never re-enters) and zeroed afterwards.
  if (inputScratch.length < n) inputScratch = new Uint8Array(Math.max(n, 2 * inputScratch.length));
  const input = inputScratch;
  let off = putU16(input, 0, peerBytes.length);
  input.set(peerBytes, off);
  off += peerBytes.length;
  off = putU16(input, off, ch.clientVersion);
  input.set(ch.random, off);
  off += ch.random.length;
  off = putU16(input, off, ch.sessionId.length);
  input.set(ch.sessionId, off);
  off += ch.sessionId.length;
  off = putU16(input, off, ch.cipherSuites.length);
  for (let i = 0; i < ch.cipherSuites.length; i++) off = putU16(input, off, ch.cipherSuites[i]!);
  for (let i = 0; i < ch.compressionMethods.length; i++) input[off++] = ch.compressionMethods[i]! & 0xff;
  key.macInto(out, 0, input.subarray(0, n));
  input.fill(0, 0, n);
}

function putU16(b: Uint8Array, off: number, v: number): number {
  b[off] = (v >>> 8) & 0xff;
  b[off + 1] = v & 0xff;
  return off + 2;
}

/** The cookie verify() compares with (it never re-enters); zeroed after each use. */
const expectedScratch = new Uint8Array(COOKIE_BYTES);

const UTF8_ENCODER = new TextEncoder();
let lastPeer: string | null = null;
let lastPeerBytes = new Uint8Array(0);
let inputScratch = new Uint8Array(256);
