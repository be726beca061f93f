/**
 * The handshake transcript (RFC 5246 §7.4.9, RFC 6347 §4.2.6): every handshake message of this
 * handshake, each as if sent unfragmented with its 12-byte DTLS header, in order. HelloRequest,
 * HelloVerifyRequest and the ClientHello that drew it are left out (RFC 6347 §4.2.6).
 *
 * The hash is asked for up to three times per side (extended master secret, then each Finished),
 * each time over a longer prefix: a running hash per algorithm takes each message once, and each
 * answer is a digest of a copy of it. Messages are kept until the suite, and so the hash, is known
 * (the client learns it from the ServerHello): useHash() then hashes them, and every later message
 * is hashed as it is added and not kept, so a received message needs no copy of its own. Asked again with no message added in
 * between (the session hash of RFC 7627 §4 and the client's Finished cover the same messages), the
 * last SHA-256 answer is reused rather than finished again.
 */
import { createHash, type Hash } from "node:crypto";
import { Sha256, SHA256_DIGEST_BYTES } from "../crypto/sha256.js";
import { HANDSHAKE_HEADER_BYTES, writeHandshakeHeader } from "./header.js";

/** A message as added: its header fields and its body (the caller's array, never written to). */
interface Entry {
  msgType: number;
  messageSeq: number;
  body: Uint8Array;
}

/** The 12-byte header of the message being hashed; hash() never re-enters. */
const header = new Uint8Array(HANDSHAKE_HEADER_BYTES);

/** Finishes copies of a running SHA-256; hash() never re-enters. */
const scratch = new Sha256();

export class Transcript {
  /** Messages kept until useHash() (or for as long as both hashes may be asked for). */
  private readonly parts: Entry[] = [];
  /** Messages added since clear(). */
  private count = 0;
  /** Set by useHash(): the only hash asked for; messages then go into it at once and are not kept. */
  private only: "sha256" | "sha384" | null = null;
  private sha256: Sha256 | null = null;
  private sha256Fed = 0;
  /** The last SHA-256 answer and how many messages it covered (-1: none). */
  private readonly sha256Last = new Uint8Array(SHA256_DIGEST_BYTES);
  private sha256LastCount = -1;
  private sha384: Hash | null = null;
  private sha384Fed = 0;

  /**
   * Adds a message. Before useHash() it is kept without copying (bodies are the encoder's output
   * or the reassembler's copy, and nothing writes to them afterwards); after it, it is hashed at
   * once and not kept, so the body may be a view valid only during this call.
   */
  add(msgType: number, messageSeq: number, body: Uint8Array): void {
    this.count++;
    if (this.only === null) {
      this.parts.push({ msgType, messageSeq, body });
      return;
    }
    if (this.only === "sha256") feedMessage(this.sha256!, msgType, messageSeq, body);
    else feedMessage(this.sha384!, msgType, messageSeq, body);
  }

  /**
   * The suite is known (RFC 5246 §7.4.9: the transcript hash is its PRF hash): the messages kept so
   * far go into that hash, later ones go in as they are added, and only that hash may be asked for.
   */
  useHash(alg: "sha256" | "sha384"): void {
    if (alg !== "sha256" && alg !== "sha384") throw new Error(`Transcript.useHash: "alg" expected "sha256" or "sha384", got ${JSON.stringify(alg)}`);
    if (this.only !== null) {
      if (this.only !== alg) throw new Error(`Transcript.useHash: already hashing with ${this.only}, asked for ${alg}`);
      return;
    }
    if (alg === "sha256") {
      const h = (this.sha256 ??= new Sha256());
      while (this.sha256Fed < this.parts.length) this.feed(h, this.sha256Fed++);
    } else {
      const h = (this.sha384 ??= createHash("sha384"));
      while (this.sha384Fed < this.parts.length) this.feed(h, this.sha384Fed++);
    }
    this.only = alg;
    if (this.parts.length !== 0) this.parts.length = 0;
  }

  /** Feeds parts[index] to `h` as if sent unfragmented: header with offset 0, fragment_length = length. */
  private feed(h: { update(b: Uint8Array): unknown }, index: number): void {
    const p = this.parts[index]!;
    feedMessage(h, p.msgType, p.messageSeq, p.body);
  }

  clear(): void {
    if (this.parts.length !== 0) this.parts.length = 0; // setting length is slow even when unchanged
    this.count = 0;
    this.only = null;
    this.sha256 = null;
    this.sha256Fed = 0;
    this.sha256LastCount = -1;
    this.sha384 = null;
    this.sha384Fed = 0;
  }

  get messageCount(): number {
    return this.count;
  }

  /** Hash of everything added so far. The hash is the suite's PRF hash (RFC 5246 §7.4.9). */
  hash(alg: "sha256" | "sha384"): Uint8Array {
    return alg === "sha256" ? this.currentHash(alg).slice() : this.currentHash(alg);
  }

  /**
   * hash() without a copy for SHA-256: the transcript's own digest buffer, valid only until the
   * next add(), clear() or hash call. For callers that consume it at once (the PRF copies its seed).
   */
  currentHash(alg: "sha256" | "sha384"): Uint8Array {
    if (this.only !== null && alg !== this.only) throw new Error(`Transcript.hash: this transcript hashes with ${this.only} only (useHash), asked for ${JSON.stringify(alg)}`);
    if (alg === "sha256") {
      if (this.sha256LastCount !== this.count) {
        const h = (this.sha256 ??= new Sha256());
        while (this.sha256Fed < this.parts.length) this.feed(h, this.sha256Fed++);
        scratch.copyFrom(h).digestInto(this.sha256Last, 0);
        this.sha256LastCount = this.count;
      }
      return this.sha256Last;
    }
    if (alg !== "sha384") throw new Error(`Transcript.hash: "alg" expected "sha256" or "sha384", got ${JSON.stringify(alg)}`);
    const h = (this.sha384 ??= createHash("sha384"));
    while (this.sha384Fed < this.parts.length) this.feed(h, this.sha384Fed++);
    return new Uint8Array(h.copy().digest());
  }
}

/** Feeds one message to `h` as if sent unfragmented: header with offset 0, fragment_length = length. */
function feedMessage(h: { update(b: Uint8Array): unknown }, msgType: number, messageSeq: number, body: Uint8Array): void {
  writeHandshakeHeader(header, 0, msgType, body.length, messageSeq, 0, body.length);
  h.update(header);
  h.update(body);
}
