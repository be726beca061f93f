/**
 * What crosses the underlay between two hosts (the UDP payload; the outer IPv4/UDP header is the
 * wire's, and the pcap writer adds it from the WireTap arguments):
 * - encrypted: DTLS 1.2 records (RFC 6347 §4.1) whose plaintext is the inner IPv4 packet, between
 *   the client half's port (one per tunnel, from the ephemeral range) and DTLS_SERVER_PORT;
 * - plaintext: VXLAN (RFC 7348 §5) to port 4789 carrying an inner Ethernet frame (IEEE 802.3,
 *   EtherType IPv4) around the inner packet; tshark decodes VXLAN on 4789 natively.
 */

/** RFC 7348 §5: IANA-assigned VXLAN UDP destination port. */
export const VXLAN_UDP_PORT = 4789;
/** RFC 7348 §5: flags (8) + reserved (24) + VNI (24) + reserved (8). */
export const VXLAN_HEADER_BYTES = 8;
/** RFC 7348 §5: the I flag (valid VNI). */
export const VXLAN_FLAG_I = 0x08;
/** IEEE 802.3 MAC header without VLAN tag: dst (6) + src (6) + EtherType (2). */
export const ETHERNET_HEADER_BYTES = 14;
/** IEEE 802 EtherType of IPv4. */
export const ETHERTYPE_IPV4 = 0x0800;
/** VXLAN + inner Ethernet before the inner IPv4 packet. */
export const VXLAN_ENCAP_BYTES = VXLAN_HEADER_BYTES + ETHERNET_HEADER_BYTES;
/**
 * The server half of every tunnel listens here (OpenSSL s_server's default DTLS port, which
 * Wireshark users know); the client half uses one port per tunnel from the ephemeral range, so the
 * receiving host tells tunnels apart by (peer address, peer port, local port).
 */
export const DTLS_SERVER_PORT = 4433;
/** RFC 6335 §6: the dynamic/private port range for client halves (and VXLAN source ports, RFC 7348 §5). */
export const EPHEMERAL_PORT_MIN = 49_152;
export const EPHEMERAL_PORT_MAX = 65_535;
/** 24-bit VXLAN Network Identifier (RFC 7348 §5). */
export const VNI_MAX = 0xff_ffff;

/** "001DD8B71C02" -> 6 bytes into out[o..]. */
export function writeMac(out: Uint8Array, o: number, mac12: string): void {
  for (let i = 0; i < 6; i++) out[o + i] = parseInt(mac12.slice(2 * i, 2 * i + 2), 16) || 0;
}

/**
 * Writes the VXLAN header and inner Ethernet header at out[0..VXLAN_ENCAP_BYTES); the inner packet
 * goes right after. Returns VXLAN_ENCAP_BYTES.
 */
export function writeVxlanEthernet(out: Uint8Array, vni: number, dstMac: string, srcMac: string): number {
  if (!Number.isInteger(vni) || vni < 0 || vni > VNI_MAX) throw new RangeError(`writeVxlanEthernet: "vni" expected an integer in [0, ${VNI_MAX}], got ${vni}`);
  out[0] = VXLAN_FLAG_I;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  out[4] = (vni >>> 16) & 0xff;
  out[5] = (vni >>> 8) & 0xff;
  out[6] = vni & 0xff;
  out[7] = 0;
  writeMac(out, VXLAN_HEADER_BYTES, dstMac);
  writeMac(out, VXLAN_HEADER_BYTES + 6, srcMac);
  out[VXLAN_HEADER_BYTES + 12] = ETHERTYPE_IPV4 >>> 8;
  out[VXLAN_HEADER_BYTES + 13] = ETHERTYPE_IPV4 & 0xff;
  return VXLAN_ENCAP_BYTES;
}

/** Offset of the inner IPv4 packet in a VXLAN payload, or -1 if it is not VXLAN + Ethernet/IPv4. */
export function vxlanInnerOffset(payload: Uint8Array): number {
  if (payload.length < VXLAN_ENCAP_BYTES || (payload[0]! & VXLAN_FLAG_I) === 0) return -1;
  const et = (payload[VXLAN_HEADER_BYTES + 12]! << 8) | payload[VXLAN_HEADER_BYTES + 13]!;
  return et === ETHERTYPE_IPV4 ? VXLAN_ENCAP_BYTES : -1;
}

/** RFC 7348 §5: the source port is a hash of the inner flow, in the ephemeral range, for ECMP. */
export function vxlanSourcePort(flowHash32: number): number {
  return EPHEMERAL_PORT_MIN + ((flowHash32 >>> 0) % (EPHEMERAL_PORT_MAX - EPHEMERAL_PORT_MIN + 1));
}
