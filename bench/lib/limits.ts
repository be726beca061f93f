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
  "work itself a small part. Only a batch or reusable-context API in Node would lift it. The bare call, timed " +
  "in the same run (the table \"node:crypto's own per-call ceiling\" below), is the ceiling for any code on " +
  "node:crypto on this machine; the column \"ours / bare\" shows how much of it our seal reaches.";

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
    "Seen so far only on some js seal rows, a different one from run to run: code V8 has not optimized (yet, or " +
    "again after a deoptimization) boxes fractions and words above 2^31 as 16-byte heap numbers; the record path's " +
    "helpers no longer make any (test/dtls/suites/js-alloc-unoptimized.test.ts), and what is left (a few bytes per " +
    "record, ~0.4 B of it attributed to ChaCha20.xorAt by a sampling heap profile) is not yet explained. " +
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
    "A PSK handshake (both ends, with the HelloVerifyRequest round trip) is now mostly SHA-256: ~35-40% of its CPU " +
    "is the two transcripts and the PRF (92 compressions for PSK AES-128-GCM, each one required by the PRF or the " +
    "transcript; in TypeScript with the HMAC pad states computed once per key: node:crypto's per-call context costs " +
    "more for inputs this short); on the node backend ~25% more is a node:crypto cipher context per Finished and " +
    "close_notify record (the sodium rows avoid those). Flights are sealed into one shared buffer and records read in " +
    "place (~31-35 KB allocated per handshake, garbage collection ~2%): see src/dtls/handshake/README.md.",
  [TARGET.hsEcdhePsk]:
    "An ECDHE-PSK handshake is the PSK handshake plus an X25519 key pair and a shared secret on each end: ~30 + ~50 µs " +
    "each in libsodium when sodium-native is installed, ~155 µs with node:crypto (raw keys imported as JWK).",
  [TARGET.hsPskVsWerift]:
    "See the PSK handshake rate above; werift-dtls pays ECDSA signatures and certificate parsing, so the ratio moves " +
    "with how much of our handshake the machine's load stretches.",
  [TARGET.hsEcdhePskVsWerift]:
    "See the ECDHE-PSK rate above: the two X25519 key pairs and shared secrets (~160 µs in libsodium) come on top " +
    "of a PSK handshake (~200-280 µs for both ends), and werift-dtls's rate moves with the machine's load as ours does.",
  [TARGET.workersFastest]: SHARED_CORES,
  [TARGET.workers]:
    "Each thread's node:crypto garbage (~2 KB per record) also has to be collected, on the sealing thread itself " +
    "(--single-threaded-gc), and freeing each record's OpenSSL context and Buffers goes through the process-wide " +
    "allocator; sodium-native, which allocates nothing, scales better. This ratio moved between 1.33 and 1.94 over " +
    "this build's runs. " + SHARED_CORES,
  [TARGET.simSeconds]:
    "If the run was stopped at its time limit (see the notes), the figure is how long it had run: a lower bound. " +
    "The run is split by tunnel over one worker thread per core (2 here; the merged result is the one-thread result), " +
    "so the wall time is about half the CPU time. Per flow (140-170 µs of CPU when the machine is slow, ~100 µs when " +
    "it is fast), in a profile of the split run: node:crypto's cipher contexts and calls ~25% (~2.7 per flow: the " +
    "packet's seal and open, and per tunnel the Finished and close_notify records; AES-128-GCM, the simulator's " +
    "default suite, has no other native backend in Node), garbage collection ~23% (of the young-generation pauses, " +
    "a third is Node's weak callbacks freeing those per-record cipher contexts and a fifth freeing their result " +
    "Buffers), the data plane ~12%, the DTLS handshakes and records ~22% (SHA-256 and the PRF a third of it), flow " +
    "logs ~7% (one new flow-table entry per flow). The work is bounded by node:crypto's per-call cost; the figure " +
    "moves with the shared machine's speed: compare the simulator's CPU seconds in the notes.",
  [TARGET.simRss]:
    "If the run was stopped at its time limit (see the notes), the figure is its peak until then: a lower bound. " +
    "Flows are made when they start and freed when done; what stays is the live tunnels: with the 5-minute idle " +
    "timeout and pairs spread over the run ~50,000 are open at the peak (~25,000 per worker), each with two DTLS " +
    "endpoints (~5.6 KB together after the handshake), and each worker's V8 heap is limited to its share of 1536 MB.",
});
