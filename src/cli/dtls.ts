/**
 * `vnetsim dtls serve` and `vnetsim dtls connect`: the DTLS 1.2 PSK endpoint on loopback UDP, for
 * testing interop by hand against OpenSSL (`s_client` / `s_server`). Argument parsing only; the
 * work is in src/dtls/tools.
 */
import type { Command } from "commander";
import type { AeadBackendName } from "../dtls/api.js";
import {
  DtlsToolUsageError,
  parseGroupList,
  parseIdentity,
  parseLoopbackAddress,
  parseMtuBytes,
  parsePskHex,
  parseSuiteList,
  parseTimeoutMs,
} from "../dtls/tools/args.js";
import { runConnect } from "../dtls/tools/connect.js";
import { startServe } from "../dtls/tools/serve.js";
import { toolLog } from "../dtls/tools/log.js";
import { CliError, EXIT_FAILED, EXIT_USAGE } from "./errors.js";
import { setExitCode, writeErr } from "./io.js";

interface CommonFlags {
  pskIdentity: string;
  psk: string;
  suites?: string;
  groups?: string;
  mtu?: string;
  keylog?: string;
  backend?: string;
  verbose?: boolean;
}

const BACKENDS: readonly AeadBackendName[] = ["node", "noble", "sodium", "js"];

/** Validates the flags shared by serve and connect; user mistakes become CliError (exit 2). */
function commonOptions(flags: CommonFlags) {
  return usage(() => {
    if (flags.backend !== undefined && !BACKENDS.includes(flags.backend as AeadBackendName)) {
      throw new DtlsToolUsageError(`--backend: unknown AEAD backend "${flags.backend}"; expected one of ${BACKENDS.join(", ")}`);
    }
    return {
      identity: parseIdentity(flags.pskIdentity),
      psk: parsePskHex(flags.psk),
      ...(flags.suites !== undefined ? { suites: parseSuiteList(flags.suites) } : {}),
      ...(flags.groups !== undefined ? { groups: parseGroupList(flags.groups) } : {}),
      ...(flags.mtu !== undefined ? { mtuBytes: parseMtuBytes(flags.mtu) } : {}),
      ...(flags.keylog !== undefined ? { keylogFile: flags.keylog } : {}),
      ...(flags.backend !== undefined ? { backend: flags.backend as AeadBackendName } : {}),
    };
  });
}

function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DtlsToolUsageError) throw new CliError(`vnetsim dtls: ${err.message}`, EXIT_USAGE);
    throw err;
  }
}

function addCommonOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--psk-identity <id>", "PSK identity (client: sent; server: the one identity accepted)")
    .requiredOption("--psk <hex>", "pre-shared key in hex, as OpenSSL's -psk (never logged)")
    .option("--suites <list>", "comma-separated cipher suites in preference order (IANA or OpenSSL names)")
    .option("--groups <list>", "ECDHE groups for ECDHE_PSK, in preference order: x25519,secp256r1")
    .option("--mtu <bytes>", "path MTU (UDP payload bytes) for handshake fragmentation")
    .option("--keylog <file>", "append NSS key log lines (CLIENT_RANDOM ...) for Wireshark to <file>")
    .option("--backend <name>", `AEAD backend: ${BACKENDS.join(", ")}`)
    .option("-v, --verbose", "log every application record on stderr");
}

export function registerDtls(program: Command): void {
  const dtls = program
    .command("dtls")
    .description("DTLS 1.2 PSK endpoint on loopback UDP, for interop testing with OpenSSL");

  addCommonOptions(
    dtls
      .command("serve")
      .description("accept DTLS 1.2 PSK sessions and echo back every record; Ctrl-C closes with close_notify")
      .requiredOption("--listen <addr>", "loopback address to bind, e.g. 127.0.0.1:4444 (port 0 = any free port)")
      .option("--psk-hint <hint>", "PSK identity hint sent in ServerKeyExchange"),
  )
    .addHelpText(
      "after",
      `
Example (then, in another terminal):
  $ vnetsim dtls serve --listen 127.0.0.1:4444 --psk-identity client1 --psk 00112233445566778899aabbccddeeff
  $ openssl s_client -dtls1_2 -connect 127.0.0.1:4444 -psk_identity client1 \\
      -psk 00112233445566778899aabbccddeeff -cipher PSK-AES128-GCM-SHA256`,
    )
    .action(async (flags: CommonFlags & { listen: string; pskHint?: string }) => {
      const common = commonOptions(flags);
      const { host, port } = usage(() => parseLoopbackAddress(flags.listen, "--listen", true));
      const log = toolLog("serve", writeErr, flags.verbose === true);
      const handle = await startServe(
        { ...common, host, port, ...(flags.pskHint !== undefined ? { hint: flags.pskHint } : {}) },
        log,
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          log.info(`${signal}: closing`);
          void handle.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });

  addCommonOptions(
    dtls
      .command("connect")
      .description("connect, send each stdin line as a record, print what comes back; exit 0 after stdin ends")
      .argument("<addr>", "server address, e.g. 127.0.0.1:4444")
      .option("--timeout <duration>", "handshake deadline and longest wait for replies (e.g. 10s, 500ms)", "10s"),
  )
    .addHelpText(
      "after",
      `
Exit codes: 0 session established and closed, 1 handshake or session failed (reason on stderr), 2 bad usage.

Example (against OpenSSL):
  $ openssl s_server -dtls1_2 -nocert -accept 127.0.0.1:4444 -psk 00112233445566778899aabbccddeeff \\
      -psk_hint h -cipher PSK-AES128-GCM-SHA256
  $ echo hello | vnetsim dtls connect 127.0.0.1:4444 --psk-identity client1 --psk 00112233445566778899aabbccddeeff`,
    )
    .action(async (addr: string, flags: CommonFlags & { timeout: string }) => {
      const common = commonOptions(flags);
      const { host, port } = usage(() => parseLoopbackAddress(addr, "<addr>"));
      const timeoutMs = usage(() => parseTimeoutMs(flags.timeout));
      const log = toolLog("connect", writeErr, flags.verbose === true);
      const result = await runConnect({ ...common, host, port, timeoutMs }, process.stdin, (d) => process.stdout.write(d), log);
      if (!result.ok) {
        writeErr(`vnetsim dtls connect: failed: ${result.reason ?? "unknown"}: ${result.detail ?? ""}`);
        setExitCode(EXIT_FAILED);
      }
    });
}
