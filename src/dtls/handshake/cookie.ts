/**
 * Stateless HelloVerifyRequest cookies (RFC 6347 §4.2.1): Cookie = HMAC(Secret, Client-IP,
 * Client-Parameters). The server keeps only the secret (and the previous one, so cookies issued
 * just before a rotation stay valid); a ClientHello without a valid cookie creates no state.
 */
import { createHmac } from "node:crypto";
import type { Clock, Rng } from "../api.js";
import { timingSafeEqualBytes } from "../crypto/keys.js";
import type { ClientHello } from "./messages.js";

export const COOKIE_SECRET_BYTES = 32;
/** HMAC-SHA256 output; well within the DTLS 1.2 cookie limit of 255 bytes (RFC 6347 §4.2.1). */
export const COOKIE_BYTES = 32;

export class CookieJar {
  private current: Uint8Array;
  private previous: Uint8Array | null = null;
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

  private freshSecret(): Uint8Array {
    const s = new Uint8Array(COOKIE_SECRET_BYTES);
    this.rng(s);
    return s;
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
    return compute(this.current, peer, ch);
  }

  verify(peer: string, ch: ClientHello): boolean {
    this.maybeRotate();
    if (ch.cookie.length !== COOKIE_BYTES) return false;
    if (timingSafeEqualBytes(ch.cookie, compute(this.current, peer, ch))) return true;
    return this.previous !== null && timingSafeEqualBytes(ch.cookie, compute(this.previous, peer, ch));
  }
}

function compute(secret: Uint8Array, peer: string, ch: ClientHello): Uint8Array {
  const h = createHmac("sha256", secret);
  const peerBytes = Buffer.from(peer, "utf8");
  const u16 = (v: number) => Uint8Array.of((v >>> 8) & 0xff, v & 0xff);
  // Length-prefix the variable parts so different field splits cannot collide.
  h.update(u16(peerBytes.length)).update(peerBytes);
  h.update(u16(ch.clientVersion)).update(ch.random);
  h.update(u16(ch.sessionId.length)).update(ch.sessionId);
  h.update(u16(ch.cipherSuites.length));
  for (const s of ch.cipherSuites) h.update(u16(s));
  h.update(Uint8Array.from(ch.compressionMethods));
  return new Uint8Array(h.digest());
}
