"""Attacks on age files: every one must end in OpenError and release nothing."""

import os

import pytest

from crypto import Identity, OpenError, open_sealed, seal
from crypto.bech32 import decode

from . import agefile

CHUNK = agefile.CHUNK
SEALED = CHUNK + 16


@pytest.fixture(scope="module")
def small(org) -> bytes:
    return seal(b"a small testimony", [org.recipient])


@pytest.fixture(scope="module")
def three_chunks(org) -> tuple[bytes, int]:
    """A file of three chunks (two full, one short) and where its payload chunks start."""
    blob = seal(os.urandom(2 * CHUNK + 100), [org.recipient])
    return blob, len(blob) - (2 * SEALED + 100 + 16)


def header_end(blob: bytes) -> int:
    """Where the payload starts: after "\n--- ", 43 MAC characters and "\n"."""
    return blob.index(b"\n--- ") + 5 + 43 + 1


def public(identity: Identity) -> bytes:
    return decode(identity.recipient)[1]


def refused(blob: bytes, org: Identity, match: str | None = None) -> None:
    with pytest.raises(OpenError, match=match):
        open_sealed(blob, [org])


def test_every_flipped_byte_fails(org, small):
    # Given a small sealed file, When any single byte is changed (low or high bit)
    for position in range(len(small)):
        for bit in (0x01, 0x80):
            blob = bytearray(small)
            blob[position] ^= bit
            # Then it does not open
            refused(bytes(blob), org)


def test_every_truncation_fails(org, small):
    for length in range(len(small)):
        refused(small[:length], org)


def test_truncating_a_large_file_at_chunk_edges_fails(org, three_chunks):
    blob, start = three_chunks
    for cut in (start, start + 1, start + SEALED - 1, start + SEALED, start + 2 * SEALED):
        refused(blob[:cut], org)
    refused(blob[:-1], org)
    refused(blob[:-16], org)


def test_swapped_dropped_or_repeated_chunks_fail(org, three_chunks):
    blob, start = three_chunks
    header, payload = blob[:start], blob[start:]
    first, second, last = payload[:SEALED], payload[SEALED : 2 * SEALED], payload[2 * SEALED :]
    assert open_sealed(header + first + second + last, [org])  # the pieces are right
    for chunks in (
        [second, first, last],  # swapped
        [first, last],  # middle dropped
        [second, last],  # first dropped
        [first, second],  # final dropped
        [first, first, second, last],  # repeated
        [first, second, second, last],
    ):
        refused(header + b"".join(chunks), org)


@pytest.mark.parametrize("extra", [b"\x00", os.urandom(16), os.urandom(17), os.urandom(SEALED)])
def test_trailing_bytes_fail(org, small, three_chunks, extra):
    refused(small + extra, org)
    refused(three_chunks[0] + extra, org)


def test_chunks_from_another_file_fail(org):
    # Given two files sealed to us, the payload of one after the header of the other
    one, other = seal(b"first", [org.recipient]), seal(b"other", [org.recipient])
    cut = header_end(one)
    refused(one[:cut] + other[cut:], org)


def _with_chunks(org: Identity, chunks: list[tuple[bytes, bool]]) -> bytes:
    return agefile.seal(b"", [public(org)], chunks=chunks)


def test_final_flag_tricks_fail(org):
    full = os.urandom(CHUNK)
    # A payload whose final chunk is flagged as not final (missing final chunk)
    refused(_with_chunks(org, [(full, False)]), org)
    refused(_with_chunks(org, [(full, False), (full, False)]), org)
    refused(_with_chunks(org, [(b"short", False)]), org)
    # A final flag on a chunk that is not the last (two final chunks, or early final)
    refused(_with_chunks(org, [(full, True), (b"more", True)]), org)
    refused(_with_chunks(org, [(full, True), (b"more", False)]), org)
    # A short chunk before the last: chunks are 64 KiB except the final one
    refused(_with_chunks(org, [(b"short", False), (b"final", True)]), org)


def test_empty_final_chunk_only_for_an_empty_payload(org):
    assert open_sealed(_with_chunks(org, [(b"", True)]), [org]) == b""
    full = os.urandom(CHUNK)
    assert open_sealed(_with_chunks(org, [(full, True)]), [org]) == full
    # An empty final chunk after a full one is refused by the spec (and here)
    refused(_with_chunks(org, [(full, False), (b"", True)]), org, "empty final chunk")


def test_no_chunk_or_no_nonce_fails(org, small):
    cut = header_end(small)
    refused(small[:cut], org, "no nonce")
    refused(small[: cut + 15], org, "no nonce")
    refused(small[: cut + 16], org, "truncated")


def test_header_mac_is_checked_before_the_payload(org, small):
    # Given a MAC for another header (its characters valid, its value wrong)
    mac_at = small.index(b"\n--- ") + 5
    other = b"A" * 42 + b"A"
    refused(small[:mac_at] + other + small[mac_at + 43 :], org, "MAC does not match")
