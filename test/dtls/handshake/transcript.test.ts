import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeFullMessage } from "../../../src/dtls/handshake/header.js";
import { Transcript } from "../../../src/dtls/handshake/transcript.js";

const msg = fc.record({ msgType: fc.integer({ min: 0, max: 255 }), messageSeq: fc.integer({ min: 0, max: 0xffff }), body: fc.uint8Array({ maxLength: 300 }) });

describe("Transcript (RFC 5246 §7.4.9, RFC 6347 §4.2.6)", () => {
  it("hash of any prefix equals the hash of the messages encoded unfragmented, for both hashes, however the calls interleave (200 runs, seed printed on failure)", () => {
    fc.assert(
      fc.property(fc.array(msg, { maxLength: 8 }), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), (msgs, askAfter) => {
        const t = new Transcript();
        const seen: Uint8Array[] = [];
        const expectPrefix = () => {
          for (const alg of ["sha256", "sha384"] as const) {
            const h = createHash(alg);
            for (const m of seen) h.update(m);
            expect(Buffer.from(t.hash(alg)).toString("hex")).toBe(h.digest("hex"));
          }
        };
        msgs.forEach((m, i) => {
          t.add(m.msgType, m.messageSeq, m.body);
          seen.push(encodeFullMessage(m.msgType, m.messageSeq, m.body));
          if (askAfter[i]) expectPrefix();
        });
        expectPrefix();
        expect(t.messageCount).toBe(msgs.length);
      }),
      { numRuns: 200 },
    );
  });

  it("clear() starts a new transcript (after a HelloVerifyRequest the first ClientHello is dropped)", () => {
    const t = new Transcript();
    t.add(1, 0, Uint8Array.of(1, 2, 3));
    t.hash("sha256");
    t.clear();
    t.add(1, 1, Uint8Array.of(4));
    expect(Buffer.from(t.hash("sha256")).toString("hex")).toBe(createHash("sha256").update(encodeFullMessage(1, 1, Uint8Array.of(4))).digest("hex"));
    expect(t.messageCount).toBe(1);
  });

  it("rejects an unknown hash, naming it", () => {
    expect(() => new Transcript().hash("md5" as "sha256")).toThrow(/"alg" expected "sha256" or "sha384", got "md5"/);
  });
});

describe("Transcript reuses its last SHA-256 answer", () => {
  it("asked twice with nothing added, the answers are equal and independent arrays; after an add it changes", () => {
    const t = new Transcript();
    t.add(1, 0, Uint8Array.of(1, 2, 3));
    const a = t.hash("sha256");
    const b = t.hash("sha256");
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    a.fill(0); // a caller writing to its answer does not change the next one
    expect(t.hash("sha256")).toEqual(b);
    t.add(2, 1, new Uint8Array(0));
    const c = t.hash("sha256");
    expect(c).not.toEqual(b);
    expect(Buffer.from(c).toString("hex")).toBe(
      createHash("sha256").update(encodeFullMessage(1, 0, Uint8Array.of(1, 2, 3))).update(encodeFullMessage(2, 1, new Uint8Array(0))).digest("hex"),
    );
    t.clear();
    t.add(1, 0, Uint8Array.of(1, 2, 3));
    expect(t.hash("sha256")).toEqual(b);
  });
});
