/**
 * Reusable buffers for the per-record hot path: the record being sealed before Transport.send()
 * and the plaintext of an application record while the "data" listeners run.
 *
 * Why shared by every endpoint of the process (one per module instance, i.e. per thread) rather
 * than one per endpoint: the record path is synchronous, so a buffer is only ever in use during one
 * call, and a simulator with hundreds of thousands of endpoints would otherwise hold a record-sized
 * buffer for each. Why a busy flag: a listener or a transport may re-enter the record path
 * (a "data" listener that sends, a transport that delivers synchronously); a nested user finds the
 * buffer busy and allocates a fresh one, so it never overwrites bytes still being read.
 */
import { RECORD_CIPHERTEXT_BYTES_MAX, RECORD_HEADER_BYTES } from "../constants.js";
import { ViewCache } from "../suites/view-cache.js";

export class ScratchBuffer {
  private readonly buf: Uint8Array;
  private busy = false;
  private readonly views = new ViewCache();

  constructor(readonly bytes: number) {
    if (!Number.isInteger(bytes) || bytes <= 0) {
      throw new RangeError(`ScratchBuffer: "bytes" expected a positive integer, got ${bytes}`);
    }
    this.buf = new Uint8Array(bytes);
  }

  /** True while lent out (between acquire() and release()). */
  get inUse(): boolean {
    return this.busy;
  }

  /** The buffer, now lent to the caller until release(); null if it is lent already (allocate instead). */
  acquire(): Uint8Array | null {
    if (this.busy) return null;
    this.busy = true;
    return this.buf;
  }

  release(): void {
    this.busy = false;
  }

  /** buf[0..length) as a view; the same view object while the length repeats (no allocation). */
  view(length: number): Uint8Array {
    return this.views.get(this.buf, 0, length);
  }
}

/**
 * Where an endpoint seals a record whose transport copies on send (Transport.sendCopies): one
 * whole record, header included, of the largest size allowed (RFC 6347 §4.1, RFC 5246 §6.2.3).
 */
export const SEAL_SCRATCH = new ScratchBuffer(RECORD_HEADER_BYTES + RECORD_CIPHERTEXT_BYTES_MAX);

/** Where an endpoint opens an application record; the plaintext is never longer than the fragment. */
export const OPEN_SCRATCH = new ScratchBuffer(RECORD_CIPHERTEXT_BYTES_MAX);
