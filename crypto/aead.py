"""Authenticated field encryption: AES-256-GCM in a versioned, context-bound envelope.

Envelope (bytes)::

    version (1) | key id (8) | nonce (12) | AES-GCM ciphertext and tag

The associated data is the version, the key id and the encoded :class:`Context`, so a
ciphertext opens only under the key, record and field it was made for. Plaintext is
framed with its length and zero-padded to a size bucket (Padmé, see :func:`padded_size`)
before encryption, so a ciphertext's length reveals only its bucket.

Protects against: reading a stolen database or dump without keys; flipped bytes,
truncation and forged ciphertexts; a ciphertext moved to another record, section or
field, or presented under another key version; learning exact value lengths.
Does not protect against: someone holding the key; the bucket a value falls into;
how many values exist and when they change; more than about 2**32 encryptions under
one key (random 96-bit nonces), which per-record keys keep far out of reach.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.errors import KeyFormatError, OpenError

VERSION = 1
KEY_LENGTH = 32
KEY_ID_LENGTH = 8
NONCE_LENGTH = 12
TAG_LENGTH = 16
HEADER_LENGTH = 1 + KEY_ID_LENGTH + NONCE_LENGTH
#: Smallest padded plaintext: short values (a name, a code) all look alike.
MIN_BUCKET = 128
_LENGTH_PREFIX = struct.Struct(">I")
_MAX_CONTEXT_PART = 256
#: NUL, and the surrogate code points that no UTF-8 encoding exists for.
_UNFIT_CONTEXT = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True, repr=False)
class SymmetricKey:
    """A 256-bit AES-GCM key with its 8-byte key id. The repr never shows the key."""

    key_id: bytes
    material: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.material, bytes) or len(self.material) != KEY_LENGTH:
            raise KeyFormatError("a symmetric key must be 32 bytes")
        if not isinstance(self.key_id, bytes) or len(self.key_id) != KEY_ID_LENGTH:
            raise KeyFormatError("a key id must be 8 bytes")

    @classmethod
    def generate(cls) -> SymmetricKey:
        """A fresh random key with a fresh random key id."""
        return cls(key_id=os.urandom(KEY_ID_LENGTH), material=os.urandom(KEY_LENGTH))

    def cipher(self) -> AESGCM:
        """The AES-GCM object of this key, made once per key object (key setup is a
        third of the cost of opening a short field)."""
        cached: AESGCM | None = self.__dict__.get("_cipher")
        if cached is None:
            cached = AESGCM(self.material)
            object.__setattr__(self, "_cipher", cached)
        return cached

    def __getstate__(self) -> dict[str, bytes]:
        # Copies and pickles carry the key, never the AES-GCM object made from it.
        return {"key_id": self.key_id, "material": self.material}

    @property
    def hex_id(self) -> str:
        """The key id as 16 hex digits, safe to log and store."""
        return self.key_id.hex()

    def __repr__(self) -> str:
        return f"SymmetricKey(key_id={self.hex_id})"


class KeyChain:
    """The keys of one purpose: the current one encrypts, any of them decrypts.

    After a rotation the chain holds the new key as current and the old ones for
    opening data not yet re-encrypted.
    """

    def __init__(self, current: SymmetricKey, older: Iterable[SymmetricKey] = ()) -> None:
        self.current = current
        self._by_id = {key.key_id: key for key in older}
        self._by_id[current.key_id] = current

    def members(self) -> list[SymmetricKey]:
        """Every key of the chain, the current one among them."""
        return list(self._by_id.values())

    def find(self, key_id: bytes) -> SymmetricKey:
        """The key with ``key_id``; :class:`OpenError` if this chain does not hold it."""
        try:
            return self._by_id[key_id]
        except KeyError:
            raise OpenError("cannot open: no key with this id") from None

    def __repr__(self) -> str:
        return f"KeyChain(current={self.current.hex_id}, keys={len(self._by_id)})"


@dataclass(frozen=True)
class Context:
    """Where a ciphertext belongs: bound into every encryption as associated data.

    ``namespace`` names the kind of thing (``"testimony-section"``, ``"draft"``),
    ``record_id`` the row, ``field`` the section or column. All three are required,
    non-empty text without NUL characters or lone surrogates (which UTF-8 cannot
    encode).
    """

    namespace: str
    record_id: str
    field: str

    def __post_init__(self) -> None:
        _check_parts((self.namespace, self.record_id, self.field))

    def encode(self) -> bytes:
        """Unambiguous bytes of the context: each part length-prefixed."""
        return _record_prefix(self.namespace, self.record_id) + _encoded_part(self.field)


_CONTEXT_LABEL = b"intake-context-v1"


def _check_parts(parts: Sequence[object]) -> None:
    """Every part non-empty text, without NUL or lone surrogates, not too long."""
    if not all(isinstance(part, str) and part for part in parts):
        raise KeyFormatError("every context part must be non-empty text")
    texts = cast(Sequence[str], parts)
    # One search over the parts joined: each unfit character is one code point.
    if _UNFIT_CONTEXT.search("".join(texts)):
        raise KeyFormatError("every context part must be non-empty text")
    if max(len(part) for part in texts) > _MAX_CONTEXT_PART:
        raise KeyFormatError("a context part is too long")


def _record_prefix(namespace: str, record_id: str) -> bytes:
    """The encoded context up to its field: the same for every field of one record."""
    return _CONTEXT_LABEL + _encoded_part(namespace) + _encoded_part(record_id)


def _encoded_part(part: str) -> bytes:
    raw = part.encode("utf-8")
    return _LENGTH_PREFIX.pack(len(raw)) + raw


def padded_size(length: int) -> int:
    """Bucket size for a framed plaintext of ``length`` bytes (at least MIN_BUCKET).

    Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
    Communication with PURBs", PETS 2019): keep the top bits of the length and round
    the rest up, so overhead stays under 12% and the length leaks O(log log n) bits.
    """
    if length <= MIN_BUCKET:
        return MIN_BUCKET
    exponent = length.bit_length() - 1
    mantissa_bits = exponent.bit_length()
    low_bits = exponent - mantissa_bits
    mask = (1 << low_bits) - 1
    return (length + mask) & ~mask


def _pad(plaintext: bytes) -> bytes:
    framed = _LENGTH_PREFIX.pack(len(plaintext)) + plaintext
    return framed + bytes(padded_size(len(framed)) - len(framed))


def _unpad(padded: bytes) -> bytes:
    (length,) = _LENGTH_PREFIX.unpack_from(padded)
    end = _LENGTH_PREFIX.size + length
    if end > len(padded) or any(padded[end:]):
        raise OpenError("cannot open: bad padding")
    return padded[_LENGTH_PREFIX.size : end]


def _associated_data(key_id: bytes, encoded_context: bytes) -> bytes:
    """What an envelope is bound to: the format version, its key's id and its context."""
    return bytes([VERSION]) + key_id + encoded_context


def encrypt_field(key: SymmetricKey, plaintext: bytes, *, context: Context) -> bytes:
    """Encrypt ``plaintext`` for ``context`` under ``key``; the nonce is made inside.

    Warning: the same ``context`` must be given to :func:`decrypt_field`; it is not
    stored in the envelope, so a ciphertext cannot be opened outside its place.
    """
    _check_plaintext(plaintext)
    nonce = os.urandom(NONCE_LENGTH)
    aad = _associated_data(key.key_id, context.encode())
    sealed = key.cipher().encrypt(nonce, _pad(plaintext), aad)
    return bytes([VERSION]) + key.key_id + nonce + sealed


def encrypt_fields(
    key: SymmetricKey, namespace: str, record_id: str, fields: Sequence[tuple[str, bytes]]
) -> list[bytes]:
    """Encrypt several fields of one record under ``key``, in order: each envelope is
    exactly what :func:`encrypt_field` makes for ``Context(namespace, record_id, field)``
    (and opens with :func:`decrypt_field` for that context), made at a fraction of the
    cost: the shared parts of the context are checked and encoded once, and the nonces
    come from one read of the system's random source.
    """
    if not fields:
        return []
    # Every part checked as Context checks it (all at once), every plaintext as
    # encrypt_field checks it.
    _check_parts((namespace, record_id, *(field for field, _ in fields)))
    for _, plaintext in fields:
        _check_plaintext(plaintext)
    header = bytes([VERSION]) + key.key_id
    prefix = _record_prefix(namespace, record_id)
    nonces = os.urandom(NONCE_LENGTH * len(fields))
    encrypt = key.cipher().encrypt
    envelopes = []
    for index, (field, plaintext) in enumerate(fields):
        nonce = nonces[index * NONCE_LENGTH : (index + 1) * NONCE_LENGTH]
        aad = _associated_data(key.key_id, prefix + _encoded_part(field))
        envelopes.append(header + nonce + encrypt(nonce, _pad(plaintext), aad))
    return envelopes


def _check_plaintext(plaintext: bytes) -> None:
    if not isinstance(plaintext, bytes):
        raise TypeError("plaintext must be bytes")
    if len(plaintext) > 0xFFFFFFF0:
        raise KeyFormatError("plaintext too large for one field")


def decrypt_field(keys: KeyChain | SymmetricKey, envelope: bytes, *, context: Context) -> bytes:
    """Open an envelope made by :func:`encrypt_field` for the same ``context``.

    Raises :class:`OpenError` alike for every failure: empty or truncated input,
    unknown version, unknown key id, wrong key, wrong context or any altered byte.
    """
    chain = keys if isinstance(keys, KeyChain) else KeyChain(keys)
    return _open(chain, envelope, context.encode())


def decrypt_fields(
    keys: KeyChain | SymmetricKey,
    namespace: str,
    record_id: str,
    envelopes: Sequence[tuple[str, bytes]],
) -> list[bytes]:
    """Open several envelopes of one record, in order: each exactly as
    :func:`decrypt_field` opens it for ``Context(namespace, record_id, field)``, at a
    fraction of the cost (the shared parts of the context are checked and encoded
    once). Raises what decrypt_field raises, for the first envelope that fails.
    """
    envelopes = list(envelopes)  # read twice below: an iterator would be used up
    if not envelopes:
        return []
    _check_parts((namespace, record_id, *(field for field, _ in envelopes)))
    chain = keys if isinstance(keys, KeyChain) else KeyChain(keys)
    prefix = _record_prefix(namespace, record_id)
    return [_open(chain, envelope, prefix + _encoded_part(field)) for field, envelope in envelopes]


def _open(chain: KeyChain, envelope: bytes, encoded_context: bytes) -> bytes:
    """The plaintext of ``envelope`` sealed for the context encoded as given."""
    if not isinstance(envelope, bytes) or len(envelope) < HEADER_LENGTH + TAG_LENGTH:
        raise OpenError("cannot open: too short")
    if envelope[0] != VERSION:
        raise OpenError("cannot open: unknown envelope version")
    key_id = envelope[1 : 1 + KEY_ID_LENGTH]
    key = chain.find(key_id)
    nonce = envelope[1 + KEY_ID_LENGTH : HEADER_LENGTH]
    try:
        padded = key.cipher().decrypt(
            nonce, envelope[HEADER_LENGTH:], _associated_data(key_id, encoded_context)
        )
    except InvalidTag:
        raise OpenError("cannot open: authentication failed") from None
    return _unpad(padded)
