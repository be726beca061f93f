#!/usr/bin/env node
/* global setTimeout, clearTimeout, process, console -- a Node script */
/**
 * Records real DTLS 1.2 PSK sessions between `openssl s_server` and `openssl s_client` and saves
 * them as known-answer vectors: test/vectors/openssl-dtls-<suite>.json.
 *
 * How: s_server listens on 127.0.0.1:S; s_client connects to a tiny UDP relay on 127.0.0.1:R that
 * forwards each datagram to the other side and records it (direction, bytes). Both ends write an
 * NSS key log (CLIENT_RANDOM <client_random> <master_secret>). Once the handshake is done, a
 * known line is typed into each side's stdin, so one application-data record flows each way.
 *
 * The recorded JSON holds: openssl version, cipher, PSK + identity + hint, every datagram in
 * order, the key log line, and the two application lines. test/dtls/record/openssl-vectors.test.ts
 * replays them without openssl: it parses records, derives the key block from the master secret
 * and the hello randoms, and decrypts the application data with CipherState.open.
 *
 * Usage: node test/vectors/record-openssl-session.mjs            (all suites)
 *        node test/vectors/record-openssl-session.mjs PSK-AES128-CCM8
 * Needs OpenSSL 3.x on PATH. Only 127.0.0.1 is used. Each run makes new randoms and keys, so the
 * files change on every run; they are committed as the fixed known answers.
 */
import { spawn, execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const HOST = "127.0.0.1";
const PSK_HEX = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
const IDENTITY = "vnetsim-client";
const HINT = "vnetsim-hint";
const CLIENT_LINE = "hello from openssl s_client over DTLS 1.2\n";
const SERVER_LINE = "hello back from openssl s_server\n";
const SESSION_TIMEOUT_MS = 15_000;

/** openssl cipher name -> our suite name */
const SUITES = {
  "PSK-AES128-GCM-SHA256": "TLS_PSK_WITH_AES_128_GCM_SHA256",
  "PSK-AES256-GCM-SHA384": "TLS_PSK_WITH_AES_256_GCM_SHA384",
  "PSK-AES128-CCM8": "TLS_PSK_WITH_AES_128_CCM_8",
  "PSK-CHACHA20-POLY1305": "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
  "ECDHE-PSK-CHACHA20-POLY1305": "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
};

function freeUdpPort() {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function waitFor(stream, pattern, label) {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${label}: ${JSON.stringify(seen.slice(-400))}`)), SESSION_TIMEOUT_MS);
    stream.on("data", (chunk) => {
      seen += chunk.toString("latin1");
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

async function recordSession(cipher) {
  const dir = mkdtempSync(join(tmpdir(), "vnetsim-dtls-"));
  const serverKeylog = join(dir, "server.keylog");
  const clientKeylog = join(dir, "client.keylog");
  const serverPort = await freeUdpPort();
  const datagrams = [];

  // The relay: client <-> relay <-> server, recording everything.
  const relay = createSocket("udp4");
  const toServer = createSocket("udp4");
  let clientAddr = null;
  relay.on("message", (msg, rinfo) => {
    clientAddr = rinfo;
    datagrams.push({ from: "client", hex: msg.toString("hex") });
    toServer.send(msg, serverPort, HOST);
  });
  toServer.on("message", (msg) => {
    datagrams.push({ from: "server", hex: msg.toString("hex") });
    if (clientAddr) relay.send(msg, clientAddr.port, clientAddr.address);
  });
  await new Promise((r) => relay.bind(0, HOST, r));
  await new Promise((r) => toServer.bind(0, HOST, r));
  const relayPort = relay.address().port;

  const common = ["-dtls1_2", "-cipher", cipher, "-psk", PSK_HEX];
  const server = spawn("openssl", [
    "s_server", ...common, "-nocert", "-psk_hint", HINT, "-psk_identity", IDENTITY,
    "-accept", `${HOST}:${serverPort}`, "-keylogfile", serverKeylog, "-naccept", "1",
  ], { stdio: ["pipe", "pipe", "pipe"] });
  const serverReady = waitFor(server.stdout, /ACCEPT/, "s_server ACCEPT");
  const serverHandshake = waitFor(server.stdout, /CIPHER is /, "s_server handshake");
  const serverGotLine = waitFor(server.stdout, new RegExp(CLIENT_LINE.trim()), "s_server receiving the client line");
  await serverReady;

  const client = spawn("openssl", [
    "s_client", ...common, "-psk_identity", IDENTITY, "-connect", `${HOST}:${relayPort}`,
    "-keylogfile", clientKeylog, "-ign_eof",
  ], { stdio: ["pipe", "pipe", "pipe"] });
  const clientHandshake = waitFor(client.stdout, /Cipher is |Cipher {4}:/, "s_client handshake");
  const clientGotLine = waitFor(client.stdout, new RegExp(SERVER_LINE.trim()), "s_client receiving the server line");
  await Promise.all([serverHandshake, clientHandshake]);

  client.stdin.write(CLIENT_LINE);
  await serverGotLine;
  server.stdin.write(SERVER_LINE);
  await clientGotLine;

  client.kill("SIGTERM");
  server.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 200));
  relay.close();
  toServer.close();

  const keylog = readFileSync(serverKeylog, "utf8").split("\n").find((l) => l.startsWith("CLIENT_RANDOM "));
  const clientKeylogLine = readFileSync(clientKeylog, "utf8").split("\n").find((l) => l.startsWith("CLIENT_RANDOM "));
  rmSync(dir, { recursive: true, force: true });
  if (!keylog || keylog !== clientKeylogLine) throw new Error(`key logs missing or disagree for ${cipher}`);
  return { datagrams, keylog };
}

const version = execFileSync("openssl", ["version"]).toString().trim();
const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(SUITES);
for (const cipher of wanted) {
  const suite = SUITES[cipher];
  if (!suite) throw new Error(`unknown cipher ${cipher}; expected one of ${Object.keys(SUITES).join(", ")}`);
  const { datagrams, keylog } = await recordSession(cipher);
  const doc = {
    description: "A real DTLS 1.2 PSK session between openssl s_client and s_server on 127.0.0.1, recorded by a UDP relay; every datagram in order. Key log from both ends (identical).",
    generator: "test/vectors/record-openssl-session.mjs",
    opensslVersion: version,
    opensslCipher: cipher,
    suite,
    pskHex: PSK_HEX,
    pskIdentity: IDENTITY,
    pskIdentityHint: HINT,
    keyLog: keylog,
    clientApplicationData: CLIENT_LINE,
    serverApplicationData: SERVER_LINE,
    datagrams,
  };
  const file = join(HERE, `openssl-dtls-${cipher.toLowerCase()}.json`);
  writeFileSync(file, JSON.stringify(doc, null, 2) + "\n");
  console.log(`${cipher}: ${datagrams.length} datagrams -> ${file}`);
}
