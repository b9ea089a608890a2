"""The direct reader of sealed testimony archives (the import's fast path) reads only
what zipfile reads the same way, and leaves every other archive to zipfile."""

import io
import os
import zipfile
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.records import attachments
from intake.records.attachments import (
    _UNREADABLE_ARCHIVE,
    Attachment,
    PayloadError,
    _read_packed,
    _read_with_zipfile,
    pack_payload,
    unpack_payload,
)
from intake.records.jsontext import canonical_json

from .helpers import WORKED_EXAMPLE, load

RECORD = canonical_json(load(WORKED_EXAMPLE))
PHOTO = Attachment.of(os.urandom(3000), media_type="image/png", filename="photo.png")
PAYLOAD = pack_payload(RECORD, [])
WITH_PHOTO = pack_payload(RECORD, [PHOTO])


def _zipfile_reads(blob: bytes) -> tuple[bytes, dict[str, bytes]] | None:
    try:
        return _read_with_zipfile(blob)
    except (PayloadError, *_UNREADABLE_ARCHIVE):
        return None


def _agrees(blob: bytes) -> None:
    direct = _read_packed(blob)
    # What the direct reader reads, zipfile reads the same (it may leave to zipfile an
    # archive zipfile reads or refuses).
    assert direct is None or direct == _zipfile_reads(blob)


def _structure(blob: bytes) -> list[int]:
    """Offsets where the archive's structure lies: each local header and name, the
    first bytes of each content, the central directory and end record."""
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        infos = archive.infolist()
    offsets: set[int] = set(range(len(blob) - 300, len(blob)))
    for info in infos:
        offsets.update(range(info.header_offset, info.header_offset + 30 + 40))
    return sorted(offset for offset in offsets if 0 <= offset < len(blob))


def _mutated(blob: bytes):
    places = _structure(blob)
    change = st.tuples(st.sampled_from(places) | st.integers(0, len(blob) - 1), st.integers(0, 255))
    return st.lists(change, min_size=1, max_size=6).map(lambda changes: _apply(blob, changes))


def _apply(blob: bytes, changes: list[tuple[int, int]]) -> bytes:
    out = bytearray(blob)
    for position, value in changes:
        out[position] = value
    return bytes(out)


@pytest.mark.parametrize(
    "record, items",
    [
        (RECORD, []),
        (RECORD, [PHOTO]),
        (b"{}", []),
        (RECORD * 20, []),  # larger than the smallest bucket
        (RECORD, [PHOTO, Attachment.of(bytes(200_000), media_type="x", filename="zeros")]),
    ],
    ids=["record", "photo", "empty", "long", "two-attachments"],
)
def test_archives_the_packer_writes_are_read_directly_and_as_zipfile_reads_them(record, items):
    # Given an archive as a station seals it
    payload = pack_payload(record, items)
    # When read directly, Then it is (the fast path is taken) and zipfile agrees
    direct = _read_packed(payload)
    assert direct is not None
    assert direct == _read_with_zipfile(payload)
    assert direct[0] == record
    assert direct[1] == {item.sha256: item.content for item in items}


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated(PAYLOAD) | _mutated(WITH_PHOTO))
def test_a_mutated_archive_is_read_directly_only_as_zipfile_reads_it(blob):
    _agrees(blob)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([PAYLOAD, WITH_PHOTO]), st.data())
def test_a_cut_or_lengthened_archive_is_read_directly_only_as_zipfile_reads_it(blob, data):
    cut = data.draw(st.integers(0, len(blob)))
    tail = data.draw(st.binary(max_size=64))
    _agrees(blob[:cut])
    _agrees(blob + tail)
    _agrees(tail + blob)


def _archive(write, **options) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, **options) as archive:
        write(archive)
    return buffer.getvalue()


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek in: it then writes data descriptors."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk) -> int:
        self.data += chunk
        return len(chunk)


def _with_descriptors() -> bytes:
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("testimony.json", RECORD)
    return bytes(stream.data)


def _with_comment(archive: zipfile.ZipFile) -> None:
    archive.writestr("testimony.json", RECORD)
    archive.comment = b"a comment"


def _with_extra(archive: zipfile.ZipFile) -> None:
    info = zipfile.ZipInfo("testimony.json")
    info.extra = b"\xfe\xca\x04\x00abcd"
    archive.writestr(info, RECORD, compress_type=zipfile.ZIP_DEFLATED)


def _zip64(archive: zipfile.ZipFile) -> None:
    with archive.open("testimony.json", "w", force_zip64=True) as entry:
        entry.write(RECORD)


def _stored(archive: zipfile.ZipFile) -> None:
    archive.writestr("testimony.json", RECORD, compress_type=zipfile.ZIP_STORED)


def _bzip2(archive: zipfile.ZipFile) -> None:
    archive.writestr("testimony.json", RECORD, compress_type=zipfile.ZIP_BZIP2)


def _other_name(archive: zipfile.ZipFile) -> None:
    archive.writestr("testimony.json", RECORD)
    archive.writestr("../escape", b"x")


def _twice(archive: zipfile.ZipFile) -> None:
    archive.writestr("testimony.json", RECORD)
    with pytest.warns(UserWarning):
        archive.writestr("testimony.json", b"{}")


def _no_record(archive: zipfile.ZipFile) -> None:
    archive.writestr("attachments/" + PHOTO.sha256, PHOTO.content)


@pytest.mark.parametrize(
    "blob, direct",
    [
        (_archive(_stored), True),
        (_with_descriptors(), False),
        (_archive(_with_comment), False),
        (_archive(_with_extra), False),
        (_archive(_zip64), False),
        (_archive(_bzip2), False),
        (_archive(_other_name), False),
        (_archive(_twice), False),
        (_archive(_no_record), False),
        (b"junk" + PAYLOAD, False),
    ],
    ids=[
        "stored",
        "data-descriptors",
        "comment",
        "extra-field",
        "zip64",
        "bzip2",
        "path-in-name",
        "name-twice",
        "no-record",
        "bytes-before",
    ],
)
def test_other_layouts_are_left_to_zipfile_with_the_same_outcome(blob, direct):
    # Given an archive another way (most of them refused or readable only by zipfile)
    # Then the direct reader takes only the plain layout, and reads it as zipfile does
    assert (_read_packed(blob) is not None) is direct
    _agrees(blob)
    # And unpacking gives what zipfile's reading gives, or refuses when zipfile does
    expected = _zipfile_reads(blob)
    if expected is None:
        with pytest.raises(PayloadError):
            unpack_payload(blob)
    else:
        assert unpack_payload(blob)[1] == expected[1]


def _set_u16(blob: bytes, offset: int, value: int) -> bytes:
    return blob[:offset] + value.to_bytes(2, "little") + blob[offset + 2 :]


def test_an_entry_needing_a_later_zip_version_is_left_to_zipfile():
    # Given the record's directory entry asking for version 6.4 to extract it
    first = PAYLOAD.index(b"PK\x01\x02", len(PAYLOAD) - 300)
    blob = _set_u16(PAYLOAD, first + 6, 64)
    # Then the direct reader declines it, and zipfile refuses it
    assert _read_packed(blob) is None
    with pytest.raises(PayloadError):
        unpack_payload(blob)


def _counting_inflaters(monkeypatch) -> list[int]:
    """The output size asked of every inflater the direct reader makes."""
    asked: list[int] = []
    make = zlib.decompressobj

    class Counting:
        def __init__(self, wbits: int) -> None:
            self._inflater = make(wbits)

        def decompress(self, data, max_length: int) -> bytes:
            asked.append(max_length)
            return self._inflater.decompress(data, max_length)

        def __getattr__(self, name: str):
            return getattr(self._inflater, name)

    monkeypatch.setattr(attachments.zlib, "decompressobj", Counting)
    return asked


def test_an_entry_that_inflates_beyond_its_declared_size_is_left_to_zipfile(monkeypatch):
    # Given a record entry declared one byte shorter than it inflates to (central
    # directory: uncompressed size at offset 24 of the entry)
    first = PAYLOAD.index(b"PK\x01\x02", len(PAYLOAD) - 300)
    size = int.from_bytes(PAYLOAD[first + 24 : first + 28], "little")
    blob = PAYLOAD[: first + 24] + (size - 1).to_bytes(4, "little") + PAYLOAD[first + 28 :]
    asked = _counting_inflaters(monkeypatch)
    # Then the direct reader asks the inflater for one byte more than declared at most,
    # and declines
    assert _read_packed(blob) is None
    assert asked == [size]
    monkeypatch.undo()
    _agrees(blob)


def test_entries_within_the_limit_that_add_up_beyond_it_are_not_inflated(monkeypatch):
    # Given an archive of the record and two attachments, each within a lower limit and
    # together beyond it (no padding, so no entry alone is over the limit)
    second = Attachment.of(os.urandom(3000), media_type="image/png", filename="other.png")
    blob = attachments._zip(RECORD, [PHOTO, second], None)
    monkeypatch.setattr(attachments, "MAX_PAYLOAD_BYTES", len(RECORD) + 4000)
    asked = _counting_inflaters(monkeypatch)
    # Then the direct reader declines before inflating the entry that goes over the limit
    assert _read_packed(blob) is None
    assert len(asked) == 2  # the record and the first attachment
    # And unpacking refuses it, as zipfile's path does, before reading any entry
    with pytest.raises(PayloadError):
        unpack_payload(blob)


def test_the_direct_reader_keeps_the_limits(monkeypatch):
    # Given lower limits than the archive needs
    monkeypatch.setattr(attachments, "MAX_PAYLOAD_BYTES", 1000)
    # Then an archive over them is not read directly, and unpacking refuses it
    assert _read_packed(WITH_PHOTO) is None
    with pytest.raises(PayloadError):
        unpack_payload(WITH_PHOTO)
    monkeypatch.setattr(attachments, "MAX_PAYLOAD_BYTES", 512 * 1024 * 1024)
    monkeypatch.setattr(attachments, "MAX_PAYLOAD_ENTRIES", 2)
    assert _read_packed(WITH_PHOTO) is None
    with pytest.raises(PayloadError):
        unpack_payload(WITH_PHOTO)
