"""Per-record data keys, stored wrapped by the keyring's record-key-wrap chain.

Each testimony's sections are encrypted under a key of its own. Destroying that
record's wrapped key makes its sections unreadable everywhere they were copied,
backups included (crypto-shredding, for consent withdrawal).

Protects against: opening a record without the workspace keyring; a wrapped key moved
to another record (the record id is bound as associated data).
Does not protect against: copies of the plaintext made while the record was open.
"""

from __future__ import annotations

from crypto.aead import (
    KEY_ID_LENGTH,
    Context,
    KeyChain,
    SymmetricKey,
    decrypt_field,
    encrypt_field,
)


def _context(record_id: str) -> Context:
    return Context(namespace="record-key", record_id=record_id, field="data-key")


def new_record_key() -> SymmetricKey:
    """A fresh random data key for one record."""
    return SymmetricKey.generate()


def wrap_record_key(wrapping: KeyChain, record_key: SymmetricKey, *, record_id: str) -> bytes:
    """``record_key`` encrypted under the current wrapping key, bound to ``record_id``."""
    return encrypt_field(
        wrapping.current, record_key.key_id + record_key.material, context=_context(record_id)
    )


def unwrap_record_key(wrapping: KeyChain, wrapped: bytes, *, record_id: str) -> SymmetricKey:
    """The data key of ``record_id``; :class:`~crypto.errors.OpenError` on any failure."""
    raw = decrypt_field(wrapping, wrapped, context=_context(record_id))
    return SymmetricKey(key_id=raw[:KEY_ID_LENGTH], material=raw[KEY_ID_LENGTH:])
