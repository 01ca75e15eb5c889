#!/usr/bin/env python3
# Writes the committed seed corpus fuzz/corpus/<target>/ from the protocol vectors and real shapes.
#
# Run from the repository root: `python3 fuzz/seed-corpus.py`. Deterministic: re-running gives the
# same files. Seeds are real inputs (vector envelopes, payload framings, Redis records in the
# layout of server/src/store/record.rs, API bodies, pasted links) that the fuzzers mutate.
import base64
import hashlib
import json
import os
import shutil
import struct
import zlib
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VECTORS = json.load(open(os.path.join(ROOT, "tests/vectors/protocol-v1.json")))["vectors"]
BY_NAME = {v["name"]: v for v in VECTORS}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def write(target: str, name: str, data) -> None:
    directory = os.path.join(ROOT, "fuzz/corpus", target)
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def envelope_seeds() -> None:
    # Every vector but the 53,690-character one (it would raise libFuzzer's input size tenfold).
    for v in VECTORS:
        if len(v["envelope"]) <= 4096:
            write("envelope", v["name"], v["envelope"])
    for name in ["success-key", "success-key-password"]:
        write("envelope", f"header-{name}", BY_NAME[name]["envelope"].split(".")[0])
    write("envelope", "link-key", BY_NAME["success-key"]["linkKey"])
    write("envelope", "verifier", BY_NAME["success-key"]["verifier"])


def payload(content_type: int, data: bytes, length=None, pad_to=None) -> bytes:
    n = len(data) if length is None else length
    out = bytes([content_type]) + struct.pack(">I", n) + data
    size = pad_to if pad_to is not None else -(-len(out) // 256) * 256
    return out + bytes(size - len(out))


def payload_seeds() -> None:
    write("payload", "empty-text", payload(1, b""))
    write("payload", "short-text", payload(1, b"db password: hunter2"))
    write("payload", "exact-block", payload(1, b"a" * 251))
    write("payload", "two-blocks", payload(1, b"a" * 252))
    write("payload", "multibyte", payload(1, "pässwörd 🔑 ünïcødé".encode()))
    write("payload", "invalid-utf8", payload(1, b"\xff\xfe text"))
    write("payload", "unknown-content-type", payload(2, b"a file"))
    write("payload", "length-too-long", payload(1, b"abc", length=300))
    write("payload", "length-max", payload(1, b"abc", length=0xFFFFFFFF))
    write("payload", "extra-padding-block", payload(1, b"abc", pad_to=512))
    bad = bytearray(payload(1, b"abc"))
    bad[-1] = 1
    write("payload", "bad-padding", bytes(bad))


def record(envelope: str, name=None, organization=False, password=None, views=None,
           created=1_795_000_000_123, expires=1_795_003_600_123, last_viewed=0, failures=0) -> bytes:
    header_b64, body_b64 = envelope.split(".")
    header, body = unb64(header_b64), unb64(body_b64)
    name_bytes = (name or "").encode()
    kind, digest, salt = 0, bytes(32), bytes(16)
    if password is not None:
        digest = hashlib.sha256(password.encode()).digest()
        kind = 1
    fixed = bytes([1, 1 if organization else 0, kind, 1 if name is not None else 0,
                   len(header), len(name_bytes)])
    fixed += struct.pack(">qqqII", created, expires, last_viewed,
                         0xFFFFFFFF if views is None else views, failures)
    fixed += hashlib.sha256(b"delete token").digest() + digest + salt
    assert len(fixed) == 118
    return fixed + header + name_bytes + body


def plain_password_record(envelope: str) -> bytes:
    r = bytearray(record(envelope, views=1))
    r[2] = 2  # digest and Argon2id salt
    r[70:102] = hashlib.sha256(b"stand-in for an Argon2id output").digest()
    r[102:118] = hashlib.sha256(b"salt").digest()[:16]
    return bytes(r)


def record_seeds() -> None:
    key = BY_NAME["success-key"]
    kp = BY_NAME["success-key-password"]
    write("record", "key-mode-verifier", record(key["envelope"], password=key["verifier"], views=1))
    write("record", "named-unlimited", record(key["envelope"], name="deploy key ✓",
                                              password=key["verifier"]))
    write("record", "key-password-viewed", record(kp["envelope"], password=kp["verifier"], views=4,
                                                  last_viewed=1_795_000_100_000, failures=2))
    write("record", "organization-no-password", record(key["envelope"], organization=True))
    write("record", "plain-password", plain_password_record(kp["envelope"]))
    write("record", "empty-name", record(key["envelope"], name=""))


def request_seeds() -> None:
    key = BY_NAME["success-key"]
    kp = BY_NAME["success-key-password"]
    env, verifier = key["envelope"], key["verifier"]
    bodies = {
        "create-minimal": {"secretValue": env},
        "create-full": {"secretValue": kp["envelope"], "password": kp["verifier"],
                        "expiresIn": "1h", "maxViews": 1, "name": "db"},
        "create-plain-password": {"secretValue": env, "password": "hunter2", "expiresIn": "5m"},
        "create-organization": {"secretValue": env, "accessType": "organization"},
        "create-emails": {"secretValue": env, "authorizedEmails": [" A@Example.com", "a@example.com"],
                          "allowExternalEmails": True},
        "create-too-long": {"secretValue": env, "expiresIn": "31d"},
        "create-max-views-zero": {"secretValue": env, "maxViews": 0},
        "create-max-views-float": {"secretValue": env, "maxViews": 1.5, "expiresIn": "720h"},
        "create-unknown-field": {"secretValue": env, "unknownField": True},
        "create-plaintext": {"secretValue": "plaintext is refused", "name": "n" * 51},
        "access-empty": {},
        "access-verifier": {"password": verifier},
        "access-empty-password": {"password": ""},
    }
    for name, body in bodies.items():
        write("request", name, json.dumps(body, ensure_ascii=False))
    # Field values alone, for the field parsers.
    for name, text in {"expires-30d": "30d", "expires-300s": "300s", "expires-leading-zeros": "0005m",
                       "envelope": env, "verifier": verifier, "id": "q83vEjRWeJCrze8SNFZ4kA"}.items():
        write("request", name, text)


def format_seeds() -> None:
    # The wire format alone: envelope shapes, headers, ids, keys, verifiers, payload framings.
    for name in ["success-key", "success-key-password", "success-password", "unknown-mode",
                 "weak-argon2-memory", "truncated-body", "non-canonical-trailing-bits-header",
                 "extra-dot"]:
        write("format", name, BY_NAME[name]["envelope"])
    for name in ["success-key", "success-key-password"]:
        write("format", f"header-{name}", BY_NAME[name]["envelope"].split(".")[0])
    write("format", "link-key", BY_NAME["success-key"]["linkKey"])
    write("format", "verifier", BY_NAME["success-key"]["verifier"])
    write("format", "id", "q83vEjRWeJCrze8SNFZ4kA")
    write("format", "payload-short-text", payload(1, b"db password: hunter2"))
    write("format", "payload-extra-block", payload(1, b"abc", pad_to=512))


def link_seeds() -> None:
    key = BY_NAME["success-key"]["linkKey"]
    sid = "q83vEjRWeJCrze8SNFZ4kA"
    links = {
        "plain": f"https://share.example.com/s/{sid}#{key}",
        "port": f"http://127.0.0.1:8080/s/{sid}#{key}",
        "path-prefix": f"https://example.com/tools/zk/s/{sid}#{key}",
        "percent-hash": f"https://h.example/s/{sid}%23{key}",
        "wrapped": f"  https://h.example/s/{sid[:10]}\n  {sid[10:]}#{key[:20]}\r\n{key[20:]}\t\n",
        "angle-brackets": f"<https://h.example/s/{sid}#{key}>.",
        "query": f"https://h.example/s/{sid}?utm_source=mail#{key}",
        "password-only": f"https://h.example/s/{sid}/",
        "upper-scheme": f"HTTPS://Example.com/s/{sid}#{key}",
    }
    for name, text in links.items():
        write("link", name, text)


def forwarded_seeds() -> None:
    # Structured input (arbitrary::Arbitrary): these bytes become a peer address, trusted
    # networks and header values; the text in them gives the mutator realistic pieces.
    write("forwarded", "proxy-chain", b"\x01\x0a\x00\x00\x01" + b"10.0.0.0/8\x00127.0.0.1\x00"
          + b"203.0.113.7, 10.1.2.3:443, [2001:db8::1]:8080")
    write("forwarded", "ipv6-mapped", b"\x02" + bytes(10) + b"\xff\xff\x7f\x00\x00\x01"
          + b"::ffff:127.0.0.0/104\x00unknown, 198.51.100.4")


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, extra_chunks=b"", tail=b"") -> bytes:
    chunk = png_chunk
    rows = b"".join(b"\x00" + bytes((x * 40 + y * 20) % 256 for x in range(width * 3))
                    for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + extra_chunks + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"") + tail)


# A 4 x 3 JPEG as the image crate writes it (baseline, JFIF).
SMALL_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010200000100010000ffc00011080003000403011100021101031101ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffdb0043010909090c0b0c180d0d1832211c213232323232323232323232323232323232323232323232323232323232323232323232323232323232323232323232323232ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f0100030101010101010101010000000000000102030405060708090a0bffc400b51100020102040403040705040400010277000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c03010002110311003f00b9a4e81a57f67c7fe8317e55efe23195fda3f799193e3f13f548fbecffd9")


def image_seeds() -> None:
    # The first byte picks the declared type (low two bits: PNG, JPEG, GIF, HTML) and the role
    # (bit 2: favicon); the rest is the file.
    write("image", "png-logo", b"\x00" + png(4, 3))
    write("image", "png-favicon-text-chunk", b"\x04" + png(2, 2, png_chunk(b"tEXt", b"Comment\x00hi")))
    write("image", "png-html-tail", b"\x00" + png(2, 2, tail=b"<html><script>alert(1)</script>"))
    write("image", "jpeg-logo", b"\x01" + SMALL_JPEG)
    write("image", "jpeg-declared-png", b"\x00" + SMALL_JPEG)
    write("image", "gif", b"\x02GIF89a\x01\x00\x01\x00\x00\x00\x00;")


def main() -> None:
    corpus = os.path.join(ROOT, "fuzz/corpus")
    if os.path.isdir(corpus) and "--keep" not in sys.argv:
        shutil.rmtree(corpus)
    envelope_seeds()
    format_seeds()
    payload_seeds()
    record_seeds()
    request_seeds()
    link_seeds()
    forwarded_seeds()
    image_seeds()


main()
