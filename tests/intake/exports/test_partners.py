"""Partners' labels and keys are ciphertext at rest, and a row added or moved without
the passphrase is never sealed to."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from crypto import Identity
from intake.exports.models import ExportPartner
from intake.exports.partners import PartnerError, add_partner, list_partners, remove_partner

from ..journal_helpers import sqlite_files


def test_label_and_keys_are_not_in_the_database_in_plain(database, casedb):
    # Given a partner added with its key
    key = Identity.generate().recipient
    with database.session() as session:
        add_partner(session, casedb, "Qyzylqaragai Rights Archive", key)
    # When the table is read without keys / Then neither label nor key shows
    with database.session() as session:
        stored = b"".join(row.payload for row in session.scalars(select(ExportPartner)))
    assert b"Qyzylqaragai" not in stored and key.encode() not in stored
    if database.engine.url.drivername.startswith("sqlite"):
        with open(str(database.engine.url.database), "rb") as handle:
            raw = handle.read()
        assert b"Qyzylqaragai" not in raw and key.encode() not in raw
    with database.session() as session:
        assert [p.label for p in list_partners(session, casedb)] == ["Qyzylqaragai Rights Archive"]


@pytest.mark.parametrize("backend", ["sqlite"])  # it reads the SQLite files
def test_a_removed_partner_is_in_neither_the_database_nor_its_journal(database, casedb):
    # Given a partner whose label and keys are stored encrypted (the keyring opens them)
    with database.session() as session:
        partner = add_partner(session, casedb, "Partner", Identity.generate().recipient)
    with database.session() as session:
        stored = session.get(ExportPartner, partner.id).payload
    path, journal = sqlite_files(database)
    assert stored in path.read_bytes()
    # When it is removed
    with database.session() as session:
        remove_partner(session, casedb, partner.id)
    # Then its stored label and keys are in neither the database file nor its journal
    # (which keeps changed pages as they were before)
    for file in (path, journal):
        assert stored not in file.read_bytes(), file.name


def test_a_row_moved_to_another_id_does_not_open(database, casedb):
    # Given a partner, and an attacker who copies its ciphertext under a new id
    with database.session() as session:
        add_partner(session, casedb, "Partner", Identity.generate().recipient)
    with database.session() as session:
        row = session.scalars(select(ExportPartner)).one()
        session.add(ExportPartner(id=uuid.uuid4(), payload=row.payload, added_on=row.added_on))
    # Then only the original opens; the copy is never offered
    with database.session() as session:
        assert len(list_partners(session, casedb)) == 1


def test_a_tampered_row_is_not_offered(database, casedb):
    with database.session() as session:
        add_partner(session, casedb, "Partner", Identity.generate().recipient)
    with database.session() as session:
        row = session.scalars(select(ExportPartner)).one()
        row.payload = row.payload[:-1] + bytes([row.payload[-1] ^ 1])
    with database.session() as session:
        assert list_partners(session, casedb) == []


@pytest.mark.parametrize(("label", "has_key"), [("", True), ("Partner", False), (" ", False)])
def test_a_partner_needs_a_name_and_a_key(database, casedb, label, has_key):
    keys = Identity.generate().recipient if has_key else ""
    with database.session() as session, pytest.raises(PartnerError):
        add_partner(session, casedb, label, keys)


def test_a_label_with_a_direction_override_is_refused(database, casedb):
    # The command line and the page alike: "Partner \u202eevil" would show as "Partner live"
    with database.session() as session, pytest.raises(PartnerError, match="U\\+202E"):
        add_partner(session, casedb, "Partner \u202eevil", Identity.generate().recipient)


def test_an_export_recipient_with_a_direction_override_is_refused():
    from intake.exports.services import ExportRequest, ExportRequestError

    with pytest.raises(ExportRequestError, match="U\\+202E"):
        ExportRequest(kind="research", recipient="Team \u202eA").checked()
    assert ExportRequest(kind="research", recipient="Team A").checked().recipient == "Team A"
