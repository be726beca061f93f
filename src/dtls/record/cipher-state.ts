/**
 * One direction of one epoch of protected DTLS 1.2 records: seal and open, AEAD suites only.
 *
 * Send pipeline (seal), everything written into the caller's `out`, nothing allocated here:
 *   1. header: type, version {254,253}, epoch, seq, length = record_iv + plaintext + tag (RFC 6347 §4.1)
 *   2. GCM/CCM: explicit nonce = the 64-bit DTLS sequence number epoch||seq (RFC 5288 §3,
 *      RFC 6655 reuses that layout; any unique value is allowed, OpenSSL also sends epoch||seq), written after the header;
 *      nonce = fixed_iv(4) || explicit(8).
 *      ChaCha20: no explicit nonce; nonce = fixed_iv(12) XOR (0^32 || epoch||seq) (RFC 7905 §2).
 *   3. AAD = epoch(2) || seq(6) || type(1) || version(2) || plaintext length(2)
 *      (RFC 5246 §6.2.3.3 additional_data with DTLS's epoch||seq as seq_num, RFC 6347 §4.1.2.1).
 *   4. AEAD seal of the payload into out after the explicit nonce: ciphertext || tag.
 * Receive pipeline (open) mirrors it, taking the explicit nonce from the record, and returns -1 for
 * anything that cannot be a valid record of this state (short, too long, bad tag).
 *
 * Memory: the simulator holds four CipherStates per tunnel for the tunnel's life, so an instance
 * keeps only what differs per key (the AeadKey, the fixed IV, counters). The nonce and AAD scratch
 * and the ciphertext view cache are module-level and shared by every instance: they are filled and
 * consumed inside one synchronous seal/open call (no backend keeps them past the call, and nothing
 * between filling and using them can re-enter), so sharing them is safe and allocation-free.
 * A record sequence number is never sealed twice: sealing seq <= the last sealed seq is a caller
 * bug and throws, because a repeated nonce under GCM or ChaCha20 leaks the authentication key.
 */
import {
  DTLS12_VERSION,
  EPOCH_MAX,
  RECORD_HEADER_BYTES,
  RECORD_PLAINTEXT_BYTES_MAX,
  SEQ_MAX,
  type ContentType,
} from "../constants.js";
import type { AeadKey } from "../suites/aead.js";
import { AEAD_NONCE_BYTES } from "../suites/checks.js";
import type { SuiteInfo } from "../suites/registry.js";
import { ViewCache } from "../suites/view-cache.js";
import { writeEpochSeq, type RecordHeader } from "./header.js";

const AAD_BYTES = 13; // RFC 5246 §6.2.3.3: seq_num(8) + type(1) + version(2) + length(2)
/** Largest fixed IV of a supported suite (ChaCha20-Poly1305: 12 bytes, RFC 7905 §2). */
const FIXED_IV_BYTES_MAX = 12;

/** One buffer for the shared per-call scratch: nonce (12) then AAD (13). */
const SCRATCH = new Uint8Array(AEAD_NONCE_BYTES + AAD_BYTES);
const NONCE = SCRATCH.subarray(0, AEAD_NONCE_BYTES);
const AAD = SCRATCH.subarray(AEAD_NONCE_BYTES, AEAD_NONCE_BYTES + AAD_BYTES);
/** The received record's ciphertext||tag view: a steady stream into one buffer allocates nothing. */
const CIPHERTEXT_VIEW = new ViewCache();

export class CipherState {
  readonly suite: SuiteInfo;
  readonly epoch: number;
  /** Record header + explicit nonce + tag: what a record adds to its payload on the wire. */
  readonly overheadBytes: number;
  /** Records sealed so far (for rekey policy and the 2^48 hard stop). */
  sealedRecords = 0;

  private readonly key: AeadKey;
  /** The fixed IV (RFC 5246 §6.2.3.3 salt / RFC 7905 §2 IV), 4 or 12 bytes, as three big-endian
   * 32-bit words (int32, small integers to V8): numbers in the object instead of a typed array and
   * an ArrayBuffer per key. GCM and CCM use only iv0 (their 4-byte salt). */
  private readonly iv0: number;
  private readonly iv1: number;
  private readonly iv2: number;
  private lastSealedSeq = -1;

  constructor(suite: SuiteInfo, key: AeadKey, fixedIv: Uint8Array, epoch: number) {
    if (key.algorithm !== suite.aead || key.tagBytes !== suite.tagBytes) {
      throw new Error(`CipherState: "key" expected a ${suite.aead} key for ${suite.name}, got ${key.algorithm}`);
    }
    if (!(fixedIv instanceof Uint8Array) || fixedIv.length !== suite.fixedIvBytes) {
      throw new Error(`CipherState: "fixedIv" expected ${suite.fixedIvBytes} bytes for ${suite.name}, got ${fixedIv?.length}`);
    }
    if (!Number.isInteger(epoch) || epoch < 0 || epoch > EPOCH_MAX) {
      throw new Error(`CipherState: "epoch" expected an integer in 0..${EPOCH_MAX}, got ${epoch}`);
    }
    if (fixedIv.length > FIXED_IV_BYTES_MAX) {
      throw new Error(`CipherState: "fixedIv" expected at most ${FIXED_IV_BYTES_MAX} bytes, got ${fixedIv.length}`);
    }
    this.suite = suite;
    this.key = key;
    const w = (i: number): number => (i + 3 < fixedIv.length ? (fixedIv[i]! << 24) | (fixedIv[i + 1]! << 16) | (fixedIv[i + 2]! << 8) | fixedIv[i + 3]! : 0);
    this.iv0 = w(0);
    this.iv1 = w(4);
    this.iv2 = w(8);
    this.epoch = epoch;
    this.overheadBytes = RECORD_HEADER_BYTES + suite.recordIvBytes + suite.tagBytes;
  }

  /** The highest sequence number sealed so far, -1 if none. */
  get lastSeq(): number {
    return this.lastSealedSeq;
  }

  /**
   * Writes one whole protected record for `payload` at out[outOffset..] and returns its length
   * (payload.length + overheadBytes). `payload` may already sit at outOffset + 13 + record IV (in place).
   */
  seal(type: ContentType, seq: number, payload: Uint8Array, out: Uint8Array, outOffset: number): number {
    if (!Number.isInteger(seq) || seq < 0 || seq > SEQ_MAX) {
      throw new Error(`CipherState.seal: "seq" expected an integer in 0..${SEQ_MAX}, got ${seq}`);
    }
    if (seq <= this.lastSealedSeq) {
      throw new Error(
        `CipherState.seal: "seq" ${seq} would reuse a nonce in epoch ${this.epoch}; expected > ${this.lastSealedSeq}`,
      );
    }
    const n = payload.length;
    if (n > RECORD_PLAINTEXT_BYTES_MAX) {
      throw new Error(`CipherState.seal: "payload" expected at most ${RECORD_PLAINTEXT_BYTES_MAX} bytes, got ${n}`);
    }
    const total = n + this.overheadBytes;
    if (!Number.isInteger(outOffset) || outOffset < 0 || out.length - outOffset < total) {
      throw new Error(`CipherState.seal: "out" expected room for ${total} bytes at offset ${outOffset}, got ${out.length - outOffset}`);
    }
    if (!Number.isInteger(type) || type < 0 || type > 0xff) {
      throw new Error(`CipherState.seal: "type" expected a content type byte, got ${type}`);
    }
    const prefixBytes = RECORD_HEADER_BYTES + this.suite.recordIvBytes;
    if (payload.buffer === out.buffer && n > 0) {
      // The header and explicit nonce are written before the payload is read, so a payload that
      // overlaps them would be corrupted. Exactly in place (payload at out[outOffset + prefix]) is fine.
      const p = payload.byteOffset;
      const h = out.byteOffset + outOffset;
      if (p < h + prefixBytes && h < p + n && p !== h + prefixBytes) {
        throw new Error(
          `CipherState.seal: "payload" overlaps the record header being written; expected it at out[${outOffset + prefixBytes}] or apart`,
        );
      }
    }
    const fragmentLength = total - RECORD_HEADER_BYTES;
    const o = outOffset;
    // Header (RFC 6347 §4.1)
    out[o] = type;
    out[o + 1] = DTLS12_VERSION >>> 8;
    out[o + 2] = DTLS12_VERSION & 0xff;
    writeEpochSeq(out, o + 3, this.epoch, seq);
    out[o + 11] = fragmentLength >>> 8;
    out[o + 12] = fragmentLength & 0xff;
    this.fillAad(out, o + 3, type, DTLS12_VERSION, n);
    let ctOffset = o + RECORD_HEADER_BYTES;
    if (this.suite.recordIvBytes > 0) {
      // explicit nonce = epoch||seq, identical to header bytes 3..10
      out.copyWithin(ctOffset, o + 3, o + 11);
      this.saltNonce(out, o + 3);
      ctOffset += 8;
    } else {
      this.xorNonce(out, o + 3);
    }
    this.key.seal(NONCE, AAD, payload, out, ctOffset);
    this.lastSealedSeq = seq;
    this.sealedRecords++;
    return total;
  }

  /**
   * Authenticates and decrypts the record whose header was read into `header` and which starts at
   * record[recordOffset]; writes the plaintext at out[outOffset..]. Returns its length, or -1 if
   * the record is not a valid record of this state (wrong epoch, impossible length, bad tag).
   */
  open(header: RecordHeader, record: Uint8Array, recordOffset: number, out: Uint8Array, outOffset: number): number {
    if (header.epoch !== this.epoch) return -1;
    const minFragment = this.suite.recordIvBytes + this.suite.tagBytes;
    const plaintextLength = header.length - minFragment;
    if (plaintextLength < 0 || plaintextLength > RECORD_PLAINTEXT_BYTES_MAX) return -1;
    if (recordOffset < 0 || record.length - recordOffset < RECORD_HEADER_BYTES + header.length) return -1;
    if (!Number.isInteger(outOffset) || outOffset < 0 || out.length - outOffset < plaintextLength) {
      throw new Error(
        `CipherState.open: "out" expected room for ${plaintextLength} bytes at offset ${outOffset}, got ${out.length - outOffset}`,
      );
    }
    const o = recordOffset;
    // AAD from the header fields as received (epoch||seq bytes are taken verbatim).
    this.fillAad(record, o + 3, header.type, header.version, plaintextLength);
    let ctOffset = o + RECORD_HEADER_BYTES;
    if (this.suite.recordIvBytes > 0) {
      this.saltNonce(record, ctOffset);
      ctOffset += 8;
    } else {
      this.xorNonce(record, o + 3);
    }
    const ct = CIPHERTEXT_VIEW.get(record, ctOffset, o + RECORD_HEADER_BYTES + header.length);
    return this.key.open(NONCE, AAD, ct, out, outOffset);
  }

  private fillAad(src: Uint8Array, epochSeqOffset: number, type: number, version: number, plaintextLength: number): void {
    const a = AAD;
    for (let i = 0; i < 8; i++) a[i] = src[epochSeqOffset + i]!;
    a[8] = type;
    a[9] = version >>> 8;
    a[10] = version & 0xff;
    a[11] = plaintextLength >>> 8;
    a[12] = plaintextLength & 0xff;
  }

  /** RFC 5288 §3: nonce = salt (the 4-byte fixed IV) || explicit nonce (8 bytes at src[explicitOffset]). */
  private saltNonce(src: Uint8Array, explicitOffset: number): void {
    const nonce = NONCE;
    const a = this.iv0;
    nonce[0] = a >>> 24;
    nonce[1] = (a >>> 16) & 0xff;
    nonce[2] = (a >>> 8) & 0xff;
    nonce[3] = a & 0xff;
    for (let i = 0; i < 8; i++) nonce[4 + i] = src[explicitOffset + i]!;
  }

  /** RFC 7905 §2: nonce = fixed_iv XOR (0x00000000 || epoch||seq). */
  private xorNonce(src: Uint8Array, epochSeqOffset: number): void {
    const nonce = NONCE;
    const s = epochSeqOffset;
    const a = this.iv0;
    const b = this.iv1;
    const c = this.iv2;
    nonce[0] = a >>> 24;
    nonce[1] = (a >>> 16) & 0xff;
    nonce[2] = (a >>> 8) & 0xff;
    nonce[3] = a & 0xff;
    nonce[4] = (b >>> 24) ^ src[s]!;
    nonce[5] = ((b >>> 16) & 0xff) ^ src[s + 1]!;
    nonce[6] = ((b >>> 8) & 0xff) ^ src[s + 2]!;
    nonce[7] = (b & 0xff) ^ src[s + 3]!;
    nonce[8] = (c >>> 24) ^ src[s + 4]!;
    nonce[9] = ((c >>> 16) & 0xff) ^ src[s + 5]!;
    nonce[10] = ((c >>> 8) & 0xff) ^ src[s + 6]!;
    nonce[11] = (c & 0xff) ^ src[s + 7]!;
  }
}
