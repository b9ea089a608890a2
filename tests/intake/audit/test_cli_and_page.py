"""`intake audit` and the Audit page, as an administrator uses them."""

from __future__ import annotations

import uuid

import pytest
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


def test_who_saw_a_record_in_a_search_is_found_by_its_id(
    cli_obj, database, casedb, passphrase_file
):
    from intake.cases.search import search_people

    from ..cases.helpers import stored_record

    # Given two stored records (the same worked example), and a search that found both
    # and a list that showed only the second
    first, second = stored_record(database, casedb), stored_record(database, casedb)
    with database.session() as session:
        found = {hit.record_id for hit in search_people(session, casedb, "Synaq Ayel", actor=None)}
        services.record_event(
            session,
            casedb,
            actor=None,
            action="record.list",
            details=services.shown_records([second]),
        )
        services.record_event(session, casedb, actor=None, action="record.read", record_id=first)
        session.commit()
    assert found == {first, second}
    # When the entries about the first are asked for
    with database.session() as session:
        about = services.events_about(session, casedb, str(first))
    # Then its read, the search that showed it and its import are there, not the list
    assert [event.action for event in about] == ["record.read", "search", "record.import"]
    # And the command line says the same
    result = _run(
        cli_obj, "audit", "list", "--record", str(first), "--passphrase-file", passphrase_file
    )
    assert result.exit_code == 0, result.output
    actions = [line.split()[4] for line in result.output.splitlines()]
    assert actions == ["record.read", "search", "record.import"]


def test_the_audit_page_shows_the_entries_about_one_record(app, database, settings):
    client = _admin_client(app, database, settings)
    keys = unlock(database, settings)
    shown, other = uuid.uuid4(), uuid.uuid4()
    with database.session() as session:
        details = services.shown_records([shown, other])
        services.record_event(session, keys, actor=None, action="record.list", details=details)
        services.record_event(session, keys, actor=None, action="record.read", record_id=other)
    page = client.get(f"/audit/?record={shown}").get_data(as_text=True)
    assert "Listed records" in page and "2 record(s) shown" in page
    assert "Read a record" not in page
    # A filter that is not a record id says so, and shows every entry
    refused = client.get("/audit/?record=Synaq").get_data(as_text=True)
    assert "That is not a record id" in refused and "Read a record" in refused


def test_a_record_stored_in_a_batch_shows_how_it_arrived_and_the_limit_holds(database, casedb):
    from intake.records.services import Incoming, store_testimonies

    from ..records.helpers import WORKED_EXAMPLE, load

    # Given three records stored at once, then read four times
    documents = [load(WORKED_EXAMPLE, fresh_id=True) for _ in range(3)]
    with database.session() as session:
        store_testimonies(session, casedb, [Incoming(d) for d in documents])
    first = documents[0]["record_id"]
    with database.session() as session:
        for _ in range(4):
            services.record_event(
                session, casedb, actor=None, action="record.read", record_id=first
            )
    # Then the entries about it end with the import that stored it
    with database.session() as session:
        about = services.events_about(session, casedb, first)
        newest_two = services.events_about(session, casedb, first, limit=2)
    assert [event.action for event in about] == ["record.read"] * 4 + ["record.import"]
    assert len(newest_two) == 2


def test_an_id_number_search_keeps_no_record_ids(database, casedb):
    from intake.cases.search import search_people

    with database.session() as session:
        search_people(session, casedb, "650102198001011234", actor=None)
        session.commit()
        (event,) = [e for e in services.list_events(session, casedb) if e.action == "search"]
    assert event.details == {"by": "id", "results": event.details["results"]}


def test_an_export_shows_its_recipient_and_file_hash_with_the_account_name(
    app, cli_obj, database, settings, passphrase_file
):
    from intake.accounts.services import list_accounts

    # Given an administrator who wrote an export for a partner
    client = _admin_client(app, database, settings)
    keys = unlock(database, settings)
    digest = "ab" * 32
    with database.session() as session:
        (admin,) = [row.account for row in list_accounts(session, keys)]
        services.record_event(
            session,
            keys,
            actor=admin.id,
            action="export",
            details={
                "kind": "victims",
                "recipient": "Partner DB",
                "format": "csv",
                "sha256": digest,
            },
        )
    # When the Audit page is opened / Then who received which file can be told
    page = client.get("/audit/").get_data(as_text=True)
    assert "Partner DB" in page and digest in page
    assert "Victim-database entries → <bdi>Partner DB</bdi> (CSV)" in page
    # And the command line names the account and the file
    listed = _run(cli_obj, "audit", "list", "--passphrase-file", passphrase_file)
    (line,) = [line for line in listed.output.splitlines() if " export " in line]
    assert "admin-1" in line and str(admin.id) not in line
    assert "recipient='Partner DB'" in line and f"sha256={digest}" in line


@pytest.mark.parametrize("before", ["99999999999999999999", "9223372036854775808", "-5", "x"])
def test_a_page_address_with_a_number_out_of_range_still_shows_the_page(
    app, database, settings, before
):
    # Given an administrator at a case database with two audited reads
    client = _admin_client(app, database, settings)
    _events(database, unlock(database, settings), 2)
    # When the address asks for entries before a number no database integer holds
    page = client.get(f"/audit/?before={before}")
    # Then the page is shown, not a server error: above every entry (all of them),
    # below the first (none), or ignored when it is not a number
    assert page.status_code == 200
    shown = page.get_data(as_text=True).count("Read a record")
    assert shown == (0 if before == "-5" else 2)


def test_statistics_say_where_they_went_in_the_reader_s_language(app, database, settings):
    # Given statistics looked at on the page and then downloaded as CSV
    client = _admin_client(app, database, settings)
    keys = unlock(database, settings)
    with database.session() as session:
        for output in ("page", "csv"):
            services.record_event(
                session, keys, actor=None, action="export",
                details={"kind": "stats", "output": output, "sha256": "cd" * 32},
            )  # fmt: skip
        session.commit()
    # When the Audit page is read in English and in Russian
    english = client.get("/audit/").get_data(as_text=True)
    russian = client.get("/audit/?lang=ru").get_data(as_text=True)
    # Then the two are told apart, in words, and no raw code is shown
    assert "Statistics (shown on the page)" in english and "Statistics (CSV file)" in english
    assert "Статистика" in russian and "<bdi>stats</bdi>" not in russian
