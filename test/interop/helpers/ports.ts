/**
 * Free loopback UDP ports for interop peers. The OS picks an unused port for a socket bound to port
 * 0; we close it and hand the number on. Another process could grab it in between, so callers that
 * spawn a listener retry on a bind failure (see `withPortRetry`).
 */
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";

export const LOOPBACK_V4 = "127.0.0.1";

export async function freeUdpPort(host = LOOPBACK_V4): Promise<number> {
  const sock = createSocket(host.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    sock.once("error", reject);
    sock.bind(0, host, () => resolve());
  });
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

/** Number of attempts to start a listener on a fresh port before giving up. */
export const PORT_RETRY_ATTEMPTS_MAX = 3;

/** Runs `start(port)` with fresh ports until it succeeds or PORT_RETRY_ATTEMPTS_MAX is reached. */
export async function withPortRetry<T>(start: (port: number) => Promise<T>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < PORT_RETRY_ATTEMPTS_MAX; i++) {
    try {
      return await start(await freeUdpPort());
    } catch (err) {
      last = err;
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

/** True if some process holds `host:port` (our probe bind fails with EADDRINUSE). */
export async function udpPortInUse(port: number, host = LOOPBACK_V4): Promise<boolean> {
  const sock = createSocket(host.includes(":") ? "udp6" : "udp4");
  const inUse = await new Promise<boolean>((resolve) => {
    sock.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "EADDRINUSE"));
    sock.bind(port, host, () => resolve(false));
  });
  await new Promise<void>((resolve) => {
    try {
      sock.close(() => resolve());
    } catch {
      resolve(); // never bound: nothing to close
    }
  });
  return inUse;
}

/**
 * Linux: whether any UDP socket is bound to `port`, read from /proc/net/udp{,6} without touching
 * the port (a probe bind could make the real listener's bind fail). null when /proc is not there.
 */
export function udpPortBoundProc(port: number): boolean | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  let found: boolean | null = null;
  for (const file of ["/proc/net/udp", "/proc/net/udp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    found ??= false;
    // Each row: "sl local_address rem_address st ..." with local_address as HEXADDR:HEXPORT.
    for (const line of text.split("\n").slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local?.endsWith(`:${hexPort}`) === true) return true;
    }
  }
  return found;
}

/** Polls until a listener holds the port (tools such as `s_server -brief` print nothing on bind). */
export async function waitUdpBound(port: number, timeoutMs: number, isAlive: () => boolean = () => true, host = LOOPBACK_V4): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const bound = udpPortBoundProc(port) ?? (await udpPortInUse(port, host));
    if (bound) return;
    if (!isAlive()) throw new Error(`listener for udp ${host}:${port} exited before binding`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing bound udp ${host}:${port} within ${timeoutMs} ms`);
}
