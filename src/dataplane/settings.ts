/**
 * Data-plane settings, their defaults and their limits. Where Microsoft publishes nothing (cipher
 * suite, timers, table sizes) the values are documented choices of the simulator (domain.md §5).
 */
import type { CipherSuiteName, RekeyPolicy } from "../dtls/api.js";
import { suiteByName } from "../dtls/suites/registry.js";
import { RECORD_HEADER_BYTES } from "../dtls/constants.js";

/** Underlay MTU (Ethernet payload, RFC 894) when a scenario gives none. */
export const MTU_BYTES_DEFAULT = 1500;
/** Smallest underlay MTU accepted (RFC 791 §3.2: every IPv4 host must accept 576-byte datagrams). */
export const MTU_BYTES_MIN = 576;
/** Largest underlay MTU accepted (jumbo frames). */
export const MTU_BYTES_MAX = 9000;
/** Outer IPv4 (RFC 791, 20) + UDP (RFC 768, 8) headers between the hosts' underlay addresses. */
export const OUTER_IPV4_UDP_BYTES = 28;
/** A tunnel without packets for this long is closed (a documented choice: 5 minutes). */
export const TUNNEL_IDLE_MS_DEFAULT = 300_000;
/** Tunnels one host offload holds at once; past it the least recently used one is evicted. */
export const TUNNELS_PER_HOST_DEFAULT = 4_096;
/** Ceiling on tunnelsPerHost: client halves need a port each from the 16,384 ephemeral ports. */
export const TUNNELS_PER_HOST_MAX = 16_384;
/** Packets one tunnel half queues while its handshake runs; past it they are dropped ("queue-full"). */
export const PENDING_PACKETS_DEFAULT = 64;
export const PENDING_PACKETS_MAX = 65_536;
/**
 * Handshake timers of a tunnel. RFC 6347 §4.2.4.1 recommends 1 s for the first retransmission on
 * the Internet; host-to-host inside a region round trips take well under a millisecond, so the
 * offload starts at 100 ms and gives up after 4 retransmissions (100+200+400+800+1600 ms = 3.1 s).
 */
export const HANDSHAKE_RETRANSMIT_INITIAL_MS_DEFAULT = 100;
export const HANDSHAKE_RETRANSMITS_DEFAULT = 4;
/**
 * After a failed handshake the pair runs on the enforcement's fallback (NX_FALLBACK or
 * NX_NOT_ACCEPTED) for a back-off, then the next packet tries again. The back-off doubles per
 * consecutive failure: 10 s, 20 s, 40 s ... capped at 5 minutes (a documented choice).
 */
export const HANDSHAKE_RETRY_BACKOFF_MS_DEFAULT = 10_000;
export const HANDSHAKE_RETRY_BACKOFF_MS_MAX = 300_000;
/**
 * The tunnel's cipher suite. Microsoft does not publish one (domain.md §5); PSK with AES-128-GCM
 * is what an AES-offloading NIC would run, and tshark decrypts it with the key log.
 */
export const TUNNEL_SUITE_DEFAULT: CipherSuiteName = "TLS_PSK_WITH_AES_128_GCM_SHA256";

export interface DataplaneSettings {
  mtuBytes: number;
  tunnelIdleMs: number;
  tunnelsPerHost: number;
  pendingPackets: number;
  suite: CipherSuiteName;
  rekey: RekeyPolicy;
  handshakeRetransmitInitialMs: number;
  handshakeRetransmits: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  /** Stateless cookie exchange (RFC 6347 §4.2.1) on the server half; off by default (one round trip less). */
  cookieExchange: boolean;
}

export const DEFAULT_DATAPLANE_SETTINGS: Readonly<DataplaneSettings> = Object.freeze({
  mtuBytes: MTU_BYTES_DEFAULT,
  tunnelIdleMs: TUNNEL_IDLE_MS_DEFAULT,
  tunnelsPerHost: TUNNELS_PER_HOST_DEFAULT,
  pendingPackets: PENDING_PACKETS_DEFAULT,
  suite: TUNNEL_SUITE_DEFAULT,
  rekey: Object.freeze({ afterRecords: 0, afterMs: 0 }),
  handshakeRetransmitInitialMs: HANDSHAKE_RETRANSMIT_INITIAL_MS_DEFAULT,
  handshakeRetransmits: HANDSHAKE_RETRANSMITS_DEFAULT,
  retryBackoffMs: HANDSHAKE_RETRY_BACKOFF_MS_DEFAULT,
  retryBackoffMaxMs: HANDSHAKE_RETRY_BACKOFF_MS_MAX,
  cookieExchange: false,
});

export type DataplaneSettingsInput = Partial<Omit<DataplaneSettings, "rekey">> & { rekey?: Partial<RekeyPolicy> };

function int(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`dataplane settings: "${name}" expected an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

/** Defaults merged with overrides, each value checked (bad input throws naming the field). */
export function resolveDataplaneSettings(input: DataplaneSettingsInput = {}): DataplaneSettings {
  const s: DataplaneSettings = {
    ...DEFAULT_DATAPLANE_SETTINGS,
    ...input,
    rekey: { ...DEFAULT_DATAPLANE_SETTINGS.rekey, ...(input.rekey ?? {}) },
  };
  int("mtuBytes", s.mtuBytes, MTU_BYTES_MIN, MTU_BYTES_MAX);
  int("tunnelIdleMs", s.tunnelIdleMs, 1, 7 * 24 * 3_600_000);
  int("tunnelsPerHost", s.tunnelsPerHost, 1, TUNNELS_PER_HOST_MAX);
  int("pendingPackets", s.pendingPackets, 0, PENDING_PACKETS_MAX);
  int("handshakeRetransmitInitialMs", s.handshakeRetransmitInitialMs, 1, 60_000);
  int("handshakeRetransmits", s.handshakeRetransmits, 0, 100);
  int("retryBackoffMs", s.retryBackoffMs, 1, 24 * 3_600_000);
  int("retryBackoffMaxMs", s.retryBackoffMaxMs, s.retryBackoffMs, 24 * 3_600_000);
  int("rekey.afterRecords", s.rekey.afterRecords, 0, 2 ** 48);
  int("rekey.afterMs", s.rekey.afterMs, 0, 365 * 24 * 3_600_000);
  suiteByName(s.suite); // throws for an unknown suite
  if (typeof s.cookieExchange !== "boolean") throw new TypeError(`dataplane settings: "cookieExchange" expected a boolean, got ${typeof s.cookieExchange}`);
  return s;
}

/** Bytes a DTLS record adds to an inner packet with this suite: header + explicit nonce + tag (domain.md §5). */
export function recordOverheadBytes(suite: CipherSuiteName): number {
  const info = suiteByName(suite);
  return RECORD_HEADER_BYTES + info.recordIvBytes + info.tagBytes;
}

/** Largest inner packet that fits the underlay MTU inside a DTLS record (outer IPv4/UDP + record overhead). */
export function encryptedInnerBytesMax(mtuBytes: number, suite: CipherSuiteName): number {
  return mtuBytes - OUTER_IPV4_UDP_BYTES - recordOverheadBytes(suite);
}
