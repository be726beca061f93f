/**
 * OpenSSL `s_server` / `s_client` launchers for DTLS 1.2 PSK interop.
 *
 * Notes learnt from OpenSSL 3.0 behaviour (verified openssl-to-openssl in openssl-selftest.test.ts):
 * - s_server quits ("DONE") when its stdin reaches EOF, so we keep stdin open as a pipe.
 * - s_server always turns on the DTLS cookie exchange, so a client must handle HelloVerifyRequest.
 * - s_server's `-psk_identity` is only compared for a warning; any identity gets the key.
 * - A line starting with "Q"/"q" (and some single letters) on stdin is a command, not data:
 *   test payloads start with a lowercase word such as "ping-".
 * - `-brief` prints "CONNECTION ESTABLISHED" (client) / "Ciphersuite:" (both) on stderr, and the
 *   failure line of an alert ends in "SSL alert number N".
 */
import { randomBytes } from "node:crypto";
import type { CipherSuiteName } from "../../../src/dtls/api.js";
import { spawnProc, type Proc } from "./proc.js";
import { LOOPBACK_V4, waitUdpBound } from "./ports.js";

/** Our suite names -> OpenSSL's names (OpenSSL 3.0 `openssl ciphers -v`). */
export const OPENSSL_SUITE_NAMES: Readonly<Record<CipherSuiteName, string>> = {
  TLS_PSK_WITH_AES_128_GCM_SHA256: "PSK-AES128-GCM-SHA256",
  TLS_PSK_WITH_AES_256_GCM_SHA384: "PSK-AES256-GCM-SHA384",
  TLS_PSK_WITH_AES_128_CCM_8: "PSK-AES128-CCM8",
  TLS_PSK_WITH_CHACHA20_POLY1305_SHA256: "PSK-CHACHA20-POLY1305",
  TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-PSK-CHACHA20-POLY1305",
};

export const ALL_SUITES = Object.keys(OPENSSL_SUITE_NAMES) as CipherSuiteName[];

/** OpenSSL group names for `-curves`. */
export const OPENSSL_GROUP_NAMES = { x25519: "X25519", secp256r1: "P-256" } as const;

export interface OpensslCommon {
  port: number;
  pskHex: string;
  /** OpenSSL cipher string, e.g. "PSK-AES128-GCM-SHA256"; "" leaves OpenSSL's default list. */
  cipher: string;
  /** "-dtls1_2" unless a test asks for "-dtls" (any DTLS version) or "-dtls1" (1.0 only). */
  version?: "-dtls1_2" | "-dtls" | "-dtls1";
  mtuBytes?: number;
  curves?: string;
  keylogFile?: string;
  extraArgs?: string[];
  timeoutMs?: number;
  /** Loopback host; "::1" for IPv6 (default 127.0.0.1). */
  host?: string;
  /** -brief (default true). s_server ignores its stdin command letters (r, R, k, q) under -brief. */
  brief?: boolean;
}

function commonArgs(o: OpensslCommon): string[] {
  const args = [o.version ?? "-dtls1_2", ...(o.brief === false ? [] : ["-brief"]), "-psk", o.pskHex, ...(o.cipher === "" ? [] : ["-cipher", o.cipher])];
  if (o.mtuBytes !== undefined) args.push("-mtu", String(o.mtuBytes));
  if (o.curves !== undefined) args.push("-curves", o.curves);
  if (o.keylogFile !== undefined) args.push("-keylogfile", o.keylogFile);
  return args;
}

/** Argument list of `openssl s_server` (exported so docs/tests can print the exact command). */
export function sServerArgs(o: OpensslCommon & { hint?: string; identity?: string }): string[] {
  const args = ["s_server", ...commonArgs(o), "-nocert", "-accept", `${LOOPBACK_V4}:${o.port}`, "-naccept", "1"];
  if (o.hint !== undefined) args.push("-psk_hint", o.hint);
  if (o.identity !== undefined) args.push("-psk_identity", o.identity);
  return [...args, ...(o.extraArgs ?? [])];
}

export function sClientArgs(o: OpensslCommon & { identity: string }): string[] {
  return ["s_client", ...commonArgs(o), "-connect", o.host?.includes(":") === true ? `[${o.host}]:${o.port}` : `${o.host ?? LOOPBACK_V4}:${o.port}`, "-psk_identity", o.identity, ...(o.extraArgs ?? [])];
}

/** Starts `openssl s_server` and resolves once its UDP socket is bound (`-brief` prints nothing then). */
export async function startOpensslServer(o: OpensslCommon & { hint?: string; identity?: string }): Promise<Proc> {
  const p = spawnProc("openssl", sServerArgs(o), { timeoutMs: o.timeoutMs ?? 20_000 });
  try {
    await waitUdpBound(o.port, 5_000, () => p.running);
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${p.command}\n${p.describe()}`);
  }
  return p;
}

export function startOpensslClient(o: OpensslCommon & { identity: string }): Proc {
  return spawnProc("openssl", sClientArgs(o), { timeoutMs: o.timeoutMs ?? 20_000 });
}

/** Extracts "SSL alert number N" from OpenSSL's error output, or null. */
export function opensslAlertNumber(stderr: string): number | null {
  const m = /SSL alert number (\d+)/.exec(stderr);
  return m?.[1] !== undefined ? Number(m[1]) : null;
}

export const randomHex = (bytes: number): string => randomBytes(bytes).toString("hex");
