import { describe, expect, it } from "vitest";
import { REASONS, REASON_TABLE, isReason, outcomeFor } from "../../src/policy/reasons.js";
import { reasonTableMarkdown } from "../../src/policy/reason-table-markdown.js";
import { FLOW_ENCRYPTION_VALUES, isFlowEncryption } from "../../src/policy/values.js";

describe("values and the reason table", () => {
  it("has the eight flow-log values of domain.md §3", () => {
    expect([...FLOW_ENCRYPTION_VALUES]).toEqual(["X", "NX", "NX_HW_NOT_SUPPORTED", "NX_SW_NOT_READY", "NX_NOT_ACCEPTED", "NX_NOT_SUPPORTED", "NX_LOCAL_DST", "NX_FALLBACK"]);
    expect(isFlowEncryption("NX_FALLBACK")).toBe(true);
    expect(isFlowEncryption("nx")).toBe(false);
  });

  it("reasons are kebab-case, unique, and each has a one-sentence summary", () => {
    expect(new Set(REASONS).size).toBe(REASONS.length);
    for (const r of REASONS) {
      expect(r).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
      expect(REASON_TABLE[r].summary).toMatch(/^[A-Z].*\.$/);
      expect(isReason(r)).toBe(true);
    }
    expect(isReason("encrypted ")).toBe(false);
  });

  it("every flow-log value is produced by some (reason, enforcement)", () => {
    const produced = new Set(REASONS.flatMap((r) => [REASON_TABLE[r].allow.encryption, REASON_TABLE[r].drop.encryption]));
    expect([...FLOW_ENCRYPTION_VALUES].filter((v) => !produced.has(v))).toEqual([]);
  });

  it("X is delivered, NX_NOT_ACCEPTED/NX_SW_NOT_READY/NX_NOT_SUPPORTED dropped, NX_LOCAL_DST/NX_FALLBACK/NX_HW_NOT_SUPPORTED delivered (domain.md §3)", () => {
    const expected: Record<string, string> = { X: "deliver", NX_NOT_ACCEPTED: "drop", NX_SW_NOT_READY: "drop", NX_NOT_SUPPORTED: "drop", NX_LOCAL_DST: "deliver", NX_FALLBACK: "deliver", NX_HW_NOT_SUPPORTED: "deliver" };
    for (const r of REASONS) {
      for (const o of [REASON_TABLE[r].allow, REASON_TABLE[r].drop]) {
        const want = expected[o.encryption];
        if (want !== undefined) expect(`${r}: ${o.encryption} ${o.action}`).toBe(`${r}: ${o.encryption} ${want}`);
      }
    }
  });

  it("DropUnencrypted never delivers plaintext that AllowUnencrypted would have encrypted, and only NX_NOT_ACCEPTED is new", () => {
    for (const r of REASONS) {
      const { allow, drop } = REASON_TABLE[r];
      if (allow.encryption !== drop.encryption) expect(drop).toEqual({ encryption: "NX_NOT_ACCEPTED", action: "drop" });
      if (allow.encryption === "X") expect(drop.encryption).toBe("X");
    }
  });

  it("outcomeFor reads the table and rejects bad input with a message naming it", () => {
    expect(outcomeFor("size-unsupported", "AllowUnencrypted")).toEqual({ encryption: "NX", action: "deliver" });
    expect(outcomeFor("size-unsupported", "DropUnencrypted")).toEqual({ encryption: "NX_NOT_ACCEPTED", action: "drop" });
    expect(() => outcomeFor("nope" as never, "AllowUnencrypted")).toThrow(/reason "nope" is not a Reason/);
    expect(() => outcomeFor("encrypted", "Drop" as never)).toThrow(/enforcement "Drop" is not valid/);
  });

  it("renders the table as markdown with one row per reason", () => {
    const md = reasonTableMarkdown();
    expect(md.trim().split("\n")).toHaveLength(REASONS.length + 2);
    expect(md).toContain("| `handshake-failed` | `NX_FALLBACK` deliver | `NX_NOT_ACCEPTED` drop |");
  });
});
