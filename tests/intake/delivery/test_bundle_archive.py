"""Reading a bundle's ZIP archive by ranges: the directory, manifest and signature first,
each record where it is opened, and every check zipfile makes when it opens an entry
still made (hostile local headers and directories refused)."""

from __future__ import annotations

import io
import struct
import uuid
import zipfile

import pytest

from intake.delivery import bundles

from .conftest import PlainRanges

RECORD_ID = uuid.UUID("0f0e0d0c-0b0a-4908-8706-050403020100")
RECORD = b"sealed record bytes"
ENTRIES = [
    (bundles.MANIFEST, b'{"manifest":1}'),
    (bundles.SIGNATURE, b"s" * 64),
    (f"records/{RECORD_ID}.age", RECORD),
]
ARCHIVE = bundles.write_archive(ENTRIES)


def _info(archive: bytes, name: str) -> zipfile.ZipInfo:
    return zipfile.ZipFile(io.BytesIO(archive)).getinfo(name)


def _central(archive: bytes, name: str) -> int:
    """Offset of ``name``'s central directory header (its name follows 46 bytes on)."""
    at = archive.index(b"PK\x01\x02")
    while archive[at + 46 : at + 46 + len(name)] != name.encode():
        at = archive.index(b"PK\x01\x02", at + 4)
    return at


def _patched(archive: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(archive)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


RECORD_NAME = f"records/{RECORD_ID}.age"


def read_all(archive: bytes) -> tuple[bytes, bytes, dict[uuid.UUID, bytes]]:
    """The directory, manifest and signature, then each record, as an import reads them."""
    ranges = PlainRanges(archive)
    manifest, signature, places, _addenda = bundles.read_bundle_archive(ranges)
    return manifest, signature, {key: bundles.read_entry(ranges, p) for key, p in places.items()}


def test_entries_read_back_exactly():
    # When a well-formed archive is read
    manifest, signature, records = read_all(ARCHIVE)
    # Then every entry comes back as written
    assert manifest == b'{"manifest":1}'
    assert signature == b"s" * 64
    assert records == {RECORD_ID: RECORD}


def test_the_directory_is_read_without_the_records():
    # Given an archive whose record is far larger than the rest
    big = bundles.write_archive([*ENTRIES[:2], (RECORD_NAME, bytes(1_000_000))])
    ranges = PlainRanges(big)
    # When its directory, manifest and signature are read
    _, _, places, _ = bundles.read_bundle_archive(ranges)
    # Then the record's content was not read, and its place says where it lies
    place = places[RECORD_ID]
    content_at = place.header_offset + 30 + len(RECORD_NAME)
    assert not any(
        start < content_at + place.size and end > content_at for start, end in ranges.reads
    )
    # And reading the record is three ranges one after the other (local header, name,
    # content), which cover its span (what an import counts as read by the record's reader)
    ranges.reads.clear()
    assert bundles.read_entry(ranges, place) == bytes(1_000_000)
    header = place.header_offset
    assert ranges.reads == [
        (header, header + 30),
        (header + 30, content_at),
        (content_at, content_at + place.size),
    ]
    assert place.span(len(big)) == (header, header + 30 + place.size)


def test_a_local_extra_field_is_read_past_and_checked_for_room():
    # Given a record whose local header has an extra field
    info = zipfile.ZipInfo(RECORD_NAME, date_time=(1980, 1, 1, 0, 0, 0))
    info.extra = struct.pack("<HH", 0xCAFE, 4) + b"abcd"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in ENTRIES[:2]:
            archive.writestr(name, content)
        archive.writestr(info, RECORD)
    data = buffer.getvalue()
    # Then the record's content is exact, read after the extra field with no gap
    ranges = PlainRanges(data)
    place = bundles.read_bundle_archive(ranges)[2][RECORD_ID]
    ranges.reads.clear()
    assert bundles.read_entry(ranges, place) == RECORD
    assert ranges.reads[1] == (place.header_offset + 30, ranges.reads[2][0])
    assert ranges.reads[2][0] == place.header_offset + 30 + len(RECORD_NAME) + 8
    # Given an extra field said to run past the archive's end / Then it is refused
    hostile = _patched(data, place.header_offset + 28, "<H", 0xFFFF)
    with pytest.raises(bundles.BundleUnreadableError):
        bundles.read_entry(PlainRanges(hostile), place)


def test_a_local_name_unlike_the_directory_is_refused():
    # Given a record whose local header names another file than the directory does
    local = _info(ARCHIVE, RECORD_NAME).header_offset
    out = bytearray(ARCHIVE)
    out[local + 30 + len("records/")] ^= 0x01
    # Then the archive is refused
    with pytest.raises(bundles.BundleUnreadableError):
        read_all(bytes(out))


def test_a_directory_entry_pointing_at_another_entry_is_refused():
    # Given the directory's record entry pointing at the manifest's local header
    manifest_at = _info(ARCHIVE, bundles.MANIFEST).header_offset
    central = _central(ARCHIVE, RECORD_NAME)
    hostile = _patched(ARCHIVE, central + 42, "<L", manifest_at)
    # Then the archive is refused
    with pytest.raises(bundles.BundleUnreadableError):
        read_all(hostile)


@pytest.mark.parametrize("flag", [0x1, 0x20, 0x40])
@pytest.mark.parametrize("where", ["local", "central"])
def test_an_encrypted_or_patched_entry_is_refused(flag, where):
    # Given the record flagged encrypted (or patched) in its local header or the directory
    if where == "local":
        offset = _info(ARCHIVE, RECORD_NAME).header_offset + 6
    else:
        offset = _central(ARCHIVE, RECORD_NAME) + 8
    hostile = _patched(ARCHIVE, offset, "<H", flag)
    # Then the archive is refused
    with pytest.raises(bundles.BundleUnreadableError):
        read_all(hostile)


def test_an_entry_compressed_in_its_local_header_only_is_refused():
    # Given the record marked deflated in its local header (stored in the directory)
    offset = _info(ARCHIVE, RECORD_NAME).header_offset + 8
    hostile = _patched(ARCHIVE, offset, "<H", zipfile.ZIP_DEFLATED)
    # Then the archive is refused
    with pytest.raises(bundles.BundleUnreadableError):
        read_all(hostile)


def test_an_entry_longer_than_the_archive_is_refused():
    # Given the directory giving the record a size that runs past the archive's end
    central = _central(ARCHIVE, RECORD_NAME)
    hostile = _patched(ARCHIVE, central + 20, "<L", len(ARCHIVE) * 2)
    hostile = _patched(hostile, central + 24, "<L", len(ARCHIVE) * 2)
    # Then the archive is refused
    with pytest.raises(bundles.BundleUnreadableError):
        read_all(hostile)


def test_sizes_that_disagree_are_refused():
    # Given the directory giving the record a compressed size unlike its size
    central = _central(ARCHIVE, RECORD_NAME)
    hostile = _patched(ARCHIVE, central + 20, "<L", len(RECORD) - 1)
    # Then the archive is refused
    with pytest.raises(bundles.BundleUnreadableError):
        read_all(hostile)


def test_a_local_header_offset_past_the_end_is_refused():
    # Given the directory pointing the record's header past the archive's end
    central = _central(ARCHIVE, RECORD_NAME)
    hostile = _patched(ARCHIVE, central + 42, "<L", len(ARCHIVE) + 10)
    # Then the archive is refused
    with pytest.raises(bundles.BundleUnreadableError):
        read_all(hostile)
