/**
 * DtlsServer: many DTLS clients on one socket, demultiplexed by peer address ("addr:port").
 *
 * Denial-of-service posture (RFC 6347 §4.2.1): a ClientHello from an unknown peer is answered
 * statelessly. Without a valid cookie it gets a HelloVerifyRequest whose cookie is
 * HMAC-SHA256(secret, peer || ClientHello fields) -- nothing is stored. Only a ClientHello that
 * returns a valid cookie creates a DtlsEndpoint, and at most `sessionsMax` of them exist.
 * The cookie secret rotates every `cookieSecretRotateMs`; the previous secret stays valid for one
 * more period so handshakes that straddle a rotation still complete.
 */
import type { EndpointOptions, RejectReason, Transport } from "./api.js";
import { AlertDescription, AlertLevel, ContentType, DTLS10_VERSION, DTLS12_VERSION, HandshakeType, RECORD_HEADER_BYTES } from "./constants.js";
import { DtlsEndpoint } from "./endpoint.js";
import { CookieJar } from "./handshake/cookie.js";
import { HANDSHAKE_HEADER_BYTES, readHandshakeFragments, writeHandshakeHeader } from "./handshake/header.js";
import { decodeClientHello, encodeHelloVerifyRequest, type ClientHello } from "./handshake/messages.js";
import { COOKIE_SECRET_ROTATE_MS, SESSION_IDLE_MS, SESSIONS_MAX } from "./limits.js";
import { emptyRecordHeader, readRecordHeader, writeRecordHeader } from "./record/header.js";

export type DtlsServerOptions = Omit<EndpointOptions, "role" | "transport" | "peerAddress"> & {
  send(peer: string, d: Uint8Array): void;
  /**
   * True when send() copies the datagram (or is done with it) before returning, as listenUdp's does:
   * the sessions may then seal into a reused buffer (Transport.sendCopies). Default false.
   */
  sendCopies?: boolean;
  sessionsMax?: number;
  cookieSecretRotateMs?: number;
  /** When sessionsMax is reached, a session silent for this long is evicted for a new client. */
  sessionIdleMs?: number;
};

export interface DtlsServerStats {
  sessionsCreated: number;
  sessionsEvicted: number;
  helloVerifyRequestsSent: number;
  /** Datagrams from peers without a session that were dropped, by reason. */
  rejected: Record<RejectReason, number>;
}

interface Session {
  endpoint: DtlsEndpoint;
  /** ClientHello.random that created it: a ClientHello with another random is a new association. */
  random: Uint8Array;
  lastActiveMs: number;
}

export class DtlsServer {
  private readonly sessions = new Map<string, Session>();
  private readonly cookies: CookieJar;
  private readonly sessionsMax: number;
  private readonly sessionIdleMs: number;
  private readonly sessionListeners: ((peer: string, ep: DtlsEndpoint) => void)[] = [];
  private closed = false;
  readonly stats: DtlsServerStats;

  constructor(private readonly options: DtlsServerOptions) {
    this.sessionsMax = options.sessionsMax ?? SESSIONS_MAX;
    if (!Number.isInteger(this.sessionsMax) || this.sessionsMax < 1) {
      throw new RangeError(`DtlsServer "sessionsMax" expected an integer >= 1, got ${options.sessionsMax}`);
    }
    this.cookies = new CookieJar(options.clock, options.rng, options.cookieSecretRotateMs ?? COOKIE_SECRET_ROTATE_MS);
    const rejected = {} as Record<RejectReason, number>;
    for (const r of ["short-record", "bad-version", "bad-content-type", "bad-length", "unknown-epoch", "replayed", "too-old", "auth-failed", "bad-handshake", "bad-cookie", "unexpected", "over-limit"] as const) rejected[r] = 0;
    this.stats = { sessionsCreated: 0, sessionsEvicted: 0, helloVerifyRequestsSent: 0, rejected };
    this.sessionIdleMs = options.sessionIdleMs ?? SESSION_IDLE_MS;
    if (!(this.sessionIdleMs > 0)) throw new RangeError(`DtlsServer "sessionIdleMs" expected > 0, got ${options.sessionIdleMs}`);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  session(peer: string): DtlsEndpoint | undefined {
    return this.sessions.get(peer)?.endpoint;
  }

  on(event: "session", fn: (peer: string, ep: DtlsEndpoint) => void): this {
    if (event !== "session") throw new Error(`DtlsServer.on: unknown event ${JSON.stringify(event)}; expected "session"`);
    this.sessionListeners.push(fn);
    return this;
  }

  /** Never throws: bad datagrams are counted. */
  handleDatagram(peer: string, d: Uint8Array): void {
    if (this.closed) return;
    try {
      this.route(peer, d);
    } catch {
      this.stats.rejected["bad-handshake"]++;
    }
  }

  private route(peer: string, d: Uint8Array): void {
    const existing = this.sessions.get(peer);
    const hello = this.parseInitialClientHello(d, existing === undefined);
    if (existing !== undefined) {
      // RFC 6347 §4.2.8: a new ClientHello (epoch 0, other random, valid cookie) from a known address
      // is a restarted client; otherwise everything goes to the session.
      if (hello === null || equalBytes(hello.ch.random, existing.random)) {
        existing.lastActiveMs = this.options.clock.nowMs();
        existing.endpoint.handleDatagram(d);
        return;
      }
      if (!this.cookies.verify(peer, hello.ch)) {
        this.sendHelloVerify(peer, hello.ch, hello.recordSeq, hello.messageSeq);
        return;
      }
      this.sessions.delete(peer);
      existing.endpoint.close();
    }
    if (hello === null) return;
    const { ch, recordSeq, messageSeq } = hello;
    if (ch.clientVersion > DTLS12_VERSION) {
      // Older than DTLS 1.2 (versions count down): refuse statelessly (RFC 5246 §E.1).
      this.stats.rejected["bad-version"]++;
      this.sendRecord(peer, ContentType.Alert, recordSeq, Uint8Array.of(AlertLevel.Fatal, AlertDescription.ProtocolVersion));
      return;
    }
    if (!this.cookies.verify(peer, ch)) {
      if (ch.cookie.length > 0) this.stats.rejected["bad-cookie"]++;
      this.sendHelloVerify(peer, ch, recordSeq, messageSeq);
      return;
    }
    if (this.sessions.size >= this.sessionsMax && !this.evictIdle()) {
      this.stats.rejected["over-limit"]++;
      return;
    }
    this.createSession(peer, ch, recordSeq, d);
  }

  /**
   * The ClientHello in `d` if `d` is one unprotected record carrying one whole ClientHello;
   * else null (counted when `count`).
   */
  private parseInitialClientHello(d: Uint8Array, count: boolean): { ch: ClientHello; recordSeq: number; messageSeq: number } | null {
    const h = emptyRecordHeader();
    const reject = (r: RejectReason) => {
      if (count) this.stats.rejected[r]++;
      return null;
    };
    if (!readRecordHeader(d, 0, h)) return reject("short-record");
    if (h.type !== ContentType.Handshake) return reject(h.type >= 20 && h.type <= 23 ? "unexpected" : "bad-content-type");
    if (h.version !== DTLS12_VERSION && h.version !== DTLS10_VERSION) return reject("bad-version");
    if (h.epoch !== 0) return reject("unknown-epoch");
    if (RECORD_HEADER_BYTES + h.length > d.length) return reject("bad-length");
    let frags;
    try {
      frags = readHandshakeFragments(d.subarray(RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + h.length));
    } catch {
      return reject("bad-handshake");
    }
    const f = frags[0];
    // A stateless server cannot reassemble: the first ClientHello must fit one record (our
    // ClientHello is ~150 bytes; RFC 6347 §4.2.1 expects the cookie exchange to be small).
    if (frags.length !== 1 || f === undefined || f.msgType !== HandshakeType.ClientHello || f.fragmentOffset !== 0 || f.fragmentLength !== f.length) {
      return reject("bad-handshake");
    }
    try {
      return { ch: decodeClientHello(f.body), recordSeq: h.seq, messageSeq: f.messageSeq };
    } catch {
      return reject("bad-handshake");
    }
  }

  private sendHelloVerify(peer: string, ch: ClientHello, recordSeq: number, messageSeq: number): void {
    const cookie = this.cookies.make(peer, ch);
    const body = encodeHelloVerifyRequest({ serverVersion: DTLS10_VERSION, cookie });
    const msg = new Uint8Array(HANDSHAKE_HEADER_BYTES + body.length);
    // RFC 6347 §4.2.1/§4.2.2: message_seq and record sequence number mirror the ClientHello's.
    writeHandshakeHeader(msg, 0, HandshakeType.HelloVerifyRequest, body.length, messageSeq, 0, body.length);
    msg.set(body, HANDSHAKE_HEADER_BYTES);
    this.stats.helloVerifyRequestsSent++;
    this.sendRecord(peer, ContentType.Handshake, recordSeq, msg);
  }

  private sendRecord(peer: string, type: ContentType, seq: number, payload: Uint8Array): void {
    const out = new Uint8Array(RECORD_HEADER_BYTES + payload.length);
    writeRecordHeader(out, 0, type, DTLS12_VERSION, 0, seq, payload.length);
    out.set(payload, RECORD_HEADER_BYTES);
    this.options.send(peer, out);
  }

  private createSession(peer: string, ch: ClientHello, recordSeq: number, first: Uint8Array): void {
    const { send, sendCopies, sessionsMax: _m, cookieSecretRotateMs: _c, sessionIdleMs: _i, ...endpointOptions } = this.options;
    let open = true;
    const transport: Transport = {
      sendCopies: sendCopies === true,
      send: (d) => {
        if (open) send(peer, d);
      },
      onReceive: () => {
        // DtlsServer calls endpoint.handleDatagram directly.
      },
      close: () => {
        open = false;
      },
    };
    const endpoint = new DtlsEndpoint(
      { ...endpointOptions, role: "server", transport, peerAddress: peer },
      { cookieVerified: true, initialWriteSeq: recordSeq },
    );
    const session: Session = { endpoint, random: new Uint8Array(ch.random), lastActiveMs: this.options.clock.nowMs() };
    const forget = () => {
      if (this.sessions.get(peer) === session) this.sessions.delete(peer);
    };
    endpoint.on("closed", forget).on("failed", forget);
    this.sessions.set(peer, session);
    this.stats.sessionsCreated++;
    for (const fn of this.sessionListeners) fn(peer, endpoint);
    endpoint.start();
    endpoint.handleDatagram(first);
  }

  /** Closes the longest-silent session if it has been silent for sessionIdleMs; true if one went. */
  private evictIdle(): boolean {
    let oldest: [string, Session] | null = null;
    for (const e of this.sessions) if (oldest === null || e[1].lastActiveMs < oldest[1].lastActiveMs) oldest = e;
    if (oldest === null || this.options.clock.nowMs() - oldest[1].lastActiveMs < this.sessionIdleMs) return false;
    this.sessions.delete(oldest[0]);
    oldest[1].endpoint.close();
    this.stats.sessionsEvicted++;
    return true;
  }

  /** Sends close_notify on every session and stops accepting datagrams. */
  close(): void {
    this.closed = true;
    for (const s of [...this.sessions.values()]) s.endpoint.close();
    this.sessions.clear();
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
