"""Header strictness: each file breaks one rule of c2sp.org/age and keeps a valid MAC."""

import os
import string

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from crypto import Identity, OpenError, open_sealed
from crypto.age_reader import X25519Identity
from crypto.bech32 import decode

from . import agefile

ALPHABET = (string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/").encode()


def public(identity: Identity) -> bytes:
    return decode(identity.recipient)[1]


def non_canonical(text: bytes) -> bytes:
    """The same bytes with a non-zero unused bit in the last character."""
    return text[:-1] + ALPHABET[ALPHABET.index(text[-1]) + 1 : ALPHABET.index(text[-1]) + 2]


def file_with(org: Identity, stanzas: list[bytes], version: bytes = agefile.VERSION) -> bytes:
    """A file whose header holds ``stanzas`` as given, a correct MAC and payload."""
    file_key = os.urandom(16)
    nonce = os.urandom(16)
    ours = agefile.x25519_stanza(file_key, public(org))
    header = agefile.header([s.replace(b"OURS", ours) for s in stanzas], file_key, version)
    return header + nonce + agefile.sealed_chunks(file_key, nonce, [(b"record", True)])[0]


def refused(blob: bytes, org: Identity, match: str) -> None:
    with pytest.raises(OpenError, match=match):
        open_sealed(blob, [org])


def test_the_file_builder_makes_files_that_open(org):
    assert open_sealed(file_with(org, [b"OURS"]), [org]) == b"record"


@pytest.mark.parametrize(
    "version",
    [b"age-encryption.org/v2\n", b"age-encryption.org/v1 \n", b"age-encryption.org/v1\r\n", b""],
)
def test_only_the_exact_v1_version_line(org, version):
    refused(file_with(org, [b"OURS"], version), org, "not an age v1 file")


@pytest.mark.parametrize(
    "line",
    [
        b"-> grease  double-space\n\n",
        b"-> grease trailing-space \n\n",
        b"-> \n\n",  # no type
        b"-> grease\ttab\n\n",
        b"-> grease carriage-return\r\n\n",
        "-> grease naïve\n\n".encode(),
    ],
)
def test_arguments_are_non_empty_printable_ascii(org, line):
    refused(file_with(org, [line, b"OURS"]), org, "argument")


@pytest.mark.parametrize(
    ("stanza", "match"),
    [
        (b"-> grease\n" + b"A" * 65 + b"\n\n", "too long"),
        (b"-> grease\n" + b"A" * 64 + b"\n", "invalid base64|malformed"),  # no final line
        (b"-> grease\n" + b"A" * 63 + b"\nAAAA\n", "malformed"),  # two short lines
        (b"-> grease\nAAA=\n", "unpadded"),
        (b"-> grease\nAA A\n", "invalid base64"),
        (b"-> grease\nAAAAA\n", "invalid base64"),  # 5 characters: no byte boundary
        (b"-> grease\r\nAAAA\n", "argument"),
        (b"-> grease\nAAAA\r\n", "invalid base64"),
        (b"-> grease\n" + non_canonical(b"AB") + b"\n", "non-canonical"),
        (b"junk line\n", "malformed"),
        (b"->grease\n\n", "malformed"),
    ],
)
def test_stanza_bodies_are_wrapped_and_canonical(org, stanza, match):
    refused(file_with(org, [b"OURS", stanza]), org, match)


def test_a_header_needs_a_stanza(org):
    refused(file_with(org, []), org, "malformed")


def test_body_of_full_lines_ends_with_an_empty_line(org):
    # 48 bytes are exactly 64 characters: an empty final line must follow, and does
    assert agefile.stanza([b"grease"], bytes(48)).endswith(b"\n\n")
    assert open_sealed(file_with(org, [agefile.stanza([b"grease"], bytes(48)), b"OURS"]), [org])


def _x25519(share: bytes, body: bytes, *, extra: bytes = b"") -> bytes:
    return agefile.stanza([b"X25519", share + extra], body)


@pytest.mark.parametrize(
    ("stanza", "match"),
    [
        (_x25519(agefile.b64(os.urandom(32)), os.urandom(32), extra=b" more"), "one argument"),
        (b"-> X25519\n" + agefile.b64(os.urandom(32)) + b"\n", "one argument"),
        (_x25519(agefile.b64(os.urandom(31)), os.urandom(32)), "length"),
        (_x25519(agefile.b64(os.urandom(33)), os.urandom(32)), "length"),
        (_x25519(agefile.b64(os.urandom(32)), os.urandom(48)), "length"),
        (_x25519(agefile.b64(os.urandom(32)), os.urandom(16)), "length"),
        (_x25519(agefile.b64(os.urandom(32)) + b"=", os.urandom(32)), "unpadded"),
        (_x25519(non_canonical(agefile.b64(bytes(31) + b"\x09")), os.urandom(32)), "canonical"),
    ],
)
def test_malformed_x25519_stanzas_are_refused_even_after_ours(org, stanza, match):
    # Given a well-formed stanza for us first, then a malformed X25519 stanza
    refused(file_with(org, [b"OURS", stanza]), org, match)


def test_non_canonical_x25519_body_is_refused(org):
    file_key = os.urandom(16)
    share, body = agefile.x25519_parts(file_key, public(org))
    text = agefile.b64(body)
    for broken in (non_canonical(text), text + b"="):
        stanza = b"-> X25519 " + agefile.b64(share) + b"\n" + broken + b"\n"
        header = agefile.header([stanza], file_key)
        nonce = os.urandom(16)
        payload = agefile.sealed_chunks(file_key, nonce, [(b"x", True)])[0]
        refused(header + nonce + payload, org, "base64")


@pytest.mark.parametrize(
    "share",
    [
        bytes(32),
        (1).to_bytes(32, "little"),
        # Points of order 8, and p - 1, p, p + 1 (the last two non-canonical encodings)
        bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
        bytes.fromhex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
        bytes.fromhex("ec" + "ff" * 30 + "7f"),
        bytes.fromhex("ed" + "ff" * 30 + "7f"),
        bytes.fromhex("ee" + "ff" * 30 + "7f"),
    ],
)
def test_low_order_shares_abort(org, share):
    # A low-order point makes the shared secret all zero: the spec says abort, not skip
    stanza = _x25519(agefile.b64(share), os.urandom(32))
    refused(file_with(org, [stanza, b"OURS"]), org, "low-order")


class _ZeroExchange:
    """A stand-in private key whose exchange yields zeros, as a lenient library might."""

    def __init__(self) -> None:
        self._real = X25519PrivateKey.generate()

    def exchange(self, peer: object) -> bytes:
        return bytes(32)

    def public_key(self):  # type: ignore[no-untyped-def]
        return self._real.public_key()


def test_an_all_zero_shared_secret_aborts_whatever_the_library_returns():
    identity = X25519Identity(_ZeroExchange())  # type: ignore[arg-type]
    with pytest.raises(OpenError, match="low-order"):
        identity.unwrap(os.urandom(32), os.urandom(32))


def test_passphrase_sealed_files_are_refused(org):
    # Given a file sealed with a passphrase (scrypt), alone or beside our stanza
    # (a real one, as Identity.protect makes, is in test_sealing.py: it costs a second)
    scrypt = agefile.stanza([b"scrypt", agefile.b64(os.urandom(16)), b"10"], os.urandom(32))
    refused(file_with(org, [scrypt]), org, "passphrase")
    refused(file_with(org, [scrypt, b"OURS"]), org, "passphrase")
    refused(file_with(org, [b"OURS", scrypt]), org, "passphrase")


@pytest.mark.parametrize(
    "mac_line",
    [
        lambda mac: b"--- " + mac + b" \n",
        lambda mac: b"---  " + mac + b"\n",
        lambda mac: b"--- " + mac[:-1] + b"\n",
        lambda mac: b"--- " + mac + b"=\n",
        lambda mac: b"---" + mac + b"\n",
        lambda mac: b"--- " + non_canonical(mac) + b"\n",
        lambda mac: b"--- " + mac + b"\r\n",
    ],
)
def test_mac_line_is_exact(org, mac_line):
    blob = file_with(org, [b"OURS"])
    start = blob.index(b"\n--- ") + 1
    mac = blob[start + 4 : start + 47]
    refused(blob[:start] + mac_line(mac) + blob[start + 48 :], org, "MAC|malformed|base64")
