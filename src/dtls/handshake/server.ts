/**
 * Server flights (RFC 6347 §4.2.4 Figure 1; PSK per RFC 4279 §2, ECDHE_PSK per RFC 5489 §2):
 *   <- ClientHello            (a cookie-less one gets a stateless HelloVerifyRequest, RFC 6347 §4.2.1)
 *   flight 4  ServerHello, [ServerKeyExchange], ServerHelloDone ->
 *   <- ClientKeyExchange, ChangeCipherSpec, Finished
 *   flight 6  ChangeCipherSpec, Finished -> (FINISHED: resent only when flight 5 is seen again)
 * Suite choice: the server's most preferred suite that the client offers (and, for ECDHE_PSK, with
 * a group both sides support, chosen by the server's group order).
 */
import type { NamedGroup, PskServerConfig } from "../api.js";
import { AlertDescription, DTLS10_VERSION, DTLS12_VERSION, ExtensionType, HandshakeType } from "../constants.js";
import { extendedMasterSecret, masterSecret, prepareMaster, pskPremasterShared, timingSafeEqualBytes, verifyData } from "../crypto/keys.js";
import type { PrfSecret } from "../crypto/prf.js";
import { DecodeError, decodeFatal, fatal } from "../errors.js";
import type { SuiteInfo } from "../suites/registry.js";
import { concat, EMPTY_BYTES, hex, utf8Bytes, utf8Text, wrapDecode } from "./util.js";
import { generateKeyPair, type EcdhKeyPair } from "./ecdhe.js";
import { deriveEpochCiphers } from "./epoch-keys.js";
import {
  NAMED_GROUP_IDS,
  POINT_FORMAT_UNCOMPRESSED,
  RENEGOTIATION_INFO_SCSV,
  decodePointFormats,
  decodeRenegotiationInfo,
  decodeSupportedGroups,
  encodeExtendedMasterSecret,
  encodePointFormats,
  encodeRenegotiationInfo,
  findExtension,
  type Extension,
} from "./extensions.js";
import type { FlightItem } from "./flight.js";
import type { HandshakeFragment } from "./header.js";
import { HandshakeMachine, NO_FLIGHT, type PreviousHandshake } from "./machine.js";
import {
  type ClientHello,
  RANDOM_BYTES,
  decodeClientHello,
  decodeClientKeyExchange,
  decodeFinished,
  encodeFinished,
  encodeHelloVerifyRequest,
  encodeServerHello,
  encodeServerKeyExchange,
} from "./messages.js";
import type { HandshakeHost } from "./host.js";
import type { ReassembledMessage } from "./reassembly.js";

type ServerStage = "wait-client-hello" | "wait-client-key-exchange" | "wait-finished" | "done";

export interface ServerHandshakeOptions {
  /** The cookie was already checked (DtlsServer did the stateless exchange). */
  cookieVerified: boolean;
  /** Server-initiated renegotiation: send HelloRequest first (RFC 5246 §7.4.1.1). */
  sendHelloRequest: boolean;
}

/** What the server chose from a ClientHello. */
export interface ServerChoice {
  suite: SuiteInfo;
  group: NamedGroup | null;
}

/**
 * The server's pick (pure, exported for tests): first suite in server order that the client
 * offers; ECDHE_PSK only if a group is shared (RFC 8422 §5.1: without supported_groups, the client
 * is taken to support none we would pick, so ECDHE is skipped).
 */
export function chooseSuite(serverSuites: readonly SuiteInfo[], serverGroups: readonly NamedGroup[], ch: ClientHello): ServerChoice | null {
  const ext = findExtension(ch.extensions, ExtensionType.supported_groups);
  const clientGroups = ext === undefined ? [] : wrapDecode(() => decodeSupportedGroups(ext.data));
  const group = serverGroups.find((g) => clientGroups.includes(NAMED_GROUP_IDS[g])) ?? null;
  for (const s of serverSuites) {
    if (!ch.cipherSuites.includes(s.id)) continue;
    if (s.keyExchange === "ecdhe-psk" && group === null) continue;
    return { suite: s, group: s.keyExchange === "ecdhe-psk" ? group : null };
  }
  return null;
}

export class ServerHandshake extends HandshakeMachine {
  private stage: ServerStage = "wait-client-hello";
  private clientRandom: Uint8Array | null = null;
  private serverRandom = new Uint8Array(RANDOM_BYTES);
  private ems = false;
  private secureRenegotiation = false;
  private keyPair: EcdhKeyPair | null = null;
  /** The master secret prepared for the key block and both verify_data; cleared after our Finished. */
  private masterKey: PrfSecret | null = null;
  private identity = "";
  private expectedClientVerify: Uint8Array | null = null;
  private peerFlightStart = -1;

  constructor(
    host: HandshakeHost,
    oldEpoch: number,
    previous: PreviousHandshake | null,
    private readonly opts: ServerHandshakeOptions,
  ) {
    super(host, oldEpoch, previous);
  }

  start(): void {
    if (this.opts.sendHelloRequest) {
      // HelloRequest is not part of the transcript and carries message_seq 0 (RFC 6347 §4.2.2).
      this.nextSendSeq = 0;
      const item = this.ownMessage(HandshakeType.HelloRequest, EMPTY_BYTES, this.oldEpoch, false);
      this.sendFlight([item], false, -1);
    }
  }

  /**
   * Until a ClientHello is accepted the server holds no state for the peer (RFC 6347 §4.2.1), so
   * anything else (stray or forged unprotected messages) is dropped rather than fatal.
   */
  protected override acceptFragment(f: HandshakeFragment): boolean {
    return this.stage !== "wait-client-hello" || f.msgType === HandshakeType.ClientHello;
  }

  /**
   * Before the cookie is verified we hold no state: any ClientHello (a retransmitted first one
   * after a lost HelloVerifyRequest, or the second one) restarts message_seq tracking at its own.
   */
  protected override beforeAdd(f: HandshakeFragment): void {
    if (
      this.stage === "wait-client-key-exchange" &&
      this.previous === null &&
      f.msgType === HandshakeType.ClientHello &&
      f.messageSeq >= this.reassembler.nextMessageSeq
    ) {
      // A newer ClientHello after we answered one: the client went through another cookie round
      // (e.g. it also got a HelloVerifyRequest for a forged or stale ClientHello). Start over
      // from it; nothing of the abandoned attempt is kept.
      this.timer.stop();
      this.flight = NO_FLIGHT;
      this.stage = "wait-client-hello";
      this.nextSendSeq = 0;
    }
    if (this.stage === "wait-client-hello" && f.msgType === HandshakeType.ClientHello && f.messageSeq !== this.reassembler.nextMessageSeq) {
      this.reassembler.reset(f.messageSeq);
    }
  }

  protected onMessage(m: ReassembledMessage): void {
    switch (this.stage) {
      case "wait-client-hello":
        if (m.msgType === HandshakeType.ClientHello) return this.onClientHello(m);
        break;
      case "wait-client-key-exchange":
        if (m.msgType === HandshakeType.ClientKeyExchange) return this.onClientKeyExchange(m);
        break;
      case "wait-finished":
        if (m.msgType === HandshakeType.Finished && this.awaitingFinished) return this.onFinished(m);
        break;
      case "done":
        return;
    }
    throw fatal("unexpected-message", AlertDescription.UnexpectedMessage, `server in ${this.stage} got handshake message type ${m.msgType}`);
  }

  private onClientHello(m: ReassembledMessage): void {
    const cfg = this.host.config;
    let ch: ClientHello;
    try {
      ch = decodeClientHello(m.body);
    } catch (e) {
      // Before a ClientHello is accepted the server holds no state (RFC 6347 §4.2.1): a malformed
      // one is dropped and counted, not fatal. In a renegotiation it is the peer's bug: fatal.
      if (!(e instanceof DecodeError) || this.previous !== null) throw e instanceof DecodeError ? decodeFatal(e.message) : e;
      this.host.reject("bad-handshake");
      return;
    }
    // DTLS versions count down: 1.0 = 0xfeff > 1.2 = 0xfefd. A client whose highest version is
    // above 0xfefd numerically (i.e. older) cannot speak 1.2 (RFC 5246 §E.1, RFC 6347 §4.1).
    if (ch.clientVersion > DTLS12_VERSION) {
      throw fatal("protocol-version", AlertDescription.ProtocolVersion, `ClientHello client_version 0x${ch.clientVersion.toString(16)}; only DTLS 1.2 (0xfefd) is supported`);
    }
    if (this.previous === null && !this.opts.cookieVerified && cfg.cookieJar !== null) {
      if (!cfg.cookieJar.verify(cfg.peerAddress, ch)) {
        if (ch.cookie.length > 0) this.host.reject("bad-cookie");
        this.sendHelloVerify(ch, m.messageSeq);
        return;
      }
    }
    if (!ch.compressionMethods.includes(0)) {
      throw fatal("decode-error", AlertDescription.IllegalParameter, "ClientHello compression_methods lacks null (0)");
    }
    this.checkRenegotiationInfo(ch);
    const choice = chooseSuite(cfg.suites, cfg.groups, ch);
    if (choice === null) {
      throw fatal("no-shared-suite", AlertDescription.HandshakeFailure, `no shared cipher suite (client offered ${ch.cipherSuites.map((s) => "0x" + s.toString(16)).join(",")})`);
    }
    const pf = findExtension(ch.extensions, ExtensionType.ec_point_formats);
    if (choice.group !== null && pf !== undefined && !wrapDecode(() => decodePointFormats(pf.data)).includes(POINT_FORMAT_UNCOMPRESSED)) {
      throw fatal("unexpected-message", AlertDescription.IllegalParameter, "client ec_point_formats lacks uncompressed");
    }
    this.suite = choice.suite;
    this.clientRandom = new Uint8Array(ch.random);
    this.ems = cfg.extendedMasterSecret && findExtension(ch.extensions, ExtensionType.extended_master_secret) !== undefined;
    cfg.rng(this.serverRandom);
    this.transcript.clear();
    // The suite fixes the transcript hash: messages are hashed as they come from now on, not kept.
    this.transcript.useHash(choice.suite.prfHash);
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    // Our message_seq follows the client's: after a stateless HelloVerifyRequest (which used the
    // first ClientHello's message_seq) the ServerHello gets the second ClientHello's (RFC 6347 §4.2.2).
    // After our own HelloRequest (message_seq 0) it continues at 1, as OpenSSL does.
    this.nextSendSeq = Math.max(this.nextSendSeq, m.messageSeq);

    const extensions: Extension[] = [];
    if (this.secureRenegotiation) {
      const v = this.previous === null ? EMPTY_BYTES : concat(this.previous.clientVerifyData, this.previous.serverVerifyData);
      extensions.push(encodeRenegotiationInfo(v));
    }
    if (this.ems) extensions.push(encodeExtendedMasterSecret());
    if (choice.group !== null && pf !== undefined) extensions.push(encodePointFormats());
    const items: FlightItem[] = [
      this.ownMessage(
        HandshakeType.ServerHello,
        encodeServerHello({ serverVersion: DTLS12_VERSION, random: this.serverRandom, sessionId: EMPTY_BYTES, cipherSuite: choice.suite.id, compressionMethod: 0, extensions }),
        this.oldEpoch,
      ),
    ];
    const psk = cfg.psk as PskServerConfig;
    if (choice.group !== null) {
      const hint = utf8Bytes(psk.hint ?? "");
      this.keyPair = generateKeyPair(choice.group, cfg.rng);
      items.push(this.ownMessage(HandshakeType.ServerKeyExchange, encodeServerKeyExchange({ hint, ecdhe: { namedGroup: NAMED_GROUP_IDS[choice.group], point: this.keyPair.publicPoint } }), this.oldEpoch));
    } else if (psk.hint !== undefined) {
      // RFC 4279 §2: without a hint, plain PSK omits ServerKeyExchange.
      items.push(this.ownMessage(HandshakeType.ServerKeyExchange, encodeServerKeyExchange({ hint: utf8Bytes(psk.hint) }), this.oldEpoch));
    }
    items.push(this.ownMessage(HandshakeType.ServerHelloDone, EMPTY_BYTES, this.oldEpoch));
    this.stage = "wait-client-key-exchange";
    this.sendFlight(items, false, m.messageSeq);
  }

  /** Also forgets the prepared master secret unless the final flight is kept for retransmission. */
  override stop(keepFinal = false): void {
    if (!keepFinal) {
      this.masterKey?.clear();
      this.masterKey = null;
    }
    super.stop(keepFinal);
  }

  /** RFC 5746 §3.6 (initial) and §3.7 (renegotiation). */
  private checkRenegotiationInfo(ch: ClientHello): void {
    const ext = findExtension(ch.extensions, ExtensionType.renegotiation_info);
    const scsv = ch.cipherSuites.includes(RENEGOTIATION_INFO_SCSV);
    const value = ext === undefined ? null : wrapDecode(() => decodeRenegotiationInfo(ext.data));
    if (this.previous === null) {
      if (value !== null && value.length !== 0) {
        throw fatal("unexpected-message", AlertDescription.HandshakeFailure, "initial ClientHello renegotiation_info is not empty");
      }
      this.secureRenegotiation = value !== null || scsv;
      return;
    }
    if (scsv || value === null || !timingSafeEqualBytes(value, this.previous.clientVerifyData)) {
      throw fatal("unexpected-message", AlertDescription.HandshakeFailure, "renegotiation ClientHello renegotiation_info does not match client_verify_data");
    }
    this.secureRenegotiation = true;
  }

  /** Stateless: nothing of this ClientHello is kept; the reassembler waits for the next one. */
  private sendHelloVerify(ch: ClientHello, messageSeq: number): void {
    const cfg = this.host.config;
    const cookie = cfg.cookieJar!.make(cfg.peerAddress, ch);
    // RFC 6347 §4.2.1: HelloVerifyRequest uses DTLS 1.0 as server_version; message_seq mirrors the ClientHello.
    const body = encodeHelloVerifyRequest({ serverVersion: DTLS10_VERSION, cookie });
    this.host.transmitFlight([{ kind: "handshake", epoch: 0, msgType: HandshakeType.HelloVerifyRequest, messageSeq, body }]);
    this.reassembler.reset(messageSeq + 1);
  }

  private onClientKeyExchange(m: ReassembledMessage): void {
    const cfg = this.host.config;
    const suite = this.suite!;
    const ecdhe = suite.keyExchange === "ecdhe-psk";
    const cke = wrapDecode(() => decodeClientKeyExchange(m.body, ecdhe));
    this.identity = utf8Text(cke.identity);
    const key = (cfg.psk as PskServerConfig).lookup(this.identity);
    if (key === undefined) {
      // RFC 4279 §2: "unknown_psk_identity" for an identity the server does not know.
      throw fatal("unknown-psk-identity", AlertDescription.UnknownPskIdentity, `unknown PSK identity (${cke.identity.length} bytes)`);
    }
    let otherSecret: Uint8Array | undefined;
    if (ecdhe) {
      const shared = this.keyPair!.derive(cke.point!);
      if (shared === null) throw fatal("unexpected-message", AlertDescription.IllegalParameter, `invalid ${this.keyPair!.group} point in ClientKeyExchange`);
      otherSecret = shared;
    }
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    const premaster = pskPremasterShared(key, otherSecret);
    let master: Uint8Array;
    try {
      master = this.ems
        ? extendedMasterSecret(suite, premaster, this.transcript.currentHash(suite.prfHash))
        : masterSecret(suite, premaster, this.clientRandom!, this.serverRandom);
    } finally {
      premaster.fill(0); // a shared buffer (pskPremasterShared): zeroed whatever happens
    }
    cfg.keyLog?.(`CLIENT_RANDOM ${hex(this.clientRandom!)} ${hex(master)}`);
    // The key block and both verify_data use the master secret: its HMAC state is prepared once.
    this.masterKey?.clear();
    this.masterKey = prepareMaster(suite, master);
    master.fill(0);
    const ciphers = deriveEpochCiphers(suite, this.masterKey, this.clientRandom!, this.serverRandom, "server", this.newEpoch, cfg.backend);
    this.host.installWriteEpoch(this.newEpoch, ciphers.write);
    this.host.setPendingRead(this.newEpoch, ciphers.read);
    // Same transcript as the session hash above (no message in between): Transcript reuses that digest.
    this.expectedClientVerify = verifyData(suite, this.masterKey, "client finished", this.transcript.currentHash(suite.prfHash));
    this.awaitingCcs = true;
    this.stage = "wait-finished";
    this.peerFlightStart = m.messageSeq;
  }

  private onFinished(m: ReassembledMessage): void {
    const suite = this.suite!;
    const got = wrapDecode(() => decodeFinished(m.body));
    if (!timingSafeEqualBytes(got, this.expectedClientVerify!)) {
      throw fatal("bad-finished", AlertDescription.DecryptError, "client Finished verify_data does not match");
    }
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    const serverVerify = verifyData(suite, this.masterKey!, "server finished", this.transcript.currentHash(suite.prfHash));
    this.masterKey!.clear();
    this.masterKey = null;
    const fin = this.ownMessage(HandshakeType.Finished, encodeFinished(serverVerify), this.newEpoch);
    this.stage = "done";
    this.sendFlight([{ kind: "ccs", epoch: this.oldEpoch }, fin], true, this.peerFlightStart);
    this.finish({
      suite,
      identity: this.identity,
      clientVerifyData: new Uint8Array(got),
      serverVerifyData: serverVerify,
      secureRenegotiation: this.secureRenegotiation,
      extendedMasterSecret: this.ems,
      cookie: EMPTY_BYTES,
    });
  }

}
