"""Keyed pseudonyms: stable, unlinkable stand-ins for identifiers in exports.

A pseudonym is HMAC-SHA256 over a purpose label, a recipient label and the value,
each length-prefixed, shown as 26 base32 characters (130 bits, of which 128 carry).
Two exports to different recipients give the same person different pseudonyms, so
the datasets cannot be joined; the same recipient sees a stable pseudonym.

Protects against: recovering an identifier from its pseudonym, or checking a guess,
without the key (unlike an unkeyed hash of a name); joining datasets across recipients.
Does not protect against: the key holder; re-identification from the other fields of
a dataset (that is what generalisation to k-anonymity is for).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from dataclasses import dataclass

from crypto.errors import KeyFormatError

_PREFIX = struct.Struct(">I")


@dataclass(frozen=True, repr=False)
class PseudonymKey:
    """The 32-byte key pseudonyms are made with."""

    material: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.material, bytes) or len(self.material) != 32:
            raise KeyFormatError("a pseudonym key must be 32 bytes")

    def __repr__(self) -> str:
        return "PseudonymKey()"


def pseudonym(key: PseudonymKey, value: str, *, purpose: str, recipient: str | None) -> str:
    """The pseudonym of ``value`` for ``purpose`` and ``recipient`` (``None`` for internal use).

    Both labels are required arguments so no caller forgets to separate purposes.
    """
    if not purpose:
        raise KeyFormatError("a pseudonym purpose is required")
    message = bytearray(b"intake-pseudonym-v1")
    for part in (purpose, "" if recipient is None else "recipient:" + recipient, value):
        raw = part.encode("utf-8")
        message += _PREFIX.pack(len(raw)) + raw
    digest = hmac.new(key.material, bytes(message), hashlib.sha256).digest()
    return base64.b32encode(digest[:17]).decode("ascii")[:26].lower()
