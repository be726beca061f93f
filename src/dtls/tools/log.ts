/**
 * Logging for the DTLS tools: human-readable lines on stderr (stdout carries only application
 * data, so `vnetsim dtls connect | ...` pipes cleanly), alert names, and the NSS key log file.
 */
import { appendFileSync } from "node:fs";
import { AlertDescription } from "../constants.js";

export interface ToolLog {
  info(line: string): void;
  debug(line: string): void;
}

/** Writes "vnetsim dtls <tool>: <line>" to a sink; debug lines only when verbose. */
export function toolLog(tool: string, write: (line: string) => void, verbose = false): ToolLog {
  return {
    info: (line) => write(`vnetsim dtls ${tool}: ${line}`),
    debug: (line) => {
      if (verbose) write(`vnetsim dtls ${tool}: ${line}`);
    },
  };
}

/** "decrypt_error" for 51, etc. (RFC 5246 §7.2 names); "alert_N" for values we do not name. */
export function alertName(description: number): string {
  const name = AlertDescription[description];
  if (name === undefined) return `alert_${description}`;
  return name.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/**
 * NSS key log sink (the format Wireshark's "(Pre)-Master-Secret log filename" and OpenSSL's
 * -keylogfile use). The file is created owner-only: it holds session secrets.
 */
export function keyLogSink(file: string): (line: string) => void {
  return (line) => appendFileSync(file, line.endsWith("\n") ? line : `${line}\n`, { mode: 0o600 });
}
