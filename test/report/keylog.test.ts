import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KeyLogWriter } from "../../src/report/keylog.js";

const dir = mkdtempSync(join(tmpdir(), "vnetsim-keylog-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const random = (b: number): string => b.toString(16).padStart(2, "0").repeat(32);
const master = (b: number): string => b.toString(16).padStart(2, "0").repeat(48);
const line = (i: number): string => `CLIENT_RANDOM ${random(i)} ${master(i + 1)}`;

describe("KeyLogWriter", () => {
  it("writes NSS CLIENT_RANDOM lines once each, owner-only, only at close", () => {
    const path = join(dir, "keys.log");
    const w = new KeyLogWriter(path);
    const sink = w.sink();
    sink(line(1));
    sink(`${line(1)}\n`); // the other end of the same handshake
    sink(line(2).toUpperCase().replace("CLIENT_RANDOM", "CLIENT_RANDOM"));
    expect(existsSync(path)).toBe(false);
    expect(w.close()).toEqual({ lines: 2, duplicates: 1, linesDropped: 0 });
    expect(readFileSync(path, "utf8")).toBe(`${line(1)}\n${line(2)}\n`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(() => sink(line(3))).toThrow(/after the key log .* was closed/);
  });

  it("rejects a malformed line without echoing its content", () => {
    const w = new KeyLogWriter(join(dir, "bad.log"));
    const secret = "ab".repeat(48);
    let message = "";
    try {
      w.line(`CLIENT_RANDOM ${"00".repeat(31)} ${secret}`);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/expected "CLIENT_RANDOM <64 hex> <96 hex>", got a line of 173 characters starting with "CLIENT_RANDOM"/);
    expect(message).not.toContain(secret);
    expect(() => w.line("SERVER_HANDSHAKE_TRAFFIC_SECRET x y")).toThrow(/starting with "SERVER_HANDSHAKE_TRA"/);
    w.abort();
  });

  it("linesMax bounds the file and counts what it dropped", () => {
    const path = join(dir, "limited.log");
    const w = new KeyLogWriter(path, { linesMax: 2 });
    for (let i = 0; i < 5; i += 1) w.line(line(i));
    expect(w.close()).toEqual({ lines: 2, duplicates: 0, linesDropped: 3 });
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(2);
  });

  it("abort removes the temporary file and leaves an existing key log untouched", () => {
    const path = join(dir, "kept.log");
    writeFileSync(path, "previous\n");
    const w = new KeyLogWriter(path);
    w.line(line(9));
    w.abort();
    expect(readFileSync(path, "utf8")).toBe("previous\n");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
