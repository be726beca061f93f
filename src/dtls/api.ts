/**
 * The public contract of the DTLS 1.2 endpoint (src/dtls). Types only: implementations live in
 * endpoint.ts, server.ts, transport/*. Nothing here knows Azure or the simulator.
 *
 * Time and randomness come from outside (Clock, Rng) so the simulator can drive virtual time
 * and replay a run from its seed; the UDP tools pass a real-time clock and crypto.randomBytes.
 */

/** A datagram path to exactly one peer. */
export interface Transport {
  /** Send one datagram. The endpoint never retains `datagram` after the call returns. */
  send(datagram: Uint8Array): void;
  /**
   * True when send() copies or fully consumes `datagram` before it returns (the memory link, UDP).
   * The endpoint then seals single records into one reused buffer, so the bytes of `datagram` are
   * overwritten by a later record. Leave it unset when the transport keeps `datagram` after send()
   * (e.g. in flight on a simulated wire): such a transport gets a new buffer for every record.
   */
  readonly sendCopies?: boolean;
  /**
   * Register the receiver; called once by the endpoint. The endpoint does not retain `datagram`
   * after the handler returns and never writes to it, so a transport may reuse the buffer then.
   */
  onReceive(handler: (datagram: Uint8Array) => void): void;
  close(): void;
}

export type TimerHandle = { readonly id: number };

export interface Clock {
  nowMs(): number;
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Fills `out` with random bytes (seeded in the simulator, crypto.randomFillSync for real use). */
export type Rng = (out: Uint8Array) => void;

export type CipherSuiteName =
  | "TLS_PSK_WITH_AES_128_GCM_SHA256"
  | "TLS_PSK_WITH_AES_256_GCM_SHA384"
  | "TLS_PSK_WITH_AES_128_CCM_8"
  | "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256"
  | "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256";

export type NamedGroup = "x25519" | "secp256r1";

export type AeadBackendName = "node" | "noble" | "sodium" | "js";

export interface PskClientConfig {
  identity: string;
  key: Uint8Array;
}

export interface PskServerConfig {
  /** Returns the key for an identity, or undefined for an unknown identity (alert unknown_psk_identity). */
  lookup(identity: string): Uint8Array | undefined;
  /** Optional identity hint sent in ServerKeyExchange (RFC 4279 §2). */
  hint?: string;
}

export interface DtlsLimits {
  /** Bytes buffered for handshake reassembly, all messages together. */
  reassemblyBytesMax: number;
  /** Retransmissions of one flight before giving up. */
  retransmitCountMax: number;
  /** First retransmission timer (RFC 6347 §4.2.4.1 suggests 1 s), doubled each time. */
  retransmitInitialMs: number;
  retransmitMaxMs: number;
  /** Application records queued while a (re)handshake runs. */
  pendingRecordsMax: number;
  /** Records sealed under one key before rekeying is forced; hard stop before 2^48. */
  recordsPerKeyMax: number;
}

export interface RekeyPolicy {
  /** Start a new handshake after this many records sealed under the current key (0 = never). */
  afterRecords: number;
  /** Start a new handshake after the key is this old (0 = never). */
  afterMs: number;
}

export interface EndpointOptions {
  role: "client" | "server";
  transport: Transport;
  clock: Clock;
  rng: Rng;
  /** Client: identity + key. Server: lookup. */
  psk: PskClientConfig | PskServerConfig;
  /** Offered (client) or accepted in preference order (server). Default documented in README. */
  suites?: CipherSuiteName[];
  groups?: NamedGroup[];
  /** Path MTU for handshake fragmentation (bytes of UDP payload). */
  mtuBytes?: number;
  backend?: AeadBackendName;
  limits?: Partial<DtlsLimits>;
  rekey?: Partial<RekeyPolicy>;
  /** Server only: address of the peer, bound into the HelloVerifyRequest cookie. */
  peerAddress?: string;
  /** Optional NSS key log sink: receives "CLIENT_RANDOM <hex> <hex>" lines. */
  keyLog?: (line: string) => void;
  /**
   * Accept the peer's secure renegotiation (RFC 5746), which is how a peer rekeys (added by the
   * handshake helper). Default true; false answers a no_renegotiation warning.
   */
  acceptRenegotiation?: boolean;
  /**
   * Server only: answer a ClientHello without a valid cookie with a stateless HelloVerifyRequest
   * (RFC 6347 §4.2.1). Default true (added by the handshake helper).
   */
  cookieExchange?: boolean;
  /** Offer (client) / accept (server) the extended master secret (RFC 7627). Default true. */
  extendedMasterSecret?: boolean;
}

export type EndpointState = "idle" | "handshaking" | "connected" | "closed" | "failed";

export type FailureReason =
  | "retransmit-exhausted"
  | "alert-received"
  | "bad-finished"
  | "bad-record-mac"
  | "unknown-psk-identity"
  | "no-shared-suite"
  | "protocol-version"
  | "decode-error"
  | "unexpected-message"
  | "reassembly-limit"
  | "closed-by-peer"
  | "internal-error";

/** Why a datagram or record was discarded without ending the session (counted per reason). */
export type RejectReason =
  | "short-record"
  | "bad-version"
  | "bad-content-type"
  | "bad-length"
  | "unknown-epoch"
  | "replayed"
  | "too-old"
  | "auth-failed"
  | "bad-handshake"
  | "bad-cookie"
  | "unexpected"
  | "over-limit";

export interface EndpointStats {
  recordsSent: number;
  recordsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  handshakes: number;
  retransmissions: number;
  rekeys: number;
  rejected: Record<RejectReason, number>;
}

export interface EndpointEvents {
  connected: (info: { suite: CipherSuiteName; epoch: number; identity: string }) => void;
  /** A rekey (renegotiation) finished; application data now uses `epoch` (added by the handshake helper). */
  rekeyed: (info: { suite: CipherSuiteName; epoch: number }) => void;
  /**
   * One application record's plaintext. `payload` is a view of a buffer the endpoint reuses for the
   * next record: it is valid only until the listener returns; copy (slice()) what you keep.
   */
  data: (payload: Uint8Array) => void;
  alert: (info: { level: "warning" | "fatal"; description: number; sent: boolean }) => void;
  closed: (info: { reason: "close-notify" | "local" }) => void;
  failed: (info: { reason: FailureReason; detail: string }) => void;
}
