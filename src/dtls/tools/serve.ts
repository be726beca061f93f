/**
 * `vnetsim dtls serve`: a DtlsServer on a loopback UDP socket that echoes every application record
 * back to its sender. It exists to test interop by hand (`openssl s_client -dtls1_2 -psk ...`) and
 * from the e2e tests; it is not a production server (one PSK identity, loopback only).
 *
 * Pipeline: dgram "message" -> DtlsServer.handleDatagram(peer) -> (cookie exchange, then one
 * DtlsEndpoint per peer) -> "data" -> endpoint.send(same bytes) -> DtlsServer's send -> dgram.
 */
import { randomFillSync } from "node:crypto";
import type { AeadBackendName, CipherSuiteName, DtlsLimits, NamedGroup } from "../api.js";
import { realClock } from "../clock.js";
import { DtlsServer } from "../server.js";
import type { DtlsEndpoint } from "../endpoint.js";
import { listenUdp, type UdpListener } from "../transport/udp.js";
import { alertName, keyLogSink, type ToolLog } from "./log.js";

export interface ServeOptions {
  host: string;
  /** 0 picks a free port; the bound port is in the returned handle. */
  port: number;
  identity: string;
  psk: Uint8Array;
  hint?: string;
  suites?: CipherSuiteName[];
  groups?: NamedGroup[];
  mtuBytes?: number;
  backend?: AeadBackendName;
  keylogFile?: string;
  limits?: Partial<DtlsLimits>;
  /** Observer for each new session (tests read its events); called before the echo is wired. */
  onSession?: (peer: string, endpoint: DtlsEndpoint) => void;
}

export interface ServeHandle {
  readonly host: string;
  readonly port: number;
  /** Sends close_notify to every live session, then closes the socket. */
  close(): Promise<void>;
}

/** Time given to the close_notify datagrams to leave the socket before it closes. */
export const SERVE_CLOSE_FLUSH_MS = 50;

export async function startServe(options: ServeOptions, log: ToolLog): Promise<ServeHandle> {
  const rng = (out: Uint8Array): void => {
    randomFillSync(out);
  };
  const sessions = new Set<DtlsEndpoint>();
  // The listener is created before the server so the server's send() can use it; datagrams that
  // arrive before `server` exists (none can: we have not told anyone the port) are ignored.
  let server: DtlsServer | null = null;
  const listener: UdpListener = await listenUdp(options.host, options.port, (peer, d) => server?.handleDatagram(peer, d));
  const keyLog = options.keylogFile !== undefined ? keyLogSink(options.keylogFile) : undefined;
  server = new DtlsServer({
    clock: realClock(),
    rng,
    psk: {
      lookup: (identity) => (identity === options.identity ? options.psk : undefined),
      ...(options.hint !== undefined ? { hint: options.hint } : {}),
    },
    ...(options.suites !== undefined ? { suites: options.suites } : {}),
    ...(options.groups !== undefined ? { groups: options.groups } : {}),
    ...(options.mtuBytes !== undefined ? { mtuBytes: options.mtuBytes } : {}),
    ...(options.backend !== undefined ? { backend: options.backend } : {}),
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
    ...(keyLog !== undefined ? { keyLog } : {}),
    send: (peer, d) => listener.send(peer, d),
    sendCopies: true, // listenUdp's send copies into a Buffer before socket.send
  });
  server.on("session", (peer: string, ep: DtlsEndpoint) => {
    sessions.add(ep);
    options.onSession?.(peer, ep);
    log.info(`session ${peer}: handshake started`);
    ep.on("connected", (info) => log.info(`session ${peer}: connected suite=${info.suite} identity=${JSON.stringify(info.identity)} epoch=${info.epoch}`));
    ep.on("data", (payload) => {
      log.debug(`session ${peer}: ${payload.length} bytes, echoing`);
      ep.send(payload);
    });
    ep.on("alert", (a) => log.info(`session ${peer}: alert ${a.sent ? "sent" : "received"} ${a.level} ${alertName(a.description)} (${a.description})`));
    ep.on("closed", (c) => {
      sessions.delete(ep);
      log.info(`session ${peer}: closed (${c.reason})`);
    });
    ep.on("failed", (f) => {
      sessions.delete(ep);
      log.info(`session ${peer}: failed ${f.reason}: ${f.detail}`);
    });
  });
  log.info(`listening on ${options.host.includes(":") ? `[${options.host}]` : options.host}:${listener.port} (udp, DTLS 1.2 PSK)`);

  let closing: Promise<void> | null = null;
  return {
    host: options.host,
    port: listener.port,
    close(): Promise<void> {
      closing ??= (async () => {
        const live = sessions.size;
        server?.close();
        await new Promise((r) => setTimeout(r, SERVE_CLOSE_FLUSH_MS));
        await listener.close();
        log.info(`closed (${live} live session${live === 1 ? "" : "s"} sent close_notify)`);
      })();
      return closing;
    },
  };
}
