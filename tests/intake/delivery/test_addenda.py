"""A station's correction (addendum) received at the case database, and every way a
file could be forged, altered, replayed or sent before its record, tried as an
attacker or a hurried coordinator would.
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from crypto import Context, OpenError, Purpose, SigningKey, decrypt_field, seal
from intake.audit.services import list_events
from intake.cases import erasure
from intake.delivery import addenda, services
from intake.delivery.addenda import AddendumRefusedError, import_file
from intake.delivery.bundles import BundleUnreadableError, SingleRecordError
from intake.delivery.models import ReceivedAddendum, Station
from intake.interview.addenda import (
    ADDENDUM_CONTEXT,
    new_addendum,
    seal_addendum,
    signed_envelope,
)
from intake.records.attachments import pack_payload
from intake.records.services import canonical_json

from .conftest import (
    Side,
    enrol,
    import_data,
    make_bundle,
    make_station,
    payload_of,
    seal_documents,
    upload,
    web_casedb,
)

TEXT = "Она родилась в 1979 году, а не в 1980: информант поправила себя."  # noqa: RUF001
DAY = date(2026, 11, 20)


def _delivered_record(casedb: Side, station: Side) -> uuid.UUID:
    """A record sealed at ``station`` and imported at ``casedb``; its id."""
    (document,) = seal_documents(station, 1)
    import_data(casedb, make_bundle(station))
    return uuid.UUID(document["record_id"])


def _correction(station: Side, record_id: uuid.UUID, text: str = TEXT, **kwargs) -> bytes:
    """The sealed correction file the station's addendum page hands over."""
    addendum = new_addendum(record_id, text, ["$.victim.birth_date"], DAY, **kwargs)
    with station.database.session() as session:
        return seal_addendum(session, station.keys, addendum).sealed


def _receive(casedb: Side, data: bytes):
    with casedb.database.session() as session:
        return import_file(session, casedb.keys, data)


def _held(casedb: Side) -> int:
    with casedb.database.session() as session:
        return session.scalar(select(func.count()).select_from(ReceivedAddendum)) or 0


def _read(casedb: Side, record_id: uuid.UUID) -> list[addenda.AddendumView]:
    with casedb.database.session() as session:
        return addenda.addenda_of(session, casedb.keys, record_id, actor=None)


def _forged(casedb: Side, addendum: dict, station_key: bytes, signer: SigningKey) -> bytes:
    """A correction file sealed to the organisation, signed by ``signer`` but naming
    ``station_key``: what someone who knows only the public recipient can make."""
    signature = signer.sign(canonical_json(addendum), context=ADDENDUM_CONTEXT)
    envelope = signed_envelope(addendum, station_key, signature)
    assert casedb.keys.identity is not None
    return seal(pack_payload(envelope, ()), [casedb.keys.identity.recipient])


def _erase(casedb: Side, record_id: uuid.UUID) -> None:
    """Erase a record: asked by a coordinator, confirmed by an administrator."""
    with casedb.database.session() as session:
        request = erasure.request_erasure(
            session,
            casedb.keys,
            record_id,
            reason="Consent withdrawn",
            actor=uuid.uuid4(),
            actor_role="coordinator",
        )
        request_id = request.id
    with casedb.database.session() as session:
        erasure.confirm_erasure(
            session, casedb.keys, request_id, actor=uuid.uuid4(), actor_role="admin"
        )


def _station_key(station: Side) -> bytes:
    with station.database.session() as session:
        return services.station_signing_key(session, station.keys).verify_key.to_bytes()


def test_a_correction_is_kept_encrypted_beside_its_record(casedb_side, station_side):
    # Given a record delivered from the station, and the station's correction to it
    record_id = _delivered_record(casedb_side, station_side)
    data = _correction(station_side, record_id, author="interviewer-07")
    # When the case database imports the correction file
    result = _receive(casedb_side, data)
    # Then it is kept for that record, from that station, and nothing was applied
    assert isinstance(result, addenda.AddendumResult) and not result.already
    assert result.record_id == record_id and result.station_label == "Laptop 1"
    (view,) = _read(casedb_side, record_id)
    assert view.text == TEXT and view.corrected_paths == ("$.victim.birth_date",)
    assert view.written_on == DAY.isoformat() and view.author == "interviewer-07"
    # And the audit trail says it arrived, without its words
    (event,) = [e for e in list_events_of(casedb_side) if e.action == "record.addendum"]
    assert event.record_id == str(record_id) and TEXT not in str(event.details)


def list_events_of(casedb: Side):
    with casedb.database.session() as session:
        return list_events(session, casedb.keys)


def test_the_database_holds_no_word_of_the_correction(casedb_side, station_side):
    # Given a correction received
    record_id = _delivered_record(casedb_side, station_side)
    _receive(casedb_side, _correction(station_side, record_id))
    needles = [w.encode(c) for w in ("1979 году", "информант") for c in ("utf-8", "utf-16-le")]
    # When an attacker reads its row as stored / Then the words are not in it
    with casedb_side.database.session() as session:
        (row,) = session.scalars(select(ReceivedAddendum)).all()
        assert not any(n in row.ciphertext for n in needles)
    # And, for a case database kept in a file, not in the file or its journal either
    url = casedb_side.settings.database_url
    if url.startswith("sqlite:///"):
        casedb_side.database.dispose()
        path = Path(url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert len(raw) > 0 and not any(n in raw for n in needles)


def test_the_same_file_again_is_already_received(casedb_side, station_side):
    record_id = _delivered_record(casedb_side, station_side)
    data = _correction(station_side, record_id)
    assert not _receive(casedb_side, data).already
    # When the same file is imported again (replayed, or carried twice)
    again = _receive(casedb_side, data)
    # Then nothing new is stored
    assert again.already and _held(casedb_side) == 1


def test_another_file_with_the_same_id_is_refused_and_never_overwrites(casedb_side, station_side):
    # Given a correction received, and a second file under the same addendum id
    # (resealed, so its bytes differ) with other words
    record_id = _delivered_record(casedb_side, station_side)
    first = new_addendum(record_id, TEXT, [], DAY)
    with station_side.database.session() as session:
        data = seal_addendum(session, station_side.keys, first).sealed
        other = seal_addendum(session, station_side.keys, {**first, "text": "Другое"}).sealed
    _receive(casedb_side, data)
    # When the second is imported / Then it is refused and the first stays as it was
    with pytest.raises(AddendumRefusedError, match="already stored here"):
        _receive(casedb_side, other)
    assert [v.text for v in _read(casedb_side, record_id)] == [TEXT]


@pytest.mark.parametrize("where", [0, 40, 120, 300, -300, -17, -1])
def test_a_flipped_byte_anywhere_imports_nothing(casedb_side, station_side, where):
    record_id = _delivered_record(casedb_side, station_side)
    data = bytearray(_correction(station_side, record_id))
    data[where] ^= 0x01
    with pytest.raises(BundleUnreadableError):
        _receive(casedb_side, bytes(data))
    assert _held(casedb_side) == 0


def test_a_truncated_file_imports_nothing(casedb_side, station_side):
    record_id = _delivered_record(casedb_side, station_side)
    data = _correction(station_side, record_id)
    with pytest.raises(BundleUnreadableError):
        _receive(casedb_side, data[: len(data) // 2])
    assert _held(casedb_side) == 0


def test_a_station_not_enrolled_is_refused(tmp_path, casedb_side, station_side):
    # Given a record delivered, and a second station that was never enrolled
    record_id = _delivered_record(casedb_side, station_side)
    stranger = make_station(tmp_path, casedb_side, "stranger")
    try:
        data = _correction(stranger, record_id)
    finally:
        stranger.database.dispose()
    # When its correction is imported / Then it is refused and nothing is kept
    with pytest.raises(
        services.UnknownStationError, match="correction is signed by a station that is not enrolled"
    ):
        _receive(casedb_side, data)
    assert _held(casedb_side) == 0


def test_a_revoked_station_is_refused(casedb_side, station_side):
    record_id = _delivered_record(casedb_side, station_side)
    data = _correction(station_side, record_id)
    with casedb_side.database.session() as session:
        station = services.find_station(session, casedb_side.keys, "Laptop 1")
        services.revoke_station(session, casedb_side.keys, station)
    with pytest.raises(
        services.StationRevokedError, match="correction comes from a revoked station"
    ):
        _receive(casedb_side, data)
    assert _held(casedb_side) == 0


def test_an_enrolled_stations_key_with_anothers_signature_is_refused(casedb_side, station_side):
    # Given a correction that names the enrolled station but is signed by another key
    record_id = _delivered_record(casedb_side, station_side)
    addendum = new_addendum(record_id, TEXT, [], DAY)
    data = _forged(casedb_side, addendum, _station_key(station_side), SigningKey.generate())
    # When it is imported / Then the signature does not verify and nothing is kept
    with pytest.raises(services.BadSignatureError, match="correction's signature does not verify"):
        _receive(casedb_side, data)
    assert _held(casedb_side) == 0


def test_words_changed_after_signing_are_refused(casedb_side, station_side):
    # Given the station's genuine signature over one text, resealed around another
    record_id = _delivered_record(casedb_side, station_side)
    addendum = new_addendum(record_id, TEXT, [], DAY)
    with station_side.database.session() as session:
        signing = services.station_signing_key(session, station_side.keys)
    signature = signing.sign(canonical_json(addendum), context=ADDENDUM_CONTEXT)
    changed = {**addendum, "text": "Она родилась в 1990 году."}
    envelope = signed_envelope(changed, signing.verify_key.to_bytes(), signature)
    data = seal(pack_payload(envelope, ()), [casedb_side.keys.identity.recipient])
    with pytest.raises(services.BadSignatureError, match="correction's signature does not verify"):
        _receive(casedb_side, data)
    # And the signature is bound to corrections: a manifest signature does not pass
    bundle_signature = signing.sign(canonical_json(addendum), context="intake-bundle-manifest")
    envelope = signed_envelope(addendum, signing.verify_key.to_bytes(), bundle_signature)
    data = seal(pack_payload(envelope, ()), [casedb_side.keys.identity.recipient])
    with pytest.raises(services.BadSignatureError, match="correction's signature does not verify"):
        _receive(casedb_side, data)
    assert _held(casedb_side) == 0


def test_an_unsigned_correction_from_an_older_station_is_refused_with_what_to_do(
    casedb_side, station_side
):
    record_id = _delivered_record(casedb_side, station_side)
    addendum = new_addendum(record_id, TEXT, [], DAY)
    data = seal(pack_payload(canonical_json(addendum), ()), [casedb_side.keys.identity.recipient])
    with pytest.raises(AddendumRefusedError, match="without the station's signature"):
        _receive(casedb_side, data)
    assert _held(casedb_side) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"text": "hidden\u202etext"},
        {"text": ""},
        {"text": "x" * 20001},
        {"corrected_paths": ["$.victim.names[0]; DROP TABLE"]},
        {"corrected_paths": "$.victim"},
        {"addendum_version": "9.9.9"},
        {"written_on": "yesterday"},
        {"record_id": "not-an-id"},
        {"author": "<script>" * 20},
        {"applied": True},
    ],
)
def test_a_signed_but_malformed_correction_is_refused(casedb_side, station_side, change):
    # Given a station (its key enrolled) signing a hostile document, bypassing its form
    record_id = _delivered_record(casedb_side, station_side)
    with station_side.database.session() as session:
        signing = services.station_signing_key(session, station_side.keys)
    addendum = {**new_addendum(record_id, TEXT, [], DAY), **change}
    data = _forged(casedb_side, addendum, signing.verify_key.to_bytes(), signing)
    # When it is imported / Then it is refused with the problem, and nothing is kept
    with pytest.raises(AddendumRefusedError, match="not well formed") as refused:
        _receive(casedb_side, data)
    assert refused.value.reason is not None
    assert refused.value.reason.message in str(refused.value)
    assert _held(casedb_side) == 0


def test_a_correction_before_its_record_says_to_import_the_bundle_first(casedb_side, station_side):
    # Given a record sealed at the station but not delivered yet
    (document,) = seal_documents(station_side, 1)
    record_id = uuid.UUID(document["record_id"])
    data = _correction(station_side, record_id)
    # When its correction arrives first / Then it is refused and says what to do
    with pytest.raises(AddendumRefusedError, match="Import the bundle that holds it first"):
        _receive(casedb_side, data)
    assert _held(casedb_side) == 0
    # And after the bundle, the same file is accepted
    import_data(casedb_side, make_bundle(station_side))
    assert not _receive(casedb_side, data).already


def test_a_single_sealed_record_is_still_refused_as_one(casedb_side, station_side):
    record_id = _delivered_record(casedb_side, station_side)
    from ..records.helpers import WORKED_EXAMPLE, load

    document = {**load(WORKED_EXAMPLE), "record_id": str(record_id)}
    data = seal(payload_of(document), [casedb_side.keys.identity.recipient])
    with pytest.raises(SingleRecordError, match="not a bundle"):
        _receive(casedb_side, data)


def test_erasing_the_record_erases_its_corrections(casedb_side, station_side):
    # Given a record with a correction received
    record_id = _delivered_record(casedb_side, station_side)
    data = _correction(station_side, record_id)
    _receive(casedb_side, data)
    # When the record is erased (asked, then confirmed by another administrator)
    _erase(casedb_side, record_id)
    # Then the correction is gone, and the same file is not taken back in
    assert _held(casedb_side) == 0
    with pytest.raises(AddendumRefusedError, match="was erased"):
        _receive(casedb_side, data)
    assert _held(casedb_side) == 0


def test_a_correction_altered_in_the_database_shows_as_altered(casedb_side, station_side):
    # Given two corrections, and one of them swapped onto the other's row in the database
    record_id = _delivered_record(casedb_side, station_side)
    _receive(casedb_side, _correction(station_side, record_id, "Первая поправка."))
    _receive(casedb_side, _correction(station_side, record_id, "Вторая поправка."))
    with casedb_side.database.session() as session:
        first, second = session.scalars(select(ReceivedAddendum)).all()
        session.execute(
            update(ReceivedAddendum)
            .where(ReceivedAddendum.id == first.id)
            .values(ciphertext=second.ciphertext)
        )
    # When the record's corrections are read / Then the swapped one does not open
    views = _read(casedb_side, record_id)
    assert sorted(v.text or "" for v in views) == ["", "Вторая поправка."]
    assert views[-1].text is None and views[-1].addendum_id == first.id
    # And the refusal is in the audit trail
    (refused,) = [e for e in list_events_of(casedb_side) if e.action == "record.refused"]
    assert refused.record_id == str(record_id) and refused.details == {"addendum": str(first.id)}


def test_the_import_page_and_the_record_page(app, database, settings, tmp_path):
    # Given a coordinator's case database, an enrolled station and a delivered record
    client, casedb = web_casedb(app, database, settings)
    station = make_station(tmp_path, casedb, "laptop")
    try:
        enrol(casedb, station, "Almaty laptop")
        record_id = _delivered_record(casedb, station)
        data = _correction(station, record_id, "Born 1979, not 1980.\n<script>alert(1)</script>")
    finally:
        station.database.dispose()
    # When the correction file is uploaded on the Import page
    page = upload(client, data, f"addendum-{record_id}.age")
    # Then the page says it was kept, not applied, and links to the record
    assert "was kept beside its record" in page and "Almaty laptop" in page
    assert f'href="/records/{record_id}"' in page
    # And the record page shows the words, escaped, and the field it corrects
    record = client.get(f"/records/{record_id}").get_data(as_text=True)
    assert "Corrections from the station" in record and "Born 1979, not 1980." in record
    assert "<script>alert(1)" not in record and "&lt;script&gt;alert(1)" in record
    assert "$.victim.birth_date" in record
    # And a second upload of the same file says it was received before
    assert "This correction was received before" in upload(client, data, "again.age")


def test_intake_import_takes_a_correction_file(
    tmp_path, casedb_side, station_side, passphrase_file
):
    from click.testing import CliRunner

    from intake.cli import CliContext, main

    # Given a delivered record and its correction file, and a lone sealed record
    record_id = _delivered_record(casedb_side, station_side)
    correction = tmp_path / f"addendum-{uuid.uuid4()}.age"
    correction.write_bytes(_correction(station_side, record_id))
    (document,) = seal_documents(station_side, 1)
    lone = tmp_path / "record.age"
    lone.write_bytes(seal(payload_of(document), [casedb_side.keys.identity.recipient]))

    def run(*paths):
        obj = CliContext(settings=casedb_side.settings, database=casedb_side.database)
        argv = ["import", *map(str, paths), "--passphrase-file", passphrase_file]
        return CliRunner().invoke(main, argv, obj=obj)

    # When both are imported with the command
    result = run(correction, lone)
    # Then the correction is stored, with no receipt, and the lone record refused
    assert result.exit_code == 1, result.output
    assert f"to record {record_id} stored, from 'Laptop 1'" in result.output
    assert "not a bundle signed by a station" in result.output
    assert not list(tmp_path.glob("*.receipt")) and _held(casedb_side) == 1
    # And the same file again is said to be received already
    again = run(correction)
    assert again.exit_code == 0 and "was already received" in again.output


def test_intake_import_takes_a_correction_named_before_its_bundle(
    tmp_path, casedb_side, station_side, passphrase_file
):
    from click.testing import CliRunner

    from intake.cli import CliContext, main

    # Given a record sealed at the station, its correction, and the bundle holding it,
    # and a correction to a record that is in no file given
    (document,) = seal_documents(station_side, 1)
    record_id = uuid.UUID(document["record_id"])
    correction = tmp_path / "0a.age"
    correction.write_bytes(_correction(station_side, record_id))
    bundle = tmp_path / "1.bundle"
    bundle.write_bytes(make_bundle(station_side))
    (stray,) = seal_documents(station_side, 1)
    orphan = tmp_path / "0b.age"
    orphan.write_bytes(_correction(station_side, uuid.UUID(stray["record_id"])))
    obj = CliContext(settings=casedb_side.settings, database=casedb_side.database)
    argv = ["import", str(correction), str(orphan), str(bundle)]
    # When the corrections are named before the bundle
    result = CliRunner().invoke(main, [*argv, "--passphrase-file", passphrase_file], obj=obj)
    # Then the bundle goes in, its record's correction after it, and only the
    # correction whose record came in no file is refused, saying what to do
    assert result.exit_code == 1, result.output
    assert f"to record {record_id} stored" in result.output
    assert result.output.index("1.bundle: 1 stored") < result.output.index(
        f"to record {record_id} stored"
    )
    assert "0b.age: refused:" in result.output and "Import the bundle" in result.output
    assert _held(casedb_side) == 1


def test_a_station_cannot_correct_a_record_another_station_delivered(
    tmp_path, casedb_side, station_side
):
    # Given a record delivered by the first station, and a second enrolled station
    record_id = _delivered_record(casedb_side, station_side)
    other = make_station(tmp_path, casedb_side, "other")
    try:
        enrol(casedb_side, other, "Laptop 2")
        data = _correction(other, record_id)
    finally:
        other.database.dispose()
    # When the second station's correction to that record is imported
    # Then it is refused: only the station that sealed a record corrects it
    with pytest.raises(AddendumRefusedError, match="was not delivered by Laptop 2"):
        _receive(casedb_side, data)
    assert _held(casedb_side) == 0


def test_a_record_entered_at_the_case_database_takes_no_station_correction(
    casedb_side, station_side
):
    from intake.records.services import store_testimony

    from ..records.helpers import WORKED_EXAMPLE, load

    document = load(WORKED_EXAMPLE, fresh_id=True)
    with casedb_side.database.session() as session:
        store_testimony(session, casedb_side.keys, document)
    data = _correction(station_side, uuid.UUID(document["record_id"]))
    with pytest.raises(AddendumRefusedError, match="was not delivered by Laptop 1"):
        _receive(casedb_side, data)
    assert _held(casedb_side) == 0


def test_a_station_whose_enrolment_was_changed_in_the_database_is_refused(
    casedb_side, station_side
):
    # Given a correction, and the station's revocation undone in the database behind
    # the administrator's back (its enrolment is attested under the keyring)
    record_id = _delivered_record(casedb_side, station_side)
    data = _correction(station_side, record_id)
    with casedb_side.database.session() as session:
        (station,) = services.list_stations(session)
        services.revoke_station(session, casedb_side.keys, station)
    with casedb_side.database.session() as session:
        session.execute(update(Station).values(revoked_at=None))
    with pytest.raises(
        services.UnknownStationError, match="correction is signed by a station that is not enrolled"
    ):
        _receive(casedb_side, data)
    assert _held(casedb_side) == 0


def _sealed_envelope(casedb: Side, envelope: object) -> bytes:
    """Any JSON (a value, or its text as bytes) sealed to the organisation as a
    correction file would be."""
    text = envelope if isinstance(envelope, bytes) else canonical_json(envelope)
    return seal(pack_payload(text, ()), [casedb.keys.identity.recipient])


@pytest.mark.parametrize(
    "tamper",
    [
        lambda e: {**e, "addendum": "not an object"},
        lambda e: {**e, "addendum": [e["addendum"]]},
        lambda e: {**e, "station_key": e["station_key"].upper()},
        lambda e: {**e, "station_key": " " + e["station_key"][1:]},
        lambda e: {**e, "station_key": e["station_key"][:-2]},
        lambda e: {**e, "signature": e["signature"][:-1]},
        lambda e: {**e, "signature": 12345},
        lambda e: {**e, "station_key": None},
    ],
)
def test_a_malformed_envelope_is_refused_with_a_message(casedb_side, station_side, tamper):
    # Given the station's genuine envelope, its parts replaced by hostile values
    record_id = _delivered_record(casedb_side, station_side)
    with station_side.database.session() as session:
        signing = services.station_signing_key(session, station_side.keys)
    addendum = new_addendum(record_id, TEXT, [], DAY)
    signature = signing.sign(canonical_json(addendum), context=ADDENDUM_CONTEXT)
    envelope = {
        "addendum": addendum,
        "station_key": signing.verify_key.to_bytes().hex(),
        "signature": signature.hex(),
    }
    # When it is imported / Then it is refused with a message, and nothing is kept
    with pytest.raises(AddendumRefusedError, match=r"not a well-formed|not well formed"):
        _receive(casedb_side, _sealed_envelope(casedb_side, tamper(envelope)))
    assert _held(casedb_side) == 0


def test_a_deeply_nested_correction_is_refused_not_crashed_on(casedb_side, station_side):
    # Given an envelope naming the enrolled station's key, whose addendum nests a
    # thousand levels deep (JSON allows it; re-encoding it would exhaust the stack)
    record_id = _delivered_record(casedb_side, station_side)
    station_key = _station_key(station_side).hex().encode()
    addendum = canonical_json(new_addendum(record_id, TEXT, [], DAY))
    nested = b'{"a":' * 1000 + b'"x"' + b"}" * 1000
    envelope = (
        b'{"addendum":'
        + addendum[:-1]
        + b',"extra":'
        + nested
        + b'},"signature":"'
        + b"ab" * 64
        + b'","station_key":"'
        + station_key
        + b'"}'
    )
    with pytest.raises(AddendumRefusedError, match="not well formed"):
        _receive(casedb_side, _sealed_envelope(casedb_side, envelope))
    assert _held(casedb_side) == 0


@pytest.mark.parametrize("where", [0, 40, 120, 300, -300, -17, -1])
def test_a_damaged_correction_file_is_refused_by_the_correction_check_too(
    casedb_side, station_side, where
):
    # The same damage, given to the correction check directly (not after the bundle
    # check, which refuses most of it first)
    record_id = _delivered_record(casedb_side, station_side)
    data = bytearray(_correction(station_side, record_id))
    data[where] ^= 0x01
    with casedb_side.database.session() as session, pytest.raises(BundleUnreadableError):
        addenda.import_addendum(session, casedb_side.keys, bytes(data))
    assert _held(casedb_side) == 0


def test_a_copy_kept_from_before_the_erasure_no_longer_opens(casedb_side, station_side):
    # Given a correction received, and a copy of its row taken (a backup)
    record_id = _delivered_record(casedb_side, station_side)
    _receive(casedb_side, _correction(station_side, record_id))
    with casedb_side.database.session() as session:
        (row,) = session.scalars(select(ReceivedAddendum)).all()
        backup = (row.id, row.ciphertext)
    # When the record is erased and the row put back from the backup
    _erase(casedb_side, record_id)
    with casedb_side.database.session() as session:
        station_id = session.scalars(select(Station.id)).one()
        session.add(
            ReceivedAddendum(
                id=backup[0],
                record_id=record_id,
                station_id=station_id,
                received_on=DAY,
                sealed_sha256="0" * 64,
                ciphertext=backup[1],
            )
        )
    # Then nothing opens it: the record's key is gone, and no other key can
    assert _read(casedb_side, record_id) == []
    with casedb_side.database.session() as session:
        for chain in (Purpose.CASE_NOTES, Purpose.RECORD_KEY_WRAP):
            with pytest.raises(OpenError):
                decrypt_field(
                    casedb_side.keys.keyring.chain(chain),
                    backup[1],
                    context=Context("addendum", str(record_id), str(backup[0])),
                )


def test_intake_outbox_correct_writes_a_correction_the_case_database_takes(
    tmp_path, casedb_side, station_side, passphrase_file
):
    from click.testing import CliRunner

    from intake.cli import CliContext, main

    def run(side, *args):
        obj = CliContext(settings=side.settings, database=side.database)
        argv = [*args, "--passphrase-file", passphrase_file]
        return CliRunner().invoke(main, argv, obj=obj)

    # Given a record sealed at the station, and a correction typed into a file
    (document,) = seal_documents(station_side, 1)
    record_id = uuid.UUID(document["record_id"])
    words = tmp_path / "words.txt"
    words.write_text(TEXT + "\n", encoding="utf-8")
    correction = tmp_path / "c.age"
    # When it is written on the command line
    made = run(
        station_side, "outbox", "correct", str(record_id), str(correction),
        "--author", "interviewer-07", "--text-file", str(words),
        "--field", "$.victim.birth_date",
    )  # fmt: skip
    # Then a sealed file is written, holding none of the words
    assert made.exit_code == 0, made.output
    assert f"to record {record_id}" in made.output and "intake import" in made.output
    sealed = correction.read_bytes()
    assert sealed.startswith(b"age-encryption.org/v1") and TEXT.encode() not in sealed
    # And the case database takes it with the bundle, with its author and field
    bundle = tmp_path / "b.bundle"
    bundle.write_bytes(make_bundle(station_side))
    imported = run(casedb_side, "import", str(correction), str(bundle))
    assert imported.exit_code == 0, imported.output
    (view,) = _read(casedb_side, record_id)
    assert view.author == "interviewer-07" and view.text == TEXT
    assert view.corrected_paths == ("$.victim.birth_date",)
    # And a record not sealed here, a field no record has, or an existing file is
    # refused, with no file written
    for record, field, target in (
        (uuid.uuid4(), "$.victim", tmp_path / "x.age"),
        (record_id, "$.victim.nonexistent", tmp_path / "y.age"),
        (record_id, "$.victim", correction),
    ):
        refused = run(
            station_side, "outbox", "correct", str(record), str(target),
            "--author", "interviewer-07", "--text-file", str(words), "--field", field,
        )  # fmt: skip
        assert refused.exit_code == 1 and "Traceback" not in refused.output, refused.output
    assert not (tmp_path / "x.age").exists() and not (tmp_path / "y.age").exists()
    assert correction.read_bytes() == sealed
