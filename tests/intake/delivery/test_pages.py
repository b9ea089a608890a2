"""The delivery pages as people use them: enrol on the Stations page, save to file at
the station, import on the Import page (with progress), confirm the receipt, list records.
"""

from __future__ import annotations

import io
import re

import pytest

from intake import create_app
from intake.db import Database
from intake.migrate import upgrade_database
from intake.workspace import services as workspace

from ..conftest import _signed_in_client, csrf_token, make_settings, unlock
from .conftest import Side, counts, seal_documents


@pytest.fixture
def casedb_admin(app, database, settings):
    """A client signed in as admin at an unlocked case database, and that side."""
    client = _signed_in_client(app, database, settings, "casedb", "admin")
    return client, Side(database, settings, unlock(database, settings))


@pytest.fixture
def station_admin_side(tmp_path, casedb_admin):
    """A client signed in as admin at a station sealing to the case database."""
    settings = make_settings(tmp_path / "station", f"sqlite:///{tmp_path / 'station.sqlite3'}")
    database = Database(settings.database_url, key_file=settings.key_file)
    upgrade_database(database.engine)
    app = create_app(settings, database=database)
    app.config.update(TESTING=True)
    client = _signed_in_client(app, database, settings, "station", "admin")
    keys = unlock(database, settings)
    with database.session() as session:
        workspace.register_recipient(
            session, keys, casedb_admin[1].keys.identity.recipient, label="case database"
        )
    yield client, Side(database, settings, keys)
    database.dispose()


def _post(client, path, page_path, data, **kwargs):
    token = csrf_token(client.get(page_path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def _confirm(station, receipt: bytes) -> str:
    """The Delivery page after a receipt file is confirmed on it."""
    return _post(
        station,
        "/delivery/outbox/confirm",
        "/delivery/outbox",
        {"receipt": (io.BytesIO(receipt), "bundle.receipt")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)


def test_enrol_save_to_file_import_confirm_and_list(casedb_admin, station_admin_side):
    casedb, casedb_side = casedb_admin
    station, station_side = station_admin_side
    # Given the station's enrolment file, enrolled on the case database's Stations page
    enrolment = station.get("/delivery/enrolment").get_data(as_text=True)
    page = casedb.get("/delivery/stations").get_data(as_text=True)
    key = re.search(r'class="key casedb-key" dir="ltr">([0-9a-f]{64})<', page).group(1)
    enrolled = _post(
        casedb,
        "/delivery/stations",
        "/delivery/stations",
        {"label": "Laptop A", "enrolment_text": enrolment},
    )
    assert enrolled.status_code == 302
    assert "Laptop A" in casedb.get("/delivery/stations").get_data(as_text=True)
    # And the station keeps the case database's key
    trusted = _post(station, "/delivery/outbox/trust", "/delivery/outbox", {"key": key})
    assert trusted.status_code == 302
    # And the station's Delivery page shows the fingerprint the Stations page shows
    # beside the key, so an administrator can compare the two sides
    shown = re.search(r'class="casedb-fingerprint">([0-9a-f]{32})<', page).group(1)
    assert f'class="casedb-key">{shown}<' in station.get("/delivery/outbox").get_data(as_text=True)
    # When two records are sealed and saved to a file
    documents = seal_documents(station_side, 2)
    outbox = station.get("/delivery/outbox").get_data(as_text=True)
    assert all(d["record_id"] in outbox for d in documents)
    bundle = _post(station, "/delivery/outbox/export", "/delivery/outbox", {})
    assert bundle.status_code == 200 and "attachment" in bundle.headers["Content-Disposition"]
    # Then the station says what a bundle without a receipt means
    waiting = station.get("/delivery/outbox").get_data(as_text=True)
    assert "A bundle without a receipt was not received" in waiting
    # And imported on the Import page
    imported = _post(
        casedb,
        "/delivery/import",
        "/delivery/import",
        {"bundle": (io.BytesIO(bundle.get_data()), "bundle.age")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    # Then the page showed progress and the outcome, with a receipt to download
    assert "Records checked: 2 of 2" in imported
    assert "2 stored, 0 already received" in imported
    receipt_path = re.search(r'href="(/delivery/receipts/[^"]+)"', imported).group(1)
    receipt = casedb.get(receipt_path).get_data()
    assert counts(casedb_side) == (2, 1)
    # When the receipt is confirmed at the station
    confirmed = _confirm(station, receipt)
    # Then the outbox is empty and the Records page lists both, with the station
    assert "2 record(s) delivered" in confirmed and "The outbox is empty" in confirmed
    assert "A bundle without a receipt" not in confirmed  # its one bundle has its receipt
    records = casedb.get("/delivery/records").get_data(as_text=True)
    assert all(d["record_id"] in records for d in documents)
    assert records.count("Laptop A") == 2
    # And the same receipt confirmed again is said to be confirmed already
    again = _confirm(station, receipt)
    assert "was confirmed on" in again and "nothing changed" in again
    assert "0 record(s) delivered" not in again


def test_blank_station_forms_and_an_empty_outbox_are_told_on_the_delivery_page(
    station_admin_side,
):
    station, _ = station_admin_side
    # When the address or the key is only spaces, or an empty outbox is saved to a file
    for path, data, said in (
        ("/delivery/outbox/send", {"url": "   "}, "Case database address: "),
        ("/delivery/outbox/trust", {"key": " \t "}, "Case database key: "),
        ("/delivery/outbox/export", {}, "The outbox is empty"),
    ):
        response = _post(station, path, "/delivery/outbox", data)
        # Then the Delivery page says what is wrong, rather than an error page
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/delivery/outbox")
        page = station.get("/delivery/outbox").get_data(as_text=True)
        assert said in page, path
    # And a post without the form's token is still refused outright
    assert station.post("/delivery/outbox/send", data={"url": "https://x"}).status_code == 400
    assert station.post("/delivery/outbox/send", data={"url": " "}).status_code == 400


def test_a_damaged_bundle_on_the_import_page_imports_nothing(casedb_admin):
    casedb, casedb_side = casedb_admin
    page = _post(
        casedb,
        "/delivery/import",
        "/delivery/import",
        {"bundle": (io.BytesIO(b"damaged"), "bundle.age")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Nothing was imported" in page and 'role="alert"' in page
    assert counts(casedb_side) == (0, 0)


def test_the_records_page_pages_through_records(casedb_admin):
    from intake.records.services import store_testimony

    from ..records.helpers import WORKED_EXAMPLE, load

    casedb, side = casedb_admin
    with side.database.session() as session:
        for _ in range(3):
            store_testimony(session, side.keys, load(WORKED_EXAMPLE, fresh_id=True))
    from intake.delivery import services

    with side.database.session() as session:
        rows, more = services.records_page(session, side.keys, page=1, per_page=2)
        assert len(rows) == 2 and more
        rows, more = services.records_page(session, side.keys, page=2, per_page=2)
        assert len(rows) == 1 and not more
    assert "entered here" in casedb.get("/delivery/records").get_data(as_text=True)


def test_only_administrators_enrol_stations(app, database, settings):
    coordinator = _signed_in_client(app, database, settings, "casedb", "coordinator")
    assert coordinator.get("/delivery/stations").status_code == 403
    assert coordinator.get("/delivery/import").status_code == 200


def _enrol(casedb, enrolment, label):
    """Post the Stations page's enrolment form: the response."""
    data = {"label": label, "enrolment_text": enrolment}
    return _post(casedb, "/delivery/stations", "/delivery/stations", data)


def _enrolled(casedb, station, label="Laptop A"):
    enrolment = station.get("/delivery/enrolment").get_data(as_text=True)
    _enrol(casedb, enrolment, label)
    return enrolment


def test_revoking_a_station_asks_first_and_its_key_cannot_come_back(
    casedb_admin, station_admin_side
):
    casedb, side = casedb_admin
    station, _station_side = station_admin_side
    enrolment = _enrolled(casedb, station)
    page = casedb.get("/delivery/stations").get_data(as_text=True)
    revoke = re.search(r'href="(/delivery/stations/[0-9a-f-]+/revoke)"', page).group(1)
    # When the administrator clicks Revoke, then posts the page's form without the
    # confirmation (a click that skipped the question)
    asked = casedb.get(revoke).get_data(as_text=True)
    unconfirmed = casedb.post(revoke, data={"csrf_token": csrf_token(asked)})
    # Then both ask, naming the station and what follows, and nothing is revoked
    for answer in (asked, unconfirmed.get_data(as_text=True)):
        assert "Laptop A" in answer and "cannot be undone" in answer
        assert 'name="confirmed" value="yes"' in answer
    assert unconfirmed.status_code == 200
    with side.database.session() as session:
        from intake.delivery import services

        assert services.list_stations(session)[0].revoked_at is None
    # When it is confirmed
    done = casedb.post(revoke, data={"csrf_token": csrf_token(asked), "confirmed": "yes"})
    assert done.status_code == 302
    # Then the station is revoked, and its key enrolled again is refused with the reason
    assert "revoked" in casedb.get("/delivery/stations").get_data(as_text=True)
    again = _enrol(casedb, enrolment, "Laptop A again").get_data(as_text=True)
    assert "was revoked on" in again and "cannot be enrolled again" in again
    with side.database.session() as session:
        stations = services.list_stations(session)
        assert len(stations) == 1 and stations[0].revoked_at is not None
    # And a revoked station's Revoke address leads back to the list
    assert casedb.get(revoke).status_code == 302


def test_revoking_needs_the_form_token(casedb_admin, station_admin_side):
    casedb, side = casedb_admin
    _enrolled(casedb, station_admin_side[0])
    page = casedb.get("/delivery/stations").get_data(as_text=True)
    revoke = re.search(r'href="(/delivery/stations/[0-9a-f-]+/revoke)"', page).group(1)
    assert casedb.post(revoke, data={"confirmed": "yes"}).status_code == 400
    from intake.delivery import services

    with side.database.session() as session:
        assert services.list_stations(session)[0].revoked_at is None


def test_a_station_label_with_a_direction_override_is_refused(casedb_admin, station_admin_side):
    casedb, side = casedb_admin
    enrolment = station_admin_side[0].get("/delivery/enrolment").get_data(as_text=True)
    refused = _enrol(casedb, enrolment, "Laptop \u202eA").get_data(as_text=True)
    assert "U+202E" in refused
    from intake.delivery import services

    with side.database.session() as session:
        assert services.list_stations(session) == []


def test_replacing_the_kept_case_database_key_asks_first(station_admin_side):
    from crypto import SigningKey
    from intake.delivery import services

    station, side = station_admin_side
    first, second = (SigningKey.generate().verify_key for _ in range(2))
    # Given a station that keeps the case database's key (kept at once: nothing to replace)
    kept = _post(
        station, "/delivery/outbox/trust", "/delivery/outbox", {"key": first.to_bytes().hex()}
    )
    assert kept.status_code == 302
    # When another key is pasted (a wrong paste would make every receipt fail)
    other = second.to_bytes().hex()
    asked = _post(station, "/delivery/outbox/trust", "/delivery/outbox", {"key": other})
    # Then the page asks first, naming both fingerprints, and the first key is still kept
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Please confirm" in page
    assert first.fingerprint in page and second.fingerprint in page
    with side.database.session() as session:
        assert services.trusted_casedb_key(session, side.keys).to_bytes() == first.to_bytes()
    # When the administrator says yes / Then the new key is kept
    token = csrf_token(page)
    done = station.post(
        "/delivery/outbox/trust", data={"csrf_token": token, "confirmed": "yes", "key": other}
    )
    assert done.status_code == 302
    with side.database.session() as session:
        assert services.trusted_casedb_key(session, side.keys).to_bytes() == second.to_bytes()
    # And the same key again is kept without a question
    again = _post(station, "/delivery/outbox/trust", "/delivery/outbox", {"key": other})
    assert again.status_code == 302


def test_a_failed_send_keeps_the_address_and_a_wrong_address_numbers_no_bundle(
    station_admin_side, casedb_admin
):
    import socket

    from sqlalchemy import select

    from intake.delivery import services
    from intake.delivery.models import SentBundle

    # Given a station that trusts its case database's key, with a record to send
    station, station_side = station_admin_side
    _, casedb_side = casedb_admin
    with casedb_side.database.session() as session:
        key_text = services.receiving_key_text(session, casedb_side.keys)
    with station_side.database.session() as session:
        services.trust_casedb_key(session, station_side.keys, key_text)
    seal_documents(station_side, 1)
    # When the address typed is not a web address
    response = _post(station, "/delivery/outbox/send", "/delivery/outbox", {"url": "ftp://x"})
    page = response.get_data(as_text=True)
    # Then the page says so, keeps the address to correct, and no bundle was numbered
    assert response.status_code == 502 and "Give the case database" in page
    assert 'value="ftp://x"' in page
    with station_side.database.session() as session:
        assert session.scalars(select(SentBundle)).all() == []
    # When nothing answers at the address (a port nobody listens on)
    with socket.create_server(("127.0.0.1", 0)) as free:
        url = f"http://127.0.0.1:{free.getsockname()[1]}/"
    response = _post(station, "/delivery/outbox/send", "/delivery/outbox", {"url": url})
    page = response.get_data(as_text=True)
    # Then the page says so with the address kept, to send again later
    assert response.status_code == 502 and "could not be reached" in page
    assert f'value="{url}"' in page
    with station_side.database.session() as session:
        assert len(services.undelivered(session)) == 1
