/**
 * `vnetsim dtls serve` and `vnetsim dtls connect` as a user runs them (the built CLI), against
 * OpenSSL: the exact commands documented in the README (section "DTLS 1.2 endpoint").
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killAll, missingTool } from "./helpers/proc.js";
import { freeUdpPort } from "./helpers/ports.js";
import { opensslAlertNumber, randomHex, startOpensslClient, startOpensslServer } from "./helpers/openssl.js";
import { BUILD_TIMEOUT_MS, buildCli, runCli, spawnCli } from "./helpers/cli.js";

const noOpenssl = missingTool("openssl", "version");

/** Each test starts the CLI (node + the whole program) one to five times: slow on a loaded machine. */
const CLI_TEST_TIMEOUT_MS = 90_000;

describe.skipIf(noOpenssl)("vnetsim dtls serve|connect against openssl (built CLI)", { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  let main = "";
  const dir = mkdtempSync(join(tmpdir(), "vnetsim-cli-e2e-"));
  beforeAll(async () => {
    main = await buildCli();
  }, BUILD_TIMEOUT_MS);
  afterAll(killAll);

  /** Starts `vnetsim dtls serve` on a free port (port 0) and returns it with the bound port. */
  async function serve(extra: string[], pskHex: string) {
    const proc = spawnCli(main, ["dtls", "serve", "--listen", "127.0.0.1:0", "--psk-identity", "client1", "--psk", pskHex, ...extra], 30_000);
    await proc.waitFor(/listening on 127\.0\.0\.1:\d+/, 15_000, "stderr");
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(proc.stderr)![1]);
    return { proc, port };
  }

  for (const c of [
    { cipher: "PSK-AES128-GCM-SHA256", serveArgs: [] as string[], clientArgs: {} },
    { cipher: "ECDHE-PSK-CHACHA20-POLY1305", serveArgs: ["--groups", "secp256r1", "--mtu", "200"], clientArgs: { curves: "P-256" } },
  ]) {
    it(`serve + openssl s_client -cipher ${c.cipher}: echo, key log equal to OpenSSL's, Ctrl-C sends close_notify`, async () => {
      const pskHex = randomHex(16);
      const ourKeys = join(dir, `serve-${c.cipher}.keys`);
      const theirKeys = join(dir, `s_client-${c.cipher}.keys`);
      const { proc, port } = await serve([...c.serveArgs, "--keylog", ourKeys], pskHex);
      const client = startOpensslClient({ port, pskHex, cipher: c.cipher, identity: "client1", keylogFile: theirKeys, ...c.clientArgs });
      await client.waitFor("CONNECTION ESTABLISHED", 10_000, "stderr");
      client.write("ping-e2e\n");
      await client.waitFor("ping-e2e", 5_000, "stdout");
      await proc.waitFor(/connected suite=TLS_\w+ identity="client1"/, 5_000, "stderr");
      proc.child.kill("SIGINT");
      const served = await proc.exited;
      expect(served.code).toBe(0);
      expect(served.stderr).toContain("SIGINT: closing");
      expect(served.stderr).toMatch(/alert sent warning close_notify/);
      expect(served.stderr).not.toContain(pskHex);
      // s_client sees our close_notify and ends by itself.
      const r = await client.exited;
      expect(r.timedOut).toBe(false);
      // Same session secrets derived independently (OpenSSL's file starts with a comment line).
      const secrets = (f: string) => readFileSync(f, "utf8").split("\n").filter((l) => l.startsWith("CLIENT_RANDOM "));
      expect(secrets(ourKeys)).toHaveLength(1);
      expect(secrets(ourKeys)).toEqual(secrets(theirKeys));
    });
  }

  it("serve on [::1] (IPv6 loopback) with s_client -connect [::1]:PORT", async () => {
    const pskHex = randomHex(16);
    const proc = spawnCli(main, ["dtls", "serve", "--listen", "[::1]:0", "--psk-identity", "client1", "--psk", pskHex], 30_000);
    await proc.waitFor(/listening on \[::1\]:\d+/, 15_000, "stderr");
    const port = Number(/listening on \[::1\]:(\d+)/.exec(proc.stderr)![1]);
    const client = startOpensslClient({ host: "::1", port, pskHex, cipher: "PSK-CHACHA20-POLY1305", identity: "client1" });
    await client.waitFor("CONNECTION ESTABLISHED", 10_000, "stderr");
    client.write("ping-v6\n");
    await client.waitFor("ping-v6", 5_000, "stdout");
    await proc.waitFor(/session \[::1\]:\d+: connected suite=TLS_PSK_WITH_CHACHA20_POLY1305_SHA256/, 5_000, "stderr");
    proc.child.kill("SIGINT");
    expect((await proc.exited).code).toBe(0);
    await client.exited;
  });

  it("openssl s_server + connect (PSK-AES128-CCM8): lines up, a line down, exit 0", async () => {
    const port = await freeUdpPort();
    const pskHex = randomHex(16);
    const server = await startOpensslServer({ port, pskHex, cipher: "PSK-AES128-CCM8", hint: "h" });
    const proc = spawnCli(main, ["dtls", "connect", `127.0.0.1:${port}`, "--psk-identity", "client1", "--psk", pskHex, "--timeout", "5s"]);
    await proc.waitFor(/connected to 127\.0\.0\.1:\d+ suite=TLS_PSK_WITH_AES_128_CCM_8/, 10_000, "stderr");
    proc.write("ping-one\nping-two\n");
    await server.waitFor(/ping-one\r?\nping-two/, 5_000, "stdout");
    // A line longer than one record (2^14 bytes) goes out as several records, nothing lost.
    const long = `long-${"y".repeat(40_000)}-end`;
    proc.write(`${long}\n`);
    await server.waitFor(long, 10_000, "stdout");
    server.write("pong-from-openssl\n");
    await proc.waitFor("pong-from-openssl", 5_000, "stdout");
    proc.endInput();
    const r = await proc.exited;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("pong-from-openssl\n");
    const s = await server.exited; // our close_notify ends s_server's only connection
    expect(s.timedOut).toBe(false);
  });

  it("connect with ECDHE_PSK over P-256 and --mtu 120 against s_server -curves P-256", async () => {
    const port = await freeUdpPort();
    const pskHex = randomHex(16);
    const server = await startOpensslServer({ port, pskHex, cipher: "ECDHE-PSK-CHACHA20-POLY1305", curves: "P-256" });
    const r = await runCli(
      main,
      ["dtls", "connect", `127.0.0.1:${port}`, "--psk-identity", "client1", "--psk", pskHex, "--groups", "secp256r1", "--mtu", "120", "--timeout", "3s"],
      "ping-ecdhe\n",
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("suite=TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256");
    await server.waitFor("ping-ecdhe", 5_000, "stdout");
    await server.stop();
  });

  it("connect: handshake failure exits 1 with the reason (disjoint suites)", async () => {
    const port = await freeUdpPort();
    const pskHex = randomHex(16);
    const server = await startOpensslServer({ port, pskHex, cipher: "PSK-AES256-GCM-SHA384" });
    const r = await runCli(main, ["dtls", "connect", `127.0.0.1:${port}`, "--psk-identity", "client1", "--psk", pskHex, "--suites", "PSK-AES128-CCM8", "--timeout", "5s"], "x\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed: alert-received: .*handshake_failure|failed: alert-received/);
    expect(r.stderr).toMatch(/alert received: fatal handshake_failure \(40\)/);
    await server.stop();
  });

  it("serve: s_client with an unknown identity gets unknown_psk_identity; serve logs it and keeps running", async () => {
    const pskHex = randomHex(16);
    const { proc, port } = await serve([], pskHex);
    const client = startOpensslClient({ port, pskHex, cipher: "PSK-AES128-GCM-SHA256", identity: "mallory" });
    const r = await client.exited;
    expect(opensslAlertNumber(r.stderr)).toBe(115);
    await proc.waitFor(/failed unknown-psk-identity/, 5_000, "stderr");
    expect(proc.running).toBe(true);
    proc.child.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
  });

  it("flag errors: exit 2 with a message naming the flag; the key never echoed", async () => {
    const secret = "00112233445566778899aabbccddeeffZZ";
    const bad = await runCli(main, ["dtls", "connect", "127.0.0.1:4444", "--psk-identity", "a", "--psk", secret]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--psk: the key has a non-hex character at position 33");
    expect(bad.stderr).not.toContain("00112233");
    const nonLoopback = await runCli(main, ["dtls", "serve", "--listen", "0.0.0.0:4444", "--psk-identity", "a", "--psk", "00"]);
    expect(nonLoopback.code).toBe(2);
    expect(nonLoopback.stderr).toContain('--listen: address "0.0.0.0" is not a loopback address');
    const suite = await runCli(main, ["dtls", "connect", "127.0.0.1:4444", "--psk-identity", "a", "--psk", "00", "--suites", "AES128-SHA"]);
    expect(suite.code).toBe(2);
    expect(suite.stderr).toContain('unknown cipher suite "AES128-SHA"; expected one of: TLS_PSK_WITH_AES_128_GCM_SHA256 (PSK-AES128-GCM-SHA256)');
    const port = await runCli(main, ["dtls", "connect", "127.0.0.1:99999", "--psk-identity", "a", "--psk", "00"]);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('port "99999" is invalid');
    const missing = await runCli(main, ["dtls", "serve", "--listen", "127.0.0.1:0", "--psk", "00"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--psk-identity");
  });
});
