/**
 * werift-dtls, the peer reference: a DTLS 1.2 client and server in TypeScript (ECDHE with
 * certificates, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, AES-GCM through node:crypto), both in
 * this process over an in-memory transport written for it here. Its package "main" points at a
 * file that is not shipped, so the DTLS entry is required directly.
 *
 * The transport hands each datagram to the peer in a microtask: the cheapest asynchronous hop
 * (werift's send() is async and its handshake code awaits), so the figure is werift's own cost.
 */
import { createRequire } from "node:module";

/** The part of werift-dtls this benchmark uses. */
interface WeriftEvent<T extends unknown[]> {
  once(fn: (...args: T) => void): void;
  subscribe(fn: (...args: T) => void): { unSubscribe(): void };
}
interface WeriftSocket {
  readonly onConnect: WeriftEvent<unknown[]>;
  readonly onData: WeriftEvent<[Buffer]>;
  readonly onError: WeriftEvent<[Error]>;
  send(buf: Buffer): Promise<void>;
  close(): void;
}
interface WeriftClient extends WeriftSocket {
  connect(): Promise<void>;
}
interface WeriftTransport {
  type: string;
  address: Record<string, never>;
  closed: boolean;
  onData: (data: Buffer, addr: unknown) => void;
  send: (data: Buffer) => Promise<void>;
  close: () => Promise<void>;
}
interface SignatureHash {
  hash: number;
  signature: number;
}
interface WeriftModule {
  DtlsServer: new (o: { transport: WeriftTransport; cert: string; key: string; signatureHash: SignatureHash }) => WeriftSocket;
  DtlsClient: new (o: { transport: WeriftTransport }) => WeriftClient;
  CipherContext: {
    createSelfSignedCertificateWithKey(sh: SignatureHash, curve: number): Promise<{ certPem: string; keyPem: string; signatureHash: SignatureHash }>;
  };
}

/** The suite werift negotiates with its ECDSA certificate. */
export const WERIFT_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
/** werift-dtls cipher/const: sha256 = 4, ecdsa = 3, secp256r1 = 23. */
const ECDSA_SHA256: SignatureHash = { hash: 4, signature: 3 };
const SECP256R1 = 23;
/** A werift handshake that has not finished after this long is reported as a failure. */
export const WERIFT_HANDSHAKE_TIMEOUT_MS = 10_000;

export type Werift = { mod: WeriftModule; cert: { certPem: string; keyPem: string; signatureHash: SignatureHash } };

/** Loads werift-dtls and makes the server certificate once (outside every timed region). */
export async function loadWerift(): Promise<Werift | Error> {
  try {
    const require = createRequire(import.meta.url);
    const mod = require("werift-dtls/lib/dtls/src") as WeriftModule;
    const cert = await mod.CipherContext.createSelfSignedCertificateWithKey(ECDSA_SHA256, SECP256R1);
    return { mod, cert };
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** Two transports wired to each other; each datagram arrives at the peer in a microtask. */
export function weriftMemoryPair(): [WeriftTransport, WeriftTransport] {
  const make = (): WeriftTransport & { peer: WeriftTransport | null } => ({
    type: "memory",
    address: {},
    closed: false,
    peer: null,
    onData: () => {},
    send(data: Buffer) {
      const peer = this.peer;
      if (this.closed || peer === null || peer.closed) return Promise.resolve();
      // The sender may reuse its buffer after send() resolves: hand the peer its own copy.
      const copy = Buffer.from(data);
      queueMicrotask(() => peer.onData(copy, {}));
      return Promise.resolve();
    },
    close() {
      this.closed = true;
      return Promise.resolve();
    },
  });
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

export interface WeriftPair {
  client: WeriftClient;
  server: WeriftSocket;
  close(): void;
}

/** One full handshake (ECDHE with the server's ECDSA certificate); resolves when both sides are connected. */
export async function weriftConnect(w: Werift): Promise<WeriftPair> {
  const [ct, st] = weriftMemoryPair();
  const server = new w.mod.DtlsServer({ transport: st, cert: w.cert.certPem, key: w.cert.keyPem, signatureHash: w.cert.signatureHash });
  const client = new w.mod.DtlsClient({ transport: ct });
  const both = Promise.all([new Promise<void>((r) => client.onConnect.once(() => r())), new Promise<void>((r) => server.onConnect.once(() => r()))]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`werift-dtls handshake did not finish within ${WERIFT_HANDSHAKE_TIMEOUT_MS} ms`)), WERIFT_HANDSHAKE_TIMEOUT_MS);
  });
  void client.connect();
  try {
    await Promise.race([both, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return {
    client,
    server,
    close() {
      client.close();
      server.close();
      void ct.close();
      void st.close();
    },
  };
}
