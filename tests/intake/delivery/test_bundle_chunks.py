"""Every chunk of a bundle is authenticated before an import succeeds, though the
importing process reads only the directory, manifest and signature and each record is
read where it is opened: a flipped byte in any part of the bundle still refuses it."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from multiprocessing import get_context

import pytest

from crypto import open_sealed, seal
from intake.delivery import bundles, services

from .conftest import counts, import_data, make_bundle, seal_documents

CHUNK = 64 * 1024
DAMAGED = "does not open as a bundle"


@dataclass
class Laid:
    """A sealed bundle whose archive the test laid out, and where its parts lie."""

    data: bytes
    archive: bytes
    infos: dict[str, zipfile.ZipInfo]
    directory: int

    def flipped(self, offset: int) -> bytes:
        """The bundle with the ciphertext byte holding archive byte ``offset`` flipped."""
        start = self.data.index(b"\n--- ") + 5 + 43 + 1 + 16
        index, within = divmod(offset, CHUNK)
        damaged = bytearray(self.data)
        damaged[start + index * (CHUNK + 16) + within] ^= 0x01
        return bytes(damaged)

    def records(self) -> list[zipfile.ZipInfo]:
        return [info for name, info in self.infos.items() if name.startswith("records/")]


def laid_out(casedb, station) -> Laid:
    """Three records, the first alone before a padding of two and a half chunks, then
    the manifest, signature and other records: so the first record's local header lies
    in a chunk only its reading decrypts, and a chunk holds padding only."""
    seal_documents(station, 3)
    payload = open_sealed(make_bundle(station), [casedb.keys.identity])
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    records = sorted(name for name in entries if name.startswith("records/"))
    order = [
        (records[0], entries[records[0]]),
        (bundles.PADDING, bytes(5 * CHUNK // 2)),
        (bundles.MANIFEST, entries[bundles.MANIFEST]),
        (bundles.SIGNATURE, entries[bundles.SIGNATURE]),
        *((name, entries[name]) for name in records[1:]),
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in order:
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content)
    plain = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        directory = archive.start_dir
    data = seal(plain, [casedb.keys.identity.recipient])
    return Laid(data, plain, infos, directory)


def content_at(info: zipfile.ZipInfo) -> int:
    return info.header_offset + 30 + len(info.filename)


def where(laid: Laid, part: str) -> int:
    """An archive offset inside ``part``."""
    if part == "padding-only chunk":
        start = content_at(laid.infos[bundles.PADDING])
        first_whole = -(-start // CHUNK)
        assert (first_whole + 1) * CHUNK <= start + laid.infos[bundles.PADDING].file_size
        return first_whole * CHUNK + 100
    if part == "record's local header":
        first = laid.records()[0]
        assert first.header_offset == 0  # alone in its chunk with the padding's start
        return first.header_offset + 14  # its CRC-32
    if part == "central directory":
        return laid.directory + 10
    if part == "manifest":
        return content_at(laid.infos[bundles.MANIFEST]) + 5
    raise AssertionError(part)


@pytest.fixture(params=["in-process", "fork", "spawn"])
def how(request, monkeypatch) -> int:
    """Workers for the import: one (in this process), or a pool of two started so."""
    if request.param == "in-process":
        return 1
    monkeypatch.setattr(services, "POOL_THRESHOLD", 2)
    monkeypatch.setattr(services, "_pool_context", lambda: get_context(request.param))
    return 2


def import_with(casedb, data: bytes, workers: int) -> services.ImportResult:
    with casedb.database.session() as session:
        return services.import_bundle(session, casedb.keys, data, workers=workers)


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(
    "part", ["padding-only chunk", "record's local header", "central directory", "manifest"]
)
def test_a_flipped_byte_in_any_part_is_refused(casedb_side, station_side, how, part):
    # Given a bundle laid out with a padding-only chunk, and one byte of a part flipped
    laid = laid_out(casedb_side, station_side)
    damaged = laid.flipped(where(laid, part))
    # When it is imported / Then it is refused as damaged, and nothing is imported
    with pytest.raises(bundles.BundleUnreadableError, match=DAMAGED):
        import_with(casedb_side, damaged, how)
    assert counts(casedb_side) == (0, 0)
    # And the bundle as sealed imports
    assert len(import_with(casedb_side, laid.data, how).stored) == 3


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_local_header_unlike_the_directory_is_refused_where_the_record_is_read(
    casedb_side, station_side, how
):
    # Given a bundle, sealed intact, whose first record's local header names another file
    laid = laid_out(casedb_side, station_side)
    archive = bytearray(laid.archive)
    archive[laid.records()[0].header_offset + 30 + len("records/")] ^= 0x01
    data = seal(bytes(archive), [casedb_side.keys.identity.recipient])
    # When it is imported / Then it is refused as not a well-formed bundle
    with pytest.raises(bundles.BundleUnreadableError, match="not a delivery bundle"):
        import_with(casedb_side, data, how)
    assert counts(casedb_side) == (0, 0)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_record_already_received_is_read_and_checked_here(casedb_side, station_side):
    # Given a bundle imported, then the same records bundled again with one damaged
    seal_documents(station_side, 2)
    import_data(casedb_side, make_bundle(station_side))
    payload = open_sealed(make_bundle(station_side), [casedb_side.keys.identity])
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        first = min(
            (i for i in archive.infolist() if i.filename.startswith("records/")),
            key=lambda info: info.filename,
        )
    again = bytearray(payload)
    again[content_at(first) + 40] ^= 0x01
    data = seal(bytes(again), [casedb_side.keys.identity.recipient])
    # When it is imported / Then the damaged record fails its hash, and nothing more is kept
    with pytest.raises(services.ManifestMismatchError):
        import_data(casedb_side, data)
    assert counts(casedb_side) == (2, 1)
