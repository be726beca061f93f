/**
 * The openssl speed parser on outputs captured from OpenSSL 3.0.19 on this kind of machine
 * (test/bench/fixtures/speed-*.txt, produced by `openssl speed -elapsed -seconds 1 [-bytes N]
 * -aead -evp CIPHER`), plus the edge cases of its number format.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { childrenCpuSeconds, parseSpeedElapsedSeconds, parseSpeedOutput, parseSpeedProgress, parseSpeedTable, perCpuSecond } from "../../bench/lib/openssl.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const read = (name: string): string => readFileSync(join(FIXTURES, name), "utf8");

describe("openssl speed output parser", () => {
  it("reads a one-size table (aes-128-gcm, 64 B): 18114.47k = 18,114,470 B/s", () => {
    const r = parseSpeedTable(read("speed-aes-128-gcm-64.stdout.txt"));
    expect(r?.label).toBe("AES-128-GCM");
    expect([...r!.bytesPerSecond.entries()]).toEqual([[64, 18_114_470]]);
  });

  it("reads chacha20-poly1305 (mixed-case label) and 8192 B aes-256-gcm", () => {
    expect(parseSpeedTable(read("speed-chacha20-poly1305-64.stdout.txt"))?.bytesPerSecond.get(64)).toBeCloseTo(90_960_100, 0);
    const r = parseSpeedTable(read("speed-aes-256-gcm-8192.stdout.txt"));
    expect(r?.label).toBe("AES-256-GCM");
    expect(r?.bytesPerSecond.get(8192)).toBeCloseTo(632_487_940, 0);
  });

  it("reads the default six-size AEAD table (aes-128-ccm works with -aead on OpenSSL 3.0)", () => {
    const r = parseSpeedTable(read("speed-aes-128-ccm-default.stdout.txt"));
    expect(r?.label).toBe("AES-128-CCM");
    expect([...r!.bytesPerSecond.keys()]).toEqual([2, 31, 136, 1024, 8192, 16384]);
    expect(r!.bytesPerSecond.get(2)).toBeCloseTo(616_840, 0);
    expect(r!.bytesPerSecond.get(16384)).toBeCloseTo(255_344_640, 0);
  });

  it("the progress lines on stderr agree with the table (ops x size / seconds)", () => {
    const table = parseSpeedTable(read("speed-aes-128-gcm-64.stdout.txt"))!;
    const progress = parseSpeedProgress(read("speed-aes-128-gcm-64.stderr.txt"))!;
    expect(progress.label).toBe("AES-128-GCM");
    // 285869 ops of 64 B in 1.01 s
    expect(progress.bytesPerSecond.get(64)).toBeCloseTo((285_869 * 64) / 1.01, 3);
    expect(progress.bytesPerSecond.get(64)! / table.bytesPerSecond.get(64)!).toBeCloseTo(1, 3);
    const ccm = parseSpeedProgress(read("speed-aes-128-ccm-default.stderr.txt"))!;
    expect(ccm.bytesPerSecond.size).toBe(6);
  });

  it("falls back to the progress lines when stdout has no table", () => {
    const r = parseSpeedOutput("", read("speed-chacha20-poly1305-64.stderr.txt"));
    expect(r?.label).toBe("ChaCha20-Poly1305");
    expect(r?.bytesPerSecond.get(64)).toBeCloseTo((1_435_464 * 64) / 1.01, 3);
  });

  it("gives null for an unknown cipher (captured error output) and for garbage", () => {
    expect(parseSpeedOutput(read("speed-bad-cipher.stdout.txt"), read("speed-bad-cipher.stderr.txt"))).toBeNull();
    expect(parseSpeedOutput("type 64 bytes\nAES-128-GCM lots\n", "")).toBeNull();
    expect(parseSpeedOutput("hello", "world")).toBeNull();
  });

  it("reads figures printed without the k suffix (rates at most 10,000 B/s are plain bytes/s)", () => {
    const r = parseSpeedTable("type              2 bytes     31 bytes\nAES-128-CCM       9876.50      16859.83k\n");
    expect(r?.bytesPerSecond.get(2)).toBe(9876.5);
    expect(r?.bytesPerSecond.get(31)).toBeCloseTo(16_859_830, 0);
  });

  it("tolerates CRLF line ends", () => {
    const crlf = read("speed-aes-128-gcm-64.stdout.txt").replace(/\n/g, "\r\n");
    expect(parseSpeedTable(crlf)?.bytesPerSecond.get(64)).toBe(18_114_470);
  });

  it("reads the seconds openssl measured for a block size, and puts its rate per CPU-second", () => {
    expect(parseSpeedElapsedSeconds(read("speed-aes-128-gcm-64.stderr.txt"), 64)).toBe(1.01);
    expect(parseSpeedElapsedSeconds(read("speed-aes-128-ccm-default.stderr.txt"), 8192)).toBe(1.0);
    expect(parseSpeedElapsedSeconds(read("speed-aes-128-gcm-64.stderr.txt"), 1400)).toBeNull();
    // 100 MB/s for 1.0 s of elapsed time while using 0.5 s of CPU: 200 MB per CPU-second
    expect(perCpuSecond(100e6, 1.0, 0.5)).toBe(200e6);
    // CPU time unknown or zero: the elapsed figure unchanged
    expect(perCpuSecond(100e6, 1.0, null)).toBe(100e6);
    expect(perCpuSecond(100e6, 1.0, 0)).toBe(100e6);
  });

  it("children's CPU time is readable here (Linux /proc) and does not go backwards", () => {
    const a = childrenCpuSeconds();
    const b = childrenCpuSeconds();
    if (process.platform === "linux") {
      expect(a).not.toBeNull();
      expect(b!).toBeGreaterThanOrEqual(a!);
    }
  });
});
