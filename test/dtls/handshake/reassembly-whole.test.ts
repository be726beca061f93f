import { describe, expect, it } from "vitest";
import { fragmentMessage, readHandshakeFragments } from "../../../src/dtls/handshake/header.js";
import { Reassembler } from "../../../src/dtls/handshake/reassembly.js";

const frag = (seq: number, body: Uint8Array, size: number) => fragmentMessage(22, seq, body, 12 + size).flatMap((f) => readHandshakeFragments(f));

describe("Reassembler: a message that arrives whole (the fast path)", () => {
  it("is copied out of the record (a reused receive buffer cannot change it) and later pieces of it are duplicates", () => {
    const r = new Reassembler(10_000, 8, 10_000);
    const body = Uint8Array.from({ length: 40 }, (_, i) => i);
    const [whole] = frag(0, body, 100);
    expect(r.add(whole!)).toBe("buffered");
    expect(r.bufferedBytes).toBe(40);
    whole!.body.fill(0xff); // the record buffer is reused for something else
    for (const piece of frag(0, body, 7)) expect(r.add(piece)).toBe("duplicate");
    const m = r.take();
    expect(m?.body).toEqual(body);
    expect(r.bufferedBytes).toBe(0);
  });

  it("an empty message (ServerHelloDone) completes at once", () => {
    const r = new Reassembler(10_000, 8, 10_000);
    const [f] = frag(0, new Uint8Array(0), 100);
    expect(r.add(f!)).toBe("buffered");
    expect(r.add(f!)).toBe("buffered"); // no bytes to be a duplicate of, as before
    expect(r.take()?.body.length).toBe(0);
  });

  it("still counts against reassemblyBytesMax", () => {
    const r = new Reassembler(50, 8, 10_000);
    expect(r.add(frag(0, new Uint8Array(40), 100)[0]!)).toBe("buffered");
    expect(r.add(frag(1, new Uint8Array(20), 100)[0]!)).toBe("over-limit");
  });
});
