"""Attachments: encrypted beside drafts and records, bound to them; the sealed archive."""

import io
import os
import uuid
import zipfile

import pytest
from sqlalchemy import select, update

from crypto import OpenError
from crypto.aead import padded_size
from intake.records import drafts
from intake.records.attachments import (
    MIN_SEALED_PAYLOAD,
    Attachment,
    AttachmentMismatchError,
    PayloadError,
    add_draft_attachment,
    check_against_sources,
    draft_attachments,
    pack_payload,
    remove_draft_attachment,
    sealed_bucket,
    unpack_payload,
)
from intake.records.models import DraftAttachment

from ..journal_helpers import sqlite_files

PHOTO = Attachment.of(
    b"\x89PNG\r\n\x1a\n" + os.urandom(2000), media_type="image/png", filename="photo.png"
)


def _draft(database, keys):
    draft_id = uuid.uuid4()
    with database.session() as session:
        drafts.save_draft(session, keys, draft_id, {"victim": {}})
    return draft_id


def _draft_with_photo(database, keys):
    draft_id = _draft(database, keys)
    with database.session() as session:
        add_draft_attachment(session, keys, draft_id, PHOTO)
    return draft_id


def test_draft_attachments_round_trip_and_are_removed(database, station):
    keys, _identity = station
    draft_id = _draft_with_photo(database, keys)
    with database.session() as session:
        assert draft_attachments(session, keys, draft_id) == [PHOTO]
        remove_draft_attachment(session, keys, draft_id, PHOTO.sha256)
    with database.session() as session:
        assert draft_attachments(session, keys, draft_id) == []


@pytest.mark.parametrize("backend", ["sqlite"])  # it reads the SQLite files
def test_a_removed_draft_attachment_is_in_neither_the_database_nor_its_journal(database, station):
    # Given a draft with a photo, stored encrypted (the workspace keys open it)
    keys, _identity = station
    draft_id = _draft_with_photo(database, keys)
    with database.session() as session:
        row = session.scalars(select(DraftAttachment)).one()
        stored = [row.meta, row.content]
    path, journal = sqlite_files(database)
    assert all(value in path.read_bytes() for value in stored)
    # When the interviewer removes it from the draft
    with database.session() as session:
        remove_draft_attachment(session, keys, draft_id, PHOTO.sha256)
    # Then neither its ciphertexts nor the photo are in the database file or its journal
    # (which keeps changed pages as they were before)
    for file in (path, journal):
        content = file.read_bytes()
        for value in [*stored, PHOTO.content]:
            assert value not in content, file.name


def test_an_attachment_moved_to_another_draft_does_not_open(database, station):
    # Given Alice's draft with a photo and Bob's draft
    keys, _identity = station
    alice, bob = _draft(database, keys), _draft(database, keys)
    with database.session() as session:
        add_draft_attachment(session, keys, alice, PHOTO)
    # When someone with database access moves the photo row to Bob's draft
    with database.session() as session:
        session.execute(update(DraftAttachment).values(draft_id=bob))
    # Then it does not open there
    with pytest.raises(OpenError), database.session() as session:
        draft_attachments(session, keys, bob)
    with database.session() as session:
        assert session.scalars(select(DraftAttachment)).one().draft_id == bob


def test_attachments_must_be_listed_in_sources():
    with pytest.raises(AttachmentMismatchError):
        check_against_sources({"sources": []}, [PHOTO])
    forged = Attachment(sha256=PHOTO.sha256, media_type="image/png", filename="x", content=b"other")
    with pytest.raises(AttachmentMismatchError):
        check_against_sources({"sources": [{"sha256": PHOTO.sha256}]}, [forged])


@pytest.mark.parametrize("size", [10, 3_000, 70_000, 400_000, 900_000])
def test_sealed_archive_is_padded_to_a_bucket_and_unpacks(size):
    record = os.urandom(size)  # incompressible, so padding is what sets the size
    payload = pack_payload(b'{"r":"' + record.hex().encode() + b'"}', [PHOTO])
    assert len(payload) == sealed_bucket(len(payload))
    document, files = unpack_payload(payload)
    assert document["r"] == record.hex() and files == {PHOTO.sha256: PHOTO.content}


def test_short_and_long_testimonies_seal_to_the_same_size():
    # Given a one-line record and a record with 40 KB of narrative
    short = pack_payload(b'{"r":"x"}', [])
    long = pack_payload(b'{"r":"' + os.urandom(20_000).hex().encode() + b'"}', [])
    # Then a seized station cannot tell them apart by size
    assert len(short) == len(long) == MIN_SEALED_PAYLOAD


def test_buckets_are_powers_of_two_to_a_mebibyte_then_padme():
    assert sealed_bucket(1) == MIN_SEALED_PAYLOAD
    assert sealed_bucket(MIN_SEALED_PAYLOAD + 1) == 128 * 1024
    assert sealed_bucket(700_000) == 1024 * 1024
    assert sealed_bucket(5_000_000) == padded_size(5_000_000) < 5_000_000 * 1.12


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "payload",
    [
        b"not a zip",
        _zip([("other.json", b"{}")]),
        _zip([("testimony.json", b"not json")]),
        _zip([("testimony.json", b"{}"), ("attachments/" + "0" * 64, b"x")]),
    ],
    ids=["not-zip", "no-record", "bad-json", "hash-mismatch"],
)
def test_malformed_archives_are_refused(payload):
    with pytest.raises(PayloadError):
        unpack_payload(payload)


def test_duplicate_names_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("testimony.json", b"{}")
        with pytest.warns(UserWarning):
            archive.writestr("testimony.json", b'{"second": true}')
    with pytest.raises(PayloadError):
        unpack_payload(buffer.getvalue())


def test_zip_bombs_are_refused(monkeypatch):
    from intake.records import attachments

    monkeypatch.setattr(attachments, "MAX_PAYLOAD_BYTES", 100_000)
    bomb = _zip([("testimony.json", b"{}"), ("attachments/x", bytes(1_000_000))])
    with pytest.raises(PayloadError):
        unpack_payload(bomb)
