#!/usr/bin/env python3
"""Writes test/vectors/aead.json: AEAD known answers for the four record ciphers.

Two kinds of entries:
  * published vectors copied from their specifications (GCM spec test cases 2/3/4/14/16 by
    McGrew & Viega, RFC 8439 section 2.8.2, RFC 3610 packet vectors 1-2);
  * TLS-shaped vectors (12-byte nonce, 13-byte AAD) computed here with pyca/cryptography
    (AESGCM, AESCCM(tag_length=8), ChaCha20Poly1305), a tool independent of this project.
Inputs are derived deterministically from SHA-256 of a label, so rerunning gives the same file.
Run: python3 test/vectors/gen-aead-vectors.py  (needs the `cryptography` package).
"""
import hashlib
import json
import os

from cryptography import __version__ as pyca_version
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305


def make(alg: str, k: bytes):
    if alg in ("aes-128-gcm", "aes-256-gcm"):
        return AESGCM(k)
    if alg == "chacha20-poly1305":
        return ChaCha20Poly1305(k)
    return AESCCM(k, tag_length=8)


def det(label: str, n: int) -> bytes:
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{label}/{i}".encode()).digest()
        i += 1
    return out[:n]


PT60 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
SUNSCREEN = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."

published = [
    dict(algorithm="aes-128-gcm", source="GCM specification (McGrew & Viega), test case 2", keyHex="00" * 16,
         nonceHex="00" * 12, aadHex="", plaintextHex="00" * 16,
         ciphertextHex="0388dace60b6a392f328c2b971b2fe78", tagHex="ab6e47d42cec13bdf53a67b21257bddf"),
    dict(algorithm="aes-128-gcm", source="GCM specification (McGrew & Viega), test case 3",
         keyHex="feffe9928665731c6d6a8f9467308308", nonceHex="cafebabefacedbaddecaf888", aadHex="",
         plaintextHex=PT60 + "1aafd255",
         ciphertextHex="42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
         tagHex="4d5c2af327cd64a62cf35abd2ba6fab4"),
    dict(algorithm="aes-128-gcm", source="GCM specification (McGrew & Viega), test case 4",
         keyHex="feffe9928665731c6d6a8f9467308308", nonceHex="cafebabefacedbaddecaf888",
         aadHex="feedfacedeadbeeffeedfacedeadbeefabaddad2", plaintextHex=PT60,
         ciphertextHex="42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
         tagHex="5bc94fbc3221a5db94fae95ae7121a47"),
    dict(algorithm="aes-256-gcm", source="GCM specification (McGrew & Viega), test case 14", keyHex="00" * 32,
         nonceHex="00" * 12, aadHex="", plaintextHex="00" * 16,
         ciphertextHex="cea7403d4d606b6e074ec5d3baf39d18", tagHex="d0d1c8a799996bf0265b98b5d48ab919"),
    dict(algorithm="aes-256-gcm", source="GCM specification (McGrew & Viega), test case 16",
         keyHex="feffe9928665731c6d6a8f9467308308" * 2, nonceHex="cafebabefacedbaddecaf888",
         aadHex="feedfacedeadbeeffeedfacedeadbeefabaddad2", plaintextHex=PT60,
         ciphertextHex="522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
         tagHex="76fc6ece0f4e1768cddf8853bb2d551b"),
    dict(algorithm="chacha20-poly1305", source="RFC 8439 section 2.8.2",
         keyHex="808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
         nonceHex="070000004041424344454647", aadHex="50515253c0c1c2c3c4c5c6c7", plaintextHex=SUNSCREEN.hex(),
         ciphertextHex="d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116",
         tagHex="1ae10b594f09e26a7e902ecbd0600691"),
]

# RFC 3610 uses 13-byte nonces (L = 2); TLS CCM uses 12-byte nonces (L = 3, RFC 6655 section 3),
# so these check the CCM construction (reference implementation, node:crypto directly), not AeadKey.
rfc3610 = [
    dict(algorithm="aes-128-ccm-8", source="RFC 3610 section 8, packet vector 1",
         keyHex="c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", nonceHex="00000003020100a0a1a2a3a4a5",
         aadHex="0001020304050607", plaintextHex="08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
         ciphertextHex="588c979a61c663d2f066d0c2c0f989806d5f6b61dac384", tagHex="17e8d12cfdf926e0"),
    dict(algorithm="aes-128-ccm-8", source="RFC 3610 section 8, packet vector 2",
         keyHex="c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", nonceHex="00000004030201a0a1a2a3a4a5",
         aadHex="0001020304050607", plaintextHex="08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
         ciphertextHex="72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3b", tagHex="a091d56e10400916"),
]

for v in published + rfc3610:  # sanity: pyca agrees with every published value we typed in
    k, n, a, p = (bytes.fromhex(v[x]) for x in ("keyHex", "nonceHex", "aadHex", "plaintextHex"))
    impl = make(v["algorithm"], k)
    assert impl.encrypt(n, p, a or None).hex() == v["ciphertextHex"] + v["tagHex"], v["source"]

KEY_BYTES = {"aes-128-gcm": 16, "aes-256-gcm": 32, "aes-128-ccm-8": 16, "chacha20-poly1305": 32}
generated = []
for alg in KEY_BYTES:
    for size in (0, 1, 15, 16, 17, 100, 1400):
        label = f"{alg}/{size}"
        k = det(label + "/key", KEY_BYTES[alg])
        n = det(label + "/nonce", 12)
        # AAD shaped like DTLS 1.2: epoch(2) seq(6) type(1) version(2) length(2), RFC 6347 4.1.2.1
        a = det(label + "/seq", 8) + bytes([23, 0xFE, 0xFD, size >> 8, size & 0xFF])
        p = det(label + "/pt", size)
        impl = make(alg, k)
        sealed = impl.encrypt(n, p, a)
        tag_bytes = 8 if alg == "aes-128-ccm-8" else 16
        generated.append(dict(algorithm=alg, source=f"generated with pyca/cryptography {pyca_version} (gen-aead-vectors.py)",
                              keyHex=k.hex(), nonceHex=n.hex(), aadHex=a.hex(), plaintextHex=p.hex(),
                              ciphertextHex=sealed[:-tag_bytes].hex(), tagHex=sealed[-tag_bytes:].hex()))

doc = {
    "description": "AEAD known answers. 'vectors' all use 12-byte nonces and go through every backend that supports the algorithm; 'ccm13ByteNonce' are RFC 3610 vectors (13-byte nonce) for the CCM construction itself. Published values were re-checked with pyca/cryptography when this file was written.",
    "generator": "test/vectors/gen-aead-vectors.py",
    "vectors": published + generated,
    "ccm13ByteNonce": rfc3610,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "aead.json")
with open(path, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
print(f"wrote {len(published) + len(generated)} vectors + {len(rfc3610)} RFC 3610 vectors to {path}")
