"""Attacks on an age file read by ranges: a read that touches a damaged, moved or
missing chunk ends in OpenError; chunks a read does not touch are not vouched for."""

import os

import pytest

from crypto import OpenError, seal
from crypto.age_reader import Stream, open_stream
from crypto.bech32 import decode

from . import agefile

CHUNK = agefile.CHUNK
SEALED = CHUNK + 16


def payload_start(blob: bytes) -> int:
    """Where the chunks start: after "\n--- ", 43 MAC characters, "\n" and the nonce."""
    return blob.index(b"\n--- ") + 5 + 43 + 1 + 16


def refused(stream: Stream, start: int, end: int) -> None:
    with pytest.raises(OpenError, match="damaged"):
        stream.read(start, end)


@pytest.fixture(scope="module")
def two_chunks(org) -> tuple[bytes, bytes]:
    """A small multi-chunk file (one full chunk, a short final one) and its plaintext."""
    plaintext = os.urandom(CHUNK + 33)
    return seal(plaintext, [org.recipient]), plaintext


def test_every_flipped_header_or_nonce_byte_fails(org, two_chunks):
    # Given the header and nonce of a two-chunk file, When any byte of them changes
    blob, _ = two_chunks
    for position in range(payload_start(blob)):
        for bit in (0x01, 0x80):
            damaged = bytearray(blob)
            damaged[position] ^= bit
            # Then the stream does not open, or (a changed nonce) no chunk reads
            with pytest.raises(OpenError):
                stream = open_stream(bytes(damaged), agefile.reader(org))
                stream.verify([0])
                stream.verify([1])


def test_every_flipped_payload_byte_fails_the_ranges_covering_it(org, two_chunks):
    # Given the chunks of a two-chunk file over a buffer the test may change
    blob, plaintext = two_chunks
    opened = open_stream(blob, agefile.reader(org))
    buffer = bytearray(blob[payload_start(blob) :])

    def over_buffer() -> Stream:
        # A fresh stream each time: one keeps the last chunk it read, and the buffer
        # changes under it here (an age file's bytes do not).
        return Stream(opened._aead, memoryview(buffer), opened.chunk_count)

    assert over_buffer().read(0, opened.size) == plaintext
    for position in range(len(buffer)):
        # When one byte of a chunk (its ciphertext or its tag) is flipped
        buffer[position] ^= 0x01
        stream = over_buffer()
        damaged = position // SEALED
        # Then a range in that chunk fails, and one in the other chunk still reads
        refused(stream, damaged * CHUNK, damaged * CHUNK + 1)
        intact = 1 - damaged
        assert stream.read(intact * CHUNK, intact * CHUNK + 1) == plaintext[intact * CHUNK :][:1]
        buffer[position] ^= 0x01
    # And a range across both chunks fails whichever is damaged
    for position in (0, SEALED - 1, SEALED, len(buffer) - 1):
        buffer[position] ^= 0x80
        refused(over_buffer(), CHUNK - 1, CHUNK + 1)
        buffer[position] ^= 0x80


@pytest.fixture(scope="module")
def three_chunks(org) -> tuple[bytes, int, bytes]:
    """A three-chunk file, where its chunks start, and its plaintext."""
    plaintext = os.urandom(2 * CHUNK + 100)
    blob = seal(plaintext, [org.recipient])
    return blob, payload_start(blob), plaintext


def test_swapped_chunks_fail_where_they_are_read(org, three_chunks):
    # Given a file whose first two chunks are swapped
    blob, start, plaintext = three_chunks
    chunks = [blob[start + i * SEALED : start + (i + 1) * SEALED] for i in range(3)]
    stream = open_stream(blob[:start] + chunks[1] + chunks[0] + chunks[2], agefile.reader(org))
    # Then a read of either fails, and the final chunk, in place, still reads
    refused(stream, 0, 1)
    refused(stream, CHUNK, CHUNK + 1)
    assert stream.read(2 * CHUNK, 2 * CHUNK + 100) == plaintext[2 * CHUNK :]
    # Given the final chunk moved first / Then neither reads in the other's place
    stream = open_stream(blob[:start] + chunks[2] + chunks[1] + chunks[0], agefile.reader(org))
    with pytest.raises(OpenError):
        stream.verify([0, 2])


def test_a_file_cut_short_fails_at_its_new_last_chunk(org, three_chunks):
    blob, start, plaintext = three_chunks
    # Given the final chunk dropped: the second is read as final and fails
    stream = open_stream(blob[: start + 2 * SEALED], agefile.reader(org))
    assert stream.read(0, 5) == plaintext[:5]
    refused(stream, CHUNK, CHUNK + 1)
    # Given a cut inside the final chunk, or inside the second
    for cut in (len(blob) - 1, len(blob) - 16, start + SEALED + 100):
        stream = open_stream(blob[:cut], agefile.reader(org))
        refused(stream, stream.size - 1, stream.size)
    # Given a cut inside a tag (no room for one) / Then it does not open
    with pytest.raises(OpenError, match="truncated"):
        open_stream(blob[: start + SEALED + 15], agefile.reader(org))


def test_the_final_chunk_is_read_with_its_flag(org):
    full, public = os.urandom(CHUNK), decode(org.recipient)[1]
    # Given a last chunk sealed as not final / Then it fails, the chunk before reads
    stream = open_stream(
        agefile.seal(b"", [public], chunks=[(full, False), (b"x", False)]), agefile.reader(org)
    )
    assert stream.read(0, 3) == full[:3]
    refused(stream, CHUNK, CHUNK + 1)
    # Given a first chunk sealed as final / Then it fails, the real final one reads
    stream = open_stream(
        agefile.seal(b"", [public], chunks=[(full, True), (b"x", True)]), agefile.reader(org)
    )
    refused(stream, 0, 1)
    assert stream.read(CHUNK, CHUNK + 1) == b"x"
    # Given a one-chunk file sealed as not final / Then even its empty ranges' chunk fails
    stream = open_stream(agefile.seal(b"", [public], chunks=[(b"", False)]), agefile.reader(org))
    assert stream.read(0, 0) == b""
    with pytest.raises(OpenError, match="damaged"):
        stream.verify([0])
