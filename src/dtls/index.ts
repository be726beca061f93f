/**
 * Public surface of the DTLS 1.2 module (package export "vnetsim/dtls").
 * Types of the endpoint contract, the endpoint and server, clocks, transports, limits, suites.
 */
export type * from "./api.js";
export { DtlsEndpoint } from "./endpoint.js";
export { DtlsServer, type DtlsServerOptions, type DtlsServerStats } from "./server.js";
export { ManualClock, realClock } from "./clock.js";
export { createMemoryLink, type MemoryLinkOptions, type MemoryLinkStats, type MemoryTransport } from "./transport/memory.js";
export { listenUdp, udpClientTransport, formatPeer, parsePeer, type UdpListener, type UdpClientTransport } from "./transport/udp.js";
export { seededRandom, seededRng } from "./transport/seeded.js";
export * from "./limits.js";
export { DtlsFatal, DecodeError } from "./errors.js";
export {
  ContentType,
  HandshakeType,
  AlertDescription,
  AlertLevel,
  ExtensionType,
  DTLS12_VERSION,
  DTLS10_VERSION,
  RECORD_HEADER_BYTES,
  SEQ_MAX,
  REPLAY_WINDOW_RECORDS,
} from "./constants.js";
export { SUITES, DEFAULT_SUITES, suiteById, suiteByName, type SuiteInfo, type AeadAlgorithm } from "./suites/registry.js";
export { availableBackends, getBackend, backendFor, type AeadBackend, type AeadKey } from "./suites/aead.js";
export { chooseSuite } from "./handshake/server.js";
