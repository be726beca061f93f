/**
 * What a handshake machine needs from its endpoint: the record layer (seal/send flights, install
 * keys of the next epoch), configuration, and where to report the outcome. Keeping this narrow
 * keeps the handshake testable apart from datagram parsing.
 */
import type { AeadBackendName, Clock, DtlsLimits, NamedGroup, PskClientConfig, PskServerConfig, RejectReason, Rng } from "../api.js";
import type { CipherState } from "../record/cipher-state.js";
import type { SuiteInfo } from "../suites/registry.js";
import type { CookieJar } from "./cookie.js";
import type { FlightItem } from "./flight.js";

export interface HandshakeConfig {
  readonly role: "client" | "server";
  readonly clock: Clock;
  readonly rng: Rng;
  readonly limits: DtlsLimits;
  readonly suites: readonly SuiteInfo[];
  readonly groups: readonly NamedGroup[];
  readonly psk: PskClientConfig | PskServerConfig;
  readonly mtuBytes: number;
  readonly backend: AeadBackendName | undefined;
  readonly peerAddress: string;
  readonly keyLog: ((line: string) => void) | undefined;
  /** Server only: checks cookies when the endpoint itself answers cookie-less ClientHellos. */
  readonly cookieJar: CookieJar | null;
  /** RFC 7627: offer (client) / accept (server) extended_master_secret. */
  readonly extendedMasterSecret: boolean;
}

export interface HandshakeResult {
  suite: SuiteInfo;
  epoch: number;
  identity: string;
  clientVerifyData: Uint8Array;
  serverVerifyData: Uint8Array;
  secureRenegotiation: boolean;
  extendedMasterSecret: boolean;
  /** Client: the cookie the server last gave us (sent again when renegotiating). */
  cookie: Uint8Array;
}

export interface HandshakeHost {
  readonly config: HandshakeConfig;
  /** Packs and sends a flight (fresh record sequence numbers each time). */
  transmitFlight(items: readonly FlightItem[]): void;
  /** Keys this side seals its next epoch with (used first by our Finished). */
  installWriteEpoch(epoch: number, cipher: CipherState): void;
  /** Keys of the peer's next epoch; they take effect at the peer's ChangeCipherSpec. */
  setPendingRead(epoch: number, cipher: CipherState): void;
  activatePendingRead(): void;
  complete(result: HandshakeResult): void;
  exhausted(): void;
  countRetransmission(): void;
  reject(reason: RejectReason): void;
}
