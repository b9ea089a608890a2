"""Keyed hash chains: each link authenticates an entry and every entry before it.

A link is HMAC-SHA256 under a chain key over a fixed label, the previous link and the
entry, each length-prefixed. Changing, removing, inserting or reordering any entry
changes every later link, and without the key nobody can compute links that match,
so a consistent forgery needs the key (an unkeyed hash chain can simply be recomputed
by whoever edits the table).

Protects against: an insider or intruder with database access (but not the keyring)
editing, deleting or reordering history unnoticed.
Does not protect against: someone holding the chain key, who can rewrite the whole
chain (signed checkpoints kept elsewhere bound that: a rewritten chain no longer
matches a checkpoint); truncating the newest entries after the last checkpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import struct

from crypto.aead import SymmetricKey
from crypto.errors import KeyFormatError

LINK_LENGTH = 32
#: The "previous link" of the first entry.
GENESIS = bytes(LINK_LENGTH)
_PREFIX = struct.Struct(">I")


def chain_link(key: SymmetricKey, previous: bytes, entry: bytes) -> bytes:
    """The link of ``entry`` after the link ``previous`` (GENESIS for the first)."""
    if not isinstance(previous, bytes) or len(previous) != LINK_LENGTH:
        raise KeyFormatError("a previous link must be 32 bytes")
    if not isinstance(entry, bytes):
        raise TypeError("entry must be bytes")
    message = b"intake-chain-v1" + previous + _PREFIX.pack(len(entry)) + entry
    return hmac.new(key.material, message, hashlib.sha256).digest()


def link_matches(key: SymmetricKey, previous: bytes, entry: bytes, link: bytes) -> bool:
    """Whether ``link`` is the link of ``entry`` after ``previous`` (constant time)."""
    return hmac.compare_digest(chain_link(key, previous, entry), link)
