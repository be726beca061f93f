/**
 * Codecs of the handshake message bodies we send and receive (wire only, no crypto; pion/dtls
 * keeps marshal/unmarshal apart from the state machine the same way). Bodies exclude the 12-byte
 * DTLS handshake header (header.ts).
 */
import { DecodeError } from "../errors.js";
import { type Extension, readExtensions, writeExtensions } from "./extensions.js";
import { ByteReader, ByteWriter } from "./wire.js";

/** Random is 32 bytes (RFC 5246 §7.4.1.2). */
export const RANDOM_BYTES = 32;
/** Cookie is opaque<0..2^8-1> in DTLS 1.2 (RFC 6347 §4.2.1). */
export const COOKIE_BYTES_MAX = 255;
/** SessionID is opaque<0..32> (RFC 5246 §7.4.1.2). */
export const SESSION_ID_BYTES_MAX = 32;
/** verify_data is 12 bytes for every TLS 1.2 suite we speak (RFC 5246 §7.4.9). */
export const VERIFY_DATA_BYTES = 12;
/** ECCurveType named_curve (RFC 8422 §5.4). */
export const EC_CURVE_TYPE_NAMED = 3;

export interface ClientHello {
  clientVersion: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cookie: Uint8Array;
  cipherSuites: readonly number[];
  compressionMethods: readonly number[];
  extensions: Extension[];
}

export function encodeClientHello(m: ClientHello): Uint8Array {
  const w = new ByteWriter(256);
  w.u16(m.clientVersion).bytes(m.random).vec8(m.sessionId, "session_id").vec8(m.cookie, "cookie");
  // Nested vectors written in place (no inner writer or array per vector).
  const suites = w.beginVec16();
  for (let i = 0; i < m.cipherSuites.length; i++) w.u16(m.cipherSuites[i]!);
  w.endVec16(suites, "cipher_suites");
  if (m.compressionMethods.length > 255) throw new RangeError(`"compression_methods" expected at most 255 bytes, got ${m.compressionMethods.length}`);
  w.u8(m.compressionMethods.length);
  for (let i = 0; i < m.compressionMethods.length; i++) w.u8(m.compressionMethods[i]!);
  writeExtensions(w, m.extensions);
  return w.finish();
}

export function decodeClientHello(body: Uint8Array): ClientHello {
  const r = new ByteReader(body);
  const clientVersion = r.u16("client_version");
  const random = r.bytes(RANDOM_BYTES, "random");
  const sessionId = r.vec8("session_id", 0, SESSION_ID_BYTES_MAX);
  const cookie = r.vec8("cookie", 0, COOKIE_BYTES_MAX);
  const suiteBytes = r.vec16("cipher_suites", 2);
  if (suiteBytes.length % 2 !== 0) throw new DecodeError(`cipher_suites length ${suiteBytes.length} is odd`);
  // Exact-size arrays (push would leave spare capacity).
  const cipherSuites = new Array<number>(suiteBytes.length >> 1);
  for (let i = 0; i < suiteBytes.length; i += 2) cipherSuites[i >> 1] = (suiteBytes[i]! << 8) | suiteBytes[i + 1]!;
  const methods = r.vec8("compression_methods", 1);
  const compressionMethods = new Array<number>(methods.length);
  for (let i = 0; i < methods.length; i++) compressionMethods[i] = methods[i]!;
  const extensions = readExtensions(r);
  r.expectEnd("ClientHello");
  return { clientVersion, random, sessionId, cookie, cipherSuites, compressionMethods, extensions };
}

export interface HelloVerifyRequest {
  serverVersion: number;
  cookie: Uint8Array;
}

export function encodeHelloVerifyRequest(m: HelloVerifyRequest): Uint8Array {
  return new ByteWriter(64).u16(m.serverVersion).vec8(m.cookie, "cookie").finish();
}

export function decodeHelloVerifyRequest(body: Uint8Array): HelloVerifyRequest {
  const r = new ByteReader(body);
  const serverVersion = r.u16("server_version");
  const cookie = r.vec8("cookie", 0, COOKIE_BYTES_MAX);
  r.expectEnd("HelloVerifyRequest");
  return { serverVersion, cookie };
}

export interface ServerHello {
  serverVersion: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuite: number;
  compressionMethod: number;
  extensions: Extension[];
}

export function encodeServerHello(m: ServerHello): Uint8Array {
  const w = new ByteWriter(128);
  w.u16(m.serverVersion).bytes(m.random).vec8(m.sessionId, "session_id").u16(m.cipherSuite).u8(m.compressionMethod);
  writeExtensions(w, m.extensions);
  return w.finish();
}

export function decodeServerHello(body: Uint8Array): ServerHello {
  const r = new ByteReader(body);
  const serverVersion = r.u16("server_version");
  const random = r.bytes(RANDOM_BYTES, "random");
  const sessionId = r.vec8("session_id", 0, SESSION_ID_BYTES_MAX);
  const cipherSuite = r.u16("cipher_suite");
  const compressionMethod = r.u8("compression_method");
  const extensions = readExtensions(r);
  r.expectEnd("ServerHello");
  return { serverVersion, random, sessionId, cipherSuite, compressionMethod, extensions };
}

/**
 * ServerKeyExchange for the PSK family. Plain PSK: psk_identity_hint<0..2^16-1> (RFC 4279 §2).
 * ECDHE_PSK: the hint followed by ServerECDHParams = ECParameters (named_curve) + ECPoint
 * (RFC 5489 §2, RFC 8422 §5.4); no signature, the PSK authenticates.
 */
export interface ServerKeyExchange {
  hint: Uint8Array;
  ecdhe?: { namedGroup: number; point: Uint8Array };
}

export function encodeServerKeyExchange(m: ServerKeyExchange): Uint8Array {
  const w = new ByteWriter(128).vec16(m.hint, "psk_identity_hint");
  if (m.ecdhe !== undefined) w.u8(EC_CURVE_TYPE_NAMED).u16(m.ecdhe.namedGroup).vec8(m.ecdhe.point, "public");
  return w.finish();
}

export function decodeServerKeyExchange(body: Uint8Array, ecdhe: boolean): ServerKeyExchange {
  const r = new ByteReader(body);
  const hint = r.vec16("psk_identity_hint");
  let m: ServerKeyExchange = { hint };
  if (ecdhe) {
    const curveType = r.u8("curve_type");
    if (curveType !== EC_CURVE_TYPE_NAMED) {
      throw new DecodeError(`ECParameters.curve_type expected ${EC_CURVE_TYPE_NAMED} (named_curve), got ${curveType}`);
    }
    const namedGroup = r.u16("namedcurve");
    const point = r.vec8("public", 1);
    m = { hint, ecdhe: { namedGroup, point } };
  }
  r.expectEnd("ServerKeyExchange");
  return m;
}

/** ClientKeyExchange: psk_identity<0..2^16-1> (RFC 4279 §2), plus the client ECDH point for ECDHE_PSK (RFC 5489 §2). */
export interface ClientKeyExchange {
  identity: Uint8Array;
  point?: Uint8Array;
}

export function encodeClientKeyExchange(m: ClientKeyExchange): Uint8Array {
  const w = new ByteWriter(128).vec16(m.identity, "psk_identity");
  if (m.point !== undefined) w.vec8(m.point, "ecdh_Yc");
  return w.finish();
}

export function decodeClientKeyExchange(body: Uint8Array, ecdhe: boolean): ClientKeyExchange {
  const r = new ByteReader(body);
  const identity = r.vec16("psk_identity");
  const m: ClientKeyExchange = ecdhe ? { identity, point: r.vec8("ecdh_Yc", 1) } : { identity };
  r.expectEnd("ClientKeyExchange");
  return m;
}

export function decodeFinished(body: Uint8Array): Uint8Array {
  if (body.length !== VERIFY_DATA_BYTES) {
    throw new DecodeError(`Finished.verify_data expected ${VERIFY_DATA_BYTES} bytes, got ${body.length}`);
  }
  return body;
}

/** ServerHelloDone and HelloRequest have empty bodies (RFC 5246 §7.4.5, §7.4.1.1). */
export function decodeEmpty(body: Uint8Array, what: string): void {
  if (body.length !== 0) throw new DecodeError(`${what} expected an empty body, got ${body.length} bytes`);
}

export function encodeFinished(verifyData: Uint8Array): Uint8Array {
  return new Uint8Array(verifyData);
}
