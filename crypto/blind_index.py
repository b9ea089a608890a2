"""Blind indexes: keyed, truncated HMAC-SHA256 of a normalised value.

A blind index lets the case database find candidate rows for an exact (normalised)
name or number without storing it. The output is deliberately truncated so that each
index value is shared by several rows (the CipherSweet planning rule: at least 2 and
fewer than the square root of the row count), which turns the index into a coarse
filter: the application decrypts the candidates and decides.

Protects against: reading names from the index without its key; confirming a guessed
name offline without the key.
Does not protect against: anyone holding the key (it is a membership oracle, which is
why stations never hold one); frequency analysis of very common values among rows.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from crypto.errors import KeyFormatError

MIN_BITS = 1
MAX_BITS = 32


def plan_bits(expected_rows: int) -> int:
    """Index length in bits for ``expected_rows`` rows.

    The largest ``b`` with ``2 <= rows / 2**b < sqrt(rows)``, so each value is shared
    by at least two rows yet narrows the search well. Below about eight rows no
    length meets both bounds and one bit is returned (the index then only halves).
    """
    if not isinstance(expected_rows, int) or expected_rows < 1:
        raise KeyFormatError("expected_rows must be a positive integer")
    # floor(log2(rows / 2)) in integers, so no rounding error at powers of two.
    bits = (expected_rows // 2).bit_length() - 1
    return min(max(bits, MIN_BITS), MAX_BITS)


@dataclass(frozen=True, repr=False)
class BlindIndexKey:
    """The key and output length of one blind index."""

    material: bytes
    bits: int

    def __post_init__(self) -> None:
        if not isinstance(self.material, bytes) or len(self.material) != 32:
            raise KeyFormatError("a blind index key must be 32 bytes")
        if not MIN_BITS <= self.bits <= MAX_BITS:
            raise KeyFormatError("blind index length out of range")

    def __repr__(self) -> str:
        return f"BlindIndexKey(bits={self.bits})"


def blind_index(key: BlindIndexKey, normalised: str) -> int:
    """The index value of ``normalised`` (already normalised by the caller's rules)."""
    digest = hmac.digest(key.material, normalised.encode("utf-8"), "sha256")
    return int.from_bytes(digest[:4], "big") >> (32 - key.bits)
