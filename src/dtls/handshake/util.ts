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

/** Lower-case hex, for NSS key log lines only (never for error messages). */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}
