/**
 * Wire constants of DTLS 1.2 (RFC 6347) and the TLS 1.2 registries it borrows (RFC 5246).
 * Every value cites the section that defines it; nothing here depends on the simulator.
 */

/** DTLS 1.2 on the wire is {254, 253}: the one's complement of TLS 1.2's {3, 3} (RFC 6347 §4.1). */
export const DTLS12_VERSION = 0xfefd;
/** DTLS 1.0 {254, 255}; allowed in the record version of a ClientHello (RFC 6347 §4.1, §4.2.1). */
export const DTLS10_VERSION = 0xfeff;

/** type(1) + version(2) + epoch(2) + sequence_number(6) + length(2) (RFC 6347 §4.1). */
export const RECORD_HEADER_BYTES = 13;
/** DTLSCiphertext.length is at most 2^14 + 2048 (RFC 6347 §4.1 via RFC 5246 §6.2.3). */
export const RECORD_CIPHERTEXT_BYTES_MAX = 16384 + 2048;
/** DTLSPlaintext.length is at most 2^14 (RFC 5246 §6.2.1). */
export const RECORD_PLAINTEXT_BYTES_MAX = 16384;

/** ContentType (RFC 5246 §6.2.1; RFC 6347 keeps the TLS registry). */
export enum ContentType {
  ChangeCipherSpec = 20,
  Alert = 21,
  Handshake = 22,
  ApplicationData = 23,
}

/** HandshakeType (RFC 5246 §7.4; hello_verify_request from RFC 6347 §4.3.2). */
export enum HandshakeType {
  HelloRequest = 0,
  ClientHello = 1,
  ServerHello = 2,
  HelloVerifyRequest = 3,
  ServerKeyExchange = 12,
  ServerHelloDone = 14,
  ClientKeyExchange = 16,
  Finished = 20,
}

/** AlertLevel (RFC 5246 §7.2). */
export enum AlertLevel {
  Warning = 1,
  Fatal = 2,
}

/** AlertDescription (RFC 5246 §7.2; unknown_psk_identity from RFC 4279 §2). */
export enum AlertDescription {
  CloseNotify = 0,
  UnexpectedMessage = 10,
  BadRecordMac = 20,
  RecordOverflow = 22,
  HandshakeFailure = 40,
  IllegalParameter = 47,
  DecodeError = 50,
  DecryptError = 51,
  ProtocolVersion = 70,
  InsufficientSecurity = 71,
  InternalError = 80,
  NoRenegotiation = 100,
  UnknownPskIdentity = 115,
}

/** ExtensionType values used by this implementation (IANA TLS ExtensionType registry). */
export const ExtensionType = {
  /** RFC 5746 §3.2 */
  renegotiation_info: 0xff01,
  /** RFC 7627 §5.1 */
  extended_master_secret: 23,
  /** RFC 8422 §5.1.1 (formerly elliptic_curves, RFC 4492) */
  supported_groups: 10,
  /** RFC 8422 §5.1.2 */
  ec_point_formats: 11,
  /** RFC 7366 §2 */
  encrypt_then_mac: 22,
  /** RFC 5077 §3.2 */
  session_ticket: 35,
} as const;
export type ExtensionTypeValue = (typeof ExtensionType)[keyof typeof ExtensionType];

/** The record sequence number is a 48-bit counter per epoch (RFC 6347 §4.1). */
export const SEQ_MAX = 2 ** 48 - 1;
/** The epoch is a 16-bit counter (RFC 6347 §4.1). */
export const EPOCH_MAX = 0xffff;
/** Anti-replay sliding window size. RFC 6347 §4.1.2.6 (after IPsec ESP, RFC 4303 §3.4.3): a window of
 * at least 32 MUST be supported, 64 is preferred and SHOULD be the default. */
export const REPLAY_WINDOW_RECORDS = 64;
