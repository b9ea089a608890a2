"""Records stored by an earlier version (version 1, no manifest) are refused until
`intake records upgrade` brings them up to date, then read as version 2."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from crypto import Purpose, encrypt_field, new_record_key, wrap_record_key
from intake.cli import main
from intake.records import services
from intake.records.legacy import upgrade_stored_records
from intake.records.models import Testimony, TestimonySection
from intake.records.upgrade import upgrade_record

from ..journal_helpers import sqlite_files

V1 = Path(__file__).resolve().parents[2] / "fixtures" / "records" / "v1" / "worked_example.json"
V1_SECTIONS = (
    "interview",
    "testifier",
    "victim",
    "episodes",
    "labour",
    "coding",
    "consent",
    "narrative",
    "sources",
    "links",
)


def _store_as_the_earlier_version(database, keys) -> tuple[uuid.UUID, dict]:
    """A record written the way the earlier store wrote it: v1 sections, no manifest."""
    document = json.loads(V1.read_text(encoding="utf-8"))
    record_id = uuid.uuid4()
    document["record_id"] = str(record_id)
    data_key = new_record_key()
    with database.session() as session:
        testimony = Testimony(
            id=record_id,
            state="stored",
            schema_version="1.0.0",
            received_on=date(2026, 11, 1),
            wrapped_key=wrap_record_key(
                keys.keyring.chain(Purpose.RECORD_KEY_WRAP), data_key, record_id=str(record_id)
            ),
        )
        for name in V1_SECTIONS:
            testimony.sections.append(
                TestimonySection(
                    name=name,
                    ciphertext=encrypt_field(
                        data_key,
                        services.canonical_json(document.get(name)),
                        context=services._section_context(record_id, name),
                    ),
                )
            )
        session.add(testimony)
    return record_id, document


def test_an_earlier_record_is_refused_then_upgraded_and_read_as_version_2(
    cli_obj, database, casedb, passphrase_file
):
    # Given a record stored by the earlier version
    record_id, document = _store_as_the_earlier_version(database, casedb)
    # When it is read / Then it is refused, with the command that fixes it
    shown = CliRunner().invoke(
        main, ["records", "show", str(record_id), "--passphrase-file", passphrase_file], obj=cli_obj
    )
    assert shown.exit_code == 1 and "intake records upgrade" in shown.output
    # When an administrator runs the upgrade
    result = CliRunner().invoke(
        main, ["records", "upgrade", "--passphrase-file", passphrase_file], obj=cli_obj
    )
    assert result.exit_code == 0, result.output
    assert "1 upgraded, 0 not upgraded." in result.output
    # (and given index facts, so that the case index reads no section of it)
    assert "Index facts written: 1." in result.output
    # Then it reads as the version-2 upgrade of what was stored, nothing lost
    with database.session() as session:
        stored = services.load_testimony(session, casedb, record_id)
    assert stored == upgrade_record(document)
    # And running it again finds nothing left to do
    again = CliRunner().invoke(
        main, ["records", "upgrade", "--passphrase-file", passphrase_file], obj=cli_obj
    )
    assert "0 upgraded, 0 not upgraded." in again.output
    assert "Index facts written: 0." in again.output


@pytest.mark.parametrize("backend", ["sqlite"])  # it reads the SQLite files
def test_an_upgrade_leaves_the_old_sections_in_neither_the_database_nor_its_journal(
    database, casedb
):
    # Given a record stored by the earlier version, its sections as they are stored
    record_id, _document = _store_as_the_earlier_version(database, casedb)
    with database.session() as session:
        rows = session.scalars(
            select(TestimonySection).where(TestimonySection.testimony_id == record_id)
        )
        old = [row.ciphertext for row in rows]
    path, journal = sqlite_files(database)
    assert len(old) == len(V1_SECTIONS) and all(value in path.read_bytes() for value in old)
    # When the upgrade runs
    with database.session() as session:
        report = upgrade_stored_records(session, casedb)
    assert report.upgraded == [record_id]
    # Then the sections it replaced are in neither the database file nor its journal
    # (which keeps changed pages as they were before)
    for file in (path, journal):
        content = file.read_bytes()
        assert not any(value in content for value in old), file.name


def test_an_earlier_record_with_a_section_removed_is_not_upgraded(
    cli_obj, database, casedb, passphrase_file
):
    # Given an earlier record whose consent row was deleted before the upgrade
    record_id, _document = _store_as_the_earlier_version(database, casedb)
    with database.session() as session:
        row = session.get(TestimonySection, (record_id, "consent"))
        session.delete(row)
    # When the upgrade runs / Then that record is not upgraded and stays refused
    result = CliRunner().invoke(
        main, ["records", "upgrade", "--passphrase-file", passphrase_file], obj=cli_obj
    )
    assert result.exit_code == 1 and "0 upgraded, 1 not upgraded." in result.output


def test_a_version_2_record_whose_manifest_was_removed_stays_tampered(
    cli_obj, database, casedb, passphrase_file
):
    # Given a record stored now, whose manifest someone set to NULL
    document = upgrade_record(json.loads(V1.read_text(encoding="utf-8")))
    document["record_id"] = str(uuid.uuid4())
    with database.session() as session:
        record_id = services.store_testimony(session, casedb, document).id
        session.execute(update(Testimony).where(Testimony.id == record_id).values(manifest=None))
    # When the upgrade runs / Then it does not touch it, and it still reads as tampered
    result = CliRunner().invoke(
        main, ["records", "upgrade", "--passphrase-file", passphrase_file], obj=cli_obj
    )
    assert "0 upgraded" in result.output
    shown = CliRunner().invoke(
        main, ["records", "show", str(record_id), "--passphrase-file", passphrase_file], obj=cli_obj
    )
    assert shown.exit_code == 1 and "tampered" in shown.output
