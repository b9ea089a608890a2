"""Bech32 decoding, with BIP 173's own test vectors and age key strings."""

import pytest

from crypto import Identity, KeyFormatError
from crypto.age_reader import X25519Identity
from crypto.bech32 import _CHARSET, _expand_hrp, _polymod, decode


def encode(hrp: str, data: bytes, *, padding: str | None = None) -> str:
    """A test-side encoder: 8-bit data to 5-bit groups (zero padding unless given)."""
    bits = "".join(f"{byte:08b}" for byte in data)
    bits += "0" * (-len(bits) % 5) if padding is None else padding
    groups = [int(bits[i : i + 5], 2) for i in range(0, len(bits), 5)]
    residue = _polymod([*_expand_hrp(hrp), *groups, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(residue >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[g] for g in groups + checksum)


@pytest.mark.parametrize(
    "text",
    [
        # Valid Bech32 strings from BIP 173 whose data part is whole bytes
        "A12UEL5L",
        "a12uel5l",
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    ],
)
def test_bip173_valid_strings(text):
    hrp, data = decode(text)
    assert hrp == text.lower()[: text.rfind("1")]
    assert encode(hrp, data).lower() == text.lower()


@pytest.mark.parametrize(
    "text",
    [
        # Invalid strings from BIP 173
        "pzry9x0s0muk",  # no separator
        "1pzry9x0s0muk",  # empty human-readable part
        "x1b4n0q5v",  # invalid data character
        "li1dgmt3",  # checksum too short
        "A1G7SGD8",  # checksum computed over the upper-case form
        "10a06t8",  # empty human-readable part
        "1qzzfhee",
        "\x7f1axkwrx",  # prefix character out of range
        "a12UEL5L",  # mixed case
        "a12uel5lé",  # not ASCII
        "a12uel5m",  # one character changed
    ],
)
def test_bip173_invalid_strings(text):
    with pytest.raises(KeyFormatError):
        decode(text)


def test_non_zero_padding_is_refused():
    # Two bytes are 16 bits: four padding bits, which must be zero
    assert decode(encode("age", b"\x01\x02", padding="0000"))[1] == b"\x01\x02"
    for data, padding in ((b"\x01\x02", "0001"), (b"\x01\x02", "1000"), (b"\x01", "0000000")):
        # non-zero padding bits, or a whole group of padding (7 bits after one byte)
        with pytest.raises(KeyFormatError, match="padding"):
            decode(encode("age", data, padding=padding))


def test_age_key_strings_decode():
    org = Identity.generate()
    hrp, public = decode(org.recipient)
    assert hrp == "age"
    assert len(public) == 32
    assert X25519Identity.from_secret_string(org.secret_string()).public_bytes == public


@pytest.mark.parametrize(
    "text",
    [
        encode("age-secret-key-", bytes(31)).upper(),  # too short
        encode("age-secret-key-", bytes(33)).upper(),  # too long
        encode("age-secret-key-pq-", bytes(32)).upper(),  # another key type
        encode("age", bytes(32)),  # a recipient
    ],
)
def test_reader_identity_needs_a_32_byte_secret_key(text):
    with pytest.raises(KeyFormatError):
        X25519Identity.from_secret_string(text)
