/**
 * Slow, obviously-shaped reference implementations of AES-GCM (NIST SP 800-38D §6-7, bitwise GF(2^128)
 * multiply, Algorithm 1) and AES-CCM (RFC 3610 §2), built only on the raw AES block function
 * (node's aes-*-ecb, one block per call). Used to check the fast backends, never in src/.
 */
import { createCipheriv } from "node:crypto";

function aesBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(block), c.final()]));
}

const toBig = (b: Uint8Array): bigint => b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
function fromBig(x: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** GF(2^128) multiply in GCM's bit order (SP 800-38D Algorithm 1). */
function gfMul(x: bigint, y: bigint): bigint {
  const R = 0xe1n << 120n;
  let z = 0n;
  let v = y;
  for (let i = 127; i >= 0; i--) {
    if ((x >> BigInt(i)) & 1n) z ^= v;
    v = v & 1n ? (v >> 1n) ^ R : v >> 1n;
  }
  return z;
}

function padTo16(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(b.length / 16) * 16);
  out.set(b);
  return out;
}

function u64be(n: number): number[] {
  const out: number[] = [];
  for (let i = 7; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
  return out;
}

export function refGcmSeal(key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const h = toBig(aesBlock(key, new Uint8Array(16)));
  const j0 = new Uint8Array(16);
  j0.set(nonce12);
  j0[15] = 1;
  const ct = new Uint8Array(pt.length);
  for (let i = 0; i * 16 < pt.length; i++) {
    const cb = j0.slice();
    const ctr = (((cb[12]! << 24) | (cb[13]! << 16) | (cb[14]! << 8) | cb[15]!) >>> 0) + 1 + i;
    cb[12] = (ctr >>> 24) & 0xff;
    cb[13] = (ctr >>> 16) & 0xff;
    cb[14] = (ctr >>> 8) & 0xff;
    cb[15] = ctr & 0xff;
    const ks = aesBlock(key, cb);
    for (let j = 0; j < 16 && i * 16 + j < pt.length; j++) ct[i * 16 + j] = pt[i * 16 + j]! ^ ks[j]!;
  }
  const data = Uint8Array.from([...padTo16(aad), ...padTo16(ct), ...u64be(aad.length * 8), ...u64be(ct.length * 8)]);
  let s = 0n;
  for (let i = 0; i < data.length; i += 16) s = gfMul(s ^ toBig(data.subarray(i, i + 16)), h);
  const tag = fromBig(toBig(aesBlock(key, j0)) ^ s);
  return Uint8Array.from([...ct, ...tag]);
}

/** RFC 3610 §2.2-2.3 with tag length `tagBytes` (M) and nonce length 15 - L. */
export function refCcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array, tagBytes: number): Uint8Array {
  const L = 15 - nonce.length;
  const b0 = new Uint8Array(16);
  b0[0] = (aad.length > 0 ? 64 : 0) + 8 * ((tagBytes - 2) / 2) + (L - 1);
  b0.set(nonce, 1);
  for (let i = 0; i < L; i++) b0[15 - i] = Math.floor(pt.length / 2 ** (8 * i)) & 0xff;
  const aadBlock = aad.length > 0 ? padTo16(Uint8Array.from([aad.length >> 8, aad.length & 0xff, ...aad])) : new Uint8Array(0);
  const blocks = Uint8Array.from([...b0, ...aadBlock, ...padTo16(pt)]);
  let x: Uint8Array = new Uint8Array(16);
  for (let i = 0; i < blocks.length; i += 16) {
    const inb = x.map((v, j) => v ^ blocks[i + j]!);
    x = aesBlock(key, inb);
  }
  const t = x.subarray(0, tagBytes);
  const a = (i: number): Uint8Array => {
    const blk = new Uint8Array(16);
    blk[0] = L - 1;
    blk.set(nonce, 1);
    for (let k = 0; k < L; k++) blk[15 - k] = Math.floor(i / 2 ** (8 * k)) & 0xff;
    return blk;
  };
  const ct = new Uint8Array(pt.length);
  for (let i = 0; i * 16 < pt.length; i++) {
    const s = aesBlock(key, a(i + 1));
    for (let j = 0; j < 16 && i * 16 + j < pt.length; j++) ct[i * 16 + j] = pt[i * 16 + j]! ^ s[j]!;
  }
  const s0 = aesBlock(key, a(0));
  const u = t.map((v, j) => v ^ s0[j]!);
  return Uint8Array.from([...ct, ...u]);
}
