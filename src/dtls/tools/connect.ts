/**
 * `vnetsim dtls connect`: a DtlsEndpoint client on a connected loopback UDP socket. Each stdin line
 * is sent as one application record (with its "\n"; a line longer than a record, 2^14 bytes, goes
 * out as several), every record received is written to stdout as is. After stdin ends we wait for
 * the replies to drain, send close_notify and report. At most one record's worth of stdin is ever
 * buffered, however long a line is.
 *
 * Outcomes are values (ConnectResult): a handshake that fails or times out is an expected outcome
 * with a reason, not an exception. Exceptions are left for bad options and bugs.
 */
import { randomFillSync } from "node:crypto";
import type { AeadBackendName, CipherSuiteName, DtlsLimits, FailureReason, NamedGroup } from "../api.js";
import { realClock } from "../clock.js";
import { RECORD_PLAINTEXT_BYTES_MAX } from "../constants.js";
import { DtlsEndpoint } from "../endpoint.js";
import { udpClientTransport } from "../transport/udp.js";
import { alertName, keyLogSink, type ToolLog } from "./log.js";

export interface ConnectOptions {
  host: string;
  port: number;
  identity: string;
  psk: Uint8Array;
  suites?: CipherSuiteName[];
  groups?: NamedGroup[];
  mtuBytes?: number;
  backend?: AeadBackendName;
  keylogFile?: string;
  limits?: Partial<DtlsLimits>;
  /** Handshake deadline, and the longest wait for replies after stdin ends. */
  timeoutMs: number;
  /** After stdin ends: stop waiting once this long passes without a reply. */
  drainIdleMs?: number;
}

export type ConnectFailure = FailureReason | "timeout";

export interface ConnectResult {
  ok: boolean;
  reason?: ConnectFailure;
  detail?: string;
  suite: CipherSuiteName | null;
  /** Application bytes sent and received (not counting DTLS overhead). */
  appBytesSent: number;
  appBytesReceived: number;
}

/** Default quiet period after stdin ends before we close (OpenSSL's s_server does not echo). */
export const DRAIN_IDLE_MS_DEFAULT = 1_000;
/** Time given to close_notify to leave the socket before it closes. */
export const CONNECT_CLOSE_FLUSH_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runConnect(
  options: ConnectOptions,
  input: NodeJS.ReadableStream,
  output: (data: Uint8Array) => void,
  log: ToolLog,
): Promise<ConnectResult> {
  const transport = await udpClientTransport(options.host, options.port);
  const ep = new DtlsEndpoint({
    role: "client",
    transport,
    clock: realClock(),
    rng: (out) => {
      randomFillSync(out);
    },
    psk: { identity: options.identity, key: options.psk },
    ...(options.suites !== undefined ? { suites: options.suites } : {}),
    ...(options.groups !== undefined ? { groups: options.groups } : {}),
    ...(options.mtuBytes !== undefined ? { mtuBytes: options.mtuBytes } : {}),
    ...(options.backend !== undefined ? { backend: options.backend } : {}),
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
    ...(options.keylogFile !== undefined ? { keyLog: keyLogSink(options.keylogFile) } : {}),
  });

  let appBytesSent = 0;
  let appBytesReceived = 0;
  let lastReceiveMs = performance.now();
  let failure: { reason: ConnectFailure; detail: string } | null = null;
  let peerClosed = false;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  /** Resolves on the next endpoint event or after ms, whichever is first. */
  const waitEvent = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, Math.max(0, ms));
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  ep.on("connected", (info) => {
    log.info(`connected to ${options.host}:${options.port} suite=${info.suite} epoch=${info.epoch}`);
    poke();
  });
  ep.on("data", (payload) => {
    appBytesReceived += payload.length;
    lastReceiveMs = performance.now();
    output(Uint8Array.from(payload));
    poke();
  });
  ep.on("alert", (a) => log.info(`alert ${a.sent ? "sent" : "received"}: ${a.level} ${alertName(a.description)} (${a.description})`));
  ep.on("closed", (c) => {
    if (c.reason === "close-notify") {
      peerClosed = true;
      log.info("peer closed the session (close_notify)");
    }
    poke();
  });
  ep.on("failed", (f) => {
    failure = { reason: f.reason, detail: f.detail };
    poke();
  });

  const result = (): ConnectResult => ({
    ok: failure === null,
    ...(failure !== null ? { reason: failure.reason, detail: failure.detail } : {}),
    suite: ep.suite,
    appBytesSent,
    appBytesReceived,
  });

  // 1. Handshake, bounded by the timeout.
  const handshakeDeadline = performance.now() + options.timeoutMs;
  ep.start();
  while (ep.state === "handshaking" || ep.state === "idle") {
    const left = handshakeDeadline - performance.now();
    if (left <= 0) {
      failure = { reason: "timeout", detail: `no DTLS session after ${options.timeoutMs} ms` };
      break;
    }
    await waitEvent(left);
  }
  if (ep.state !== "connected") {
    failure ??= { reason: "closed-by-peer", detail: `endpoint ended in state ${ep.state}` };
    if (ep.state === "handshaking") ep.close();
    await sleep(CONNECT_CLOSE_FLUSH_MS);
    transport.close();
    return result();
  }

  // 2. Send stdin line by line while the session lives.
  let inputEnded = false;
  let pending: Uint8Array = new Uint8Array(0);
  const sendRecord = (bytes: Uint8Array): void => {
    if (ep.state !== "connected") return;
    if (ep.send(bytes)) appBytesSent += bytes.length;
    else log.info(`could not send a ${bytes.length}-byte record (send queue full or session not open)`);
  };
  const onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const joined = new Uint8Array(pending.length + bytes.length);
    joined.set(pending, 0);
    joined.set(bytes, pending.length);
    let start = 0;
    for (;;) {
      const nl = joined.indexOf(0x0a, start);
      const end = nl >= 0 && nl - start < RECORD_PLAINTEXT_BYTES_MAX ? nl + 1 : start + RECORD_PLAINTEXT_BYTES_MAX;
      if (end > joined.length) break;
      sendRecord(joined.slice(start, end));
      start = end;
    }
    pending = joined.slice(start);
  };
  const onEnd = (): void => {
    if (inputEnded) return;
    inputEnded = true;
    if (pending.length > 0) sendRecord(pending); // a last line without "\n"
    pending = new Uint8Array(0);
    poke();
  };
  input.on("data", onData);
  input.on("end", onEnd);
  input.on("error", onEnd);
  while (!inputEnded && ep.state === "connected") await waitEvent(60_000);
  input.off("data", onData);
  input.off("end", onEnd);
  input.off("error", onEnd);
  if (!inputEnded) input.pause();

  // 3. Drain: wait for as many bytes as we sent (an echo peer), or a quiet period, or the timeout.
  const drainIdleMs = options.drainIdleMs ?? DRAIN_IDLE_MS_DEFAULT;
  const drainDeadline = performance.now() + options.timeoutMs;
  lastReceiveMs = Math.max(lastReceiveMs, performance.now());
  while (ep.state === "connected" && appBytesReceived < appBytesSent) {
    const now = performance.now();
    const left = Math.min(drainDeadline - now, lastReceiveMs + drainIdleMs - now);
    if (left <= 0) break;
    await waitEvent(left);
  }
  if (appBytesReceived < appBytesSent && ep.state === "connected") {
    log.info(`stopped waiting for replies: received ${appBytesReceived} of ${appBytesSent} bytes sent`);
  }

  // 4. close_notify (RFC 5246 §7.2.1) unless the peer already closed or the session failed.
  if (ep.state === "connected") ep.close();
  await sleep(CONNECT_CLOSE_FLUSH_MS);
  transport.close();
  if (!peerClosed && failure === null) log.info(`closed (sent ${appBytesSent} bytes, received ${appBytesReceived} bytes)`);
  return result();
}
