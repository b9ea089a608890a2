"""Corrections (addenda) kept in a station's outbox and carried in its bundles: by
network and by file, with their record or after it, and every way a bundle's
corrections could be forged, swapped, cut or altered on the way.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crypto import SigningKey, open_sealed
from intake.delivery import addenda, bundles, services
from intake.delivery.addenda import AddendumRefusedError
from intake.delivery.bundles import MANIFEST, BundleUnreadableError
from intake.delivery.models import OutboxAddendum, ReceivedAddendum
from intake.interview.addenda import new_addendum, record_addendum, seal_addendum
from intake.records.models import SealedRecord, Testimony

from .conftest import (
    Side,
    counts,
    enrol,
    import_data,
    make_bundle,
    make_station,
    seal_documents,
    upload,
    web_casedb,
)
from .test_addenda import _erase, _forged, _read
from .test_faults import rebundle, resign, station_key

TEXT = "Жумыс орнында ол 2018 жылы емес, 2019 жылы болған."
DAY = date(2026, 11, 27)


def _correct(station: Side, record_id: uuid.UUID, text: str = TEXT) -> uuid.UUID:
    """Record a correction at ``station`` as its correction page does; its id."""
    with station.database.session() as session:
        sealed = record_addendum(
            session, station.keys, record_id, text, ["$.victim.birth_date"], DAY, author="int-07"
        )
    return sealed.addendum_id


def _waiting(station: Side) -> list[OutboxAddendum]:
    with station.database.session() as session:
        rows = session.scalars(select(OutboxAddendum)).all()
        session.expunge_all()
        return list(rows)


def _confirm(station: Side, receipt: bytes) -> services.Confirmed:
    with station.database.session() as session:
        return services.confirm_receipt(session, station.keys, receipt)


def _held(casedb: Side) -> int:
    with casedb.database.session() as session:
        return session.scalar(select(func.count()).select_from(ReceivedAddendum)) or 0


def _delivered(casedb: Side, station: Side, count: int = 1) -> list[uuid.UUID]:
    """Records sealed at ``station``, imported at ``casedb`` and confirmed; their ids."""
    documents = seal_documents(station, count)
    _confirm(station, import_data(casedb, make_bundle(station)).receipt)
    return [uuid.UUID(document["record_id"]) for document in documents]


def test_a_correction_waits_in_the_outbox_and_goes_with_the_next_bundle(casedb_side, station_side):
    # Given a delivered record, then a correction to it recorded at the station
    (record_id,) = _delivered(casedb_side, station_side)
    addendum_id = _correct(station_side, record_id)
    # Then it waits in the outbox, sealed: the station's database holds none of its words
    (waiting,) = _waiting(station_side)
    assert waiting.id == addendum_id and waiting.sealed is not None
    assert waiting.sha256 == hashlib.sha256(waiting.sealed).hexdigest()
    path = Path(station_side.settings.database_url.removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    needles = [TEXT.encode(c) for c in ("utf-8", "utf-16-le")] + ["жылы".encode()]
    assert len(raw) > 0 and not any(needle in raw for needle in needles)
    # When the next bundle is made (no record waits: it carries the correction alone)
    # and imported
    result = import_data(casedb_side, make_bundle(station_side))
    # Then the correction is kept beside its record, and the receipt says so
    assert result.stored == [] and result.addenda == [(addendum_id, services.ADDENDUM_STORED)]
    (view,) = _read(casedb_side, record_id)
    assert view.text == TEXT and view.author == "int-07"
    # And once the receipt is confirmed the station deletes its sealed copy
    confirmed = _confirm(station_side, result.receipt)
    assert confirmed.records == [] and confirmed.corrections == [addendum_id]
    assert _waiting(station_side) == []
    with station_side.database.session() as session:
        assert session.get(OutboxAddendum, addendum_id) is None  # not even its id stays
    # And with nothing left, there is nothing to deliver
    with pytest.raises(services.OutboxEmptyError):
        make_bundle(station_side)


def test_a_record_and_its_correction_go_in_one_bundle(casedb_side, station_side):
    # Given a record still in the outbox, and a correction to it
    (document,) = seal_documents(station_side, 1)
    record_id = uuid.UUID(document["record_id"])
    addendum_id = _correct(station_side, record_id)
    # When one bundle carries both
    result = import_data(casedb_side, make_bundle(station_side))
    # Then the record is stored first and its correction beside it
    assert result.stored == [record_id]
    assert result.addenda == [(addendum_id, services.ADDENDUM_STORED)]
    assert [view.text for view in _read(casedb_side, record_id)] == [TEXT]
    confirmed = _confirm(station_side, result.receipt)
    assert confirmed.records == [record_id] and confirmed.corrections == [addendum_id]


def test_a_correction_whose_record_is_not_here_stays_in_the_outbox(casedb_side, station_side):
    # Given a correction to a record whose bundle went on a USB stick, not imported yet
    (document,) = seal_documents(station_side, 1)
    record_id = uuid.UUID(document["record_id"])
    on_the_stick = make_bundle(station_side)
    addendum_id = _correct(station_side, record_id)
    # When a bundle of the correction alone arrives first
    with station_side.database.session() as session:
        alone = services.build_bundle(session, station_side.keys, []).data
    result = import_data(casedb_side, alone)
    # Then it is not kept, and the receipt says its record is not here yet
    assert result.addenda == [(addendum_id, services.ADDENDUM_WAITING)] and _held(casedb_side) == 0
    # And the station keeps it for its next bundle
    assert _confirm(station_side, result.receipt).corrections == []
    assert [row.id for row in _waiting(station_side)] == [addendum_id]
    # When the stick is imported and the station sends again
    _confirm(station_side, import_data(casedb_side, on_the_stick).receipt)
    again = import_data(casedb_side, make_bundle(station_side))
    # Then the correction is kept, and the station's copy goes
    assert again.addenda == [(addendum_id, services.ADDENDUM_STORED)]
    assert _confirm(station_side, again.receipt).corrections == [addendum_id]
    assert _waiting(station_side) == [] and _held(casedb_side) == 1


def test_a_record_erased_absent_or_another_stations_is_answered_alike(
    tmp_path, casedb_side, station_side
):
    # Given a record of this station erased at the case database, a record of another
    # enrolled station, and an id the case database has never seen
    (erased,) = _delivered(casedb_side, station_side)
    _erase(casedb_side, erased)
    other = make_station(tmp_path, casedb_side, "other")
    try:
        enrol(casedb_side, other, "Laptop 2")
        (theirs,) = _delivered(casedb_side, other)
    finally:
        other.database.dispose()
    never = uuid.uuid4()
    # When this station sends a correction to each (as a compromised station could)
    corrections = [_correct(station_side, record_id) for record_id in (erased, theirs, never)]
    result = import_data(casedb_side, make_bundle(station_side))
    # Then the receipt answers each the same way, so the station learns nothing of
    # which exists or was erased, and nothing is kept
    assert sorted(result.addenda) == sorted((c, services.ADDENDUM_WAITING) for c in corrections)
    assert _held(casedb_side) == 0
    # And the station keeps them for its next bundle
    assert _confirm(station_side, result.receipt).corrections == []
    assert {row.id for row in _waiting(station_side)} == set(corrections)


def test_a_correction_refused_for_good_does_not_stop_the_records(casedb_side, station_side):
    # Given a correction at the station whose id another correction already holds at
    # the case database, and a new record
    (record_id,) = _delivered(casedb_side, station_side)
    addendum_id = _correct(station_side, record_id)
    clash = new_addendum(record_id, "other words", [], DAY)
    clash["addendum_id"] = str(addendum_id)
    with station_side.database.session() as session:
        other_file = seal_addendum(session, station_side.keys, clash).sealed
    with casedb_side.database.session() as session:
        assert not addenda.import_file(session, casedb_side.keys, other_file).already
    (document,) = seal_documents(station_side, 1)
    # When the next bundle carries both
    result = import_data(casedb_side, make_bundle(station_side))
    # Then the record is stored, the correction refused, and the kept one unchanged
    assert result.stored == [uuid.UUID(document["record_id"])]
    assert result.addenda == [(addendum_id, services.ADDENDUM_REFUSED)]
    assert [view.text for view in _read(casedb_side, record_id)] == ["other words"]
    # And the station deletes it and says so, rather than sending it for ever
    confirmed = _confirm(station_side, result.receipt)
    assert confirmed.refused == [addendum_id] and confirmed.corrections == []
    assert _waiting(station_side) == []


def test_a_correction_carried_by_hand_and_in_a_bundle_is_kept_once(casedb_side, station_side):
    # Given a correction whose file was also carried by hand and imported
    (record_id,) = _delivered(casedb_side, station_side)
    addendum_id = _correct(station_side, record_id)
    (waiting,) = _waiting(station_side)
    with casedb_side.database.session() as session:
        assert not addenda.import_file(session, casedb_side.keys, waiting.sealed).already
    # When the next bundle carries it too
    result = import_data(casedb_side, make_bundle(station_side))
    # Then it counts as already received, kept once, and the station's copy goes
    assert result.addenda == [(addendum_id, services.ADDENDUM_ALREADY)]
    assert _held(casedb_side) == 1 and len(_read(casedb_side, record_id)) == 1
    assert _confirm(station_side, result.receipt).corrections == [addendum_id]


def test_corrections_go_over_the_network(casedb_side, station_side, casedb_url):
    # Given two delivered records, a correction to each, and one new record
    first, second = _delivered(casedb_side, station_side, 2)
    corrections = {_correct(station_side, first), _correct(station_side, second)}
    (document,) = seal_documents(station_side, 1)
    # When the station sends its outbox
    with station_side.database.session() as session:
        result = services.send_outbox(session, station_side.keys, casedb_url)
    # Then the record and both corrections are delivered, in one bundle
    assert result.delivered == [uuid.UUID(document["record_id"])] and result.bundles == 1
    assert set(result.corrections) == corrections
    assert _held(casedb_side) == 2 and _waiting(station_side) == []


def test_corrections_go_with_the_last_of_several_bundles(
    casedb_side,
    station_side,
    casedb_url,
):
    # Given three new records, and a correction to the last of them
    documents = seal_documents(station_side, 3)
    addendum_id = _correct(station_side, uuid.UUID(documents[-1]["record_id"]))
    # When they are sent in bundles of two and a half sealed files at most (each file
    # is a little over 64 KiB)
    with station_side.database.session() as session:
        size = max(len(row.sealed) for row in services.undelivered(session))
        result = services.send_outbox(
            session, station_side.keys, casedb_url, max_bundle_bytes=size * 5 // 2
        )
    # Then the correction went with the last record, in the second bundle, and was kept
    assert result.bundles == 2 and result.corrections == [addendum_id]
    assert _held(casedb_side) == 1


def test_a_station_with_only_corrections_waiting_can_send(
    casedb_side,
    station_side,
    casedb_url,
):
    (record_id,) = _delivered(casedb_side, station_side)
    addendum_id = _correct(station_side, record_id)
    with station_side.database.session() as session:
        result = services.send_outbox(session, station_side.keys, casedb_url)
    assert result.delivered == [] and result.corrections == [addendum_id] and result.bundles == 1


# --- a bundle's corrections, as an attacker would try them ---------------------------------


def _bundle_with_correction(casedb: Side, station: Side) -> tuple[bytes, uuid.UUID, str]:
    """A bundle of one new record and one correction to a delivered record; the
    correction's id and its entry name."""
    (record_id,) = _delivered(casedb, station)
    addendum_id = _correct(station, record_id)
    seal_documents(station, 1)
    return make_bundle(station), addendum_id, f"addenda/{addendum_id}.age"


def _nothing_new(casedb: Side) -> None:
    # The record delivered before is all there is: not the bundle's record, nor its
    # correction, nor the bundle.
    assert counts(casedb) == (1, 1) and _held(casedb) == 0


def test_a_flipped_byte_in_a_correction_imports_nothing(casedb_side, station_side):
    data, _, name = _bundle_with_correction(casedb_side, station_side)

    def flip(entries):
        altered = bytearray(entries[name])
        altered[len(altered) // 2] ^= 0x01
        entries[name] = bytes(altered)

    with pytest.raises(services.ManifestMismatchError):
        import_data(casedb_side, rebundle(casedb_side, data, flip))
    _nothing_new(casedb_side)


def test_a_correction_left_out_of_the_bundle_imports_nothing(casedb_side, station_side):
    data, _, name = _bundle_with_correction(casedb_side, station_side)
    with pytest.raises(services.ManifestMismatchError):
        import_data(casedb_side, rebundle(casedb_side, data, lambda entries: entries.pop(name)))
    _nothing_new(casedb_side)


def test_a_correction_added_to_the_bundle_imports_nothing(casedb_side, station_side):
    # Given a bundle, and a correction file that its manifest does not list
    data, _, name = _bundle_with_correction(casedb_side, station_side)
    stranger = f"addenda/{uuid.uuid4()}.age"

    def add(entries):
        entries[stranger] = entries[name]

    with pytest.raises(services.ManifestMismatchError):
        import_data(casedb_side, rebundle(casedb_side, data, add))
    _nothing_new(casedb_side)


def test_another_stations_correction_in_a_bundle_imports_nothing(
    tmp_path, casedb_side, station_side
):
    # Given a second enrolled station that delivered a record and corrected it
    other = make_station(tmp_path, casedb_side, "other")
    try:
        enrol(casedb_side, other, "Laptop 2")
        (theirs,) = _delivered(casedb_side, other)
        their_correction = _correct(other, theirs)
        (their_file,) = [row.sealed for row in _waiting(other)]
    finally:
        other.database.dispose()
    # When the first station's bundle carries the other's correction in place of its own,
    # the manifest re-signed to list it
    data, _, name = _bundle_with_correction(casedb_side, station_side)
    key = station_key(station_side)

    def swap(entries):
        del entries[name]
        entries[f"addenda/{their_correction}.age"] = their_file

        def listed(manifest):
            manifest["addenda"] = [
                {
                    "id": str(their_correction),
                    "sha256": hashlib.sha256(their_file).hexdigest(),
                    "size": len(their_file),
                }
            ]

        resign(entries, key, listed)

    with pytest.raises(services.ManifestMismatchError) as refused:
        import_data(casedb_side, rebundle(casedb_side, data, swap))
    # Then nothing of the bundle is imported
    assert "signed by another station" in str(refused.value)
    assert "Nothing was imported" in str(refused.value)
    assert counts(casedb_side) == (2, 2) and _held(casedb_side) == 0


def test_a_forged_correction_in_a_signed_bundle_imports_nothing(casedb_side, station_side):
    # Given a bundle whose correction was replaced by one naming the station's key but
    # signed by another, the manifest re-signed by the station's key to list it
    data, addendum_id, name = _bundle_with_correction(casedb_side, station_side)
    with casedb_side.database.session() as session:
        (record_id,) = session.scalars(select(Testimony.id)).all()
    addendum = new_addendum(record_id, "forged words", [], DAY)
    addendum["addendum_id"] = str(addendum_id)
    key = station_key(station_side)
    forged = _forged(casedb_side, addendum, key.verify_key.to_bytes(), SigningKey.generate())

    def replace(entries):
        entries[name] = forged
        resign(
            entries,
            key,
            lambda manifest: manifest["addenda"][0].update(
                sha256=hashlib.sha256(forged).hexdigest(), size=len(forged)
            ),
        )

    with pytest.raises(services.BadSignatureError) as refused:
        import_data(casedb_side, rebundle(casedb_side, data, replace))
    assert "signature does not verify" in str(refused.value)
    _nothing_new(casedb_side)


def test_a_sealed_record_in_place_of_a_correction_imports_nothing(casedb_side, station_side):
    data, _, name = _bundle_with_correction(casedb_side, station_side)
    key = station_key(station_side)

    def replace(entries):
        (record,) = [value for entry, value in entries.items() if entry.startswith("records/")]
        entries[name] = record
        resign(
            entries,
            key,
            lambda manifest: manifest["addenda"][0].update(
                sha256=hashlib.sha256(record).hexdigest(), size=len(record)
            ),
        )

    with pytest.raises(AddendumRefusedError) as refused:
        import_data(casedb_side, rebundle(casedb_side, data, replace))
    assert "does not open as a correction" in str(refused.value)
    _nothing_new(casedb_side)


def test_a_manifest_listing_no_corrections_as_an_empty_list_is_refused(casedb_side, station_side):
    # A station writes no "addenda" key when it has none: an empty list is not what it
    # signs, so the manifest does not read back the same
    seal_documents(station_side, 1)
    key = station_key(station_side)

    def empty(entries):
        resign(entries, key, lambda manifest: manifest.update(addenda=[]))
        assert b'"addenda":[]' in entries[MANIFEST]

    with pytest.raises(BundleUnreadableError):
        import_data(casedb_side, rebundle(casedb_side, make_bundle(station_side), empty))
    assert counts(casedb_side) == (0, 0)


def test_a_replayed_bundle_with_a_correction_is_refused(casedb_side, station_side):
    data, addendum_id, _ = _bundle_with_correction(casedb_side, station_side)
    assert import_data(casedb_side, data).addenda == [(addendum_id, services.ADDENDUM_STORED)]
    with pytest.raises(services.ReplayedBundleError):
        import_data(casedb_side, data)
    assert _held(casedb_side) == 1


def test_a_receipt_marks_a_correction_delivered_only_with_its_hash(casedb_side, station_side):
    # Given a correction the case database kept
    data, addendum_id, _ = _bundle_with_correction(casedb_side, station_side)
    result = import_data(casedb_side, data)
    # When the station's copy is not the one the receipt names (replaced in its
    # database since)
    with station_side.database.session() as session:
        row = session.get(OutboxAddendum, addendum_id)
        row.sha256 = "0" * 64
    # Then it is not marked delivered, and stays
    assert _confirm(station_side, result.receipt).corrections == []
    assert [row.id for row in _waiting(station_side)] == [addendum_id]


def test_the_import_page_says_what_became_of_the_corrections(app, database, settings, tmp_path):
    # Given an administrator's case database, an enrolled station, a delivered record,
    # and a bundle carrying a correction to it
    client, casedb = web_casedb(app, database, settings)
    station = make_station(tmp_path, casedb, "laptop")
    try:
        enrol(casedb, station, "Almaty laptop")
        (record_id,) = _delivered(casedb, station)
        _correct(station, record_id)
        data = make_bundle(station)
    finally:
        station.database.dispose()
    # When the bundle is uploaded on the Import page
    page = upload(client, data, "bundle.age")
    # Then it says the correction was kept, and the record page shows it
    assert "Imported from Almaty laptop: 0 stored, 0 already received." in page
    assert "Corrections in the bundle: 1 kept" in page
    assert TEXT in client.get(f"/records/{record_id}").get_data(as_text=True)


def _sealed_rows(records: int, corrections: int, size: int):
    today = date(2026, 11, 29)
    return (
        [
            SealedRecord(id=uuid.uuid4(), sealed_on=today, sha256="0" * 64, sealed=bytes(size))
            for _ in range(records)
        ],
        [
            OutboxAddendum(id=uuid.uuid4(), made_on=today, sha256="0" * 64, sealed=bytes(size))
            for _ in range(corrections)
        ],
    )


def test_corrections_that_would_make_the_last_bundle_too_large_go_in_their_own():
    # Given two records and three corrections of 64 KiB each, and bundles of 150,000
    # bytes of sealed files at most
    records, corrections = _sealed_rows(2, 3, 65_536)
    # When they are cut into bundles
    chunks = list(services._chunks(records, corrections, 150_000))
    # Then the records go first, and the corrections after them in bundles of their own,
    # none over the limit
    assert chunks == [(records, []), ([], corrections[:2]), ([], corrections[2:])]
    # And a bundle never holds more corrections than a bundle may
    many = _sealed_rows(0, bundles.MAX_BUNDLE_ADDENDA + 1, 1)[1]
    assert [len(c) for _, c in services._chunks([], many, 10**12)] == [
        bundles.MAX_BUNDLE_ADDENDA,
        1,
    ]


def test_a_send_splits_corrections_by_size(
    casedb_side,
    station_side,
    casedb_url,
):
    # Given a new record and two corrections, and bundles that hold one file each
    (record_id,) = _delivered(casedb_side, station_side)
    corrections = {_correct(station_side, record_id), _correct(station_side, record_id)}
    seal_documents(station_side, 1)
    with station_side.database.session() as session:
        result = services.send_outbox(session, station_side.keys, casedb_url, max_bundle_bytes=1)
    # Then each went in a bundle of its own, and all were taken
    assert result.bundles == 3 and len(result.delivered) == 1
    assert set(result.corrections) == corrections and _held(casedb_side) == 2


def test_manifests_and_receipts_without_corrections_are_as_before(casedb_side, station_side):
    # Given a bundle with records only
    seal_documents(station_side, 1)
    data = make_bundle(station_side)
    # Then its manifest has no "addenda" key, nor has the receipt
    payload = open_sealed(data, [casedb_side.keys.identity])
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        assert b'"addenda"' not in archive.read(MANIFEST)
    result = import_data(casedb_side, data)
    assert result.addenda == []
    wrapper = json.loads(services._opened_receipt(station_side.keys, result.receipt))
    assert "addenda" not in json.loads(base64.b64decode(wrapper["payload"]))


def test_a_bundle_listing_too_many_corrections_or_records_is_refused(
    casedb_side, station_side, monkeypatch
):
    # Given a bundle of two records and two corrections, where one of each is allowed
    (record_id,) = _delivered(casedb_side, station_side)
    _correct(station_side, record_id)
    _correct(station_side, record_id)
    seal_documents(station_side, 2)
    data = make_bundle(station_side)
    for limit in ("MAX_BUNDLE_ADDENDA", "MAX_BUNDLE_RECORDS"):
        with monkeypatch.context() as patch:
            patch.setattr(bundles, limit, 1)
            # When it is imported / Then it is refused whole
            with pytest.raises(BundleUnreadableError):
                import_data(casedb_side, data)
        _nothing_new(casedb_side)


def test_a_correction_larger_than_one_can_be_is_refused(casedb_side, station_side, monkeypatch):
    data, addendum_id, _ = _bundle_with_correction(casedb_side, station_side)
    monkeypatch.setattr(services, "MAX_ADDENDUM_BYTES", 1000)
    with pytest.raises(services.ManifestMismatchError) as refused:
        import_data(casedb_side, data)
    assert f"Correction {addendum_id} in the bundle is larger than a correction can be" in str(
        refused.value
    )
    _nothing_new(casedb_side)
