"""A small age v1 writer for tests: it builds valid files and deliberately broken ones.

Each piece (stanza text, header with its MAC, payload chunks with their final flags)
is exposed separately, so a test can break exactly one rule while keeping every MAC
and tag valid, and so prove the reader refuses the file for that rule alone. The
writer itself is checked against pyrage and the age command (test_age_writer.py).
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto import Identity
from crypto.age_reader import X25519Identity

CHUNK = 64 * 1024
VERSION = b"age-encryption.org/v1\n"


def b64(raw: bytes) -> bytes:
    """Unpadded standard base64, as age headers use."""
    return base64.b64encode(raw).rstrip(b"=")


def hkdf(secret: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt, info).derive(secret)


def stanza(arguments: list[bytes], body: bytes) -> bytes:
    """A stanza: argument line, body wrapped at 64 columns, a final short line."""
    text = b64(body)
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    if not lines or len(lines[-1]) == 64:
        lines.append(b"")
    return b"-> " + b" ".join(arguments) + b"\n" + b"".join(line + b"\n" for line in lines)


def x25519_parts(file_key: bytes, recipient: bytes) -> tuple[bytes, bytes]:
    """The ephemeral share and the wrapped file key for one recipient."""
    ephemeral = X25519PrivateKey.generate()
    share = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    wrap_key = hkdf(shared, share + recipient, b"age-encryption.org/v1/X25519")
    return share, ChaCha20Poly1305(wrap_key).encrypt(bytes(12), file_key, None)


def x25519_stanza(file_key: bytes, recipient: bytes) -> bytes:
    share, body = x25519_parts(file_key, recipient)
    return stanza([b"X25519", b64(share)], body)


def header(stanzas: list[bytes], file_key: bytes, version: bytes = VERSION) -> bytes:
    """Version line, the stanzas as given, and a correct MAC over them."""
    covered = version + b"".join(stanzas) + b"---"
    mac = hmac.HMAC(hkdf(file_key, b"", b"header"), hashes.SHA256())
    mac.update(covered)
    return covered + b" " + b64(mac.finalize()) + b"\n"


def chunks_of(plaintext: bytes) -> list[tuple[bytes, bool]]:
    """Plaintext split as the specification says, each with its final flag."""
    pieces = [plaintext[i : i + CHUNK] for i in range(0, len(plaintext), CHUNK)] or [b""]
    return [(piece, index == len(pieces) - 1) for index, piece in enumerate(pieces)]


def sealed_chunks(file_key: bytes, nonce: bytes, chunks: list[tuple[bytes, bool]]) -> list[bytes]:
    """Each chunk encrypted with its counter and the final flag given (right or not)."""
    aead = ChaCha20Poly1305(hkdf(file_key, nonce, b"payload"))
    return [
        aead.encrypt(index.to_bytes(11, "big") + (b"\x01" if final else b"\x00"), piece, None)
        for index, (piece, final) in enumerate(chunks)
    ]


def seal(
    plaintext: bytes,
    recipients: list[bytes],
    *,
    extra: tuple[bytes, ...] = (),
    chunks: list[tuple[bytes, bool]] | None = None,
) -> bytes:
    """A complete file; ``extra`` stanzas go first, ``chunks`` override the chunking."""
    file_key = os.urandom(16)
    nonce = os.urandom(16)
    stanzas = [*extra, *(x25519_stanza(file_key, r) for r in recipients)]
    body = sealed_chunks(file_key, nonce, chunks if chunks is not None else chunks_of(plaintext))
    return header(stanzas, file_key) + nonce + b"".join(body)


def reader(identity: Identity) -> list[X25519Identity]:
    """``identity`` as the strict reader takes it."""
    return [X25519Identity.from_secret_string(identity.secret_string())]


def armored(binary: bytes) -> bytes:
    """An age file in ASCII armor as `age -a` writes it (base64 in lines of 64)."""
    text = base64.b64encode(binary)
    lines = [text[start : start + 64] for start in range(0, len(text), 64)]
    return (
        b"-----BEGIN AGE ENCRYPTED FILE-----\n"
        + b"\n".join(lines)
        + b"\n-----END AGE ENCRYPTED FILE-----\n"
    )
