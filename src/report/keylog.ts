/**
 * The key log of a run (`vnetsim run --keylog FILE`): the NSS key log format that Wireshark and
 * tshark read through `tls.keylog_file` (also used by OpenSSL's -keylogfile and by browsers'
 * SSLKEYLOGFILE). One line per DTLS handshake:
 *
 *   CLIENT_RANDOM <ClientHello.random, 32 bytes as 64 hex digits> <master secret, 48 bytes as 96 hex digits>
 *
 * (NSS "Key Log Format"; the master secret is 48 bytes in TLS 1.2, RFC 5246 §8.1.) This file is
 * the one place where vnetsim writes keys; it is created owner-only (mode 0600) and nothing else
 * prints them (error messages here never include a line's content).
 *
 * Both ends of a tunnel log the same line; duplicates are written once. The file is written to a
 * temporary file beside FILE and renamed into place by close() (atomic: a failed run leaves no
 * partial key log, abort() removes the temporary file).
 */
import { StagedFile } from "./staged-file.js";

/** Label of a TLS 1.2 master secret line (NSS Key Log Format). */
export const KEYLOG_LABEL_CLIENT_RANDOM = "CLIENT_RANDOM";
/** ClientHello.random is 32 bytes (RFC 5246 §7.4.1.2). */
export const CLIENT_RANDOM_BYTES = 32;
/** The TLS 1.2 master secret is 48 bytes (RFC 5246 §8.1). */
export const MASTER_SECRET_BYTES = 48;
/** Upper bound on distinct lines in one key log (one per handshake: rekeys and re-established tunnels). */
export const KEYLOG_LINES_MAX = 1_000_000;

const LINE_RE = new RegExp(`^${KEYLOG_LABEL_CLIENT_RANDOM} [0-9a-fA-F]{${2 * CLIENT_RANDOM_BYTES}} [0-9a-fA-F]{${2 * MASTER_SECRET_BYTES}}$`);

export interface KeyLogStats {
  /** Distinct lines written. */
  lines: number;
  /** Lines seen again (the other end of the same handshake). */
  duplicates: number;
  /** Lines not written because KEYLOG_LINES_MAX was reached. */
  linesDropped: number;
}

export class KeyLogWriter {
  readonly path: string;
  private readonly file: StagedFile;
  private readonly linesMax: number;
  private readonly seen = new Set<string>();
  private stats: KeyLogStats = { lines: 0, duplicates: 0, linesDropped: 0 };
  private state: "open" | "closed" | "aborted" = "open";

  constructor(path: string, options: { linesMax?: number } = {}) {
    this.linesMax = options.linesMax ?? KEYLOG_LINES_MAX;
    if (!Number.isInteger(this.linesMax) || this.linesMax < 0) {
      throw new RangeError(`KeyLogWriter: "linesMax" expected a whole number, got ${this.linesMax}`);
    }
    this.path = path;
    this.file = new StagedFile(path, 0o600);
  }

  get tempPath(): string {
    return this.file.tempPath;
  }

  /** Records one key log line (as the DTLS endpoint's `keyLog` callback gives it, with or without a newline). */
  line(text: string): void {
    if (this.state !== "open") throw new Error(`KeyLogWriter: line after the key log ${this.path} was ${this.state}`);
    const line = text.endsWith("\n") ? text.slice(0, -1) : text;
    if (!LINE_RE.test(line)) {
      // Never echo the line: it may hold a secret.
      const label = line.split(" ", 1)[0] ?? "";
      throw new TypeError(
        `KeyLogWriter: expected "${KEYLOG_LABEL_CLIENT_RANDOM} <${2 * CLIENT_RANDOM_BYTES} hex> <${2 * MASTER_SECRET_BYTES} hex>", ` +
          `got a line of ${line.length} characters starting with ${JSON.stringify(label.slice(0, 20))}`,
      );
    }
    const normalized = line.toLowerCase().replace(/^client_random/, KEYLOG_LABEL_CLIENT_RANDOM);
    if (this.seen.has(normalized)) {
      this.stats.duplicates += 1;
      return;
    }
    if (this.seen.size >= this.linesMax) {
      this.stats.linesDropped += 1;
      return;
    }
    this.seen.add(normalized);
    this.file.write(Buffer.from(`${normalized}\n`, "latin1"));
    this.stats.lines += 1;
  }

  /** A `keyLog` callback for RunOptions / the DTLS endpoint. */
  sink(): (line: string) => void {
    return (text) => this.line(text);
  }

  /** fsyncs and renames the key log into place; returns the statistics. */
  close(): KeyLogStats {
    if (this.state !== "open") throw new Error(`KeyLogWriter: close of the key log ${this.path}, which was already ${this.state}`);
    try {
      this.file.commit();
      this.state = "closed";
    } catch (error) {
      this.state = "aborted";
      throw error;
    }
    return this.getStats();
  }

  /** Discards the key log: the temporary file is removed, FILE is left as it was. */
  abort(): void {
    if (this.state === "closed") return;
    this.state = "aborted";
    this.file.abort();
  }

  getStats(): KeyLogStats {
    return { ...this.stats };
  }
}
