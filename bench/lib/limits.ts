/**
 * What limits each target when it is missed, in plain words, from CPU and heap profiles of this
 * code on these machines (node --cpu-prof / the sampling heap profiler; bench/PROFILES.md has the
 * commands and the top frames). Shown beside a missed target in RESULTS.md.
 */
import { TARGET } from "./targets.js";

const NODE_PER_CALL =
  "node:crypto cannot reuse a cipher context or write into a caller's buffer: every record pays createCipheriv " +
  "(a fresh OpenSSL context and key schedule), a new Buffer from update() and another from getAuthTag(), about " +
  "2.1 KB of garbage per record; in a profile of the tunnel createCipherBase alone is 22% of the time, the AES " +
  "work itself a small part. Only a batch or reusable-context API in Node would lift it.";

const SHARED_CORES =
  "The machine has 2 cores shared with other processes (load per core at the top of this page); when they are " +
  "busy, neither threads nor short latency windows get a core to themselves.";

export const LIMITS: Readonly<Record<string, string>> = Object.freeze({
  [TARGET.sealFastest]:
    "The fastest backend is sodium-native ChaCha20-Poly1305, one native call into the caller's buffer; what remains " +
    "beside libsodium is the N-API call and CipherState's header, nonce and AAD work per record.",
  [TARGET.sealNodeAes128]: NODE_PER_CALL,
  [TARGET.sealNodeAes256]: NODE_PER_CALL,
  [TARGET.sealOpenP99Fastest]:
    "The tail of a 1400 B seal+open on the fastest backend is preemption on the shared cores and the timer, not " +
    "the cipher: it allocates nothing, so no collection lands inside a call. " + SHARED_CORES,
  [TARGET.sealOpenP99]:
    "A seal+open on node:crypto allocates ~4.2 KB (two cipher objects and their result Buffers); the young-generation " +
    "collections this garbage triggers, and preemption on the shared cores, land in the tail. sodium-native, which " +
    "allocates nothing, keeps its p99 within a few µs.",
  [TARGET.zeroAlloc]:
    "sodium-native and our js backend keep all their state in the key object and read the caller's bytes through " +
    "cached views; a figure above zero here means a view cache missed (a new buffer per call) or V8 boxed a number. " +
    "@noble/ciphers is not counted: it takes an output buffer but builds a new cipher and Poly1305 state on every " +
    "call (~8 KB per 1400 B record, see its rows), which only noble can change.",
  [TARGET.tunnelVsWeriftSame]:
    "Like for like both stacks pay node:crypto's per-record cipher contexts: in a profile of our send+deliver on " +
    "AES-128-GCM, createCipheriv/createDecipheriv, their update/final calls and the collection of the ~4.6 KB of " +
    "garbage they leave per record are well over half of the time, and werift-dtls pays the same calls; even with " +
    "the rest of our endpoint free the ratio could not pass ~2x.",
  [TARGET.tunnelVsWerift]:
    "Our endpoint seals into a reused buffer, opens into a reused plaintext buffer and the memory link pools its " +
    "datagrams (about 100 B allocated per record); in a profile on sodium-native libsodium's seal and open are " +
    "two thirds of the time. A miss here is the machine: see the load per core at the top.",
  [TARGET.hsPsk]:
    "The time of a PSK handshake is spread out: in a profile garbage collection is 15%, the TLS PRF 10% (HMAC " +
    "set-up per call), deriving the epoch ciphers 11%, flight encoding and packing ~10%, the cookie exchange a " +
    "round trip more; no single fix. (Handing the PRF a KeyObject instead of the raw secret did not lower the CPU " +
    "per handshake in a trial here.)",
  [TARGET.hsEcdhePsk]:
    "X25519 keys are imported through PKCS#8/SPKI DER (createPrivateKey is 30% of the self time of an ECDHE-PSK " +
    "handshake profile, createPublicKey 9%): OpenSSL 3's DER decoder is slow. In a trial, importing the same raw " +
    "keys as JWK (kty OKP) in src/dtls/handshake/ecdhe.ts gave identical keys and secrets and cut the CPU per " +
    "ECDHE-PSK handshake from ~3.0-3.9 ms to ~1.4-1.5 ms (same machine, same load).",
  [TARGET.hsPskVsWerift]: "See the PSK handshake rate above; werift-dtls pays ECDSA signatures and certificate parsing.",
  [TARGET.hsEcdhePskVsWerift]: "See the ECDHE-PSK handshake rate above: the X25519 key import dominates ours.",
  [TARGET.workers]: SHARED_CORES,
  [TARGET.simSeconds]:
    "If the run was stopped at its time limit (see the notes), the figure is how long it had run: a lower bound. " +
    "A profile of runScenario at 1/100 scale: ~350 µs of CPU per flow; garbage collection 17%, tunnel handshakes " +
    "about a third (the endpoint's handshake 24%, openTunnel 10% with an HKDF derivation of the PSK per tunnel " +
    "half 6%), the per-packet path (policy verdict, seal, flow-table observe) 23%, flow-log drain 9%.",
  [TARGET.simRss]:
    "If the run was stopped at its time limit (see the notes), the figure is its peak until then: a lower bound. " +
    "A sampling heap profile at the peak of a 1/10-scale run: the flow-log table's per-flow entries are the " +
    "largest part (observe, ~30%), then one FlowState per flow created up front for every flow (~18%), Maps, " +
    "the policy verdict cache, and every tunnel's two endpoints; all flows and their states exist for the whole run.",
});
