/** The data plane: host offloads, DTLS tunnels per pair, the packet path, the wires. */
export { MARKER, MARKER_BYTES, IP_PROTOCOL, INNER_PACKET_BYTES_MAX, writeInnerPacket, writeInnerPacketN, parseInnerPacket, findMarker, minInnerPacketBytes, internetChecksum, type InnerPacketSpec, type ParsedInnerPacket, type InnerProtocol } from "./packet.js";
export { KeyService, pskIdentity, parsePskIdentity, PSK_BYTES, type TunnelPsk } from "./keys.js";
export * from "./encap.js";
export * from "./settings.js";
export { HostOffload, CLIENT_PORTS } from "./offload.js";
export { Tunnel, TunnelHalf, pairKey, type HalfSink, type TunnelState, type PendingPacket } from "./tunnel.js";
export { DataPlane, EDGE_HOST_NAME, EDGE_UNDERLAY_IP, DATAPLANE_FLOWS_MAX, DATAPLANE_HOSTS_MAX, DATAPLANE_IP_CACHE_MAX, type DataPlaneOptions, type TunnelCounters, type PacketCounters } from "./dataplane.js";
export { PACKET_DROP_REASONS, type PacketDropReason, type DirectionCounters } from "./flow-state.js";
export { flowResult, conservationViolations, OUTCOME_KEY_CACHE_MAX, type FlowResult, type FlowVerdictSeen } from "./results.js";
export { MemoryWire, type Wire, type WireTap, type WireSink, type WireHost, type WireDropReason } from "./wire.js";
export { UdpWire, UDP_WIRE_SHIM_BYTES, UDP_RUN_TIMEOUT_MS_DEFAULT } from "./udp-wire.js";
