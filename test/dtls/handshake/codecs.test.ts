import { describe, expect, it } from "vitest";
import { DecodeError } from "../../../src/dtls/errors.js";
import {
  decodeRenegotiationInfo,
  decodeSupportedGroups,
  encodeRenegotiationInfo,
  encodeSupportedGroups,
  readExtensions,
} from "../../../src/dtls/handshake/extensions.js";
import { encodeFullMessage, fragmentMessage, readHandshakeFragments, HANDSHAKE_HEADER_BYTES } from "../../../src/dtls/handshake/header.js";
import {
  decodeClientHello,
  decodeClientKeyExchange,
  decodeFinished,
  decodeHelloVerifyRequest,
  decodeServerHello,
  decodeServerKeyExchange,
  encodeClientHello,
  encodeClientKeyExchange,
  encodeHelloVerifyRequest,
  encodeServerHello,
  encodeServerKeyExchange,
  type ClientHello,
} from "../../../src/dtls/handshake/messages.js";
import { ByteReader } from "../../../src/dtls/handshake/wire.js";

const ch: ClientHello = {
  clientVersion: 0xfefd,
  random: new Uint8Array(32).fill(3),
  sessionId: new Uint8Array(0),
  cookie: new Uint8Array(32).fill(9),
  cipherSuites: [0xccac, 0x00a8],
  compressionMethods: [0],
  extensions: [encodeRenegotiationInfo(new Uint8Array(0)), encodeSupportedGroups([29, 23])],
};

describe("handshake message codecs", () => {
  it("ClientHello round-trips, with the wire layout of RFC 6347 §4.2.1", () => {
    const b = encodeClientHello(ch);
    expect(decodeClientHello(b)).toEqual(ch);
    // version(2) random(32) session_id(1+0) cookie(1+32) suites(2+4) compression(1+1) extensions(2+...)
    expect(b[34]).toBe(0);
    expect(b[35]).toBe(32);
    expect((b[68]! << 8) | b[69]!).toBe(4);
  });

  it("ClientHello without an extensions block decodes to no extensions", () => {
    const b = encodeClientHello({ ...ch, extensions: [] });
    expect(decodeClientHello(b).extensions).toEqual([]);
  });

  it("rejects truncation, trailing bytes, odd suite lists and duplicate extensions, naming the field", () => {
    const b = encodeClientHello(ch);
    expect(() => decodeClientHello(b.subarray(0, 40))).toThrow(/cookie/);
    expect(() => decodeClientHello(Uint8Array.from([...b, 0]))).toThrow(DecodeError);
    const dup = encodeClientHello({ ...ch, extensions: [encodeSupportedGroups([29]), encodeSupportedGroups([23])] });
    expect(() => decodeClientHello(dup)).toThrow(/appears twice/);
    const odd = Uint8Array.from(b);
    odd[69] = 3;
    expect(() => decodeClientHello(odd)).toThrow(DecodeError);
  });

  it("HelloVerifyRequest, ServerHello round-trip", () => {
    const hvr = { serverVersion: 0xfeff, cookie: new Uint8Array(20).fill(1) };
    expect(decodeHelloVerifyRequest(encodeHelloVerifyRequest(hvr))).toEqual(hvr);
    const sh = { serverVersion: 0xfefd, random: new Uint8Array(32).fill(5), sessionId: new Uint8Array(0), cipherSuite: 0x00a8, compressionMethod: 0, extensions: [] };
    expect(decodeServerHello(encodeServerHello(sh))).toEqual(sh);
  });

  it("ServerKeyExchange: PSK hint only (RFC 4279) and ECDHE_PSK hint + named curve + point (RFC 5489)", () => {
    const psk = { hint: new TextEncoder().encode("hint") };
    expect(decodeServerKeyExchange(encodeServerKeyExchange(psk), false)).toEqual(psk);
    const ec = { hint: new Uint8Array(0), ecdhe: { namedGroup: 29, point: new Uint8Array(32).fill(4) } };
    const b = encodeServerKeyExchange(ec);
    expect([...b.subarray(0, 6)]).toEqual([0, 0, 3, 0, 29, 32]);
    expect(decodeServerKeyExchange(b, true)).toEqual(ec);
    expect(() => decodeServerKeyExchange(Uint8Array.of(0, 0, 1, 0, 29, 1, 4), true)).toThrow(/named_curve/);
  });

  it("ClientKeyExchange: identity (RFC 4279) and identity + point (RFC 5489)", () => {
    const id = new TextEncoder().encode("me");
    expect(decodeClientKeyExchange(encodeClientKeyExchange({ identity: id }), false)).toEqual({ identity: id });
    const withPoint = { identity: id, point: new Uint8Array(65).fill(4) };
    expect(decodeClientKeyExchange(encodeClientKeyExchange(withPoint), true)).toEqual(withPoint);
    expect(() => decodeClientKeyExchange(encodeClientKeyExchange({ identity: id }), true)).toThrow(DecodeError);
  });

  it("Finished must be 12 bytes", () => {
    expect(decodeFinished(new Uint8Array(12))).toHaveLength(12);
    expect(() => decodeFinished(new Uint8Array(11))).toThrow(/12 bytes/);
  });

  it("extension codecs", () => {
    expect(decodeSupportedGroups(encodeSupportedGroups([29, 23]).data)).toEqual([29, 23]);
    expect(decodeRenegotiationInfo(encodeRenegotiationInfo(Uint8Array.of(1, 2)).data)).toEqual(Uint8Array.of(1, 2));
    expect(readExtensions(new ByteReader(new Uint8Array(0)))).toEqual([]);
  });
});

describe("handshake header and fragments (RFC 6347 §4.2.2-4.2.3)", () => {
  it("fragmentMessage splits into pieces that readHandshakeFragments reads back", () => {
    const body = Uint8Array.from({ length: 100 }, (_, i) => i);
    const frags = fragmentMessage(16, 3, body, HANDSHAKE_HEADER_BYTES + 30);
    expect(frags).toHaveLength(4);
    const parsed = frags.flatMap((f) => readHandshakeFragments(f));
    expect(parsed.map((f) => [f.fragmentOffset, f.fragmentLength])).toEqual([[0, 30], [30, 30], [60, 30], [90, 10]]);
    expect(parsed.every((f) => f.length === 100 && f.messageSeq === 3 && f.msgType === 16)).toBe(true);
  });

  it("several fragments in one record are all read", () => {
    const a = encodeFullMessage(2, 1, new Uint8Array(5));
    const b = encodeFullMessage(14, 2, new Uint8Array(0));
    const parsed = readHandshakeFragments(Uint8Array.from([...a, ...b]));
    expect(parsed.map((f) => f.msgType)).toEqual([2, 14]);
  });

  it("an empty message still yields one fragment", () => {
    expect(fragmentMessage(14, 0, new Uint8Array(0), 100)).toHaveLength(1);
  });

  it("rejects fragments outside their message or the record", () => {
    const f = encodeFullMessage(1, 0, new Uint8Array(10));
    f[3] = 5; // length 5 < fragment_length 10
    expect(() => readHandshakeFragments(f)).toThrow(/exceeds message length/);
    expect(() => readHandshakeFragments(encodeFullMessage(1, 0, new Uint8Array(10)).subarray(0, 15))).toThrow(/exceeds/);
    expect(() => readHandshakeFragments(new Uint8Array(5))).toThrow(/12 bytes/);
  });
});
