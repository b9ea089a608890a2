"""Hostile and broken bundles: each ends with nothing imported and a clear message."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable

import pytest

from crypto import SigningKey, open_sealed, seal
from intake.delivery import bundles, services
from intake.delivery.bundles import MANIFEST, MANIFEST_CONTEXT, SIGNATURE
from intake.errors import IntakeError
from intake.records.services import canonical_json, load_testimony

from ..records.helpers import WORKED_EXAMPLE, load
from .conftest import (
    counts,
    import_data,
    make_bundle,
    make_station,
    payload_of,
    seal_documents,
    seal_raw,
)

Entries = dict[str, bytes]


def rebundle(casedb, data: bytes, mutate: Callable[[Entries], None]) -> bytes:
    """Open a bundle with the organisation identity, change its entries, seal it again."""
    payload = open_sealed(data, [casedb.keys.identity])
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    mutate(entries)
    return seal(
        bundles.write_archive((k, v) for k, v in entries.items() if k != "padding"),
        [casedb.keys.identity.recipient],
    )


def resign(entries: Entries, key: SigningKey, change: Callable[[dict], None]) -> None:
    """Edit the manifest and sign it with ``key``."""
    manifest = json.loads(entries[MANIFEST])
    change(manifest)
    raw = canonical_json(manifest)
    entries[MANIFEST] = raw
    entries[SIGNATURE] = key.sign(raw, context=MANIFEST_CONTEXT)


def station_key(station) -> SigningKey:
    with station.database.session() as session:
        return services.station_signing_key(session, station.keys)


def refused(casedb, data: bytes, error: type[IntakeError]) -> IntakeError:
    with pytest.raises(error) as caught:
        import_data(casedb, data)
    assert counts(casedb) == (0, 0)
    assert "Nothing was imported" in str(caught.value) or "not imported" in str(caught.value)
    return caught.value


def test_a_flipped_byte_anywhere_is_refused(casedb_side, station_side):
    # Given a good bundle
    seal_documents(station_side, 2)
    data = make_bundle(station_side)
    # When any one of many bytes across it is flipped / Then nothing is imported
    for position in [0, 1, 20, 100, len(data) // 3, len(data) // 2, len(data) - 17, len(data) - 1]:
        damaged = bytearray(data)
        damaged[position] ^= 0x01
        with pytest.raises(IntakeError):
            import_data(casedb_side, bytes(damaged))
        assert counts(casedb_side) == (0, 0)
    # And the intact bundle still imports
    assert len(import_data(casedb_side, data).stored) == 2


def test_a_truncated_bundle_is_refused(casedb_side, station_side):
    seal_documents(station_side, 2)
    data = make_bundle(station_side)
    for length in (0, 10, len(data) // 2, len(data) - 1):
        refused(casedb_side, data[:length], bundles.BundleUnreadableError)


def test_a_bundle_re_signed_by_an_unknown_key_is_refused(casedb_side, station_side):
    seal_documents(station_side, 1)
    stranger = SigningKey.generate()

    def claim_stranger(manifest):
        manifest["station_key"] = stranger.verify_key.to_bytes().hex()

    data = rebundle(
        casedb_side, make_bundle(station_side), lambda e: resign(e, stranger, claim_stranger)
    )
    refused(casedb_side, data, services.UnknownStationError)


def test_a_bundle_signed_by_another_key_in_an_enrolled_name_is_refused(casedb_side, station_side):
    seal_documents(station_side, 1)
    data = rebundle(
        casedb_side,
        make_bundle(station_side),
        lambda e: resign(e, SigningKey.generate(), lambda m: None),
    )
    refused(casedb_side, data, services.BadSignatureError)


def test_a_revoked_station_is_refused(casedb_side, station_side):
    seal_documents(station_side, 1)
    data = make_bundle(station_side)
    with casedb_side.database.session() as session:
        station = services.list_stations(session)[0]
        services.revoke_station(session, casedb_side.keys, station)
    refused(casedb_side, data, services.StationRevokedError)


def test_a_station_un_revoked_in_the_database_is_not_trusted(casedb_side, station_side):
    # Given a revoked station whose revocation is undone by editing the database
    seal_documents(station_side, 1)
    data = make_bundle(station_side)
    with casedb_side.database.session() as session:
        station = services.list_stations(session)[0]
        services.revoke_station(session, casedb_side.keys, station)
    with casedb_side.database.session() as session:
        services.list_stations(session)[0].revoked_at = None
    # Then its bundle is still refused
    refused(casedb_side, data, services.UnknownStationError)


def test_a_replayed_bundle_is_refused_and_said_so(casedb_side, station_side):
    seal_documents(station_side, 2)
    data = make_bundle(station_side)
    import_data(casedb_side, data)
    with pytest.raises(services.ReplayedBundleError) as caught:
        import_data(casedb_side, data)
    assert "imported before" in str(caught.value)
    assert counts(casedb_side) == (2, 1)


def test_a_reused_sequence_number_is_refused(casedb_side, station_side):
    seal_documents(station_side, 1)
    data = make_bundle(station_side)
    import_data(casedb_side, data)
    # When another bundle claims the same sequence number, properly signed
    key = station_key(station_side)
    other = rebundle(
        casedb_side, data, lambda e: resign(e, key, lambda m: m.update(bundle_id=str(uuid.uuid4())))
    )
    with pytest.raises(services.ReplayedBundleError):
        import_data(casedb_side, other)
    assert counts(casedb_side) == (1, 1)


def test_a_record_not_matching_its_manifest_hash_is_refused(casedb_side, station_side):
    seal_documents(station_side, 2)
    key = station_key(station_side)

    def wrong_hash(manifest):
        manifest["records"][0]["sha256"] = "0" * 64

    data = rebundle(casedb_side, make_bundle(station_side), lambda e: resign(e, key, wrong_hash))
    refused(casedb_side, data, services.ManifestMismatchError)


def test_a_record_swapped_for_another_is_refused(casedb_side, station_side):
    seal_documents(station_side, 2)

    def swap(entries):
        names = sorted(n for n in entries if n.startswith("records/"))
        entries[names[0]], entries[names[1]] = entries[names[1]], entries[names[0]]

    refused(
        casedb_side,
        rebundle(casedb_side, make_bundle(station_side), swap),
        services.ManifestMismatchError,
    )


def test_a_record_that_fails_validation_is_refused_with_its_problems(casedb_side, station_side):
    # Given a good record and one sealed without validation (no victim section)
    seal_documents(station_side, 1)
    bad = load(WORKED_EXAMPLE, fresh_id=True)
    del bad["victim"]
    recipient = casedb_side.keys.identity.recipient
    seal_raw(station_side, uuid.UUID(bad["record_id"]), payload_of(bad), recipient)
    error = refused(casedb_side, make_bundle(station_side), services.BundleRecordError)
    assert bad["record_id"] in str(error)
    assert any("victim" in problem for problem in error.problems)


def _zip(entries: list[tuple[str, bytes]], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "entries",
    [
        pytest.param(lambda doc: [("testimony.json", doc), ("../evil", b"x")], id="dot-dot"),
        pytest.param(lambda doc: [("testimony.json", doc), ("/etc/passwd", b"x")], id="absolute"),
        pytest.param(
            lambda doc: [("testimony.json", doc), ("attachments/" + "a" * 64, bytes(50_000_000))],
            id="zip-bomb",
        ),
        pytest.param(
            lambda doc: (
                [("testimony.json", doc)] + [(f"attachments/{i:064x}", b"") for i in range(300)]
            ),
            id="too-many-files",
        ),
    ],
)
def test_a_hostile_archive_inside_a_sealed_record_is_refused(casedb_side, station_side, entries):
    document = load(WORKED_EXAMPLE, fresh_id=True)
    payload = _zip(entries(canonical_json(document)))
    recipient = casedb_side.keys.identity.recipient
    seal_raw(station_side, uuid.UUID(document["record_id"]), payload, recipient)
    error = refused(casedb_side, make_bundle(station_side), services.BundleRecordError)
    assert "safe testimony archive" in str(error)


def test_a_record_with_another_id_inside_is_refused(casedb_side, station_side):
    document = load(WORKED_EXAMPLE, fresh_id=True)
    recipient = casedb_side.keys.identity.recipient
    seal_raw(station_side, uuid.uuid4(), payload_of(document), recipient)
    refused(casedb_side, make_bundle(station_side), services.BundleRecordError)


def test_the_same_id_with_other_content_is_a_conflict_and_never_overwrites(
    tmp_path, casedb_side, station_side
):
    # Given a record delivered from one station
    (document,) = seal_documents(station_side, 1)
    import_data(casedb_side, make_bundle(station_side))
    # When a second enrolled station sends other content under the same id
    from .conftest import enrol

    other = make_station(tmp_path, casedb_side, "second")
    enrol(casedb_side, other, "Laptop 2")
    changed = dict(document, narrative=None)
    changed.pop("narrative")
    recipient = casedb_side.keys.identity.recipient
    seal_raw(other, uuid.UUID(document["record_id"]), payload_of(changed), recipient)
    with pytest.raises(services.RecordConflictError) as caught:
        import_data(casedb_side, make_bundle(other))
    # Then it is refused as a conflict, and the stored record is unchanged
    assert "not overwritten" in str(caught.value)
    assert counts(casedb_side) == (1, 1)
    with casedb_side.database.session() as session:
        stored = load_testimony(session, casedb_side.keys, uuid.UUID(document["record_id"]))
    assert stored == document
    other.database.dispose()


def test_a_record_sent_again_counts_as_already_received(casedb_side, station_side):
    # Given a bundle imported whose receipt never reached the station
    seal_documents(station_side, 2)
    first = import_data(casedb_side, make_bundle(station_side))
    # When the station bundles the same records again (a new bundle)
    second = import_data(casedb_side, make_bundle(station_side))
    # Then nothing is stored twice and the receipt lists them as already received
    assert second.stored == [] and sorted(second.already) == sorted(first.stored)
    assert counts(casedb_side) == (2, 2)
    with station_side.database.session() as session:
        assert (
            len(services.confirm_receipt(session, station_side.keys, second.receipt).records) == 2
        )


def test_a_single_sealed_record_is_refused_with_advice(casedb_side, station_side):
    # Given one sealed record taken out of the outbox
    seal_documents(station_side, 1)
    from sqlalchemy import select

    from intake.records.models import SealedRecord

    with station_side.database.session() as session:
        sealed = session.scalars(select(SealedRecord)).one().sealed
    error = refused(casedb_side, sealed, bundles.SingleRecordError)
    assert "Save to file" in str(error)


def test_a_receipt_from_another_key_or_edited_is_refused(casedb_side, station_side):
    seal_documents(station_side, 1)
    result = import_data(casedb_side, make_bundle(station_side))
    # The receipt as the station opens it (sealed under the bundle's one-off key)
    wrapper = json.loads(services._opened_receipt(station_side.keys, result.receipt))
    forged = dict(wrapper, signature=wrapper["signature"][:-4] + "AAA=")
    nested = b"[" * 100_000  # deeper than any JSON reader goes
    flipped = bytearray(result.receipt)
    flipped[40] ^= 1  # a bit of the sealed receipt changed
    for receipt in (
        json.dumps(forged).encode(),
        b"not json",
        result.receipt[:-20],
        bytes(flipped),
        nested,
    ):
        with pytest.raises(services.ReceiptError), station_side.database.session() as session:
            services.confirm_receipt(session, station_side.keys, receipt)
    from sqlalchemy import select

    from intake.records.models import SealedRecord

    with station_side.database.session() as session:
        row = session.scalars(select(SealedRecord)).one()
        assert row.delivered_on is None and row.sealed is not None


def test_records_written_by_a_concurrent_import_end_in_a_clear_refusal(
    casedb_side, station_side, monkeypatch
):
    # Given records already imported, and a second bundle of them whose existence
    # check ran before the first import committed (a race, simulated)
    seal_documents(station_side, 2)
    import_data(casedb_side, make_bundle(station_side))
    second = make_bundle(station_side)
    from intake.records import services as records

    monkeypatch.setattr(services, "existing_records", lambda session, ids: {})
    monkeypatch.setattr(records, "existing_records", lambda session, ids: {})
    # When it is imported / Then it is refused clearly and nothing more is written
    with pytest.raises(services.ConcurrentImportError):
        import_data(casedb_side, second)
    assert counts(casedb_side) == (2, 1)


def test_an_enrolment_file_of_nested_json_is_refused_cleanly(casedb_side):
    # Given an "enrolment file" that is JSON nested deeper than any reader goes
    hostile = '{"a":' * 100_000
    # Then it is refused as not an enrolment file, and no station is enrolled
    with pytest.raises(services.StationKeyError), casedb_side.database.session() as session:
        services.enrol_station(session, casedb_side.keys, hostile, label="hostile")
    with casedb_side.database.session() as session:
        assert services.list_stations(session) == []


def test_a_station_label_with_a_direction_override_is_refused(casedb_side):
    # The command line and the page alike: "Laptop \u202eA" would not show as typed
    key = SigningKey.generate().verify_key.to_bytes().hex()
    with casedb_side.database.session() as session:
        with pytest.raises(IntakeError, match="U\\+202E"):
            services.enrol_station(session, casedb_side.keys, key, label="Laptop \u202eA")
        assert services.list_stations(session) == []
