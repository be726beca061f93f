/**
 * What an endpoint keeps of its last finished handshake for the next one (a renegotiation,
 * RFC 5746 §3.1: both verify_data values and whether the peer supports secure renegotiation).
 */
import type { HandshakeResult } from "./handshake/host.js";
import type { PreviousHandshake } from "./handshake/machine.js";

/**
 * The verify_data of the last finished handshake and what renegotiation needs of it (RFC 5746 §3.1).
 * It lives as long as the association, so it is kept small: both verify_data values in one binary
 * string (1 byte per char; ~40 B, where a Uint8Array costs ~230 B with its ArrayBuffer object).
 * verify_data is not secret (RFC 5746 sends it in renegotiation_info).
 */
/** Char codes of the string being built by LastHandshake.of (which never re-enters). */
let codes: number[] = [];

export class LastHandshake {
  constructor(
    /** client verify_data || server verify_data, one char per byte */
    private readonly verifyData: string,
    private readonly clientVerifyBytes: number,
    readonly secureRenegotiation: boolean,
    /** Client: the server's cookie from the first handshake; null when empty. */
    private readonly cookie: Uint8Array | null,
  ) {}

  static of(r: HandshakeResult): LastHandshake {
    // One call: a flat string (appending char by char would build a tree of 24 string pieces). The
    // char codes go through a reused array: spreading the typed arrays allocates an iterator
    // result per byte.
    const c = r.clientVerifyData;
    const s = r.serverVerifyData;
    // Setting an array's length is slow: the array is replaced only when the total changes (it is
    // 24 for every TLS 1.2 suite, RFC 5246 §7.4.9).
    if (codes.length !== c.length + s.length) codes = new Array<number>(c.length + s.length).fill(0);
    for (let i = 0; i < c.length; i++) codes[i] = c[i]!;
    for (let i = 0; i < s.length; i++) codes[c.length + i] = s[i]!;
    const v = String.fromCharCode.apply(null, codes);
    codes.fill(0);
    return new LastHandshake(v, r.clientVerifyData.length, r.secureRenegotiation, r.cookie.length > 0 ? r.cookie.slice() : null);
  }

  private bytes(from: number, to: number): Uint8Array {
    const out = new Uint8Array(to - from);
    for (let i = from; i < to; i++) out[i - from] = this.verifyData.charCodeAt(i);
    return out;
  }

  /** What the next handshake machine is given (a renegotiation). */
  toPrevious(): PreviousHandshake {
    return {
      clientVerifyData: this.bytes(0, this.clientVerifyBytes),
      serverVerifyData: this.bytes(this.clientVerifyBytes, this.verifyData.length),
      secureRenegotiation: this.secureRenegotiation,
      cookie: this.cookie ?? new Uint8Array(0),
    };
  }
}
