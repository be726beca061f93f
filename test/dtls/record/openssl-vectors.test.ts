/**
 * Known answers recorded from real OpenSSL DTLS 1.2 sessions (test/vectors/openssl-dtls-*.json,
 * made by test/vectors/record-openssl-session.mjs; openssl is not needed here). For each session:
 * parse every record with readRecordHeader, take the randoms from the ClientHello/ServerHello,
 * derive the key block from the logged master secret with keyBlock(), and decrypt OpenSSL's
 * Finished and application-data records with CipherState.open on every backend that supports the
 * suite. Also checks the key schedule against OpenSSL: premaster -> (extended) master secret, and
 * the Finished verify_data over the DTLS transcript (RFC 6347 §4.2.6).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { emptyRecordHeader, readRecordHeader, type RecordHeader } from "../../../src/dtls/record/header.js";
import { CipherState } from "../../../src/dtls/record/cipher-state.js";
import { ReplayWindow } from "../../../src/dtls/record/replay.js";
import { availableBackends, getBackend } from "../../../src/dtls/suites/aead.js";
import { suiteByName } from "../../../src/dtls/suites/registry.js";
import { extendedMasterSecret, keyBlock, masterSecret, pskPremaster, verifyData } from "../../../src/dtls/crypto/keys.js";
import { ContentType, DTLS10_VERSION, DTLS12_VERSION, ExtensionType, HandshakeType, RECORD_HEADER_BYTES } from "../../../src/dtls/constants.js";
import type { CipherSuiteName } from "../../../src/dtls/api.js";

interface Recording {
  opensslVersion: string;
  opensslCipher: string;
  suite: CipherSuiteName;
  pskHex: string;
  keyLog: string;
  clientApplicationData: string;
  serverApplicationData: string;
  datagrams: Array<{ from: "client" | "server"; hex: string }>;
}

interface Rec {
  from: "client" | "server";
  header: RecordHeader;
  datagram: Uint8Array;
  offset: number;
}

const DIR = join(import.meta.dirname, "../../vectors");
const files = readdirSync(DIR).filter((f) => f.startsWith("openssl-dtls-") && f.endsWith(".json"));
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u24 = (b: Uint8Array, o: number): number => (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;

function records(doc: Recording): Rec[] {
  const out: Rec[] = [];
  for (const d of doc.datagrams) {
    const datagram = unhex(d.hex);
    let offset = 0;
    for (;;) {
      const header = emptyRecordHeader();
      if (!readRecordHeader(datagram, offset, header)) break;
      out.push({ from: d.from, header, datagram, offset });
      offset += RECORD_HEADER_BYTES + header.length;
    }
    expect(offset, "records fill the datagram exactly").toBe(datagram.length);
  }
  return out;
}

const body = (r: Rec): Uint8Array =>
  r.datagram.subarray(r.offset + RECORD_HEADER_BYTES, r.offset + RECORD_HEADER_BYTES + r.header.length);

describe("decrypting records recorded from OpenSSL DTLS 1.2 sessions", () => {
  it("has recordings for the four AEADs (and ECDHE_PSK)", () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  for (const file of files) {
    const doc = JSON.parse(readFileSync(join(DIR, file), "utf8")) as Recording;
    const suite = suiteByName(doc.suite);
    const [, clientRandomHex, masterHex] = doc.keyLog.split(" ");
    const master = unhex(masterHex!);
    const recs = records(doc);
    const hs = recs.filter((r) => r.header.type === ContentType.Handshake && r.header.epoch === 0);
    const clientHellos = hs.filter((r) => body(r)[0] === HandshakeType.ClientHello);
    const serverHello = body(hs.find((r) => body(r)[0] === HandshakeType.ServerHello)!);
    // DTLS handshake header is 12 bytes; ClientHello/ServerHello then have version(2), random(32).
    const clientRandom = body(clientHellos[clientHellos.length - 1]!).subarray(14, 46);
    const serverRandom = serverHello.subarray(14, 46);

    describe(`${doc.opensslCipher} (${doc.opensslVersion})`, () => {
      it("header parse: DTLS 1.2 records; randoms and suite id as negotiated", () => {
        for (const r of recs) {
          const first = r.header.type === ContentType.Handshake && r.header.epoch === 0 ? body(r)[0] : undefined;
          // ClientHello and HelloVerifyRequest may carry DTLS 1.0 in the record (RFC 6347 §4.2.1).
          if (first === HandshakeType.ClientHello || first === HandshakeType.HelloVerifyRequest) {
            expect([DTLS10_VERSION, DTLS12_VERSION]).toContain(r.header.version);
          } else {
            expect(r.header.version).toBe(DTLS12_VERSION);
          }
        }
        expect(hex(clientRandom)).toBe(clientRandomHex);
        const sidLen = serverHello[46]!;
        expect(u16(serverHello, 47 + sidLen)).toBe(suite.id);
      });

      const kb = keyBlock(suite, master, clientRandom, serverRandom);
      for (const backendName of availableBackends()) {
        const backend = getBackend(backendName);
        if (!backend.supports(suite.aead)) continue;
        it(`${backendName}: decrypts OpenSSL's Finished and application data byte for byte`, () => {
          const states = {
            client: new CipherState(suite, backend.importKey(suite.aead, kb.clientWriteKey), kb.clientWriteIv, 1),
            server: new CipherState(suite, backend.importKey(suite.aead, kb.serverWriteKey), kb.serverWriteIv, 1),
          };
          const windows = { client: new ReplayWindow(), server: new ReplayWindow() };
          const seen = { finished: 0, client: "", server: "" };
          for (const r of recs.filter((x) => x.header.epoch === 1)) {
            expect(windows[r.from].isReplay(r.header.seq)).toBe(false);
            const out = new Uint8Array(r.header.length);
            const n = states[r.from].open(r.header, r.datagram, r.offset, out, 0);
            expect(n, `${r.from} record seq ${r.header.seq}`).toBeGreaterThanOrEqual(0);
            windows[r.from].mark(r.header.seq);
            if (r.header.type === ContentType.Handshake) {
              expect(out[0]).toBe(HandshakeType.Finished);
              expect(n).toBe(12 + 12);
              seen.finished++;
            } else if (r.header.type === ContentType.ApplicationData) {
              seen[r.from] += Buffer.from(out.subarray(0, n)).toString("latin1");
            }
            // And the same record with one bit flipped is rejected.
            const bad = r.datagram.slice();
            bad[r.offset + RECORD_HEADER_BYTES + r.header.length - 1]! ^= 1;
            expect(states[r.from].open(r.header, bad, r.offset, out, 0)).toBe(-1);
          }
          expect(seen.finished).toBe(2);
          expect(seen.client).toBe(doc.clientApplicationData);
          expect(seen.server).toBe(doc.serverApplicationData);
        });
      }

      it("key schedule agrees with OpenSSL: (extended) master secret and both Finished verify_data", () => {
        // Transcript: every handshake message except HelloVerifyRequest and the cookieless first
        // ClientHello (RFC 6347 §4.2.6), each with its 12-byte DTLS header, in order, once.
        const transcript: Uint8Array[] = [];
        const seenSeq = new Set<string>();
        let sessionHash: Uint8Array | undefined;
        const hash = (): Uint8Array => {
          const h = createHash(suite.prfHash);
          for (const m of transcript) h.update(m);
          return new Uint8Array(h.digest());
        };
        const kbNode = getBackend("node");
        const finishedStates = {
          client: new CipherState(suite, kbNode.importKey(suite.aead, kb.clientWriteKey), kb.clientWriteIv, 1),
          server: new CipherState(suite, kbNode.importKey(suite.aead, kb.serverWriteKey), kb.serverWriteIv, 1),
        };
        let finishedChecked = 0;
        for (const r of recs) {
          if (r.header.type !== ContentType.Handshake) continue;
          let msg: Uint8Array;
          if (r.header.epoch === 0) {
            msg = body(r);
          } else {
            const out = new Uint8Array(r.header.length);
            const n = finishedStates[r.from].open(r.header, r.datagram, r.offset, out, 0);
            msg = out.subarray(0, n);
          }
          const type = msg[0]!;
          const length = u24(msg, 1);
          const messageSeq = u16(msg, 4);
          expect(u24(msg, 6), "fragment_offset").toBe(0);
          expect(u24(msg, 9), "fragment_length").toBe(length);
          const key = `${r.from}/${messageSeq}`;
          if (type === HandshakeType.HelloVerifyRequest || (type === HandshakeType.ClientHello && messageSeq === 0)) continue;
          if (seenSeq.has(key)) continue;
          seenSeq.add(key);
          if (type === HandshakeType.Finished) {
            const label = r.from === "client" ? "client finished" : "server finished";
            expect(hex(msg.subarray(12, 24)), label).toBe(hex(verifyData(suite, master, label, hash())));
            finishedChecked++;
          }
          transcript.push(msg);
          if (type === HandshakeType.ClientKeyExchange) sessionHash = hash();
        }
        expect(finishedChecked).toBe(2);
        if (suite.keyExchange === "psk") {
          const pre = pskPremaster(unhex(doc.pskHex));
          const sidLen = serverHello[46]!;
          const extStart = 47 + sidLen + 3 + 2;
          const exts = new Set<number>();
          for (let o = extStart; o < serverHello.length; o += 4 + u16(serverHello, o + 2)) exts.add(u16(serverHello, o));
          const ems = exts.has(ExtensionType.extended_master_secret);
          const derived = ems
            ? extendedMasterSecret(suite, pre, sessionHash!)
            : masterSecret(suite, pre, clientRandom, serverRandom);
          expect(hex(derived)).toBe(masterHex);
        }
      });
    });
  }
});
