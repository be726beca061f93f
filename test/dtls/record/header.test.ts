import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  emptyRecordHeader,
  readRecordHeader,
  writeEpochSeq,
  writeRecordHeader,
} from "../../../src/dtls/record/header.js";
import { DTLS12_VERSION, RECORD_HEADER_BYTES, SEQ_MAX, ContentType } from "../../../src/dtls/constants.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("record header (RFC 6347 §4.1)", () => {
  it("encodes fields big-endian in the RFC order", () => {
    const b = new Uint8Array(RECORD_HEADER_BYTES);
    writeRecordHeader(b, 0, ContentType.ApplicationData, DTLS12_VERSION, 1, 0x0102_0304_0506, 0x0578);
    expect(hex(b)).toBe("17" + "fefd" + "0001" + "010203040506" + "0578");
  });

  it("decodes the maximum 48-bit sequence number exactly", () => {
    const b = new Uint8Array(20);
    writeRecordHeader(b, 3, 22, 0xfeff, 0xffff, SEQ_MAX, 0xffff);
    expect(hex(b.subarray(3, 16))).toBe("16feffffffffffffffffffffff");
    const h = emptyRecordHeader();
    expect(readRecordHeader(b, 3, h)).toBe(true);
    expect(h).toEqual({ type: 22, version: 0xfeff, epoch: 0xffff, seq: SEQ_MAX, length: 0xffff });
  });

  it("round-trips any field values (300 runs)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: SEQ_MAX }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 7 }),
        (type, version, epoch, seq, length, offset) => {
          const b = new Uint8Array(offset + RECORD_HEADER_BYTES);
          writeRecordHeader(b, offset, type, version, epoch, seq, length);
          const h = emptyRecordHeader();
          expect(readRecordHeader(b, offset, h)).toBe(true);
          expect(h).toEqual({ type, version, epoch, seq, length });
          // epoch||seq alone is the same 8 bytes as in the header.
          const es = new Uint8Array(8);
          writeEpochSeq(es, 0, epoch, seq);
          expect(hex(es)).toBe(hex(b.subarray(offset + 3, offset + 11)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("returns false without touching out when fewer than 13 bytes remain", () => {
    const h = emptyRecordHeader();
    h.type = 99;
    expect(readRecordHeader(new Uint8Array(12), 0, h)).toBe(false);
    expect(readRecordHeader(new Uint8Array(20), 8, h)).toBe(false);
    expect(readRecordHeader(new Uint8Array(20), -1, h)).toBe(false);
    expect(h.type).toBe(99);
    expect(readRecordHeader(new Uint8Array(20), 7, h)).toBe(true);
  });

  it("throws on out-of-range fields, naming the field", () => {
    const b = new Uint8Array(13);
    expect(() => writeRecordHeader(b, 0, 256, 0, 0, 0, 0)).toThrow(/"type"/);
    expect(() => writeRecordHeader(b, 0, 23, 0x10000, 0, 0, 0)).toThrow(/"version"/);
    expect(() => writeRecordHeader(b, 0, 23, 0, 0x10000, 0, 0)).toThrow(/"epoch"/);
    expect(() => writeRecordHeader(b, 0, 23, 0, 0, SEQ_MAX + 1, 0)).toThrow(/"seq"/);
    expect(() => writeRecordHeader(b, 0, 23, 0, 0, 1.5, 0)).toThrow(/"seq"/);
    expect(() => writeRecordHeader(b, 0, 23, 0, 0, 0, 0x10000)).toThrow(/"length"/);
    expect(() => writeRecordHeader(b, 1, 23, 0, 0, 0, 0)).toThrow(/"out"/);
  });
});
