"""The bundle and receipt formats, and safe reading of ZIP archives from outside.

A bundle is one age file sealed to the organisation's recipients. Inside is a ZIP
archive whose every entry is stored (never compressed, so nothing can expand):

- ``manifest.json``: canonical JSON signed by the station (its key, the bundle id,
  its sequence number, the time, and each record's and correction's id, SHA-256 and
  size);
- ``manifest.sig``: the station's Ed25519 signature of those exact bytes;
- ``records/<record id>.age``: each sealed record, as the station sealed it;
- ``addenda/<addendum id>.age``: each sealed correction (addendum) the station made
  since its last bundle, as it sealed it;
- ``padding``: zeros that bring the archive to a Padmé size bucket.

So `age -d` and any unzip tool recover every sealed record without this software.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from crypto.aead import padded_size
from intake.errors import N_, IntakeError
from intake.records.jsontext import canonical_json, parse_json
from intake.ziplayout import CENTRAL_ENTRY, LOCAL_HEADER, LOCAL_SIGNATURE, UTF8_NAMES

BUNDLE_FORMAT = "intake-bundle-v1"
RECEIPT_FORMAT = "intake-receipt-v1"
#: Signature context labels: a bundle signature is never valid as a receipt, nor back.
MANIFEST_CONTEXT = "intake-bundle-manifest"
RECEIPT_CONTEXT = "intake-delivery-receipt"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PADDING = "padding"
_UUID_PATTERN = r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
RECORD_NAME = re.compile(rf"records/{_UUID_PATTERN}\.age")
ADDENDUM_NAME = re.compile(rf"addenda/{_UUID_PATTERN}\.age")
_PADDING_OVERHEAD = LOCAL_HEADER.size + CENTRAL_ENTRY.size + 2 * len(PADDING)
#: Most records one bundle may hold.
MAX_BUNDLE_RECORDS = 50_000
#: Most corrections one bundle may hold (more wait for the next bundle).
MAX_BUNDLE_ADDENDA = 1_000
#: Largest sealed correction a bundle may carry: a correction's words are at most
#: 20,000 characters, and its sealed file is padded to 64 KiB at least.
MAX_ADDENDUM_BYTES = 1024 * 1024
#: Largest bundle accepted from a file (the web endpoint has its own, lower limit).
MAX_BUNDLE_BYTES = 2 * 1024 * 1024 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")


class BundleUnreadableError(IntakeError):
    """The bundle does not open or is not a well-formed bundle."""

    status = 403


class SingleRecordError(IntakeError):
    """A single sealed record was given where a signed bundle is needed."""


@dataclass(frozen=True)
class ManifestEntry:
    """One record (or correction: ``record_id`` is then the addendum id) as the signed
    manifest lists it."""

    record_id: uuid.UUID
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """The signed manifest of a bundle."""

    station_key: bytes
    bundle_id: uuid.UUID
    sequence: int
    made_at: str
    records: list[ManifestEntry]
    #: The key the case database seals its receipt with (8-byte key id, then the
    #: 32-byte key), made for this bundle alone; None from a station that does not
    #: ask for a sealed receipt. Only whoever opens the bundle reads it.
    receipt_key: bytes | None = None
    #: The sealed corrections (addenda) the bundle carries; the manifest has no
    #: "addenda" key when there are none, as a station before them wrote it.
    addenda: list[ManifestEntry] = field(default_factory=list)


#: Length of a manifest's receipt key: key id and key.
RECEIPT_KEY_LENGTH = 8 + 32


def _listed(entries: list[ManifestEntry]) -> list[dict[str, object]]:
    return [
        {"id": str(entry.record_id), "sha256": entry.sha256, "size": entry.size}
        for entry in entries
    ]


def manifest_bytes(manifest: Manifest) -> bytes:
    """The exact bytes a station signs."""
    data: dict[str, object] = {
        "format": BUNDLE_FORMAT,
        "station_key": manifest.station_key.hex(),
        "bundle_id": str(manifest.bundle_id),
        "sequence": manifest.sequence,
        "made_at": manifest.made_at,
        "records": _listed(manifest.records),
    }
    if manifest.receipt_key is not None:
        data["receipt_key"] = manifest.receipt_key.hex()
    if manifest.addenda:
        data["addenda"] = _listed(manifest.addenda)
    return canonical_json(data)


def _unreadable() -> BundleUnreadableError:
    return BundleUnreadableError(
        N_(
            "This file is not a delivery bundle for this organisation, or it was damaged "
            "or cut short on the way. Nothing was imported; make the bundle again at the station."
        )
    )


#: The largest sequence number a bundle may carry: what the column that keeps it holds
#: on every backend (a 32-bit integer on PostgreSQL). A station counts from 1.
MAX_SEQUENCE = 2**31 - 1


def _entries(items: list[dict[str, object]]) -> list[ManifestEntry]:
    """The listed entries; ValueError (or another error parse_manifest refuses) when
    one is malformed."""
    entries = []
    for item in items:
        digest, size = item["sha256"], item["size"]
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise ValueError
        if not isinstance(size, int):
            raise ValueError
        entries.append(ManifestEntry(uuid.UUID(str(item["id"])), digest, size))
    return entries


def parse_manifest(raw: bytes) -> Manifest:
    """The manifest in ``raw``; :class:`BundleUnreadableError` for anything malformed."""
    try:
        # Read fast; what is read is written back and compared with raw below.
        data = parse_json(raw)
        if data["format"] != BUNDLE_FORMAT or not isinstance(data["sequence"], int):
            raise ValueError
        station_key = bytes.fromhex(data["station_key"])
        records = _entries(data["records"])
        addenda = _entries(data["addenda"]) if "addenda" in data else []
        if len(records) > MAX_BUNDLE_RECORDS or len(addenda) > MAX_BUNDLE_ADDENDA:
            raise ValueError
        manifest = Manifest(
            station_key=station_key,
            bundle_id=uuid.UUID(data["bundle_id"]),
            sequence=data["sequence"],
            made_at=str(data["made_at"]),
            records=records,
            receipt_key=bytes.fromhex(data["receipt_key"]) if "receipt_key" in data else None,
            addenda=addenda,
        )
    # RecursionError: JSON nested too deeply for the reader (a hostile manifest).
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise _unreadable() from None
    if (
        len(station_key) != 32
        or (manifest.receipt_key is not None and len(manifest.receipt_key) != RECEIPT_KEY_LENGTH)
        or not 1 <= manifest.sequence <= MAX_SEQUENCE
        or manifest_bytes(manifest) != raw
    ):
        raise _unreadable()
    return manifest


def write_archive(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """A ZIP archive of stored entries, padded with a zero entry to a Padmé bucket."""
    entries = list(entries)

    def build(padding: int | None) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for name, content in entries:
                archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content)
            if padding is not None:
                info = zipfile.ZipInfo(PADDING, date_time=(1980, 1, 1, 0, 0, 0))
                archive.writestr(info, bytes(padding))
        return buffer.getvalue()

    bare = len(build(None)) + _PADDING_OVERHEAD
    return build(padded_size(bare) - bare)


#: Flags of entries zipfile refuses to read: encrypted, patched, strongly encrypted.
_REFUSED_FLAGS = 0x1 | 0x20 | 0x40


class Ranges(Protocol):
    """A plaintext read a range at a time (an opened bundle's age stream)."""

    @property
    def size(self) -> int:
        """Bytes in the plaintext."""

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)``, which lie within the plaintext."""


@dataclass(frozen=True)
class EntryPlace:
    """Where a stored entry lies, as the archive's directory says. Its local header is
    checked against this where the entry is read (:func:`read_entry`)."""

    #: The name as the directory spells it.
    name: str
    header_offset: int
    #: Bytes of content (stored: the same compressed or not).
    size: int
    #: The directory's general purpose flags.
    flags: int

    def span(self, limit: int) -> tuple[int, int]:
        """A range, within ``[0, limit)``, that :func:`read_entry` has read whole when it
        returns: the local header and as many bytes after it as the content has (the
        name and extra field that come between only lengthen what it reads)."""
        start = self.header_offset
        return start, min(start + LOCAL_HEADER.size + self.size, limit)


class _RangeFile(io.RawIOBase):
    """A read-only file over a plaintext read by ranges, so that :mod:`zipfile` reads
    only what it asks for (the end record and the central directory). It has what
    :mod:`zipfile` uses to read a directory (seek, tell and read) and no more."""

    def __init__(self, ranges: Ranges) -> None:
        super().__init__()
        self._ranges = ranges
        self._position = 0

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._ranges.size}
        position = base[whence] + offset
        if position < 0:
            raise OSError("a seek before the start of the archive")
        self._position = position
        return position

    def read(self, size: int | None = -1) -> bytes:
        end = self._ranges.size
        if size is not None and size >= 0:
            end = min(end, self._position + size)
        if self._position >= end:
            return b""
        data = self._ranges.read(self._position, end)
        self._position = end
        return data


def read_bundle_archive(
    payload: Ranges,
) -> tuple[bytes, bytes, dict[uuid.UUID, EntryPlace], dict[uuid.UUID, EntryPlace]]:
    """Manifest bytes, signature, and where each sealed record and each sealed
    correction (by id) lies in an opened bundle, read through ranges: the end record
    and central directory at the end, and the manifest and signature entries. The
    records and corrections are not read here.

    Safe against hostile archives: only the five kinds of names above (no paths, no
    ``../``), no name twice, only stored entries, limits on count and total size.
    A single sealed testimony archive is refused with :class:`SingleRecordError`. A
    record's local header is checked when the record is read (:func:`read_entry`).

    Entries are not checked against their CRC-32: every record is checked against its
    SHA-256 in the signed manifest before it is opened, the manifest and signature by
    the signature check, and the padding is never read as an entry.
    """
    try:
        with zipfile.ZipFile(_RangeFile(payload)) as archive:
            infos = archive.infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        ValueError,
        OSError,
        EOFError,
        RuntimeError,
    ):
        raise _unreadable() from None
    names = [info.filename for info in infos]
    if "testimony.json" in names:
        raise single_record_error()
    if len(infos) > MAX_BUNDLE_RECORDS + MAX_BUNDLE_ADDENDA + 3 or len(names) != len(set(names)):
        raise _unreadable()
    if sum(info.file_size for info in infos) > MAX_BUNDLE_BYTES:
        raise _unreadable()
    records: dict[uuid.UUID, EntryPlace] = {}
    addenda: dict[uuid.UUID, EntryPlace] = {}
    manifest = signature = None
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED:
            raise _unreadable()
        match = RECORD_NAME.fullmatch(info.filename)
        correction = None if match else ADDENDUM_NAME.fullmatch(info.filename)
        if match:
            records[uuid.UUID(match.group(1))] = _place(info)
        elif correction:
            addenda[uuid.UUID(correction.group(1))] = _place(info)
        elif info.filename == MANIFEST:
            manifest = read_entry(payload, _place(info))
        elif info.filename == SIGNATURE:
            signature = read_entry(payload, _place(info))
        elif info.filename != PADDING:
            raise _unreadable()
    if manifest is None or signature is None:
        raise _unreadable()
    if len(records) > MAX_BUNDLE_RECORDS or len(addenda) > MAX_BUNDLE_ADDENDA:
        raise _unreadable()
    return manifest, signature, records, addenda


def _place(info: zipfile.ZipInfo) -> EntryPlace:
    """The entry's place, after the checks of its directory entry that :mod:`zipfile`
    makes when it opens an entry: not encrypted or patched, its sizes equal."""
    if info.flag_bits & _REFUSED_FLAGS or info.compress_size != info.file_size:
        raise _unreadable()
    return EntryPlace(info.orig_filename, info.header_offset, info.file_size, info.flag_bits)


def read_entry(payload: Ranges, place: EntryPlace) -> bytes:
    """The content of the stored entry at ``place``, after the checks :mod:`zipfile`
    makes of a local header when it opens an entry: a local header where the directory
    says, not encrypted, stored, naming the same file, its content whole.

    Three reads, one after the other with no gap: the local header, its name and extra
    field, the content (so the content is not copied out of a larger read).
    """
    start = place.header_offset
    if start < 0 or start + LOCAL_HEADER.size > payload.size:
        raise _unreadable()
    fields = LOCAL_HEADER.unpack(payload.read(start, start + LOCAL_HEADER.size))
    signature, flags, method = fields[0], fields[3], fields[4]
    name_length, extra_length = fields[10], fields[11]
    if (
        signature != LOCAL_SIGNATURE
        or (flags | place.flags) & _REFUSED_FLAGS
        or method != zipfile.ZIP_STORED
    ):
        raise _unreadable()
    content_start = start + LOCAL_HEADER.size + name_length + extra_length
    content_end = content_start + place.size
    if content_end > payload.size:
        raise _unreadable()
    raw_name = payload.read(start + LOCAL_HEADER.size, content_start)[:name_length]
    name = raw_name.decode("utf-8" if flags & UTF8_NAMES else "cp437", errors="replace")
    if name != place.name:
        raise _unreadable()
    return payload.read(content_start, content_end)


def single_record_error() -> SingleRecordError:
    """The refusal of a sealed archive that holds a record rather than a bundle."""
    return SingleRecordError(
        N_(
            "This is a single sealed record, not a bundle signed by a station, so it was "
            "not imported. At the station, use Save to file on the outbox page (or "
            "intake outbox export FILE) and import that bundle."
        )
    )
