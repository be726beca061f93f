/** Small helpers shared by the client and server flights. */
import { DecodeError, decodeFatal } from "../errors.js";

/** Runs a codec; a DecodeError becomes the fatal decode_error outcome (RFC 5246 §7.2.2). */
export function wrapDecode<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DecodeError) throw decodeFatal(e.message);
    throw e;
  }
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Shared codecs: constructing a TextEncoder/TextDecoder per message showed in handshake profiles. */
export const UTF8_ENCODER = new TextEncoder();
/** Non-fatal: a PSK identity that is not valid UTF-8 still decodes (to U+FFFD) and is then unknown. */
export const UTF8_DECODER = new TextDecoder("utf-8", { fatal: false });

/**
 * The empty byte string, shared: nothing can be written into a zero-length array, so every empty
 * session_id, cookie and message body can be this one (each new one is two objects, ~100 B).
 */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** utf8Bytes' one-entry cache: every tunnel of a simulation uses the same PSK identity. */
let lastText: string | null = null;
let lastTextBytes: Uint8Array = EMPTY_BYTES;

/** UTF-8 bytes of `text`, shared with the next caller asking for the same text: read them, never write. */
export function utf8Bytes(text: string): Uint8Array {
  if (text !== lastText) {
    lastTextBytes = UTF8_ENCODER.encode(text);
    lastText = text;
  }
  return lastTextBytes;
}

/** utf8Text's one-entry cache (a copy of the last bytes decoded and their text). */
let lastDecodedBytes: Uint8Array | null = null;
let lastDecodedText = "";

/** UTF8_DECODER.decode(bytes), the last answer reused when the same bytes come again. */
export function utf8Text(bytes: Uint8Array): string {
  const last = lastDecodedBytes;
  if (last !== null && last.length === bytes.length) {
    let same = true;
    for (let i = 0; i < bytes.length && same; i++) same = last[i] === bytes[i];
    if (same) return lastDecodedText;
  }
  lastDecodedText = UTF8_DECODER.decode(bytes);
  lastDecodedBytes = bytes.slice();
  return lastDecodedText;
}

/** Lower-case hex, for NSS key log lines only (never for error messages). */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}
