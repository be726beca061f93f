/**
 * Named errors of the DTLS module, in one place (pion/dtls style).
 * - DtlsFatal: an expected protocol outcome that ends the session: which alert to send and which
 *   FailureReason to report. Thrown inside the state machine, caught at the endpoint boundary.
 * - DecodeError: a wire codec found bytes that do not parse; the message names the field.
 */
import type { FailureReason } from "./api.js";
import { AlertDescription } from "./constants.js";

export class DtlsFatal extends Error {
  constructor(
    readonly reason: FailureReason,
    readonly alert: AlertDescription | number,
    detail: string,
  ) {
    super(detail);
    this.name = "DtlsFatal";
  }
}

export class DecodeError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = "DecodeError";
  }
}

/** unsupported_extension (RFC 5246 §7.2); not in the shared AlertDescription enum. */
export const ALERT_UNSUPPORTED_EXTENSION = 110;

export function fatal(reason: FailureReason, alert: AlertDescription | number, detail: string): DtlsFatal {
  return new DtlsFatal(reason, alert, detail);
}

export function decodeFatal(detail: string): DtlsFatal {
  return new DtlsFatal("decode-error", AlertDescription.DecodeError, detail);
}
