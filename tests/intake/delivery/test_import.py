"""Delivery end to end at the service level: bundle, import, receipt, confirm."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from intake.delivery import services
from intake.delivery.models import SentBundle
from intake.records.models import SealedRecord, Testimony
from intake.records.services import load_provenance, load_testimony

from ..journal_helpers import sqlite_files
from .conftest import counts, import_data, make_bundle, seal_documents


def test_a_bundle_is_imported_and_its_receipt_confirmed(casedb_side, station_side):
    # Given three records sealed at an enrolled station
    documents = seal_documents(station_side, 3)
    # When the station bundles its outbox and the case database imports it
    data = make_bundle(station_side)
    result = import_data(casedb_side, data)
    # Then all three are stored, readable and carry their provenance
    assert sorted(result.stored) == sorted(uuid.UUID(d["record_id"]) for d in documents)
    assert result.already == []
    with casedb_side.database.session() as session:
        for document in documents:
            record_id = uuid.UUID(document["record_id"])
            assert load_testimony(session, casedb_side.keys, record_id) == document
            provenance = load_provenance(
                session, casedb_side.keys, session.get(Testimony, record_id)
            )
            assert provenance["bundle_id"] == str(result.bundle_id)
    # When the station confirms the receipt
    with station_side.database.session() as session:
        delivered = services.confirm_receipt(session, station_side.keys, result.receipt).records
    # Then the records are delivered, their sealed blobs are gone, the receipt is kept
    assert sorted(delivered) == sorted(result.stored)
    with station_side.database.session() as session:
        rows = session.scalars(select(SealedRecord)).all()
        assert all(row.delivered_on is not None and row.sealed is None for row in rows)
        sent = session.get(SentBundle, result.bundle_id)
        assert sent.receipt == result.receipt and sent.confirmed_on is not None
    assert counts(casedb_side) == (3, 1)


def test_a_confirmed_receipt_leaves_no_sealed_file_on_the_stations_disk(casedb_side, station_side):
    # Given records sealed at a station and imported at the case database
    seal_documents(station_side, 2)
    with station_side.database.session() as session:
        sealed = [row.sealed for row in session.scalars(select(SealedRecord))]
    result = import_data(casedb_side, make_bundle(station_side))
    # When the station confirms the receipt
    with station_side.database.session() as session:
        services.confirm_receipt(session, station_side.keys, result.receipt)
    # Then no sealed file (not even its ciphertext, which the seizer could carry off for
    # later) stands in the station's database file or its journal
    engine = station_side.database.engine
    if engine.dialect.name != "sqlite":
        return
    path, journal = sqlite_files(station_side.database)
    assert sealed and journal.exists()
    for file in (path, journal):
        content = file.read_bytes()
        assert not any(blob[-4096:] in content for blob in sealed)


def test_a_receipt_carried_back_shows_nothing_of_the_station_or_its_records(
    casedb_side, station_side
):
    # Given a bundle of two records imported at the case database
    documents = seal_documents(station_side, 2)
    result = import_data(casedb_side, make_bundle(station_side))
    receipt = result.receipt
    # Then the receipt file holds neither the app's name, nor the station's key, nor
    # a record's id or sealed hash, in any form the station keeps them
    with station_side.database.session() as session:
        sealed = list(session.scalars(select(SealedRecord)))
        station_key = services._station_verify_key(session).to_bytes()
    from crypto import Purpose

    roots = station_side.keys.keyring.chain(Purpose.RECEIPTS).members()
    needles = [b"intake", station_key, station_key.hex().encode()]
    # nor the id of the station's keyring, which every field it encrypts shows
    needles += [key.key_id for key in roots] + [key.hex_id.encode() for key in roots]
    for row in sealed:
        needles += [str(row.id).encode(), row.id.bytes, row.sha256.encode()]
        needles.append(bytes.fromhex(row.sha256))
    assert len(sealed) == len(documents) == 2
    assert not [needle for needle in needles if needle in receipt]
    # And the station confirms it all the same: the records are delivered
    with station_side.database.session() as session:
        delivered = services.confirm_receipt(session, station_side.keys, receipt).records
        session.commit()
    assert sorted(delivered) == sorted(row.id for row in sealed)


def test_a_plain_receipt_from_a_case_database_that_does_not_seal_them_is_confirmed(
    casedb_side, station_side, monkeypatch
):
    # Given a bundle that asks for no sealed receipt (a station before they were sealed),
    # answered with a plain signed receipt
    seal_documents(station_side, 1)
    monkeypatch.setattr(services, "_receipt_key_of", lambda keys, bundle_id: None)
    result = import_data(casedb_side, make_bundle(station_side))
    assert result.receipt.startswith(b"{") and b"intake-receipt-file-v1" in result.receipt
    # When the station confirms it / Then the record is delivered
    with station_side.database.session() as session:
        assert (
            len(services.confirm_receipt(session, station_side.keys, result.receipt).records) == 1
        )
