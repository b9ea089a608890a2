"""Reading an age file by ranges: each range is exactly the plaintext's, after the chunks
that hold it authenticate; the header is checked when the stream is opened."""

import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import pytest

from crypto import Identity, KeyFormatError, OpenError, open_sealed_stream, seal
from crypto.age_reader import Stream, decrypt, open_stream
from crypto.bech32 import decode

from . import agefile

CHUNK = agefile.CHUNK


def public(identity: Identity) -> bytes:
    return decode(identity.recipient)[1]


@pytest.fixture(scope="module")
def plaintext() -> bytes:
    return os.urandom(3 * CHUNK + 17)


@pytest.fixture(scope="module")
def stream(org, plaintext) -> Stream:
    return open_stream(seal(plaintext, [org.recipient]), agefile.reader(org))


EDGES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK - 1, 3 * CHUNK, 3 * CHUNK + 16]


def test_every_range_between_chunk_edges_reads_exactly(stream, plaintext):
    # Given a four-chunk file (three full chunks and a short final one)
    assert stream.size == len(plaintext) and stream.chunk_count == 4
    # When ranges starting and ending at and around every chunk edge are read
    for start in EDGES:
        for end in [*EDGES, len(plaintext)]:
            if start <= end:
                # Then each is exactly that slice of the plaintext
                assert stream.read(start, end) == plaintext[start:end], (start, end)


def test_first_last_and_whole_ranges(stream, plaintext):
    assert stream.read(0, 10) == plaintext[:10]
    assert stream.read(len(plaintext) - 10, len(plaintext)) == plaintext[-10:]
    assert stream.read(0, len(plaintext)) == plaintext
    assert stream.read(5, 5) == b""


def test_chunks_name_what_a_read_decrypts(stream):
    assert stream.chunks(0, 1) == range(0, 1)
    assert stream.chunks(0, CHUNK) == range(0, 1)
    assert stream.chunks(CHUNK - 1, CHUNK + 1) == range(0, 2)
    assert stream.chunks(CHUNK, 3 * CHUNK + 17) == range(1, 4)
    assert stream.chunks(CHUNK, CHUNK) == range(0)


def test_ranges_read_in_order_decrypt_a_shared_chunk_once(org, plaintext, monkeypatch):
    # Given a fresh stream that counts the chunks it decrypts
    stream = open_stream(seal(plaintext, [org.recipient]), agefile.reader(org))
    decrypted: list[int] = []
    chunk = Stream._chunk

    def counted(self, index):
        decrypted.append(index)
        return chunk(self, index)

    monkeypatch.setattr(Stream, "_chunk", counted)
    # When ranges are read one after the other, each starting in the chunk the last ended in
    for start, end in [(0, CHUNK + 5), (CHUNK + 5, 2 * CHUNK + 9), (2 * CHUNK + 9, 3 * CHUNK)]:
        assert stream.read(start, end) == plaintext[start:end]
    # Then each chunk was decrypted once
    assert decrypted == [0, 1, 2]
    # And an empty read keeps the last chunk; verify() decrypts again what it is given
    assert stream.read(7, 7) == b""
    assert stream.read(2 * CHUNK, 2 * CHUNK + 1) == plaintext[2 * CHUNK : 2 * CHUNK + 1]
    stream.verify([2])
    assert decrypted == [0, 1, 2, 2]


@pytest.mark.parametrize("start, end", [(-1, 1), (0, 3 * CHUNK + 18), (10, 9), (-5, -1)])
def test_a_range_outside_the_plaintext_is_refused(stream, start, end):
    with pytest.raises(OpenError, match="outside"):
        stream.read(start, end)
    with pytest.raises(OpenError, match="outside"):
        stream.chunks(start, end)


def test_verify_checks_chunks_by_index(stream):
    stream.verify(range(stream.chunk_count))
    stream.verify([3, 0])
    for index in (-1, 4):
        with pytest.raises(OpenError, match="no such chunk"):
            stream.verify([index])


@pytest.mark.parametrize("size", [0, 1, CHUNK, CHUNK + 1])
def test_the_test_writer_files_read_by_ranges(org, size):
    # Given a file made by the spec's writer, of a size at a chunk edge
    plain = os.urandom(size)
    stream = open_stream(agefile.seal(plain, [public(org)]), agefile.reader(org))
    # Then its size, every chunk and the whole read back as decrypt() gives it
    assert stream.size == size
    stream.verify(range(stream.chunk_count))
    assert (
        stream.read(0, size)
        == plain
        == decrypt(agefile.seal(plain, [public(org)]), agefile.reader(org))
    )


def test_the_header_is_checked_when_the_stream_opens(org):
    blob = seal(b"record", [org.recipient])
    with pytest.raises(OpenError, match="no identity"):
        open_stream(blob, agefile.reader(Identity.generate()))
    with pytest.raises(OpenError, match="bytes"):
        open_stream(bytearray(blob), agefile.reader(org))  # type: ignore[arg-type]
    mac_at = blob.index(b"\n--- ") + 5
    with pytest.raises(OpenError, match="MAC"):
        open_stream(blob[:mac_at] + b"A" * 43 + blob[mac_at + 43 :], agefile.reader(org))


def test_a_stream_is_never_pickled(stream):
    # It holds the payload key: it goes to a forked process by inheritance only
    with pytest.raises(TypeError):
        pickle.dumps(stream)


_inherited: Stream | None = None


def _read_inherited(bounds: tuple[int, int]) -> bytes:
    assert _inherited is not None
    return _inherited.read(*bounds)


def test_a_forked_process_reads_the_stream_it_inherited(stream, plaintext):
    global _inherited
    _inherited = stream
    try:
        with ProcessPoolExecutor(1, mp_context=get_context("fork")) as pool:
            got = list(pool.map(_read_inherited, [(0, 3), (CHUNK - 2, 2 * CHUNK + 2)]))
    finally:
        _inherited = None
    assert got == [plaintext[:3], plaintext[CHUNK - 2 : 2 * CHUNK + 2]]


def test_a_sealed_file_opens_as_a_stream_with_the_organisation_identity(org, plaintext):
    # Given a file sealed to the organisation, When it is opened as a stream
    stream = open_sealed_stream(seal(plaintext, [org.recipient]), [Identity.generate(), org])
    # Then ranges read back; and no identity, or a damaged armored file, is refused
    assert stream.read(CHUNK, CHUNK + 5) == plaintext[CHUNK : CHUNK + 5]
    with pytest.raises(KeyFormatError):
        open_sealed_stream(seal(b"x", [org.recipient]), [])
    armored = b"-----BEGIN AGE ENCRYPTED FILE-----\n"
    with pytest.raises(OpenError):
        open_sealed_stream(armored, [org])


def test_an_armored_file_opens_whole_and_then_reads_as_a_stream(org, plaintext):
    # Given a file sealed to the organisation and put in ASCII armor
    armored = agefile.armored(seal(plaintext, [org.recipient]))
    # When it is opened as a stream / Then every range reads back
    stream = open_sealed_stream(armored, [org])
    assert stream.size == len(plaintext)
    assert stream.read(0, stream.size) == plaintext
    assert stream.read(CHUNK - 3, CHUNK + 3) == plaintext[CHUNK - 3 : CHUNK + 3]
    stream.verify(range(stream.chunk_count))
    # And a changed character in the armor refuses it at once
    broken = armored.replace(b"\n", b"\nA", 1)
    with pytest.raises(OpenError):
        open_sealed_stream(broken, [org])


@pytest.mark.parametrize("length", [0, 1, CHUNK, 2 * CHUNK + 7])
def test_a_stream_over_an_opened_plaintext_reads_like_any_other(length):
    plaintext = bytes(range(256)) * (length // 256) + bytes(length % 256)
    stream = Stream.of_plaintext(plaintext)
    assert stream.size == length
    assert stream.chunk_count == max(1, -(-length // CHUNK))
    assert stream.read(0, length) == plaintext
    stream.verify(range(stream.chunk_count))
    with pytest.raises(OpenError):
        stream.read(0, length + 1)
