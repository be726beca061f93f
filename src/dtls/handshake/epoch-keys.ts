/**
 * From a negotiated master secret to the two CipherStates of the new epoch (RFC 5246 §6.3 key
 * block; RFC 6347 §4.1: the epoch is part of every record's nonce/AAD, so each epoch gets its own
 * CipherState). The crypto itself lives in crypto/keys.ts and record/cipher-state.ts.
 */
import type { AeadBackendName } from "../api.js";
import { keyBlock } from "../crypto/keys.js";
import type { PrfSecret } from "../crypto/prf.js";
import { CipherState } from "../record/cipher-state.js";
import { backendFor } from "../suites/aead.js";
import type { SuiteInfo } from "../suites/registry.js";

export interface EpochCiphers {
  /** What this side seals with. */
  write: CipherState;
  /** What this side opens the peer's records with. */
  read: CipherState;
}

export function deriveEpochCiphers(
  suite: SuiteInfo,
  master: Uint8Array | PrfSecret,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  role: "client" | "server",
  epoch: number,
  backend: AeadBackendName | undefined,
): EpochCiphers {
  const kb = keyBlock(suite, master, clientRandom, serverRandom);
  const b = backendFor(suite.aead, backend);
  const client = new CipherState(suite, b.importKey(suite.aead, kb.clientWriteKey), kb.clientWriteIv, epoch);
  const server = new CipherState(suite, b.importKey(suite.aead, kb.serverWriteKey), kb.serverWriteIv, epoch);
  return role === "client" ? { write: client, read: server } : { write: server, read: client };
}
