"""`intake audit` and the Audit page, as an administrator uses them."""

from __future__ import annotations

import uuid

from click.testing import CliRunner
from sqlalchemy import update

from intake.audit import services
from intake.audit.models import AuditEntry
from intake.cli import main

from ..conftest import csrf_token, unlock


def _run(cli_obj, *args):
    return CliRunner().invoke(main, list(args), obj=cli_obj)


def _events(database, keys, count):
    with database.session() as session:
        for _ in range(count):
            services.record_event(session, keys, actor=uuid.uuid4(), action="record.read")


def test_verify_accepts_an_intact_trail_and_names_a_row_edited_by_hand(
    cli_obj, database, casedb, passphrase_file
):
    # Given a trail of three reads
    _events(database, casedb, 3)
    # When verified / Then it is intact (and the verification itself is recorded)
    result = _run(cli_obj, "audit", "verify", "--passphrase-file", passphrase_file)
    assert result.exit_code == 0, result.output
    assert "intact: 3 entries" in result.output
    # When one row is edited by hand in the database
    with database.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(key_id="0" * 16))
    result = _run(cli_obj, "audit", "verify", "--passphrase-file", passphrase_file)
    # Then it exits 1 and names that entry
    assert result.exit_code == 1
    assert "Entry 2 was changed or moved" in result.output


def test_list_and_checkpoint_print_without_secrets(cli_obj, database, casedb, passphrase_file):
    _events(database, casedb, 2)
    listed = _run(cli_obj, "audit", "list", "--passphrase-file", passphrase_file)
    assert listed.exit_code == 0 and "record.read" in listed.output
    signed = _run(cli_obj, "audit", "checkpoint", "--passphrase-file", passphrase_file)
    assert signed.exit_code == 0 and "checkpoint at entry 3" in signed.output
    assert "signature " in signed.output
    assert _run(cli_obj, "audit", "--help").exit_code == 0


def test_a_station_has_no_audit_trail(cli_obj, database, settings, passphrase_file):
    from ..conftest import init

    init(database, settings, "station")
    result = _run(cli_obj, "audit", "verify", "--passphrase-file", passphrase_file)
    assert result.exit_code == 1 and "casedb" in result.output


def _admin_client(app, database, settings):
    from ..conftest import _signed_in_client

    return _signed_in_client(app, database, settings, "casedb", "admin")


def test_the_audit_page_lists_entries_and_verifies(app, database, settings):
    # Given an administrator at a case database with two audited reads
    client = _admin_client(app, database, settings)
    keys = unlock(database, settings)
    _events(database, keys, 2)
    # When the Audit page is opened / Then the entries are listed
    page = client.get("/audit/")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("Read a record") == 2
    # When "Verify now" is pressed / Then the trail is reported intact
    token = csrf_token(page.get_data(as_text=True))
    verified = client.post("/audit/", data={"csrf_token": token}).get_data(as_text=True)
    assert "The trail is intact: 2 entries" in verified


def test_coordinators_and_interviewers_may_not_open_the_audit_page(
    app, database, settings, casedb_coordinator
):
    assert casedb_coordinator.get("/audit/").status_code == 403
