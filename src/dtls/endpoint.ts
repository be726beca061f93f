/**
 * DtlsEndpoint: one DTLS 1.2 association (client or server role) over any Transport.
 *
 * Receive pipeline (handleDatagram), one datagram may carry several records (RFC 6347 §4.1.1):
 *   1. record header (13 bytes); bad length/version/type -> counted in stats.rejected, skipped
 *   2. epoch: a known read epoch, or the peer's next epoch before its ChangeCipherSpec (buffered,
 *      bounded, RFC 6347 §4.1, only if it authenticates under the pending keys and one per
 *      sequence number), else "unknown-epoch"
 *   3. replay window of that epoch (RFC 6347 §4.1.2.6), then AEAD open; the window is marked only
 *      after authentication. A record failing authentication is counted and dropped
 *      (RFC 6347 §4.1.2.7); only in the initial handshake is it a fatal bad_record_mac (wrong PSK)
 *   4. by content type: handshake -> the handshake machine (handshake/*), ChangeCipherSpec -> the
 *      machine (switches the read epoch), alert -> close/fail, application data -> "data" event
 *      (only in an epoch whose handshake finished; plaintext application data is refused)
 * Send pipeline: send() seals one application record under the current write epoch; flights are
 * packed several records per datagram up to mtuBytes.
 * Zero-copy record path (record/scratch.ts): when the transport copies on send
 * (Transport.sendCopies), single records (application data, alerts) are sealed into one shared
 * scratch buffer instead of a new buffer each, and a flight's datagrams are built in the shared
 * flight buffer (handshake/flight.ts; otherwise one buffer per flight, of which each datagram is a
 * view). Every protected record is opened into a shared plaintext scratch: "data" listeners get a
 * view of it, valid only while they run, and handshake records are read from it (or, in epoch 0,
 * from the datagram) in place: the reassembler copies only messages it has to hold, and the
 * transcript hashes the others as they come. The received datagram is never written to (a wire
 * may deliver the same bytes twice). Nothing throws out of handleDatagram: a
 * protocol failure becomes a fatal alert + "failed", anything else is counted and reported as
 * "internal-error".
 *
 * Memory of an established association (the simulator holds ~50,000 at once; test/dtls/endpoint/
 * tunnel-memory.test.ts bounds it): the handshake machine is dropped at completion (the server
 * keeps only its final flight, final-flight.ts, until the peer's data or finalFlightRetainMs), the
 * epoch table holds small arrays, queues and listener lists exist only once used, and pieces equal
 * for many endpoints (limits, suite list, the record header being parsed, AEAD scratch) are shared.
 *
 * Rekey (make before break): a renegotiation inside the association (RFC 5246 §7.4.1.1,
 * secured by RFC 5746). The new handshake runs protected by epoch N; application data keeps
 * flowing under epoch N until the new handshake finishes, then switches to N+1. The receiver
 * keeps epoch N's read keys (and replay window) for PREVIOUS_EPOCH_RETAIN_MS so records in flight
 * are neither lost nor accepted twice; each epoch starts its own sequence space, so no
 * (epoch, seq) -- i.e. no nonce -- is ever reused.
 */
import type {
  CipherSuiteName,
  Clock,
  DtlsLimits,
  EndpointEvents,
  EndpointOptions,
  EndpointState,
  EndpointStats,
  FailureReason,
  RekeyPolicy,
  RejectReason,
  TimerHandle,
  Transport,
} from "./api.js";
import {
  AlertDescription,
  AlertLevel,
  ContentType,
  DTLS10_VERSION,
  DTLS12_VERSION,
  EPOCH_MAX,
  HandshakeType,
  RECORD_CIPHERTEXT_BYTES_MAX,
  RECORD_HEADER_BYTES,
  RECORD_PLAINTEXT_BYTES_MAX,
} from "./constants.js";
import { DecodeError, DtlsFatal } from "./errors.js";
import { EpochTable, type ReadState } from "./epochs.js";
import { FinalFlight } from "./final-flight.js";
import { LastHandshake } from "./last-handshake.js";
import { resolveEndpointConfig } from "./handshake/config.js";
import { ClientHandshake } from "./handshake/client.js";
import { transmitFlight, type FlightItem, type FlightOutput } from "./handshake/flight.js";
import { checkHandshakeFragments, emptyHandshakeFragment, readHandshakeFragmentInto, type HandshakeFragment } from "./handshake/header.js";
import type { HandshakeConfig, HandshakeHost, HandshakeResult } from "./handshake/host.js";
import type { HandshakeMachine } from "./handshake/machine.js";
import { ServerHandshake } from "./handshake/server.js";
import { EARLY_RECORDS_MAX, PREVIOUS_EPOCH_RETAIN_MS, appRecordsPerKeyMax, finalFlightRetainMs } from "./limits.js";
import { emptyRecordHeader, readRecordHeader } from "./record/header.js";
import type { CipherState } from "./record/cipher-state.js";
import { OPEN_SCRATCH, SEAL_SCRATCH } from "./record/scratch.js";

/** A fresh counter per reject reason, as one literal: its properties live in the object itself. */
function newRejectCounts(): Record<RejectReason, number> {
  return {
    "short-record": 0,
    "bad-version": 0,
    "bad-content-type": 0,
    "bad-length": 0,
    "unknown-epoch": 0,
    replayed: 0,
    "too-old": 0,
    "auth-failed": 0,
    "bad-handshake": 0,
    "bad-cookie": 0,
    unexpected: 0,
    "over-limit": 0,
  };
}

/** Internal options used by DtlsServer (not part of the public contract). */
export interface EndpointInternalOptions {
  /** DtlsServer already did the stateless cookie exchange. */
  cookieVerified?: boolean;
  /** First epoch-0 record sequence number: after a stateless HelloVerifyRequest the server continues
   * from the second ClientHello's record sequence number (RFC 6347 §4.2.1). */
  initialWriteSeq?: number;
}

/**
 * The record header being processed, shared by every endpoint (one per endpoint cost 80 B each).
 * Safe under re-entrancy (a listener or transport that makes another endpoint, or this one, process
 * a datagram inside ours): processDatagram reads the length it needs before processRecord, and
 * processRecord reads no header field after dispatching the record, the only point that can re-enter.
 */
const HDR = emptyRecordHeader();

/**
 * The handshake fragment being processed, shared by every endpoint like HDR; fragBusy while one is
 * in it. Nothing keeps a fragment (the reassembler copies its body), so the object is free again
 * when its record is done; a record processed inside another (re-entrancy) gets its own object.
 */
const FRAG = emptyHandshakeFragment();
let fragBusy = false;
const EMPTY_PAYLOAD = new Uint8Array(0);

/** An alert's level and description (RFC 5246 §7.2) while it is sealed; sealing copies it at once. */
const ALERT_PAYLOAD = new Uint8Array(2);

type Listeners = { [K in keyof EndpointEvents]?: readonly EndpointEvents[K][] };

export class DtlsEndpoint {
  private stateValue: EndpointState = "idle";
  private failureValue: { reason: FailureReason; detail: string } | null = null;
  private suiteValue: CipherSuiteName | null = null;
  readonly stats: EndpointStats;

  private readonly role: "client" | "server";
  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly limits: DtlsLimits;
  private readonly rekeyPolicy: RekeyPolicy;
  /** recordsPerKeyMax minus the reserve for the rekey handshake (limits.ts). */
  private readonly appRecordsMax: number;
  private readonly hsConfig: HandshakeConfig;
  private readonly acceptRenegotiation: boolean;
  private readonly cookieVerified: boolean;
  /** Per event, made on the first on() for it: most events of most endpoints have no listener. Arrays
   * are replaced (exact size), not grown, so an emit in progress keeps its own list. */
  private listeners: Listeners | null = null;

  private readonly epochs: EpochTable;
  /** Application data of an epoch whose Finished is not yet verified (reordering). */
  private earlyAppData: { epoch: number; data: Uint8Array }[] | null = null;
  /** Epoch the connection currently uses for application data (and the rekey runs inside). */
  private epoch = 0;
  private hs: HandshakeMachine | null = null;
  /** Server: the finished handshake's final flight, kept to resend it (FINISHED state) on the
   * client's retransmissions; see final-flight.ts for how long. */
  private lastFlight: FinalFlight | null = null;
  private lastFlightTimer: TimerHandle | null = null;
  private previous: LastHandshake | null = null;
  /** Application records waiting for a fresh key (records-per-key limit reached during a rekey);
   * null when none (never an empty array: most endpoints never queue). */
  private pendingApp: Uint8Array[] | null = null;
  private rekeyTimer: TimerHandle | null = null;
  private peerRefusedRekey = false;
  private retireTimers: TimerHandle[] | null = null;
  /** The transport copies on send: single records may be sealed into SEAL_SCRATCH. */
  private readonly sealIntoScratch: boolean;

  constructor(options: EndpointOptions, internal: EndpointInternalOptions = {}) {
    this.cookieVerified = internal.cookieVerified ?? false;
    const cfg = resolveEndpointConfig(options, this.cookieVerified);
    this.role = options.role;
    this.transport = options.transport;
    this.clock = options.clock;
    this.hsConfig = cfg.handshake;
    this.limits = cfg.handshake.limits;
    this.appRecordsMax = appRecordsPerKeyMax(this.limits);
    this.rekeyPolicy = cfg.rekeyPolicy;
    this.acceptRenegotiation = cfg.acceptRenegotiation;
    this.stats = { recordsSent: 0, recordsReceived: 0, bytesSent: 0, bytesReceived: 0, handshakes: 0, retransmissions: 0, rekeys: 0, rejected: newRejectCounts() };
    this.epochs = new EpochTable(internal.initialWriteSeq ?? 0);
    this.sealIntoScratch = options.transport.sendCopies === true;
    options.transport.onReceive((d) => this.handleDatagram(d));
  }

  get state(): EndpointState {
    return this.stateValue;
  }
  get suite(): CipherSuiteName | null {
    return this.suiteValue;
  }
  get failure(): { reason: FailureReason; detail: string } | null {
    return this.failureValue;
  }
  /** Epoch used for application data now. */
  get currentEpoch(): number {
    return this.epoch;
  }
  /** True while a (re)handshake is running. */
  get handshaking(): boolean {
    return this.hs !== null;
  }
  /**
   * Sizes of everything this endpoint buffers on behalf of the peer, each bounded by a named limit
   * (reassemblyBytesMax, EARLY_RECORDS_MAX twice, pendingRecordsMax). For tests and monitoring.
   */
  gauges(): { reassemblyBytes: number; earlyRecords: number; earlyAppData: number; pendingRecords: number } {
    return {
      reassemblyBytes: this.hs?.reassemblyBytes ?? 0,
      earlyRecords: this.epochs.earlyRecordCount,
      earlyAppData: this.earlyAppData?.length ?? 0,
      pendingRecords: this.pendingApp?.length ?? 0,
    };
  }

  /** White-box view kept for test/dtls/fuzz/mutate.ts (which reads it by name); prefer gauges(). */
  private get earlyRecords(): readonly Uint8Array[] {
    return this.epochs.earlyRecords;
  }

  /** Application records queued for the next key. */
  get pendingRecords(): number {
    return this.pendingApp?.length ?? 0;
  }

  on<K extends keyof EndpointEvents>(event: K, fn: EndpointEvents[K]): this {
    const l = (this.listeners ??= {});
    const fns = l[event] as readonly EndpointEvents[K][] | undefined;
    (l[event] as readonly EndpointEvents[K][]) = fns === undefined ? [fn] : fns.concat([fn]);
    return this;
  }

  private emit<K extends keyof EndpointEvents>(event: K, ...args: Parameters<EndpointEvents[K]>): void {
    const fns = this.listeners?.[event] as readonly ((...a: Parameters<EndpointEvents[K]>) => void)[] | undefined;
    if (fns === undefined) return;
    for (const fn of fns) fn(...args);
  }

  /** Client: sends the ClientHello. Server: starts waiting for one. */
  start(): void {
    if (this.stateValue !== "idle") return;
    this.stateValue = "handshaking";
    this.hs = this.newMachine(null, false);
    this.hs.start();
  }

  private newMachine(last: LastHandshake | null, helloRequest: boolean): HandshakeMachine {
    const host = this.makeHost();
    const previous = last === null ? null : last.toPrevious();
    return this.role === "client"
      ? new ClientHandshake(host, this.epoch, previous)
      : new ServerHandshake(host, this.epoch, previous, { cookieVerified: this.cookieVerified, sendHelloRequest: helloRequest });
  }

  /**
   * Sends one application record. Returns false when that is not possible now: not connected, or
   * the key is used up and the queue for the next key is full (pendingRecordsMax).
   */
  send(data: Uint8Array): boolean {
    if (!(data instanceof Uint8Array)) throw new TypeError(`send: "data" expected a Uint8Array, got ${typeof data}`);
    if (data.length > RECORD_PLAINTEXT_BYTES_MAX) {
      throw new RangeError(`send: "data" expected at most ${RECORD_PLAINTEXT_BYTES_MAX} bytes (RFC 5246 §6.2.1), got ${data.length}`);
    }
    if (this.stateValue !== "connected") return false;
    const ws = this.epochs.write.get(this.epoch)!;
    if (this.pendingApp !== null || ws.nextSeq >= this.appRecordsMax) {
      // Hard limit: never seal more under this key; wait for the rekey (make before break).
      if (this.hs === null) this.autoRekey();
      const queue = (this.pendingApp ??= []);
      if (queue.length >= this.limits.pendingRecordsMax) {
        this.stats.rejected["over-limit"]++;
        if (queue.length === 0) this.pendingApp = null;
        return false;
      }
      queue.push(data.slice());
      return true;
    }
    this.transmitRecord(this.epoch, ContentType.ApplicationData, data);
    if (this.rekeyPolicy.afterRecords > 0 && ws.nextSeq >= this.rekeyPolicy.afterRecords && this.hs === null) this.autoRekey();
    return true;
  }

  /** Rekeys started by policy or limits stop once the peer refused (no_renegotiation). */
  private autoRekey(): void {
    if (!this.peerRefusedRekey) this.rekey();
  }

  /** Starts a new handshake in this association (renegotiation, RFC 5746); no-op if one runs. */
  rekey(): void {
    if (this.stateValue !== "connected" || this.hs !== null) return;
    if (this.previous === null || !this.previous.secureRenegotiation) return; // RFC 5746: never insecurely
    if (this.epoch >= EPOCH_MAX) return;
    this.releaseFinalFlight();
    this.hs = this.newMachine(this.previous, this.role === "server");
    this.guard(() => this.hs!.start());
  }

  /** Keeps the finished handshake's final flight (server) for the client's retransmissions, bounded in time. */
  private keepFinalFlight(hs: HandshakeMachine): void {
    const f = hs.finishedFlight();
    if (f === null) return;
    this.lastFlight = new FinalFlight(f.items, hs.oldEpoch, f.peerFlightFirstSeq, f.peerNextMessageSeq);
    this.lastFlightTimer = this.clock.setTimer(finalFlightRetainMs(this.limits), () => {
      this.lastFlightTimer = null;
      this.lastFlight = null;
    });
  }

  private releaseFinalFlight(): void {
    this.lastFlight = null;
    if (this.lastFlightTimer !== null) {
      this.clock.clearTimer(this.lastFlightTimer);
      this.lastFlightTimer = null;
    }
  }

  /** Sends close_notify (RFC 5246 §7.2.1) and closes. */
  close(): void {
    if (this.stateValue === "closed" || this.stateValue === "failed") return;
    if (this.stateValue !== "idle") this.sendAlert(AlertLevel.Warning, AlertDescription.CloseNotify);
    this.terminate("closed");
    this.emit("closed", { reason: "local" });
  }

  /** What the transport calls for every datagram. Never throws. */
  handleDatagram(d: Uint8Array): void {
    if (this.stateValue === "closed" || this.stateValue === "failed") return;
    if (this.stateValue === "idle" && this.role === "server") this.start();
    this.stats.bytesReceived += d.length;
    // guard() inlined: no closure per datagram on the hot path.
    try {
      this.processDatagram(d);
    } catch (e) {
      this.onThrown(e);
    }
  }

  /** The boundary: protocol failures end the session with an alert; bugs are counted and reported. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.onThrown(e);
    }
  }

  private onThrown(e: unknown): void {
    if (e instanceof DtlsFatal) {
      this.fail(e.reason, e.message, e.alert);
    } else if (e instanceof DecodeError) {
      this.stats.rejected["bad-handshake"]++;
      this.fail("decode-error", e.message, AlertDescription.DecodeError);
    } else {
      this.stats.rejected["bad-handshake"]++;
      this.fail("internal-error", e instanceof Error ? e.message : String(e), AlertDescription.InternalError);
    }
  }

  private processDatagram(d: Uint8Array): void {
    let off = 0;
    while (off < d.length) {
      if (this.stateValue === "closed" || this.stateValue === "failed") return;
      if (!readRecordHeader(d, off, HDR)) {
        this.stats.rejected["short-record"]++;
        return;
      }
      const end = off + RECORD_HEADER_BYTES + HDR.length;
      if (end > d.length) {
        this.stats.rejected["bad-length"]++;
        return;
      }
      this.processRecord(d, off, end);
      off = end;
    }
  }

  private processRecord(d: Uint8Array, off: number, end: number): void {
    const h = HDR;
    if (h.type < ContentType.ChangeCipherSpec || h.type > ContentType.ApplicationData) {
      this.stats.rejected["bad-content-type"]++;
      return;
    }
    // Unprotected handshake and alert records may carry DTLS 1.0 before versions are agreed: a
    // ClientHello's record (RFC 6347 §4.1), a HelloVerifyRequest (§4.2.1), or a DTLS 1.0-only
    // peer's fatal alert, which we want to see rather than time out.
    const versionOk =
      h.version === DTLS12_VERSION ||
      (h.version === DTLS10_VERSION && h.epoch === 0 && (h.type === ContentType.Handshake || h.type === ContentType.Alert));
    if (!versionOk) {
      this.stats.rejected["bad-version"]++;
      return;
    }
    if (h.length > RECORD_CIPHERTEXT_BYTES_MAX) {
      this.stats.rejected["bad-length"]++;
      return;
    }
    const rs = this.epochs.read.get(h.epoch);
    if (rs === undefined) {
      const pendingCipher = this.epochs.pendingReadCipher;
      if (h.epoch === this.epochs.pendingReadEpoch && pendingCipher !== null) {
        // RFC 6347 §4.1: records of the next epoch may be buffered until the ChangeCipherSpec.
        // Its keys are known already, so authenticate first: a forged record is dropped here and
        // can neither take a place in the bounded buffer nor shadow the genuine record with the
        // same sequence number. The replay window is still marked only when the record is
        // processed after the ChangeCipherSpec.
        const scratch = OPEN_SCRATCH.acquire();
        let opened: number;
        try {
          opened = pendingCipher.open(h, d, off, scratch ?? new Uint8Array(h.length), 0);
        } finally {
          if (scratch !== null) OPEN_SCRATCH.release();
        }
        if (opened < 0) return this.onAuthFailed(h.epoch);
        const r = this.epochs.bufferEarly(h.seq, d.subarray(off, end));
        if (r === "duplicate") this.stats.rejected.replayed++;
        else if (r === "full") this.stats.rejected["over-limit"]++;
        return;
      }
      this.stats.rejected["unknown-epoch"]++;
      return;
    }
    // Epoch 0 is unauthenticated: anyone can send a record with sequence 2^48-1 and, if a sliding
    // window marked it, every genuine handshake record after it would look too old. So epoch 0
    // only drops exact duplicates (the link's copies), never "too old" records.
    const verdict = rs.cipher === null ? (this.epochs.isPlaintextDuplicate(h.seq, d, off, end) ? "duplicate" : "fresh") : rs.replay.classify(h.seq);
    if (verdict !== "fresh") {
      this.stats.rejected[verdict === "duplicate" ? "replayed" : "too-old"]++;
      return;
    }
    if (rs.cipher === null) {
      if (end - off - RECORD_HEADER_BYTES > RECORD_PLAINTEXT_BYTES_MAX) {
        this.stats.rejected["bad-length"]++;
        return;
      }
      if (h.type === ContentType.Handshake || h.type === ContentType.ChangeCipherSpec) this.epochs.plaintextDuplicates.addRange(h.seq, d, off, end);
      this.stats.recordsReceived++;
      // Handshake records (most epoch-0 records) are read in place; dispatch() does the same.
      if (h.type === ContentType.Handshake) this.onHandshakeRecord(h.epoch, d, off + RECORD_HEADER_BYTES, end);
      else this.dispatch(h.type, h.epoch, rs, d.subarray(off + RECORD_HEADER_BYTES, end));
      return;
    }
    // Every record is opened into the shared scratch: nothing keeps the payload after dispatch
    // returns (application data listeners get a view valid while they run; early application data
    // is copied; the handshake reassembler copies fragment bodies; alerts and ChangeCipherSpec are
    // read at once). A nested open (re-entrancy) finds the scratch busy and gets its own buffer.
    const scratch = OPEN_SCRATCH.acquire();
    try {
      const out = scratch ?? new Uint8Array(h.length);
      const n = rs.cipher.open(h, d, off, out, 0);
      if (n < 0) return this.onAuthFailed(h.epoch);
      rs.replay.mark(h.seq); // only after authentication (RFC 6347 §4.1.2.6)
      this.stats.recordsReceived++;
      if (h.type === ContentType.Handshake) this.onHandshakeRecord(h.epoch, out, 0, n);
      else this.dispatch(h.type, h.epoch, rs, scratch !== null ? OPEN_SCRATCH.view(n) : out.subarray(0, n));
    } finally {
      if (scratch !== null) OPEN_SCRATCH.release();
    }
  }

  /**
   * A record of `epoch` failed authentication. RFC 6347 §4.1.2.7: such records SHOULD be silently
   * discarded; an implementation MAY instead generate a fatal bad_record_mac. We use that option
   * only in the INITIAL handshake, where the first records of the new epoch failing means the peer
   * derived other keys (another PSK): failing at once beats waiting out the retransmissions. Once
   * a session is established (any epoch, including the next epoch of a rekey) the record is
   * counted and dropped: one off-path datagram must not end the session, and the genuine record
   * arrives or is retransmitted.
   */
  private onAuthFailed(epoch: number): void {
    this.stats.rejected["auth-failed"]++;
    const hs = this.hs;
    if (this.previous === null && hs !== null && !hs.isRenegotiation && hs.verifyingNewEpoch && epoch === hs.newEpoch) {
      throw new DtlsFatal("bad-record-mac", AlertDescription.BadRecordMac, `record of epoch ${epoch} failed authentication during the handshake (wrong key?)`);
    }
  }

  private dispatch(type: number, epoch: number, rs: ReadState, payload: Uint8Array): void {
    switch (type) {
      case ContentType.Handshake:
        return this.onHandshakeRecord(epoch, payload, 0, payload.length);
      case ContentType.ChangeCipherSpec:
        if (payload.length !== 1 || payload[0] !== 1) {
          // RFC 6347 §4.1.2.7: invalid records are discarded, not fatal (it may be unprotected noise).
          this.stats.rejected["bad-length"]++;
          return;
        }
        if (this.hs === null || !this.hs.onChangeCipherSpec(epoch)) this.stats.rejected["unexpected"]++;
        return;
      case ContentType.Alert:
        return this.onAlert(epoch, payload);
      case ContentType.ApplicationData:
        if (epoch === 0) {
          // Application data is never accepted unprotected (RFC 5246 §7.4.9: only after Finished).
          this.stats.rejected["unexpected"]++;
          return;
        }
        if (!rs.verified || this.stateValue !== "connected") {
          const early = (this.earlyAppData ??= []);
          if (early.length >= EARLY_RECORDS_MAX) {
            this.stats.rejected["over-limit"]++;
            return;
          }
          early.push({ epoch, data: payload.slice() });
          return;
        }
        // Authenticated data under the current epoch: the peer has finished the handshake, so our final
        // flight will not be asked for again (RFC 6347 §4.2.4): release what could resend it.
        if (this.lastFlight !== null && epoch === this.epoch) this.releaseFinalFlight();
        this.emitData(payload);
        return;
    }
  }

  /** emit("data") without the rest-argument array: this runs once per application record. */
  private emitData(payload: Uint8Array): void {
    const fns = this.listeners?.data;
    if (fns === undefined) return;
    for (let i = 0; i < fns.length; i++) fns[i]!(payload);
  }

  /** A handshake record's payload, bytes[start..end) (no view of it needed). */
  private onHandshakeRecord(epoch: number, bytes: Uint8Array, start: number, end: number): void {
    // The whole record is checked before any fragment is processed.
    try {
      checkHandshakeFragments(bytes, start, end);
    } catch (e) {
      if (e instanceof DecodeError) {
        this.stats.rejected["bad-handshake"]++;
        // Unprotected garbage is dropped (could be anyone); protected garbage is a peer bug.
        if (epoch === 0) return;
        throw new DtlsFatal("decode-error", AlertDescription.DecodeError, e.message);
      }
      throw e;
    }
    // FRAG when free, else (re-entered: a transport or listener made an endpoint process a record
    // inside this loop) a fragment object of our own.
    const shared = !fragBusy;
    const f = shared ? FRAG : emptyHandshakeFragment();
    fragBusy = true;
    try {
      for (let off = start; off < end; ) {
        off = readHandshakeFragmentInto(bytes, off, f);
        if (!this.onHandshakeFragment(f, epoch)) return;
      }
    } finally {
      if (shared) {
        fragBusy = false;
        FRAG.body = EMPTY_PAYLOAD;
      }
    }
  }

  /** One fragment of a handshake record; false when the endpoint closed or failed (stop reading). */
  private onHandshakeFragment(f: HandshakeFragment, epoch: number): boolean {
    if (this.stateValue === "closed" || this.stateValue === "failed") return false;
    if (f.msgType === HandshakeType.HelloRequest) {
      // RFC 5246 §7.4.1.1: ignore while negotiating; otherwise it asks us (client) to rekey.
      if (this.role === "client" && this.stateValue === "connected" && this.hs === null && epoch === this.epoch && f.length === 0) {
        this.onPeerRenegotiationRequest(() => this.rekey());
      }
      return true;
    }
    if (this.hs !== null) {
      this.hs.onFragment(f, epoch);
      return true;
    }
    if (
      this.role === "server" &&
      this.stateValue === "connected" &&
      f.msgType === HandshakeType.ClientHello &&
      epoch === this.epoch &&
      epoch > 0
    ) {
      // A ClientHello inside the connection: the peer's rekey (renegotiation).
      this.onPeerRenegotiationRequest(() => {
        this.releaseFinalFlight();
        this.hs = this.newMachine(this.previous, false);
        this.hs.start();
        this.hs.onFragment(f, epoch);
      });
      return true;
    }
    const verdict = this.lastFlight === null ? "unexpected" : this.lastFlight.classify(f, epoch);
    if (verdict === "resend") {
      // "Read retransmit" in the FINISHED state (RFC 6347 §4.2.4): the peer lost our final flight.
      this.stats.retransmissions++;
      this.transmitFlight(this.lastFlight!.items, new DtlsEndpoint.Ports(this));
    } else if (verdict === "unexpected") {
      this.stats.rejected["unexpected"]++;
    }
    return true;
  }

  /** RFC 5746 §4.4/§4.5: renegotiation only when secure; otherwise a no_renegotiation warning. */
  private onPeerRenegotiationRequest(accept: () => void): void {
    if (!this.acceptRenegotiation || this.previous === null || !this.previous.secureRenegotiation || this.epoch >= EPOCH_MAX) {
      this.sendAlert(AlertLevel.Warning, AlertDescription.NoRenegotiation);
      return;
    }
    accept();
  }

  private onAlert(epoch: number, payload: Uint8Array): void {
    if (payload.length !== 2) {
      this.stats.rejected["bad-length"]++;
      return;
    }
    // After the first handshake, unprotected alerts could come from anyone: ignore them.
    if (epoch === 0 && this.epoch > 0) {
      this.stats.rejected["unexpected"]++;
      return;
    }
    const level = payload[0]!;
    const description = payload[1]!;
    const fatalAlert = level === AlertLevel.Fatal;
    this.emit("alert", { level: fatalAlert ? "fatal" : "warning", description, sent: false });
    if (description === AlertDescription.CloseNotify) {
      // RFC 5246 §7.2.1: answer with our own close_notify and close.
      this.sendAlert(AlertLevel.Warning, AlertDescription.CloseNotify);
      this.terminate("closed");
      this.emit("closed", { reason: "close-notify" });
      return;
    }
    if (fatalAlert) {
      this.terminate("failed", { reason: "alert-received", detail: `peer sent fatal alert ${description}` });
      return;
    }
    if (description === AlertDescription.NoRenegotiation && this.hs !== null && this.hs.isRenegotiation) {
      // The peer refuses our rekey: keep using the current keys (records-per-key still applies)
      // and stop rekeying automatically; an explicit rekey() may try again.
      this.peerRefusedRekey = true;
      this.hs.stop();
      this.hs = null;
      this.flushPending();
    }
  }

  private sendAlert(level: AlertLevel, description: number): void {
    // Protect the alert with the newest epoch we have already used to write: the peer reads it.
    const epoch = this.epochs.newestUsedWriteEpoch(this.epoch);
    try {
      // The payload is sealed (copied) before transmitRecord returns: a shared 2-byte buffer serves.
      ALERT_PAYLOAD[0] = level;
      ALERT_PAYLOAD[1] = description;
      this.transmitRecord(epoch, ContentType.Alert, ALERT_PAYLOAD);
    } catch {
      // The key is exhausted or the transport is gone: the alert is best effort.
    }
    this.emit("alert", { level: level === AlertLevel.Fatal ? "fatal" : "warning", description, sent: true });
  }

  private fail(reason: FailureReason, detail: string, alert?: number): void {
    if (this.stateValue === "closed" || this.stateValue === "failed") return;
    if (alert !== undefined) this.sendAlert(AlertLevel.Fatal, alert);
    this.terminate("failed", { reason, detail });
  }

  private terminate(state: "closed" | "failed", failure?: { reason: FailureReason; detail: string }): void {
    this.stateValue = state;
    this.hs?.stop();
    this.hs = null;
    this.releaseFinalFlight();
    if (this.rekeyTimer !== null) this.clock.clearTimer(this.rekeyTimer);
    this.rekeyTimer = null;
    if (this.retireTimers !== null) for (const t of this.retireTimers) this.clock.clearTimer(t);
    this.retireTimers = null;
    this.pendingApp = null;
    this.epochs.clear();
    this.earlyAppData = null;
    this.transport.close();
    if (failure !== undefined) {
      this.failureValue = failure;
      this.emit("failed", failure);
    }
  }

  // ---- record layer (send) ----

  /** The hard stop: never more records under one key, whatever they carry. Counts the record. */
  private countSealed(epoch: number, type: ContentType): void {
    const ws = this.epochs.write.get(epoch);
    if (ws !== undefined && ws.cipher !== null && ws.nextSeq >= (type === ContentType.ApplicationData ? this.appRecordsMax : this.limits.recordsPerKeyMax)) {
      throw new DtlsFatal("internal-error", AlertDescription.InternalError, `records-per-key limit ${this.limits.recordsPerKeyMax} reached for epoch ${epoch}`);
    }
    this.stats.recordsSent++;
  }

  /** A record in a buffer of its own (flights keep their records until packed). */
  private sealRecord(epoch: number, type: ContentType, payload: Uint8Array): Uint8Array {
    this.countSealed(epoch, type);
    return this.epochs.seal(epoch, type, payload);
  }

  /**
   * Seals and sends one record in a datagram of its own. Into SEAL_SCRATCH when the transport
   * copies on send and the scratch is free (a transport that re-enters us finds it busy); the
   * Transport contract is that `datagram` is not retained after send() returns.
   */
  private transmitRecord(epoch: number, type: ContentType, payload: Uint8Array): void {
    const scratch = this.sealIntoScratch ? SEAL_SCRATCH.acquire() : null;
    if (scratch === null) {
      const rec = this.sealRecord(epoch, type, payload);
      this.stats.bytesSent += rec.length;
      this.transport.send(rec);
      return;
    }
    try {
      this.countSealed(epoch, type);
      const n = this.epochs.sealInto(epoch, type, payload, scratch, 0);
      this.stats.bytesSent += n;
      this.transport.send(SEAL_SCRATCH.view(n));
    } finally {
      SEAL_SCRATCH.release();
    }
  }

  private makeHost(): HandshakeHost {
    return new DtlsEndpoint.Ports(this);
  }

  /**
   * The endpoint as its handshake machine (HandshakeHost) and its flights (FlightOutput) see it:
   * one object per handshake, where callbacks as closures cost a dozen functions. A class
   * expression in the class body, so it may use the endpoint's private members.
   */
  private static readonly Ports = class EndpointPorts implements HandshakeHost, FlightOutput {
    readonly config: HandshakeConfig;
    readonly sendCopies: boolean;

    constructor(private readonly ep: DtlsEndpoint) {
      this.config = ep.hsConfig;
      this.sendCopies = ep.sealIntoScratch;
    }

    // Guarded: it also runs from the retransmission timer, where nothing may throw.
    transmitFlight(all: readonly FlightItem[]): void {
      try {
        this.ep.transmitFlight(all, this);
      } catch (e) {
        this.ep.onThrown(e);
      }
    }

    installWriteEpoch(epoch: number, cipher: CipherState): void {
      this.ep.epochs.installWrite(epoch, cipher);
    }

    setPendingRead(epoch: number, cipher: CipherState): void {
      this.ep.epochs.setPendingRead(epoch, cipher);
    }

    activatePendingRead(): void {
      const ep = this.ep;
      // Re-run the records of the new epoch that came before the ChangeCipherSpec. The caller
      // of processRecord no longer needs HDR, so re-entering here is safe.
      const early = ep.epochs.activatePendingRead();
      for (let i = 0; i < early.length; i++) {
        if (ep.stateValue === "closed" || ep.stateValue === "failed") return;
        ep.processDatagram(early[i]!);
      }
    }

    complete(r: HandshakeResult): void {
      this.ep.onHandshakeComplete(r);
    }

    exhausted(): void {
      this.ep.fail("retransmit-exhausted", `no answer after ${this.ep.limits.retransmitCountMax} retransmissions`);
    }

    countRetransmission(): void {
      this.ep.stats.retransmissions++;
    }

    reject(reason: RejectReason): void {
      this.ep.stats.rejected[reason]++;
    }

    overheadBytes(epoch: number): number {
      return this.ep.epochs.overheadBytes(epoch);
    }

    /** Straight into the flight's buffer: no buffer per record. */
    sealInto(epoch: number, type: ContentType, payload: Uint8Array, out: Uint8Array, offset: number): number {
      this.ep.countSealed(epoch, type);
      return this.ep.epochs.sealInto(epoch, type, payload, out, offset);
    }

    /** Plaintext flight records are built in place (FlightOutput.sealPlaintextInPlace). */
    sealPlaintextInPlace(epoch: number, type: ContentType, payloadBytes: number, out: Uint8Array, offset: number): number {
      const epochs = this.ep.epochs;
      if (!epochs.isPlaintextWrite(epoch)) return -1;
      this.ep.countSealed(epoch, type);
      return epochs.sealPlaintextInPlace(epoch, type, payloadBytes, out, offset);
    }

    send(d: Uint8Array): void {
      this.ep.stats.bytesSent += d.length;
      this.ep.transport.send(d);
    }
  };

  /** Packs and sends a flight, every record sealed with a fresh sequence number of the epoch it names. */
  private transmitFlight(all: readonly FlightItem[], out: FlightOutput): void {
    // A resend long after a rekey may name an epoch whose keys were retired: skip those parts.
    let items = all;
    for (let i = 0; i < all.length; i++) {
      if (!this.epochs.write.has(all[i]!.epoch)) {
        items = all.filter((it) => this.epochs.write.has(it.epoch));
        break;
      }
    }
    transmitFlight(items, this.hsConfig.mtuBytes, out);
  }

  private onHandshakeComplete(r: HandshakeResult): void {
    const renegotiation = this.previous !== null;
    this.epochs.read.get(r.epoch)!.verified = true;
    const oldEpoch = this.epoch;
    this.epoch = r.epoch;
    this.previous = LastHandshake.of(r);
    this.suiteValue = r.suite.name;
    this.stats.handshakes++;
    if (renegotiation) this.stats.rekeys++;
    // The server keeps its final flight (not the machine): it may have to resend it (RFC 6347 §4.2.4)
    // until the peer's data under the new epoch shows the flight arrived. The client's flight was
    // answered by the server's Finished it has just verified, so it has nothing left to resend.
    const hs = this.hs;
    this.hs = null;
    if (hs !== null) {
      if (this.role === "server") this.keepFinalFlight(hs);
      hs.stop();
    }
    this.stateValue = "connected";
    if (renegotiation) this.scheduleRetire(oldEpoch);
    this.armRekeyTimer();
    if (renegotiation) this.emit("rekeyed", { suite: r.suite.name, epoch: r.epoch });
    else this.emit("connected", { suite: r.suite.name, epoch: r.epoch, identity: r.identity });
    // Application data that overtook the Finished, then records queued for the new key.
    const early = this.earlyAppData;
    this.earlyAppData = null;
    if (early !== null) {
      for (const e of early) {
        if (this.stateValue !== "connected") return;
        if (this.epochs.read.get(e.epoch)?.verified === true) this.emit("data", e.data);
        else this.stats.rejected["unexpected"]++;
      }
    }
    this.flushPending();
  }

  private flushPending(): void {
    const ws = this.epochs.write.get(this.epoch)!;
    for (let q = this.pendingApp; q !== null && q.length > 0 && this.stateValue === "connected" && ws.nextSeq < this.appRecordsMax; q = this.pendingApp) {
      this.transmitRecord(this.epoch, ContentType.ApplicationData, q.shift()!);
    }
    if (this.pendingApp !== null && this.pendingApp.length === 0) this.pendingApp = null;
    // The fresh key ran out too while draining the queue: the next rekey starts at once.
    if (this.pendingApp !== null && this.stateValue === "connected" && this.hs === null) this.autoRekey();
  }

  /** Old epochs stay readable for a while after a rekey, then their keys are dropped. */
  private scheduleRetire(oldEpoch: number): void {
    const t = this.clock.setTimer(PREVIOUS_EPOCH_RETAIN_MS, () => {
      const left = this.retireTimers?.filter((x) => x !== t) ?? [];
      this.retireTimers = left.length > 0 ? left : null;
      this.epochs.retire(oldEpoch);
    });
    (this.retireTimers ??= []).push(t);
  }

  private armRekeyTimer(): void {
    if (this.rekeyTimer !== null) this.clock.clearTimer(this.rekeyTimer);
    this.rekeyTimer = null;
    if (this.rekeyPolicy.afterMs > 0) {
      this.rekeyTimer = this.clock.setTimer(this.rekeyPolicy.afterMs, () => {
        this.rekeyTimer = null;
        this.autoRekey();
      });
    }
  }
}
