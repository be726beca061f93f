/**
 * The handshake transcript (RFC 5246 §7.4.9, RFC 6347 §4.2.6): every handshake message of this
 * handshake, each as if sent unfragmented with its 12-byte DTLS header, in order. HelloRequest,
 * HelloVerifyRequest and the ClientHello that drew it are left out (RFC 6347 §4.2.6).
 */
import { createHash } from "node:crypto";
import { encodeFullMessage } from "./header.js";

export class Transcript {
  private readonly parts: Uint8Array[] = [];

  add(msgType: number, messageSeq: number, body: Uint8Array): void {
    this.parts.push(encodeFullMessage(msgType, messageSeq, body));
  }

  clear(): void {
    this.parts.length = 0;
  }

  get messageCount(): number {
    return this.parts.length;
  }

  /** Hash of everything added so far. The hash is the suite's PRF hash (RFC 5246 §7.4.9). */
  hash(alg: "sha256" | "sha384"): Uint8Array {
    const h = createHash(alg);
    for (const p of this.parts) h.update(p);
    return new Uint8Array(h.digest());
  }
}
