"""Bech32 decoding (BIP 173), as age uses it for X25519 identity strings.

age encodes keys as Bech32 without BIP 173's 90-character limit; a string is all
upper case or all lower case, and its checksum is computed over the lower-case form
(c2sp.org/age, "Conventions used in this document").

Protects against: accepting a mistyped or truncated key string (the checksum catches
any error of up to four characters). Does not protect against: anything else; it is
an encoding, not a secret.
"""

from __future__ import annotations

from crypto.errors import KeyFormatError

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_VALUES = {char: value for value, char in enumerate(_CHARSET)}
# The BCH code's generator coefficients, from BIP 173's reference description.
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_CHECKSUM_LENGTH = 6


def _polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for bit, coefficient in enumerate(_GENERATOR):
            if (top >> bit) & 1:
                checksum ^= coefficient
    return checksum


def _expand_hrp(hrp: str) -> list[int]:
    return [ord(char) >> 5 for char in hrp] + [0] + [ord(char) & 31 for char in hrp]


def _to_bytes(groups: list[int]) -> bytes:
    """Regroup 5-bit values into bytes; leftover padding must be under 5 zero bits."""
    accumulator = bits = 0
    out = bytearray()
    for group in groups:
        accumulator = (accumulator << 5) | group
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((accumulator >> bits) & 0xFF)
    if bits >= 5 or accumulator & ((1 << bits) - 1):
        raise KeyFormatError("the Bech32 string has non-zero padding")
    return bytes(out)


def decode(text: str) -> tuple[str, bytes]:
    """The lower-case human-readable part and the data bytes of a Bech32 string.

    Raises :class:`KeyFormatError` for mixed case, characters outside the Bech32
    alphabet, a missing separator or a wrong checksum.
    """
    if not text.isascii() or (text != text.lower() and text != text.upper()):
        raise KeyFormatError("a Bech32 string is ASCII in a single case")
    text = text.lower()
    separator = text.rfind("1")
    if separator < 1 or len(text) - separator - 1 < _CHECKSUM_LENGTH:
        raise KeyFormatError("the Bech32 string has no part or checksum")
    hrp, data = text[:separator], text[separator + 1 :]
    if any(not 33 <= ord(char) <= 126 for char in hrp):
        raise KeyFormatError("the Bech32 prefix has a character outside US-ASCII")
    try:
        groups = [_VALUES[char] for char in data]
    except KeyError:
        raise KeyFormatError("the Bech32 string has a character outside its alphabet") from None
    if _polymod(_expand_hrp(hrp) + groups) != 1:
        raise KeyFormatError("the Bech32 checksum does not match")
    return hrp, _to_bytes(groups[:-_CHECKSUM_LENGTH])
