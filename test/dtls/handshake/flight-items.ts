/** A fast-check arbitrary of flight items (handshake fragments and ChangeCipherSpec, epochs 0 and 1), shared by the flight tests. */
import fc from "fast-check";

export const flightItemArb = fc.oneof(
  fc.record({
    kind: fc.constant("handshake" as const),
    epoch: fc.integer({ min: 0, max: 1 }),
    msgType: fc.integer({ min: 1, max: 20 }),
    messageSeq: fc.integer({ min: 0, max: 10 }),
    body: fc.uint8Array({ maxLength: 700 }),
  }),
  fc.record({ kind: fc.constant("ccs" as const), epoch: fc.integer({ min: 0, max: 1 }) }),
);
