/**
 * The DTLS handshake message header (RFC 6347 §4.2.2): TLS's msg_type + length, plus
 * message_seq, fragment_offset and fragment_length so messages can be reordered, retransmitted
 * and split across records.
 */
import { DecodeError } from "../errors.js";
import { SHARED_VIEWS } from "../record/view-table.js";

/** msg_type(1) + length(3) + message_seq(2) + fragment_offset(3) + fragment_length(3) (RFC 6347 §4.2.2). */
export const HANDSHAKE_HEADER_BYTES = 12;

export interface HandshakeFragment {
  msgType: number;
  /** Length of the whole (unfragmented) message body. */
  length: number;
  messageSeq: number;
  fragmentOffset: number;
  fragmentLength: number;
  /** The fragment's bytes (a view into the record). */
  body: Uint8Array;
}

/**
 * Checks that a handshake record payload (payload[start..end)) is a whole number of well-formed fragments (a record may
 * carry several, RFC 6347 §4.2.3) without allocating anything. Throws DecodeError if a header is
 * truncated or a fragment lies outside its message or the record.
 */
export function checkHandshakeFragments(payload: Uint8Array, start = 0, end = payload.length): void {
  // Offsets in messages are relative to the record payload (payload[start..end)).
  let off = start;
  while (off < end) {
    if (end - off < HANDSHAKE_HEADER_BYTES) {
      throw new DecodeError(`handshake header needs ${HANDSHAKE_HEADER_BYTES} bytes at offset ${off - start}, got ${end - off}`);
    }
    const length = (payload[off + 1]! << 16) | (payload[off + 2]! << 8) | payload[off + 3]!;
    const fragmentOffset = (payload[off + 6]! << 16) | (payload[off + 7]! << 8) | payload[off + 8]!;
    const fragmentLength = (payload[off + 9]! << 16) | (payload[off + 10]! << 8) | payload[off + 11]!;
    off += HANDSHAKE_HEADER_BYTES;
    if (fragmentOffset + fragmentLength > length) {
      throw new DecodeError(
        `handshake fragment [${fragmentOffset}, +${fragmentLength}) exceeds message length ${length}`,
      );
    }
    if (off + fragmentLength > end) {
      throw new DecodeError(`handshake fragment_length ${fragmentLength} exceeds the ${end - off} bytes left in the record`);
    }
    off += fragmentLength;
  }
}

/**
 * Reads the fragment at payload[off..] into `f` (its body a view into the payload) and returns the
 * offset of the next one. The payload must have passed checkHandshakeFragments.
 */
export function readHandshakeFragmentInto(payload: Uint8Array, off: number, f: HandshakeFragment): number {
  f.msgType = payload[off]!;
  f.length = (payload[off + 1]! << 16) | (payload[off + 2]! << 8) | payload[off + 3]!;
  f.messageSeq = (payload[off + 4]! << 8) | payload[off + 5]!;
  f.fragmentOffset = (payload[off + 6]! << 16) | (payload[off + 7]! << 8) | payload[off + 8]!;
  const n = (payload[off + 9]! << 16) | (payload[off + 10]! << 8) | payload[off + 11]!;
  f.fragmentLength = n;
  const start = off + HANDSHAKE_HEADER_BYTES;
  f.body = SHARED_VIEWS.get(payload, start, start + n);
  return start + n;
}

/** A fragment object to read into (readHandshakeFragmentInto). */
export function emptyHandshakeFragment(): HandshakeFragment {
  return { msgType: 0, length: 0, messageSeq: 0, fragmentOffset: 0, fragmentLength: 0, body: EMPTY_BODY };
}

const EMPTY_BODY = new Uint8Array(0);

/**
 * Splits a handshake record payload into fragments (a record may carry several, RFC 6347 §4.2.3).
 * Throws DecodeError if a header is truncated or a fragment lies outside its message.
 */
export function readHandshakeFragments(payload: Uint8Array): HandshakeFragment[] {
  checkHandshakeFragments(payload);
  const out: HandshakeFragment[] = [];
  for (let off = 0; off < payload.length; ) {
    const f = emptyHandshakeFragment();
    off = readHandshakeFragmentInto(payload, off, f);
    out.push(f);
  }
  return out;
}

export function writeHandshakeHeader(
  out: Uint8Array,
  offset: number,
  msgType: number,
  length: number,
  messageSeq: number,
  fragmentOffset: number,
  fragmentLength: number,
): void {
  out[offset] = msgType;
  out[offset + 1] = (length >>> 16) & 0xff;
  out[offset + 2] = (length >>> 8) & 0xff;
  out[offset + 3] = length & 0xff;
  out[offset + 4] = (messageSeq >>> 8) & 0xff;
  out[offset + 5] = messageSeq & 0xff;
  out[offset + 6] = (fragmentOffset >>> 16) & 0xff;
  out[offset + 7] = (fragmentOffset >>> 8) & 0xff;
  out[offset + 8] = fragmentOffset & 0xff;
  out[offset + 9] = (fragmentLength >>> 16) & 0xff;
  out[offset + 10] = (fragmentLength >>> 8) & 0xff;
  out[offset + 11] = fragmentLength & 0xff;
}

/** A whole message as it enters the transcript: header with offset 0 and fragment_length = length
 * (RFC 6347 §4.2.6: hash as if each message had been sent as a single fragment). */
export function encodeFullMessage(msgType: number, messageSeq: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HANDSHAKE_HEADER_BYTES + body.length);
  writeHandshakeHeader(out, 0, msgType, body.length, messageSeq, 0, body.length);
  out.set(body, HANDSHAKE_HEADER_BYTES);
  return out;
}

/**
 * Splits one message into fragments whose encodings (header + body) are at most `maxFragmentBytes`.
 * Returns encoded fragments, each ready to be a handshake record payload.
 */
export function fragmentMessage(
  msgType: number,
  messageSeq: number,
  body: Uint8Array,
  maxFragmentBytes: number,
): Uint8Array[] {
  const maxBody = maxFragmentBytes - HANDSHAKE_HEADER_BYTES;
  if (maxBody < 1) {
    throw new RangeError(`fragmentMessage: "maxFragmentBytes" expected > ${HANDSHAKE_HEADER_BYTES}, got ${maxFragmentBytes}`);
  }
  const out: Uint8Array[] = [];
  let off = 0;
  do {
    const n = Math.min(maxBody, body.length - off);
    const frag = new Uint8Array(HANDSHAKE_HEADER_BYTES + n);
    writeHandshakeHeader(frag, 0, msgType, body.length, messageSeq, off, n);
    frag.set(body.subarray(off, off + n), HANDSHAKE_HEADER_BYTES);
    out.push(frag);
    off += n;
  } while (off < body.length);
  return out;
}
