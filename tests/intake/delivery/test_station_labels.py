"""A station's label may name the person whose laptop it is: it is kept only encrypted
(in the station's attestation), and the plaintext keeps only the day of enrolment."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import inspect, select, text

from intake.delivery import services
from intake.delivery.models import Station
from intake.migrate import downgrade_database, upgrade_database

from .conftest import enrol, import_data, make_bundle, make_station, seal_documents


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
    try:
        import_data(casedb_side, make_bundle(station_side))
    except services.UnknownStationError:
        pass
    else:
        raise AssertionError("a station whose attestation does not open was trusted")


def test_the_migration_drops_the_plaintext_label_and_keeps_days(casedb_side, station_side):
    # Given a case database as it was before: a label in plaintext, a time of day
    database = casedb_side.database
    downgrade_database(database.engine, "0016")
    with database.engine.begin() as connection:
        connection.execute(
            text("UPDATE station SET label = 'Laptop 1', enrolled_at = :moment"),
            {"moment": "2026-11-20 14:37:21.123456"},
        )
    # When it is migrated
    upgrade_database(database.engine)
    # Then the label is gone from the table, and still readable from its encrypted copy
    with database.engine.connect() as connection:
        columns = {column["name"] for column in inspect(connection).get_columns("station")}
    assert "label" not in columns
    with database.session() as session:
        station = session.scalars(select(Station)).one()
        assert services.station_label(casedb_side.keys, station) == "Laptop 1"
        assert station.enrolled_at.date().isoformat() == "2026-11-20"
        assert (station.enrolled_at.hour, station.enrolled_at.microsecond) == (0, 0)
    # And the station's bundles are still accepted
    seal_documents(station_side, 1)
    result = import_data(casedb_side, make_bundle(station_side))
    assert result.station_label == "Laptop 1" and len(result.stored) == 1
    assert isinstance(station.id, uuid.UUID)
