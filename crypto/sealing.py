"""Sealing to the organisation's public keys in the age format.

Sealing, armored files and passphrase protection go through pyrage; opening binary
files with X25519 identities, the case database's hot path, goes through
:mod:`crypto.age_reader`, a strict reader built on ``cryptography``.

A station seals each finalised testimony to one or more age X25519 recipients; only
the holders of the matching identities (the case database, a custodian abroad) can
open it. The format is openly specified (age-encryption.org/v1), so a sealed record
can be opened decades later with the independent ``age`` tool, not only this code.

Protects against: reading a sealed record on a seized station, which holds no
identity; tampering (age authenticates every chunk).
Does not protect against: an identity holder; knowing how many records exist and
their sizes; binding to a record id (age has no associated data: the record id is
inside the sealed document and the importer checks it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyrage

from crypto.age_reader import VERSION_LINE, Stream, X25519Identity, decrypt, open_stream
from crypto.errors import KeyFormatError, OpenError, UnlockError

#: ASCII-armored age files (PEM, RFC 7468) are left to pyrage's armor parser.
_ARMORED = re.compile(rb"\s*-----BEGIN AGE ENCRYPTED FILE-----")


def parse_recipient(text: str) -> pyrage.x25519.Recipient:
    """An age X25519 recipient (``age1...``); :class:`KeyFormatError` if malformed."""
    try:
        return pyrage.x25519.Recipient.from_str(text.strip())
    except (pyrage.RecipientError, ValueError, AttributeError) as exc:
        raise KeyFormatError("not an age X25519 recipient") from exc


class Identity:
    """An age X25519 identity (private key). Keep it only at the case database."""

    def __init__(self, inner: pyrage.x25519.Identity) -> None:
        self._inner = inner
        self._reader: X25519Identity | None = None

    def _for_reader(self) -> X25519Identity:
        """The same key for :mod:`crypto.age_reader`, decoded once, on first use."""
        if self._reader is None:
            self._reader = X25519Identity.from_secret_string(str(self._inner))
        return self._reader

    @classmethod
    def generate(cls) -> Identity:
        """A fresh random identity."""
        return cls(pyrage.x25519.Identity.generate())

    @classmethod
    def from_secret_string(cls, text: str) -> Identity:
        """Parse ``AGE-SECRET-KEY-1...``; :class:`KeyFormatError` if malformed."""
        try:
            return cls(pyrage.x25519.Identity.from_str(text.strip()))
        except (pyrage.IdentityError, ValueError, AttributeError) as exc:
            raise KeyFormatError("not an age X25519 identity") from exc

    def secret_string(self) -> str:
        """The private key as ``AGE-SECRET-KEY-1...``. Warning: this is the secret."""
        return str(self._inner)

    @property
    def recipient(self) -> str:
        """The public recipient string (``age1...``) to give to stations."""
        return str(self._inner.to_public())

    def protect(self, passphrase: str) -> bytes:
        """The identity encrypted with an age passphrase (scrypt), as ``age -p`` makes.

        Such a file opens with ``age -d`` and the passphrase, independently of this code.
        """
        if not passphrase:
            raise KeyFormatError("the passphrase is empty")
        sealed: bytes = pyrage.passphrase.encrypt(
            (self.secret_string() + "\n").encode(), passphrase
        )
        return sealed

    @classmethod
    def unprotect(cls, blob: bytes, passphrase: str) -> Identity:
        """Open what :meth:`protect` made; :class:`UnlockError` for a wrong passphrase."""
        try:
            text = pyrage.passphrase.decrypt(blob, passphrase).decode("ascii")
        except (pyrage.DecryptError, UnicodeDecodeError, TypeError) as exc:
            raise UnlockError("the passphrase does not open this identity") from exc
        return cls.from_secret_string(text)

    def __repr__(self) -> str:
        return f"Identity(recipient={self.recipient})"


def seal(plaintext: bytes, recipients: Sequence[str]) -> bytes:
    """Encrypt ``plaintext`` to every recipient in binary age format."""
    if isinstance(recipients, str) or not recipients:
        raise KeyFormatError("at least one recipient is required")
    parsed = [parse_recipient(text) for text in recipients]
    sealed: bytes = pyrage.encrypt(plaintext, parsed)
    return sealed


def looks_sealed(blob: bytes) -> bool:
    """Whether ``blob`` begins as an age file does (binary or ASCII-armored), so that
    a file that is plainly something else can be told apart before any opening."""
    return blob.startswith(VERSION_LINE) or _ARMORED.match(blob) is not None


def open_sealed(blob: bytes, identities: Sequence[Identity]) -> bytes:
    """Decrypt an age file with any of ``identities``; :class:`OpenError` for any failure.

    Binary files are read strictly (see :mod:`crypto.age_reader`): the header MAC and
    every chunk are verified and nothing is returned unless the whole file opens.
    """
    if not identities:
        raise KeyFormatError("at least one identity is required")
    if isinstance(blob, bytes) and _ARMORED.match(blob):
        inner = [identity._inner for identity in identities]
        try:
            # The spec allows whitespace before the armor; pyrage refuses it there.
            opened: bytes = pyrage.decrypt(blob.lstrip(), inner)
        except (pyrage.DecryptError, TypeError, ValueError) as exc:
            raise OpenError("cannot open this sealed record") from exc
        return opened
    return decrypt(blob, [identity._for_reader() for identity in identities])


def open_sealed_stream(blob: bytes, identities: Sequence[Identity]) -> Stream:
    """A binary age file opened with any of ``identities``, to read a range at a time.

    The header is checked here (:class:`OpenError` if it fails) and each range's chunks
    when it is read: see :class:`crypto.age_reader.Stream` for what a range proves and
    what it does not. An ASCII-armored file has no ranges to find without decoding it
    whole: it is opened whole (as :func:`open_sealed` opens it) and then read the same
    way (:meth:`Stream.of_plaintext`).
    """
    if not identities:
        raise KeyFormatError("at least one identity is required")
    if isinstance(blob, bytes) and _ARMORED.match(blob):
        return Stream.of_plaintext(open_sealed(blob, identities))
    return open_stream(blob, [identity._for_reader() for identity in identities])
