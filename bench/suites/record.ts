/**
 * Record protection: seal, open and seal+open of one DTLS record through CipherState, for every
 * suite x every AEAD backend that supports it x every size, into preallocated buffers (the way the
 * endpoint uses it). Beside each cipher and size, the native limit: openssl speed -aead, run right
 * before our rows of that cipher and size so both see the same machine load.
 */
import { createCipheriv, createSecretKey } from "node:crypto";
import { ContentType } from "../../src/dtls/constants.js";
import { CipherState } from "../../src/dtls/record/cipher-state.js";
import { emptyRecordHeader, readRecordHeader } from "../../src/dtls/record/header.js";
import { availableBackends, getBackend } from "../../src/dtls/suites/aead.js";
import { SUITES, type AeadAlgorithm, type SuiteInfo } from "../../src/dtls/suites/registry.js";
import { seededRng } from "../../src/dtls/transport/seeded.js";
import type { AeadBackendName } from "../../src/dtls/api.js";
import type { BenchContext } from "../lib/context.js";
import { measureOp, type OpFigures } from "../lib/measure.js";
import { OPENSSL_CIPHER_FOR, runOpensslSpeed } from "../lib/openssl.js";
import { emptyRow, type Row } from "../lib/report.js";
import { BARE_NODE_SEAL_OPERATION, TARGET_SIZE_BYTES } from "../lib/targets.js";

/** Warm-up and measured time of the 1400 B rows in a full run (the other sizes keep the run's settings). */
export const TARGET_SIZE_MEASURE = Object.freeze({ warmupMs: 700, timeMs: 1500 });

/**
 * The operation of the rows that measure node:crypto itself: one GCM seal with nothing around it
 * (createCipheriv with a KeyObject, setAAD, update, final, getAuthTag; no copy into a record). It is
 * the per-call ceiling of any node:crypto AEAD user on this machine, in the same run as ours. Rows
 * for the AES-GCM ciphers, the ones a target names.
 */
export { BARE_NODE_SEAL_OPERATION };

/** The bare node:crypto seal as a closure over preallocated inputs (a fixed nonce: nothing is opened). */
export function bareNodeSealOp(aead: "aes-128-gcm" | "aes-256-gcm", sizeBytes: number, seed: number): () => void {
  const rng = seededRng(seed);
  const raw = new Uint8Array(aead === "aes-128-gcm" ? 16 : 32);
  rng(raw);
  const keyObject = createSecretKey(raw);
  const nonce = new Uint8Array(12);
  const aad = new Uint8Array(13);
  const payload = new Uint8Array(sizeBytes);
  rng(nonce);
  rng(aad);
  rng(payload);
  const options = { authTagLength: 16 };
  return () => {
    const c = createCipheriv(aead, keyObject, nonce, options);
    c.setAAD(aad);
    c.update(payload);
    c.final();
    c.getAuthTag();
  };
}

export type RecordOperation = "seal" | "open" | "seal+open";
const OPERATIONS: readonly RecordOperation[] = ["seal", "open", "seal+open"];

/** A sender and a receiver state of one suite on one backend, with keys from the seed. */
export function cipherPair(suite: SuiteInfo, backend: AeadBackendName, seed: number): { tx: CipherState; rx: CipherState } {
  const rng = seededRng(seed);
  const key = new Uint8Array(suite.encKeyBytes);
  const iv = new Uint8Array(suite.fixedIvBytes);
  rng(key);
  rng(iv);
  const b = getBackend(backend);
  return {
    tx: new CipherState(suite, b.importKey(suite.aead, key), iv, 1),
    rx: new CipherState(suite, b.importKey(suite.aead, key), iv, 1),
  };
}

/**
 * The operation as a closure over preallocated buffers. Sequence numbers keep increasing (a
 * CipherState refuses to seal a sequence number twice); open authenticates a record sealed once.
 */
export function recordOp(op: RecordOperation, suite: SuiteInfo, backend: AeadBackendName, sizeBytes: number, seed: number): () => void {
  const { tx, rx } = cipherPair(suite, backend, seed);
  const payload = new Uint8Array(sizeBytes);
  seededRng(seed + 1)(payload);
  const record = new Uint8Array(sizeBytes + tx.overheadBytes);
  const plain = new Uint8Array(sizeBytes);
  const header = emptyRecordHeader();
  let seq = 0;
  const check = (n: number): void => {
    if (n !== sizeBytes) throw new Error(`record bench: open of a ${sizeBytes} B record on ${backend}/${suite.name} returned ${n}`);
  };
  switch (op) {
    case "seal":
      return () => {
        tx.seal(ContentType.ApplicationData, seq++, payload, record, 0);
      };
    case "open": {
      tx.seal(ContentType.ApplicationData, seq++, payload, record, 0);
      readRecordHeader(record, 0, header);
      return () => {
        check(rx.open(header, record, 0, plain, 0));
      };
    }
    case "seal+open":
      return () => {
        tx.seal(ContentType.ApplicationData, seq++, payload, record, 0);
        readRecordHeader(record, 0, header);
        check(rx.open(header, record, 0, plain, 0));
      };
  }
}

function row(suite: SuiteInfo, backend: string, sizeBytes: number, operation: string, f: OpFigures, ratio: number | null): Row {
  return {
    ...emptyRow("record", operation),
    suite: suite.name,
    backend,
    sizeBytes,
    perSecond: f.perSecond,
    ratioToOpenssl: ratio,
    p50Us: f.p50Us,
    p99Us: f.p99Us,
    p999Us: f.p999Us,
    allocBytesPerOp: f.allocBytesPerOp,
  };
}

/** openssl's figure per cipher and size (bytes/s), or null with the reason noted once. */
function opensslRow(ctx: BenchContext, aead: AeadAlgorithm, sizeBytes: number, missing: Set<string>): number | null {
  const cipher = OPENSSL_CIPHER_FOR[aead]!;
  const id = `openssl-speed/${cipher}/${sizeBytes}`;
  const r = runOpensslSpeed(cipher, sizeBytes, ctx.settings.opensslSeconds);
  if (!r.ok) {
    if (!missing.has(r.reason)) {
      missing.add(r.reason);
      ctx.notes.push(`No openssl reference for ${cipher}: ${r.reason}. Our figures are reported without a ratio.`);
    }
    ctx.log(`${id}: ${r.reason}`);
    return null;
  }
  ctx.rows.push({
    ...emptyRow("openssl-speed", "seal"),
    suite: cipher,
    backend: "openssl",
    sizeBytes,
    perSecond: r.bytesPerSecond / sizeBytes,
  });
  ctx.log(`${id}: ${(r.bytesPerSecond / 1e6).toFixed(0)} MB/s`);
  return r.bytesPerSecond;
}

export async function runRecordSuite(ctx: BenchContext): Promise<void> {
  const backends = availableBackends();
  if (!backends.includes("sodium")) {
    ctx.notes.push("sodium-native is not installed or did not load: its rows are missing.");
  }
  const missing = new Set<string>();
  const aeads = [...new Set(SUITES.map((s) => s.aead))];
  for (const aead of aeads) {
    const suites = SUITES.filter((s) => s.aead === aead);
    for (const sizeBytes of ctx.settings.sizes) {
      const ids = suites.flatMap((s) =>
        backends.filter((b) => getBackend(b).supports(aead)).flatMap((b) => OPERATIONS.map((op) => ({ s, b, op, id: `record/${op}/${s.name}/${b}/${sizeBytes}` }))),
      );
      const chosen = ids.filter((x) => ctx.selected(x.id));
      const bareId = `record/${BARE_NODE_SEAL_OPERATION}/${aead}/${sizeBytes}`;
      const bare = (aead === "aes-128-gcm" || aead === "aes-256-gcm") && ctx.selected(bareId) && getBackend("node").supports(aead) ? aead : null;
      if (chosen.length === 0 && bare === null) continue;
      const opensslBytesPerSecond = chosen.some((x) => x.op === "seal") || bare !== null ? opensslRow(ctx, aead, sizeBytes, missing) : null;
      // The size the targets are judged at gets a longer window, as the tunnels do: rates are per CPU-second of
      // every thread, so a short window right after a short warm-up also bills V8's background compilation.
      const measure = sizeBytes === TARGET_SIZE_BYTES && !ctx.settings.quick ? { ...ctx.settings.measure, ...TARGET_SIZE_MEASURE } : ctx.settings.measure;
      for (const { s, b, op, id } of chosen) {
        const f = await measureOp(id, recordOp(op, s, b, sizeBytes, ctx.settings.seed), measure, ctx.timerOverheadNs);
        const ratio = op === "seal" && opensslBytesPerSecond !== null ? (f.perSecond * sizeBytes) / opensslBytesPerSecond : null;
        ctx.rows.push(row(s, b, sizeBytes, op, f, ratio));
        ctx.log(
          `${id}: ${Math.round(f.perSecond)} rec/s p50 ${f.p50Us.toFixed(2)} µs p99 ${f.p99Us.toFixed(2)} µs ` +
            `alloc ${f.allocBytesPerOp === null ? "n/a" : f.allocBytesPerOp.toFixed(1)} B` +
            (ratio === null ? "" : ` ratio ${ratio.toFixed(3)}`),
        );
      }
      if (bare !== null) {
        const f = await measureOp(bareId, bareNodeSealOp(bare, sizeBytes, ctx.settings.seed), measure, ctx.timerOverheadNs);
        const ratio = opensslBytesPerSecond !== null ? (f.perSecond * sizeBytes) / opensslBytesPerSecond : null;
        ctx.rows.push(row(suites[0]!, "node", sizeBytes, BARE_NODE_SEAL_OPERATION, f, ratio));
        ctx.log(`${bareId}: ${Math.round(f.perSecond)} rec/s` + (ratio === null ? "" : ` ratio ${ratio.toFixed(3)}`));
      }
    }
  }
}
