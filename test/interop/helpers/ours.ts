/**
 * Our side of an interop test: the `vnetsim dtls serve` library (DtlsServer + loopback UDP, echo)
 * and a DtlsEndpoint client on the UDP transport, each with an event recorder so tests can assert
 * on connected/alert/failed/closed events and on received application data.
 */
import { randomFillSync } from "node:crypto";
import type { CipherSuiteName, DtlsLimits, EndpointOptions, FailureReason, NamedGroup } from "../../../src/dtls/api.js";
import { realClock } from "../../../src/dtls/clock.js";
import { DtlsEndpoint } from "../../../src/dtls/endpoint.js";
import { udpClientTransport } from "../../../src/dtls/transport/udp.js";
import { startServe, type ServeHandle, type ServeOptions } from "../../../src/dtls/tools/serve.js";
import type { ToolLog } from "../../../src/dtls/tools/log.js";
import { LOOPBACK_V4 } from "./ports.js";

/** Fast retransmission for tests on loopback: failures show up in ~1-2 s instead of minutes. */
export const TEST_LIMITS: Partial<DtlsLimits> = { retransmitInitialMs: 200, retransmitMaxMs: 800, retransmitCountMax: 3 };

export interface EventLog {
  connected: { suite: CipherSuiteName; epoch: number; identity: string } | null;
  alerts: Array<{ level: "warning" | "fatal"; description: number; sent: boolean }>;
  failed: { reason: FailureReason; detail: string } | null;
  closed: { reason: "close-notify" | "local" } | null;
  data: Buffer[];
  text(): string;
  /** Resolves once pred() holds; rejects after timeoutMs with a snapshot of the log. */
  until(pred: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
}

export function recordEvents(ep: DtlsEndpoint): EventLog {
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };
  const log: EventLog = {
    connected: null,
    alerts: [],
    failed: null,
    closed: null,
    data: [],
    text: () => Buffer.concat(log.data).toString("utf8"),
    until(pred, timeoutMs = 10_000, what = "condition") {
      return new Promise<void>((resolve, reject) => {
        if (pred()) return resolve();
        const check = (): void => {
          if (pred()) {
            clearTimeout(timer);
            clearInterval(poll);
            waiters.delete(check);
            resolve();
          }
        };
        // Some conditions (ep.currentEpoch, ep.stats) change without an event: poll as well.
        const poll = setInterval(check, 25);
        const timer = setTimeout(() => {
          clearInterval(poll);
          waiters.delete(check);
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${what}; endpoint state=${ep.state} ` +
                `events=${JSON.stringify({ connected: log.connected, alerts: log.alerts, failed: log.failed, closed: log.closed, text: log.text() })}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
      });
    },
  };
  ep.on("connected", (info) => {
    log.connected = info;
    notify();
  });
  ep.on("alert", (a) => {
    log.alerts.push(a);
    notify();
  });
  ep.on("failed", (f) => {
    log.failed = f;
    notify();
  });
  ep.on("closed", (c) => {
    log.closed = c;
    notify();
  });
  ep.on("data", (d) => {
    log.data.push(Buffer.from(d));
    notify();
  });
  return log;
}

export interface OurServer {
  handle: ServeHandle;
  port: number;
  sessions: Array<{ peer: string; ep: DtlsEndpoint; events: EventLog }>;
  logLines: string[];
  /** Resolves with the first session once it exists. */
  firstSession(timeoutMs?: number): Promise<{ peer: string; ep: DtlsEndpoint; events: EventLog }>;
  close(): Promise<void>;
}

export async function startOurServer(
  options: Omit<ServeOptions, "host" | "port" | "onSession"> & { port?: number; greeting?: string },
): Promise<OurServer> {
  const sessions: OurServer["sessions"] = [];
  const logLines: string[] = [];
  const log: ToolLog = { info: (l) => logLines.push(l), debug: (l) => logLines.push(l) };
  const handle = await startServe(
    {
      limits: TEST_LIMITS,
      ...options,
      host: LOOPBACK_V4,
      port: options.port ?? 0,
      onSession: (peer, ep) => {
        const events = recordEvents(ep);
        sessions.push({ peer, ep, events });
        // Server-initiated data, so "data both ways" does not rely on the echo alone.
        if (options.greeting !== undefined) {
          const greeting = options.greeting;
          ep.on("connected", () => ep.send(Buffer.from(greeting)));
        }
      },
    },
    log,
  );
  return {
    handle,
    port: handle.port,
    sessions,
    logLines,
    async firstSession(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (sessions.length === 0) {
        if (Date.now() > deadline) throw new Error(`no session within ${timeoutMs} ms; server log:\n${logLines.join("\n")}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return sessions[0]!;
    },
    close: () => handle.close(),
  };
}

export interface OurClient {
  ep: DtlsEndpoint;
  events: EventLog;
  close(): void;
}

export async function startOurClient(options: {
  port: number;
  identity: string;
  pskHex: string;
  suites?: CipherSuiteName[];
  groups?: NamedGroup[];
  mtuBytes?: number;
  limits?: Partial<DtlsLimits>;
  keyLog?: (line: string) => void;
}): Promise<OurClient> {
  const transport = await udpClientTransport(LOOPBACK_V4, options.port);
  const endpointOptions: EndpointOptions = {
    role: "client",
    transport,
    clock: realClock(),
    rng: (out) => {
      randomFillSync(out);
    },
    psk: { identity: options.identity, key: Uint8Array.from(Buffer.from(options.pskHex, "hex")) },
    limits: options.limits ?? TEST_LIMITS,
    ...(options.suites !== undefined ? { suites: options.suites } : {}),
    ...(options.groups !== undefined ? { groups: options.groups } : {}),
    ...(options.mtuBytes !== undefined ? { mtuBytes: options.mtuBytes } : {}),
    ...(options.keyLog !== undefined ? { keyLog: options.keyLog } : {}),
  };
  const ep = new DtlsEndpoint(endpointOptions);
  const events = recordEvents(ep);
  ep.start();
  return {
    ep,
    events,
    close() {
      if (ep.state === "connected" || ep.state === "handshaking") ep.close();
      // Let close_notify leave before the socket goes.
      setTimeout(() => transport.close(), 50);
    },
  };
}
