/**
 * The handshake's allocation-free paths against the plain ones they replace: each must give the
 * same answers (bytes, hashes, messages, errors), and each shared buffer or cache stays bounded.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Transport } from "../../../src/dtls/api.js";
import { ManualClock } from "../../../src/dtls/clock.js";
import { ContentType } from "../../../src/dtls/constants.js";
import { PREMASTER_SCRATCH_BYTES_MAX, pskPremaster, pskPremasterShared } from "../../../src/dtls/crypto/keys.js";
import { prf, PRF_SEED_VIEWS_MAX } from "../../../src/dtls/crypto/prf.js";
import { DtlsEndpoint } from "../../../src/dtls/endpoint.js";
import { EpochTable, PlaintextDuplicateFilter } from "../../../src/dtls/epochs.js";
import type { CipherState } from "../../../src/dtls/record/cipher-state.js";
import { encodeSupportedGroups } from "../../../src/dtls/handshake/extensions.js";
import { checkHandshakeFragments, encodeFullMessage, fragmentMessage, readHandshakeFragments } from "../../../src/dtls/handshake/header.js";
import { Reassembler, type ReassembledMessage } from "../../../src/dtls/handshake/reassembly.js";
import { Transcript } from "../../../src/dtls/handshake/transcript.js";
import { utf8Bytes, utf8Text } from "../../../src/dtls/handshake/util.js";
import { ByteWriter } from "../../../src/dtls/handshake/wire.js";
import { createMemoryLink, MEMORY_LINK_SHARED_POOL_MAX, memoryLinkSharedPoolBuffers } from "../../../src/dtls/transport/memory.js";
import { seededRandom, seededRng } from "../../../src/dtls/transport/seeded.js";

describe("Reassembler.takeWhole (the no-copy path of HandshakeMachine.onFragment)", () => {
  const frag = (seq: number, body: Uint8Array, size: number) => fragmentMessage(22, seq, body, 12 + size).flatMap((f) => readHandshakeFragments(f));

  it("takeWhole-then-add releases the same messages as add/take alone, in any order (200 runs, seed printed on failure)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 4, maxLength: 4 }),
        fc.infiniteStream(fc.nat()),
        (bodies, sizes, order) => {
          const pieces = bodies.flatMap((b, seq) => frag(seq, b, sizes[seq]!));
          const it = order[Symbol.iterator]();
          for (let i = pieces.length - 1; i > 0; i--) {
            const j = it.next().value! % (i + 1);
            [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!];
          }
          const plain = new Reassembler(10_000, 8, 10_000);
          const fast = new Reassembler(10_000, 8, 10_000);
          const a: number[][] = [];
          const b: number[][] = [];
          for (const p of pieces) {
            const r = plain.add(p);
            for (let m = plain.take(); m; m = plain.take()) a.push([m.messageSeq, ...m.body]);
            const whole = fast.takeWhole(p);
            if (whole !== undefined) b.push([whole.messageSeq, ...whole.body]);
            else expect(fast.add(p)).toBe(r);
            for (let m: ReassembledMessage | undefined = fast.take(); m; m = fast.take()) b.push([m.messageSeq, ...m.body]);
          }
          expect(b).toEqual(a);
          expect(fast.nextMessageSeq).toBe(plain.nextMessageSeq);
          expect(fast.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("leaves messages over the limits to add(), which refuses them", () => {
    const r = new Reassembler(100, 8, 50);
    const [big] = frag(0, new Uint8Array(60), 100);
    expect(r.takeWhole(big!)).toBeUndefined();
    expect(r.add(big!)).toBe("over-limit");
    const [ahead] = frag(1, new Uint8Array(10), 100);
    expect(r.takeWhole(ahead!)).toBeUndefined(); // not the next expected message
    expect(r.nextMessageSeq).toBe(0);
  });
});

describe("Transcript.useHash", () => {
  const msg = fc.record({ msgType: fc.integer({ min: 0, max: 255 }), messageSeq: fc.integer({ min: 0, max: 0xffff }), body: fc.uint8Array({ maxLength: 200 }) });

  it("hashes equal the reference whenever useHash is called, and added bodies may be reused at once (150 runs, seed printed on failure)", () => {
    fc.assert(
      fc.property(fc.array(msg, { minLength: 1, maxLength: 6 }), fc.nat(6), fc.constantFrom("sha256" as const, "sha384" as const), (msgs, at, alg) => {
        const t = new Transcript();
        const ref = createHash(alg);
        const scratch = new Uint8Array(256);
        msgs.forEach((m, i) => {
          if (i === Math.min(at, msgs.length - 1)) t.useHash(alg);
          ref.update(encodeFullMessage(m.msgType, m.messageSeq, m.body));
          // Once hashing, a body that is a view of a reused buffer is fine: overwrite it afterwards.
          const view = scratch.subarray(0, m.body.length);
          view.set(m.body);
          t.add(m.msgType, m.messageSeq, i >= at ? view : m.body.slice());
          if (i >= at) view.fill(0xee);
        });
        expect(Buffer.from(t.hash(alg)).toString("hex")).toBe(ref.digest("hex"));
        expect(t.messageCount).toBe(msgs.length);
      }),
      { numRuns: 150 },
    );
  });

  it("refuses the other hash once one is chosen, and clear() lifts the choice", () => {
    const t = new Transcript();
    t.add(1, 0, new Uint8Array(3));
    t.useHash("sha256");
    expect(() => t.hash("sha384")).toThrow(/sha256 only/);
    expect(() => t.useHash("sha384")).toThrow(/already hashing with sha256/);
    t.clear();
    t.useHash("sha384");
    expect(t.hash("sha384")).toHaveLength(48);
  });
});

describe("handshake records read in place", () => {
  it("checkHandshakeFragments on bytes[start..end) reports offsets relative to the payload, like on a copy", () => {
    const payload = Uint8Array.of(...encodeFullMessage(1, 0, new Uint8Array(4)), 1, 2, 3);
    const framed = Uint8Array.of(9, 9, 9, ...payload, 9);
    const err = (f: () => void): string => {
      try {
        f();
        return "none";
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(err(() => checkHandshakeFragments(framed, 3, 3 + payload.length))).toBe(err(() => readHandshakeFragments(payload)));
    expect(err(() => checkHandshakeFragments(payload))).toMatch(/at offset 16, got 3/);
  });
});

describe("one-entry caches", () => {
  it("utf8Bytes / utf8Text answer like TextEncoder / TextDecoder for alternating inputs", () => {
    const words = ["vnet-region", "hint", "", "żółw", "vnet-region"];
    for (const w of [...words, ...words]) {
      expect([...utf8Bytes(w)]).toEqual([...new TextEncoder().encode(w)]);
      expect(utf8Text(new TextEncoder().encode(w))).toBe(w);
    }
    const bad = Uint8Array.of(0xff, 0x41);
    expect(utf8Text(bad)).toBe("\ufffdA");
    bad[1] = 0x42; // the cache keeps a copy, not the caller's array
    expect(utf8Text(bad)).toBe("\ufffdB");
  });

  it("encodeSupportedGroups gives the fresh encoding for alternating group lists", () => {
    const enc = (groups: number[]) => [...encodeSupportedGroups(groups).data];
    expect(enc([29, 23])).toEqual([0, 4, 0, 29, 0, 23]);
    expect(enc([23])).toEqual([0, 2, 0, 23]);
    expect(enc([29, 23])).toEqual([0, 4, 0, 29, 0, 23]);
  });
});

describe("ByteWriter.beginVec16/endVec16", () => {
  it("writes what vec16 of a separately built inner vector writes", () => {
    const inner = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const a = new ByteWriter();
    a.u8(7).vec16(inner, "x").u8(8);
    const b = new ByteWriter();
    b.u8(7);
    const at = b.beginVec16();
    b.bytes(inner).endVec16(at, "x").u8(8);
    expect(b.finish()).toEqual(a.finish());
  });

  it("refuses a vector past 65535 bytes, naming the field", () => {
    const w = new ByteWriter();
    const at = w.beginVec16();
    w.bytes(new Uint8Array(65536));
    expect(() => w.endVec16(at, "extensions")).toThrow(/"extensions" expected at most 65535 bytes, got 65536/);
  });
});

describe("pskPremasterShared", () => {
  it("equals pskPremaster (plain PSK and with an other_secret), also after a longer one (100 runs, seed printed on failure)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }), (psk, other) => {
        expect([...pskPremasterShared(psk, other)]).toEqual([...pskPremaster(psk, other)]);
      }),
      { numRuns: 100 },
    );
  });

  it(`beyond PREMASTER_SCRATCH_BYTES_MAX (${PREMASTER_SCRATCH_BYTES_MAX}) gives an array of its own; bad input throws as pskPremaster does`, () => {
    const psk = new Uint8Array(PREMASTER_SCRATCH_BYTES_MAX).fill(3);
    const a = pskPremasterShared(psk);
    const b = pskPremasterShared(Uint8Array.of(1));
    expect(a.length).toBe(4 + 2 * PREMASTER_SCRATCH_BYTES_MAX);
    expect(a.buffer).not.toBe(b.buffer);
    expect(() => pskPremasterShared(new Uint8Array(0))).toThrow(/"psk" expected 1\.\./);
  });
});

describe("PRF seed views", () => {
  it(`label + seed of any length around PRF_SEED_VIEWS_MAX (${PRF_SEED_VIEWS_MAX}) gives the same output as a fresh computation`, () => {
    const secret = Uint8Array.of(1, 2, 3);
    for (const n of [10, PRF_SEED_VIEWS_MAX - 6, PRF_SEED_VIEWS_MAX - 5, PRF_SEED_VIEWS_MAX + 10, 10]) {
      const seed = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
      const once = prf("sha256", secret, "label", seed, 40);
      prf("sha256", secret, "other", Uint8Array.of(9), 40); // another length in between
      expect(prf("sha256", secret, "label", seed, 40)).toEqual(once);
    }
  });
});

describe("epoch-0 records on offsets", () => {
  it("PlaintextDuplicateFilter.hasRange/addRange agree with has/add on a copy", () => {
    const d = Uint8Array.from({ length: 40 }, (_, i) => i);
    const f = new PlaintextDuplicateFilter();
    f.addRange(5, d, 10, 30);
    expect(f.has(5, d.slice(10, 30))).toBe(true);
    expect(f.hasRange(5, d, 11, 30)).toBe(false);
    expect(f.hasRange(6, d, 10, 30)).toBe(false);
    const g = new PlaintextDuplicateFilter();
    g.add(5, d.slice(10, 30));
    expect(g.hasRange(5, d, 10, 30)).toBe(true);
  });

  it("EpochTable.sealPlaintextInPlace writes what sealInto writes and takes the same sequence numbers; -1 for keyed or missing epochs", () => {
    const a = new EpochTable(3);
    const b = new EpochTable(3);
    const payload = Uint8Array.of(1, 2, 3, 4, 5);
    const outA = new Uint8Array(40);
    const outB = new Uint8Array(40);
    for (let i = 0; i < 2; i++) {
      const n = a.sealInto(0, ContentType.Handshake, payload, outA, 7);
      outB.set(payload, 7 + 13);
      expect(b.sealPlaintextInPlace(0, ContentType.Handshake, payload.length, outB, 7)).toBe(n);
      expect(outB).toEqual(outA);
    }
    b.installWrite(1, { overheadBytes: 29 } as unknown as CipherState);
    expect(b.sealPlaintextInPlace(1, ContentType.Handshake, 5, outB, 0)).toBe(-1);
    expect(b.write.get(1)!.nextSeq).toBe(0);
    expect(b.sealPlaintextInPlace(7, ContentType.Handshake, 5, outB, 0)).toBe(-1);
    expect(b.isPlaintextWrite(0)).toBe(true);
    expect(b.isPlaintextWrite(1)).toBe(false);
    expect(() => b.sealPlaintextInPlace(0, ContentType.Handshake, 30, outB, 0)).toThrow(/room for 43 bytes at offset 0, got 40/);
  });
});

describe("seededRng", () => {
  it("draws the bytes Math.floor(seededRandom(seed)() * 256) draws (100 runs, seed printed on failure)", () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.nat(80), { maxLength: 5 }), (seed, lengths) => {
        const rng = seededRng(seed);
        const next = seededRandom(seed);
        for (const n of lengths) {
          const got = new Uint8Array(n);
          rng(got);
          expect([...got]).toEqual(Array.from({ length: n }, () => Math.floor(next() * 256)));
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("memory link shared pool", () => {
  it(`links closed at both ends leave their buffers (queued ones too) for the next links, at most MEMORY_LINK_SHARED_POOL_MAX (${MEMORY_LINK_SHARED_POOL_MAX})`, () => {
    const clock = new ManualClock();
    for (let i = 0; i < 3; i++) {
      const [a, b] = createMemoryLink({ clock, latencyMs: 1 });
      b.onReceive(() => {});
      for (let j = 0; j < 2 * MEMORY_LINK_SHARED_POOL_MAX; j++) a.send(new Uint8Array(10));
      a.close();
      b.close();
      expect(memoryLinkSharedPoolBuffers()).toBe(MEMORY_LINK_SHARED_POOL_MAX);
    }
    let got = 0;
    const [c, d] = createMemoryLink({ clock, latencyMs: 1 });
    d.onReceive(() => got++);
    c.send(new Uint8Array(10));
    expect(memoryLinkSharedPoolBuffers()).toBe(MEMORY_LINK_SHARED_POOL_MAX - 1); // taken from the pool
    clock.runUntilIdle(); // the closed links' timers find empty queues; c's datagram arrives
    expect(got).toBe(1);
  });

  it("a buffer from the pool delivers the new datagram's bytes, not the old ones", () => {
    const clock = new ManualClock();
    const [a, b] = createMemoryLink({ clock, latencyMs: 0 });
    b.onReceive(() => {});
    a.send(new Uint8Array(100).fill(0xaa));
    clock.runUntilIdle();
    a.close();
    b.close();
    const [c, d] = createMemoryLink({ clock, latencyMs: 0 });
    const seen: number[][] = [];
    d.onReceive((x) => seen.push([...x]));
    c.send(Uint8Array.of(1, 2, 3));
    clock.runUntilIdle();
    expect(seen).toEqual([[1, 2, 3]]);
  });
});

describe("re-entrancy through a synchronous transport", () => {
  it("a pair whose transports deliver inside send() connects and exchanges data (shared fragment, scratch buffers in use)", () => {
    const clock = new ManualClock();
    const handlers: ((d: Uint8Array) => void)[] = [];
    const transport = (peer: number): Transport => ({
      sendCopies: true,
      send: (d) => handlers[peer]!(d.slice()),
      onReceive: (h) => {
        handlers[1 - peer] = h;
      },
      close: () => {},
    });
    const psk = Uint8Array.of(1, 2, 3, 4);
    const client = new DtlsEndpoint({ role: "client", transport: transport(1), clock, rng: seededRng(1), psk: { identity: "id", key: psk } });
    const server = new DtlsEndpoint({ role: "server", transport: transport(0), clock, rng: seededRng(2), psk: { lookup: () => psk }, peerAddress: "p" });
    const got: number[][] = [];
    server.on("data", (d) => got.push([...d]));
    server.start();
    client.start(); // the whole handshake runs nested inside this call
    expect(client.state).toBe("connected");
    expect(server.state).toBe("connected");
    client.send(Uint8Array.of(7, 8));
    expect(got).toEqual([[7, 8]]);
  });
});
