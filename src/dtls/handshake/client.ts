/**
 * Client flights (RFC 6347 §4.2.4 Figure 1, PSK key exchange per RFC 4279 / RFC 5489):
 *   flight 1  ClientHello                       ->
 *             <- HelloVerifyRequest (flight 2, optional, not hashed)
 *   flight 3  ClientHello (with cookie)         ->
 *             <- ServerHello, [ServerKeyExchange], ServerHelloDone (flight 4)
 *   flight 5  ClientKeyExchange, ChangeCipherSpec, Finished ->
 *             <- ChangeCipherSpec, Finished (flight 6)
 * In a renegotiation (our rekey) the same flights run inside the current epoch, without the cookie
 * exchange, carrying RFC 5746 renegotiation_info.
 */
import type { NamedGroup, PskClientConfig } from "../api.js";
import { AlertDescription, DTLS10_VERSION, DTLS12_VERSION, ExtensionType, HandshakeType } from "../constants.js";
import { extendedMasterSecret, masterSecret, prepareMaster, pskPremasterShared, timingSafeEqualBytes, verifyData } from "../crypto/keys.js";
import { ALERT_UNSUPPORTED_EXTENSION, fatal } from "../errors.js";
import { concat, EMPTY_BYTES, hex, utf8Bytes, wrapDecode } from "./util.js";
import { suiteById, type SuiteInfo } from "../suites/registry.js";
import type { FlightItem } from "./flight.js";
import { deriveEpochCiphers } from "./epoch-keys.js";
import { generateKeyPair } from "./ecdhe.js";
import {
  NAMED_GROUP_IDS,
  POINT_FORMAT_UNCOMPRESSED,
  decodePointFormats,
  decodeRenegotiationInfo,
  encodeExtendedMasterSecret,
  encodePointFormats,
  encodeRenegotiationInfo,
  encodeSupportedGroups,
  findExtension,
  groupById,
  type Extension,
} from "./extensions.js";
import { HandshakeMachine } from "./machine.js";
import {
  type ClientHello,
  RANDOM_BYTES,
  decodeEmpty,
  decodeFinished,
  decodeHelloVerifyRequest,
  decodeServerHello,
  decodeServerKeyExchange,
  encodeClientHello,
  encodeClientKeyExchange,
  encodeFinished,
  type ServerKeyExchange,
} from "./messages.js";
import type { ReassembledMessage } from "./reassembly.js";
import type { HandshakeFragment } from "./header.js";

/** compression_methods of every ClientHello: null only (RFC 5246 §7.4.1.2), shared. */
const NULL_COMPRESSION_ONLY: readonly number[] = Object.freeze([0]);

/** suiteIds' one-entry cache: config.ts shares one frozen suite list among endpoints asking for the same. */
let lastSuites: readonly SuiteInfo[] | null = null;
let lastSuiteIds: readonly number[] = [];

/** The cipher_suites code points of `suites`, in order (a frozen array shared while the list repeats). */
function suiteIds(suites: readonly SuiteInfo[]): readonly number[] {
  if (suites !== lastSuites) {
    lastSuiteIds = Object.freeze(suites.map((s) => s.id));
    lastSuites = suites;
  }
  return lastSuiteIds;
}

/** HelloVerifyRequests accepted in one handshake (a server may rotate its secret once mid-way). */
export const HELLO_VERIFY_REQUESTS_MAX = 4;

type ClientStage = "wait-server-hello" | "wait-server-hello-done" | "wait-finished" | "done";

export class ClientHandshake extends HandshakeMachine {
  private stage: ClientStage = "wait-server-hello";
  private hello!: ClientHello;
  private helloVerifies = 0;
  private serverRandom: Uint8Array | null = null;
  private serverHelloSeq = -1;
  private ske: ServerKeyExchange | null = null;
  private ems = false;
  private secureRenegotiation = false;
  private expectedServerVerify: Uint8Array | null = null;
  private clientVerify: Uint8Array | null = null;

  start(): void {
    const cfg = this.host.config;
    const random = new Uint8Array(RANDOM_BYTES);
    cfg.rng(random);
    const offersEcdhe = cfg.suites.some((s) => s.keyExchange === "ecdhe-psk");
    const extensions: Extension[] = [
      // RFC 5746 §3.4 (initial: empty) / §3.5 (renegotiation: client_verify_data).
      encodeRenegotiationInfo(this.previous?.clientVerifyData ?? EMPTY_BYTES),
    ];
    if (cfg.extendedMasterSecret) extensions.push(encodeExtendedMasterSecret());
    if (offersEcdhe) {
      extensions.push(encodeSupportedGroups(cfg.groups.map((g) => NAMED_GROUP_IDS[g])), encodePointFormats());
    }
    this.hello = {
      clientVersion: DTLS12_VERSION,
      random,
      sessionId: EMPTY_BYTES,
      // RFC 6347 §4.2.1 lets a server run the cookie exchange on every handshake. OpenSSL (3.0) with
      // cookie exchange on ignores a renegotiation ClientHello without a cookie, so, like OpenSSL's
      // own client, we send the cookie of the first handshake again (our server ignores it then).
      cookie: this.previous?.cookie ?? EMPTY_BYTES,
      cipherSuites: suiteIds(cfg.suites),
      compressionMethods: NULL_COMPRESSION_ONLY,
      extensions,
    };
    this.sendHello();
  }

  private sendHello(): void {
    this.transcript.clear();
    const item = this.ownMessage(HandshakeType.ClientHello, encodeClientHello(this.hello), this.oldEpoch);
    // The server's answer (HVR or ServerHello) is expected at the next server message_seq.
    this.sendFlight([item], false, -1);
  }

  /**
   * The server's first answer may come at a later message_seq than we expect: after its own
   * HelloRequest (message_seq 0) OpenSSL continues with ServerHello = 1. Resynchronise on it.
   */
  protected override beforeAdd(f: HandshakeFragment): void {
    if (
      this.stage === "wait-server-hello" &&
      (f.msgType === HandshakeType.ServerHello || f.msgType === HandshakeType.HelloVerifyRequest) &&
      f.messageSeq > this.reassembler.nextMessageSeq &&
      this.reassembler.bufferedBytes === 0
    ) {
      this.reassembler.reset(f.messageSeq);
    }
  }

  /**
   * While waiting for the server's first answer, the next message_seq must be a ServerHello or a
   * HelloVerifyRequest: another message there is a leftover of an abandoned exchange (or forged)
   * and is dropped instead of ending the handshake. Later messages may be buffered ahead.
   */
  protected override acceptFragment(f: HandshakeFragment): boolean {
    if (this.stage !== "wait-server-hello" || f.messageSeq !== this.reassembler.nextMessageSeq) return true;
    return f.msgType === HandshakeType.ServerHello || (f.msgType === HandshakeType.HelloVerifyRequest && !this.isRenegotiation);
  }

  protected onMessage(m: ReassembledMessage): void {
    switch (this.stage) {
      case "wait-server-hello":
        if (m.msgType === HandshakeType.HelloVerifyRequest && !this.isRenegotiation) return this.onHelloVerify(m);
        if (m.msgType === HandshakeType.ServerHello) return this.onServerHello(m);
        break;
      case "wait-server-hello-done":
        if (m.msgType === HandshakeType.ServerKeyExchange && this.ske === null) return this.onServerKeyExchange(m);
        if (m.msgType === HandshakeType.ServerHelloDone) return this.onServerHelloDone(m);
        break;
      case "wait-finished":
        if (m.msgType === HandshakeType.Finished && this.awaitingFinished) return this.onFinished(m);
        break;
      case "done":
        return;
    }
    throw fatal("unexpected-message", AlertDescription.UnexpectedMessage, `client in ${this.stage} got handshake message type ${m.msgType}`);
  }

  private onHelloVerify(m: ReassembledMessage): void {
    const hvr = wrapDecode(() => decodeHelloVerifyRequest(m.body));
    // RFC 6347 §4.2.1: servers SHOULD send DTLS 1.0 in HelloVerifyRequest; accept 1.0 and 1.2.
    if (hvr.serverVersion !== DTLS10_VERSION && hvr.serverVersion !== DTLS12_VERSION) {
      throw fatal("protocol-version", AlertDescription.ProtocolVersion, `HelloVerifyRequest server_version 0x${hvr.serverVersion.toString(16)}`);
    }
    if (++this.helloVerifies > HELLO_VERIFY_REQUESTS_MAX) {
      throw fatal("unexpected-message", AlertDescription.UnexpectedMessage, `more than ${HELLO_VERIFY_REQUESTS_MAX} HelloVerifyRequests`);
    }
    // RFC 6347 §4.2.1: resend the same ClientHello with the cookie; HVR and the first ClientHello
    // stay out of the transcript (RFC 6347 §4.2.6).
    this.hello = { ...this.hello, cookie: new Uint8Array(hvr.cookie) };
    this.sendHello();
  }

  private onServerHello(m: ReassembledMessage): void {
    const sh = wrapDecode(() => decodeServerHello(m.body));
    if (sh.serverVersion !== DTLS12_VERSION) {
      throw fatal("protocol-version", AlertDescription.ProtocolVersion, `ServerHello server_version 0x${sh.serverVersion.toString(16)}, expected DTLS 1.2 (0xfefd)`);
    }
    const suite = suiteById(sh.cipherSuite);
    if (suite === undefined || !this.host.config.suites.includes(suite)) {
      throw fatal("no-shared-suite", AlertDescription.IllegalParameter, `ServerHello chose cipher suite 0x${sh.cipherSuite.toString(16)} that we did not offer`);
    }
    if (sh.compressionMethod !== 0) {
      throw fatal("decode-error", AlertDescription.IllegalParameter, `ServerHello compression_method ${sh.compressionMethod}, expected 0 (null)`);
    }
    for (const e of sh.extensions) {
      // RFC 5246 §7.4.1.4: an extension we did not offer is fatal.
      if (findExtension(this.hello.extensions, e.type) === undefined) throw fatal("unexpected-message", ALERT_UNSUPPORTED_EXTENSION, `ServerHello has unoffered extension ${e.type}`);
    }
    const reneg = findExtension(sh.extensions, ExtensionType.renegotiation_info);
    if (this.previous === null) {
      if (reneg !== undefined) {
        // RFC 5746 §3.4: must be empty in the initial handshake.
        const v = wrapDecode(() => decodeRenegotiationInfo(reneg.data));
        if (v.length !== 0) throw fatal("unexpected-message", AlertDescription.HandshakeFailure, "initial ServerHello renegotiation_info is not empty");
        this.secureRenegotiation = true;
      }
    } else {
      // RFC 5746 §3.5: must be client_verify_data || server_verify_data of the previous handshake.
      const expect = concat(this.previous.clientVerifyData, this.previous.serverVerifyData);
      const v = reneg === undefined ? null : wrapDecode(() => decodeRenegotiationInfo(reneg.data));
      if (v === null || !timingSafeEqualBytes(v, expect)) {
        throw fatal("unexpected-message", AlertDescription.HandshakeFailure, "renegotiation_info does not match the previous handshake");
      }
      this.secureRenegotiation = true;
    }
    this.ems = findExtension(sh.extensions, ExtensionType.extended_master_secret) !== undefined;
    const pf = findExtension(sh.extensions, ExtensionType.ec_point_formats);
    if (pf !== undefined && !wrapDecode(() => decodePointFormats(pf.data)).includes(POINT_FORMAT_UNCOMPRESSED)) {
      throw fatal("unexpected-message", AlertDescription.IllegalParameter, "server ec_point_formats lacks uncompressed");
    }
    this.suite = suite;
    this.serverRandom = new Uint8Array(sh.random);
    this.serverHelloSeq = m.messageSeq;
    // The suite fixes the transcript hash: messages are hashed as they come from now on, not kept.
    this.transcript.useHash(suite.prfHash);
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    this.stage = "wait-server-hello-done";
  }

  private onServerKeyExchange(m: ReassembledMessage): void {
    const ecdhe = this.suite!.keyExchange === "ecdhe-psk";
    // A copy: the decoded hint and point are views of the body, which is only valid during this call.
    const body = m.body.slice();
    this.ske = wrapDecode(() => decodeServerKeyExchange(body, ecdhe));
    if (ecdhe) {
      const group = groupById(this.ske.ecdhe!.namedGroup);
      if (group === undefined || !this.host.config.groups.includes(group)) {
        throw fatal("unexpected-message", AlertDescription.IllegalParameter, `server chose named group ${this.ske.ecdhe!.namedGroup} that we did not offer`);
      }
    }
    this.transcript.add(m.msgType, m.messageSeq, m.body);
  }

  private onServerHelloDone(m: ReassembledMessage): void {
    wrapDecode(() => decodeEmpty(m.body, "ServerHelloDone"));
    const suite = this.suite!;
    const cfg = this.host.config;
    const psk = cfg.psk as PskClientConfig;
    if (suite.keyExchange === "ecdhe-psk" && this.ske === null) {
      // RFC 5489 §2: ServerKeyExchange is mandatory for ECDHE_PSK.
      throw fatal("unexpected-message", AlertDescription.UnexpectedMessage, "ECDHE_PSK ServerHelloDone without ServerKeyExchange");
    }
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    const peerFirst = this.serverHelloSeq;

    let otherSecret: Uint8Array | undefined;
    let point: Uint8Array | undefined;
    if (suite.keyExchange === "ecdhe-psk") {
      const group = groupById(this.ske!.ecdhe!.namedGroup) as NamedGroup;
      const kp = generateKeyPair(group, cfg.rng);
      const shared = kp.derive(this.ske!.ecdhe!.point);
      if (shared === null) throw fatal("unexpected-message", AlertDescription.IllegalParameter, `invalid ${group} point in ServerKeyExchange`);
      otherSecret = shared;
      point = kp.publicPoint;
    }
    const identity = utf8Bytes(psk.identity);
    const cke = this.ownMessage(
      HandshakeType.ClientKeyExchange,
      encodeClientKeyExchange(point === undefined ? { identity } : { identity, point }),
      this.oldEpoch,
    );
    const premaster = pskPremasterShared(psk.key, otherSecret);
    // RFC 7627 §4: session_hash covers the transcript through ClientKeyExchange.
    let master: Uint8Array;
    try {
      master = this.ems
        ? extendedMasterSecret(suite, premaster, this.transcript.currentHash(suite.prfHash))
        : masterSecret(suite, premaster, this.hello.random, this.serverRandom!);
    } finally {
      premaster.fill(0); // a shared buffer (pskPremasterShared): zeroed whatever happens
    }
    cfg.keyLog?.(`CLIENT_RANDOM ${hex(this.hello.random)} ${hex(master)}`);
    // The key block and both verify_data use the master secret: its HMAC state is prepared once.
    const masterKey = prepareMaster(suite, master);
    master.fill(0);
    let fin: FlightItem;
    try {
      const ciphers = deriveEpochCiphers(suite, masterKey, this.hello.random, this.serverRandom!, "client", this.newEpoch, cfg.backend);
      this.host.installWriteEpoch(this.newEpoch, ciphers.write);
      this.host.setPendingRead(this.newEpoch, ciphers.read);
      // Same transcript as the session hash above (no message in between): Transcript reuses that digest.
      this.clientVerify = verifyData(suite, masterKey, "client finished", this.transcript.currentHash(suite.prfHash));
      fin = this.ownMessage(HandshakeType.Finished, encodeFinished(this.clientVerify), this.newEpoch);
      this.expectedServerVerify = verifyData(suite, masterKey, "server finished", this.transcript.currentHash(suite.prfHash));
    } finally {
      masterKey.clear();
    }
    this.awaitingCcs = true;
    this.stage = "wait-finished";
    this.sendFlight([cke, { kind: "ccs", epoch: this.oldEpoch }, fin], false, peerFirst);
  }

  private onFinished(m: ReassembledMessage): void {
    const got = wrapDecode(() => decodeFinished(m.body));
    if (!timingSafeEqualBytes(got, this.expectedServerVerify!)) {
      throw fatal("bad-finished", AlertDescription.DecryptError, "server Finished verify_data does not match");
    }
    this.stage = "done";
    // Our flight 5 needs no more retransmission: flight 6 arrived (RFC 6347 §4.2.4).
    this.stop(false);
    this.finish({
      suite: this.suite!,
      identity: (this.host.config.psk as PskClientConfig).identity,
      clientVerifyData: this.clientVerify!,
      serverVerifyData: new Uint8Array(got),
      secureRenegotiation: this.secureRenegotiation,
      extendedMasterSecret: this.ems,
      cookie: this.hello.cookie,
    });
  }
}
