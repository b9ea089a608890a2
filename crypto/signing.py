"""Ed25519 signatures with a required context label (station bundles, audit checkpoints).

The signed bytes are ``intake-signature-v1``, the length-prefixed context and the
message, so a signature made for one use (a bundle) is never valid for another (an
audit checkpoint).

Protects against: forged or altered bundles and checkpoints; a signature replayed in
another context.
Does not protect against: replay of the same signed message in its own context (the
importer tracks bundle ids); a stolen signing key (revoke the station).
"""

from __future__ import annotations

import hashlib
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crypto.errors import KeyFormatError, SignatureError

_PREFIX = struct.Struct(">I")


def _signed_bytes(context: str, message: bytes) -> bytes:
    if not context:
        raise KeyFormatError("a signature context is required")
    raw = context.encode("utf-8")
    return b"intake-signature-v1" + _PREFIX.pack(len(raw)) + raw + message


class VerifyKey:
    """An Ed25519 public key."""

    def __init__(self, raw: bytes) -> None:
        if not isinstance(raw, bytes) or len(raw) != 32:
            raise KeyFormatError("an Ed25519 public key must be 32 bytes")
        self._key = Ed25519PublicKey.from_public_bytes(raw)
        self._raw = raw

    def to_bytes(self) -> bytes:
        """The 32 raw public bytes."""
        return self._raw

    @property
    def fingerprint(self) -> str:
        """First 16 bytes of SHA-256 of the key, in hex, for people to compare."""
        return hashlib.sha256(self._raw).hexdigest()[:32]

    def verify(self, signature: bytes, message: bytes, *, context: str) -> None:
        """Return if ``signature`` is valid for ``message`` in ``context``, else raise."""
        try:
            self._key.verify(signature, _signed_bytes(context, message))
        except (InvalidSignature, TypeError, ValueError) as exc:
            raise SignatureError("signature does not verify") from exc


class SigningKey:
    """An Ed25519 private key. Store it only encrypted (the keyring's signing-key chain)."""

    def __init__(self, raw: bytes) -> None:
        if not isinstance(raw, bytes) or len(raw) != 32:
            raise KeyFormatError("an Ed25519 private key must be 32 bytes")
        self._key = Ed25519PrivateKey.from_private_bytes(raw)

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh random signing key."""
        return cls(
            Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        )

    def private_bytes(self) -> bytes:
        """The 32 raw private bytes. Warning: this is the secret; encrypt before storing."""
        return self._key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    @property
    def verify_key(self) -> VerifyKey:
        """The matching public key."""
        return VerifyKey(
            self._key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
        )

    def sign(self, message: bytes, *, context: str) -> bytes:
        """A 64-byte signature of ``message`` for ``context``."""
        return self._key.sign(_signed_bytes(context, message))

    def __repr__(self) -> str:
        return f"SigningKey(verify_key={self.verify_key.fingerprint})"
