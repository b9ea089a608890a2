"""A station's label may name the person whose laptop it is: it is kept only encrypted
(in the station's attestation), and the plaintext keeps only the day of enrolment."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import inspect, select, text

from intake import create_app
from intake.db import Database
from intake.delivery import services
from intake.delivery.models import Station
from intake.migrate import downgrade_database, upgrade_database
from intake.workspace import services as workspace

from ..conftest import init, unlock
from .conftest import Side, enrol, import_data, make_bundle, make_station, seal_documents


def test_the_label_is_nowhere_in_the_database_in_plaintext(
    tmp_path, database, casedb_side, station_side
):
    # Given a station enrolled as "Laptop 1" and revoked, and a second one enrolled
    # under a label that names a person
    with casedb_side.database.session() as session:
        station = services.find_station(session, casedb_side.keys, "laptop 1")
        services.revoke_station(session, casedb_side.keys, station)
    second = make_station(tmp_path, casedb_side, "second")
    person = "Aigerim Nurlanovna laptop"
    enrol(casedb_side, second, person)
    second.database.dispose()
    # Then each label is read from its encrypted copy, and found by it
    with casedb_side.database.session() as session:
        labels = services.station_labels(session, casedb_side.keys)
        assert sorted(labels.values()) == [person, "Laptop 1"]
        found = services.find_station(session, casedb_side.keys, person.upper())
        assert labels[str(found.id)] == person
        first = services.find_station(session, casedb_side.keys, "Laptop 1")
        # And the plaintext times are days, with no time of day
        for moment in (first.enrolled_at, found.enrolled_at, first.revoked_at):
            assert moment is not None
            assert (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)
    # And the table has no label column, and the database file holds neither label
    with database.engine.connect() as connection:
        columns = {column["name"] for column in inspect(connection).get_columns("station")}
    assert "label" not in columns
    if database.engine.dialect.name == "sqlite":
        path = Path(database.engine.url.database or "")
        stored = b"".join(
            file.read_bytes() for file in path.parent.glob(path.name + "*") if file.is_file()
        )
        assert b"Laptop 1" not in stored and person.encode() not in stored


def test_a_label_two_stations_share_is_refused_as_ambiguous(tmp_path, casedb_side, station_side):
    # Given a revoked laptop and its successor enrolled under the same label
    with casedb_side.database.session() as session:
        first = services.find_station(session, casedb_side.keys, "Laptop 1")
        services.revoke_station(session, casedb_side.keys, first)
    successor = make_station(tmp_path, casedb_side, "second")
    enrol(casedb_side, successor, "Laptop 1")
    successor.database.dispose()
    with casedb_side.database.session() as session:
        # When a station is looked for by that label / Then neither is picked
        with pytest.raises(services.StationNotFoundError, match="2 enrolled stations match"):
            services.find_station(session, casedb_side.keys, "laptop 1")
        # And each is still found by its fingerprint
        for station in services.list_stations(session):
            fingerprint = services.fingerprint_of(station)
            assert services.find_station(session, casedb_side.keys, fingerprint).id == station.id


def test_a_station_whose_label_does_not_open_is_not_trusted(casedb_side, station_side):
    # Given a station's attestation swapped for another station's
    seal_documents(station_side, 1)
    with casedb_side.database.session() as session:
        (station,) = services.list_stations(session)
        station.attestation = station.attestation[:-1] + bytes([station.attestation[-1] ^ 1])
    # Then its label is said to be unreadable, and its bundles are refused
    with casedb_side.database.session() as session:
        (station,) = services.list_stations(session)
        assert services.station_label(casedb_side.keys, station) == services.UNREADABLE_LABEL
        # And pages say so in the reader's language
        app = create_app(casedb_side.settings, database=casedb_side.database)
        with app.test_request_context(), force_locale("ru"):
            assert services.station_label(casedb_side.keys, station) == "(метка не читается)"
        # And the mark is no label to find it by: it matches no station
        with pytest.raises(services.StationNotFoundError):
            services.find_station(session, casedb_side.keys, services.UNREADABLE_LABEL)
    try:
        import_data(casedb_side, make_bundle(station_side))
    except services.UnknownStationError:
        pass
    else:
        raise AssertionError("a station whose attestation does not open was trusted")
    # And once revoked, it is still unreadable, not a station labelled with the mark
    with casedb_side.database.session() as session:
        (station,) = services.list_stations(session)
        services.revoke_station(session, casedb_side.keys, station)
    with casedb_side.database.session() as session:
        (station,) = services.list_stations(session)
        assert station.revoked_at is not None
        with app.test_request_context(), force_locale("ru"):
            assert services.station_label(casedb_side.keys, station) == "(метка не читается)"
        with pytest.raises(services.StationNotFoundError):
            services.find_station(session, casedb_side.keys, services.UNREADABLE_LABEL)


def test_the_migration_drops_the_plaintext_label_and_keeps_days(tmp_path, settings):
    # Given a case database as version 0016 left it: a station with its label in
    # plaintext (and in its attestation), a time of day, and a bundle received from it
    database = Database(settings.database_url, key_file=settings.key_file)
    upgrade_database(database.engine, "0016")
    init(database, settings, "casedb")
    keys = unlock(database, settings)
    with database.session() as session:
        workspace.create_organisation_identity(session, keys)
    casedb = Side(database, settings, unlock(database, settings))
    station = make_station(tmp_path, casedb)
    with station.database.session() as session:
        verify_key = bytes.fromhex(json.loads(services.enrolment_text(session))["verify_key"])
    station_id = uuid.uuid4()
    attestation = services._station_attestation(
        casedb.keys, Station(id=station_id, verify_key=verify_key, revoked_at=None), "Laptop 1"
    )
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO station (id, label, verify_key, attestation, enrolled_at) "
                "VALUES (:id, 'Laptop 1', :key, :attestation, :moment)"
            ),
            {
                "id": station_id.hex if database.engine.dialect.name == "sqlite" else station_id,
                "key": verify_key,
                "attestation": attestation,
                "moment": "2026-11-20 14:37:21.123456",
            },
        )
        connection.execute(
            text(
                "INSERT INTO received_bundle (id, station_id, sequence, received_on, receipt) "
                "VALUES (:id, :station, 99, '2026-11-20', :receipt)"
            ),
            {
                "id": uuid.uuid4().hex
                if database.engine.dialect.name == "sqlite"
                else uuid.uuid4(),
                "station": station_id.hex
                if database.engine.dialect.name == "sqlite"
                else station_id,
                "receipt": b"{}",
            },
        )
    # When it is migrated (with the foreign keys of received bundles on)
    upgrade_database(database.engine)
    # Then the label is gone from the table, and still readable from its encrypted copy
    with database.engine.connect() as connection:
        columns = {column["name"] for column in inspect(connection).get_columns("station")}
    assert "label" not in columns
    with database.session() as session:
        stored = session.scalars(select(Station)).one()
        assert services.station_label(casedb.keys, stored) == "Laptop 1"
        assert stored.enrolled_at.date().isoformat() == "2026-11-20"
        assert (stored.enrolled_at.hour, stored.enrolled_at.microsecond) == (0, 0)
    # And no copy of it is left in the database's file or its journal (SQLite)
    if database.engine.dialect.name == "sqlite":
        path = Path(database.engine.url.database or "")
        files = [file for file in path.parent.glob(path.name + "*") if file.is_file()]
        assert any(file.name.endswith("-journal") for file in files)
        assert not any(b"Laptop 1" in file.read_bytes() for file in files)
    # And the station's bundles are still accepted
    seal_documents(station, 1)
    result = import_data(casedb, make_bundle(station))
    assert result.station_label == "Laptop 1" and len(result.stored) == 1
    # And a downgrade past it is refused while a station is enrolled
    with pytest.raises(RuntimeError, match="kept only encrypted"):
        downgrade_database(database.engine, "0016")
    station.database.dispose()
    database.dispose()


def test_the_panic_wipe_goes_through_at_a_case_database_with_stations(casedb_side, station_side):
    from intake.workspace.setup import wipe_workspace

    # Given a case database that has received a bundle from an enrolled station
    seal_documents(station_side, 1)
    import_data(casedb_side, make_bundle(station_side))
    database = casedb_side.database
    # When it is wiped (on PostgreSQL: keys deleted, every revision downgraded)
    wipe_workspace(database, casedb_side.settings)
    # Then it starts anew, empty, at the newest revision
    with database.engine.connect() as connection:
        for table in ("key_material", "station", "received_bundle", "testimony"):
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        columns = {column["name"] for column in inspect(connection).get_columns("station")}
    assert "label" not in columns


def test_a_record_names_the_station_it_came_from(tmp_path, casedb_side, station_side):
    from intake.cases.services import read_record

    # Given records delivered by two stations
    (first,) = seal_documents(station_side, 1)
    import_data(casedb_side, make_bundle(station_side))
    second = make_station(tmp_path, casedb_side, "second")
    enrol(casedb_side, second, "Laptop 2")
    (other,) = seal_documents(second, 1)
    import_data(casedb_side, make_bundle(second))
    second.database.dispose()
    # Then each record's page names its own station, read from the encrypted label
    with casedb_side.database.session() as session:
        for document, label in ((first, "Laptop 1"), (other, "Laptop 2")):
            record_id = uuid.UUID(document["record_id"])
            view = read_record(session, casedb_side.keys, record_id, actor=None)
            assert view.station_label == label
