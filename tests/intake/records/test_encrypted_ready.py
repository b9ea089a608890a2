"""A record encrypted in an import worker crosses to the importing process ready to
insert: its data key wrapped, every part a plain value."""

from __future__ import annotations

import io
import pickle
import uuid

import pytest

from intake.cases.blind import record_keys
from intake.records.attachments import Attachment
from intake.records.models import Testimony
from intake.records.services import (
    EncryptedTestimony,
    EncryptedWriter,
    Incoming,
    RecordExistsError,
    WriteKeys,
    encrypt_testimony,
    load_attachments,
    load_provenance,
    load_testimony,
    write_keys,
)

from .helpers import WORKED_EXAMPLE, load


class _BuiltinsOnly(pickle.Unpickler):
    """Refuses to rebuild any object that is not a plain value."""

    def find_class(self, module: str, name: str) -> type:
        raise pickle.UnpicklingError(f"{module}.{name} is not a plain value")


def _encrypted() -> tuple[dict, EncryptedTestimony]:
    document = load(WORKED_EXAMPLE, fresh_id=True)
    photo = Attachment.of(b"photo bytes", media_type="image/jpeg", filename="p.jpg")
    document["sources"] = [
        *document.get("sources", []),
        {"kind": "photo", "sha256": photo.sha256, "media_type": "image/jpeg"},
    ]
    provenance = {"station_id": "s", "bundle_id": "b", "sequence": 1, "sealed_sha256": "ab"}
    encrypted = encrypt_testimony(
        Incoming(document, [photo], provenance=provenance, sealed_sha256="ab" * 32)
    )
    return document, encrypted


def _write_keys(database, casedb) -> WriteKeys:
    with database.session() as session:
        return write_keys(session, casedb)


def test_a_ready_record_is_stored_whole(database, casedb):
    # Given a record with an attachment and provenance, made ready under the
    # workspace's wrapping chain and pickled as a worker sends it
    document, encrypted = _encrypted()
    ready = encrypted.ready(_write_keys(database, casedb))
    ready = pickle.loads(pickle.dumps(ready, protocol=pickle.HIGHEST_PROTOCOL))
    # When the importing process writes it as it came
    with database.session() as session:
        writer = EncryptedWriter(session, casedb)
        writer.add_ready([ready])
        assert writer.finish() == [encrypted.record_id]
    # Then it reads back exactly: document, attachment and provenance
    with database.session() as session:
        assert load_testimony(session, casedb, encrypted.record_id) == document
        (attachment,) = load_attachments(session, casedb, encrypted.record_id)
        assert attachment.content == b"photo bytes"
        testimony = session.get(Testimony, encrypted.record_id)
        assert load_provenance(session, casedb, testimony) == {
            "station_id": "s",
            "bundle_id": "b",
            "sequence": 1,
            "sealed_sha256": "ab",
        }


def test_a_ready_record_holds_no_unwrapped_key_no_name_key_and_no_class(database, casedb):
    # Given a record made ready as a worker sends it
    document, encrypted = _encrypted()
    blob = pickle.dumps(encrypted.ready(_write_keys(database, casedb)), pickle.HIGHEST_PROTOCOL)
    # Then its data key does not appear in it (only wrapped)
    assert encrypted.data_key.material not in blob
    # Nor any plaintext blind-index key of its names or ID number (only their HMACs)
    plain = {key for keys in record_keys(document).values() for key in keys}
    assert plain and not any(key.encode() in blob for key in plain)
    # And it reads whole with an unpickler that rebuilds no object of any class
    _BuiltinsOnly(io.BytesIO(blob)).load()
    # While any object of a class (the record's id, say) is refused by that unpickler
    with pytest.raises(pickle.UnpicklingError):
        _BuiltinsOnly(io.BytesIO(pickle.dumps(encrypted.record_id))).load()


def test_a_key_wrapped_for_another_record_does_not_open(database, casedb):
    # Given a ready record whose wrapped key was swapped for another record's
    _document, first = _encrypted()
    _other, second = _encrypted()
    keys = _write_keys(database, casedb)
    ready = list(first.ready(keys))
    ready[2] = second.ready(keys)[2]
    with database.session() as session:
        writer = EncryptedWriter(session, casedb)
        writer.add_ready([tuple(ready)])
        writer.finish()
    # When it is read / Then it does not open
    with database.session() as session, pytest.raises(Exception) as caught:
        load_testimony(session, casedb, first.record_id)
    assert "does not open" in str(caught.value)


def test_a_ready_record_given_twice_is_refused(database, casedb):
    # Given one record made ready twice
    _document, encrypted = _encrypted()
    keys = _write_keys(database, casedb)
    # When both are written in one batch / Then the batch is refused
    with database.session() as session:
        writer = EncryptedWriter(session, casedb)
        with pytest.raises(RecordExistsError):
            writer.add_ready([encrypted.ready(keys), encrypted.ready(keys)])
        session.rollback()
    with database.session() as session:
        assert session.get(Testimony, uuid.UUID(bytes=encrypted.record_id.bytes)) is None
