"""The record store on SQLite and PostgreSQL: round trips, moved ciphertexts, plaintext scans."""

import json
import shutil
import subprocess
import uuid

import pytest
from sqlalchemy import inspect, select, update
from sqlalchemy.engine import make_url

from crypto import open_sealed
from intake.records import drafts, services
from intake.records.attachments import unpack_payload
from intake.records.models import SECTIONS, Draft, SealedRecord, Testimony, TestimonySection
from intake.workspace.services import WrongRoleError

from ..journal_helpers import sqlite_files
from .helpers import WORKED_EXAMPLE, assert_absent, load, sensitive_strings, valid_records


@pytest.mark.parametrize("path", valid_records(), ids=lambda p: p.stem)
def test_valid_records_round_trip(database, casedb, path):
    # Given a valid record / When stored at the case database and read back
    document = load(path, fresh_id=True)
    with database.session() as session:
        services.store_testimony(session, casedb, document)
    with database.session() as session:
        again = services.load_testimony(session, casedb, uuid.UUID(document["record_id"]))
    # Then it is the same document, and every section row exists whether used or not
    assert again == document
    with database.session() as session:
        names = session.scalars(select(TestimonySection.name)).all()
    assert sorted(names) == sorted(SECTIONS)


def test_storing_the_same_record_twice_is_refused(database, casedb):
    document = load(WORKED_EXAMPLE, fresh_id=True)
    with database.session() as session:
        services.store_testimony(session, casedb, document)
    with pytest.raises(services.RecordExistsError), database.session() as session:
        services.store_testimony(session, casedb, document)


def test_invalid_record_is_refused_with_its_problems(database, casedb):
    document = load(WORKED_EXAMPLE, fresh_id=True)
    del document["victim"]
    with pytest.raises(services.RecordInvalidError) as caught, database.session() as session:
        services.store_testimony(session, casedb, document)
    assert caught.value.problems
    with database.session() as session:
        assert session.scalars(select(Testimony)).all() == []


def _store_two(database, casedb):
    ids = []
    for _ in range(2):
        document = load(WORKED_EXAMPLE, fresh_id=True)
        with database.session() as session:
            services.store_testimony(session, casedb, document)
        ids.append(uuid.UUID(document["record_id"]))
    return ids


def _section(session, record_id, name):
    return session.get(TestimonySection, (record_id, name))


def test_a_section_moved_to_another_record_does_not_open(database, casedb):
    # Given two stored records / When record a's victim ciphertext is copied onto record b
    a, b = _store_two(database, casedb)
    with database.session() as session:
        stolen = _section(session, a, "victim").ciphertext
        _section(session, b, "victim").ciphertext = stolen
    # Then record b no longer opens, and record a still does
    with pytest.raises(services.RecordUnreadableError), database.session() as session:
        services.load_testimony(session, casedb, b)
    with database.session() as session:
        services.load_testimony(session, casedb, a)


def test_sections_swapped_within_a_record_do_not_open(database, casedb):
    a, _b = _store_two(database, casedb)
    with database.session() as session:
        victim, informants = _section(session, a, "victim"), _section(session, a, "informants")
        victim.ciphertext, informants.ciphertext = informants.ciphertext, victim.ciphertext
    with pytest.raises(services.RecordUnreadableError), database.session() as session:
        services.load_testimony(session, casedb, a)


def test_a_wrapped_key_moved_to_another_record_does_not_open(database, casedb):
    a, b = _store_two(database, casedb)
    with database.session() as session:
        key_a = session.get(Testimony, a).wrapped_key
        session.execute(update(Testimony).where(Testimony.id == b).values(wrapped_key=key_a))
    with pytest.raises(services.RecordUnreadableError), database.session() as session:
        services.load_testimony(session, casedb, b)


def test_a_flipped_byte_in_a_section_does_not_open(database, casedb):
    a, _b = _store_two(database, casedb)
    with database.session() as session:
        section = _section(session, a, "narrative")
        tampered = bytearray(section.ciphertext)
        tampered[40] ^= 0x01
        section.ciphertext = bytes(tampered)
    with pytest.raises(services.RecordUnreadableError), database.session() as session:
        services.load_testimony(session, casedb, a)


def test_destroying_the_wrapped_key_erases_the_record(database, casedb):
    a, _b = _store_two(database, casedb)
    with database.session() as session:
        session.execute(
            update(Testimony).where(Testimony.id == a).values(wrapped_key=None, state="erased")
        )
    with pytest.raises(services.RecordUnreadableError, match="erased"):
        with database.session() as session:
            services.load_testimony(session, casedb, a)


def test_unknown_record_is_not_found(database, casedb):
    with pytest.raises(services.RecordNotFoundError), database.session() as session:
        services.load_testimony(session, casedb, uuid.uuid4())


def test_station_keeps_only_the_sealed_file(database, station):
    # Given a station / When a record is finalised
    keys, identity = station
    document = load(WORKED_EXAMPLE, fresh_id=True)
    with database.session() as session:
        row = services.seal_testimony(session, keys, document)
    # Then only the organisation identity opens it, and the outbox lists it
    with database.session() as session:
        sealed = session.get(SealedRecord, row.id)
        assert services.list_outbox(session)[0].id == row.id
        with pytest.raises(WrongRoleError):
            services.load_testimony(session, keys, row.id)
    record, files = unpack_payload(open_sealed(sealed.sealed, [identity]))
    assert record == document and files == {}


def test_station_without_recipients_refuses_to_seal(database, settings):
    from ..conftest import init, unlock

    init(database, settings, "station")
    keys = unlock(database, settings)
    with pytest.raises(services.NoRecipientsError), database.session() as session:
        services.seal_testimony(session, keys, load(WORKED_EXAMPLE, fresh_id=True))


def test_drafts_round_trip_and_are_discarded(database, station):
    keys, _identity = station
    draft_id = uuid.uuid4()
    with database.session() as session:
        drafts.save_draft(session, keys, draft_id, {"victim": {"note": "partial"}})
    with database.session() as session:
        drafts.save_draft(session, keys, draft_id, {"victim": {"note": "more"}})
    with database.session() as session:
        assert drafts.load_draft(session, keys, draft_id) == {"victim": {"note": "more"}}
        drafts.discard_draft(session, draft_id)
    with pytest.raises(drafts.DraftNotFoundError), database.session() as session:
        drafts.load_draft(session, keys, draft_id)


@pytest.mark.parametrize("backend", ["sqlite"])  # it reads the SQLite files
def test_a_draft_saved_again_leaves_its_previous_version_in_neither_the_database_nor_its_journal(
    database, station
):
    # Given a draft saved with a name the family then asks the interviewer to leave out
    keys, _identity = station
    draft_id = uuid.uuid4()
    with database.session() as session:
        drafts.save_draft(session, keys, draft_id, {"victim": {"note": "Ablikim Tursun"}})
    with database.session() as session:
        before = session.get(Draft, draft_id).ciphertext
    path, journal = sqlite_files(database)
    assert before in path.read_bytes()
    # When the draft is saved again without it
    with database.session() as session:
        drafts.save_draft(session, keys, draft_id, {"victim": {"note": "(left out)"}})
    # Then the earlier version's ciphertext, which the workspace keys open, is in
    # neither the database file nor its journal (which keeps pages as they were before)
    for file in (path, journal):
        assert before not in file.read_bytes(), file.name
    with database.session() as session:
        assert drafts.load_draft(session, keys, draft_id) == {"victim": {"note": "(left out)"}}


def _database_bytes(settings, database_url):
    """Everything an attacker with the disk (SQLite) or a dump (PostgreSQL) would read."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        files = sorted(settings.workspace_dir.parent.glob("intake.sqlite3*"))
        files += sorted(settings.workspace_dir.glob("*"))
        return b"".join(path.read_bytes() for path in files), "the SQLite files"
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.fail("pg_dump is needed to scan the PostgreSQL database")
    plain_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    dump = subprocess.run([pg_dump, "--dbname", plain_url], capture_output=True, check=True)
    return dump.stdout, "pg_dump"


def test_no_plaintext_in_the_database(database, settings, database_url, casedb):
    # Given every valid record stored at a case database, and a draft of one
    strings = set()
    for path in valid_records():
        document = load(path, fresh_id=True)
        strings |= sensitive_strings(document)
        with database.session() as session:
            services.store_testimony(session, casedb, document)
    with database.session() as session:
        drafts.save_draft(session, casedb, uuid.uuid4(), load(WORKED_EXAMPLE))
    database.dispose()
    # When the database is read as an attacker would
    blob, where = _database_bytes(settings, database_url)
    # Then no name, place, narrative or note appears in any encoding
    assert len(strings) > 20
    assert_absent(blob, strings, where)


def test_no_plaintext_at_a_station(database, settings, database_url, station):
    keys, _identity = station
    document = load(WORKED_EXAMPLE, fresh_id=True)
    with database.session() as session:
        services.seal_testimony(session, keys, document)
    database.dispose()
    blob, where = _database_bytes(settings, database_url)
    assert_absent(blob, sensitive_strings(document), where)


def test_the_scan_would_notice_plaintext(tmp_path):
    # Given bytes that do contain a name in UTF-16 / Then the probe finds it
    with pytest.raises(AssertionError, match="Гүлзира"):
        assert_absent(
            b"xx" + "Гүлзира Әуелхан".encode("utf-16-le") + b"yy", {"Гүлзира Әуелхан"}, "sample"
        )
    escaped = json.dumps("Гүлзира Әуелхан").encode()
    with pytest.raises(AssertionError):
        assert_absent(b"{" + escaped + b"}", {"Гүлзира Әуелхан"}, "sample")


def test_outbox_listing_reads_no_sealed_file(database, station):
    # Given a sealed record waiting in the outbox
    keys, _identity = station
    with database.session() as session:
        services.seal_testimony(session, keys, load(WORKED_EXAMPLE, fresh_id=True))
    # When the outbox is listed in a fresh session
    with database.session() as session:
        (row,) = services.list_outbox(session)
        # Then its id, day and hash are read, and not its sealed file
        assert row.sha256 and row.sealed_on
        assert "sealed" not in inspect(row).dict
