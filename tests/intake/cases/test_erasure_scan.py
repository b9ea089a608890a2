"""After an erasure, an attacker with the whole database and the unlocked keyring
still opens nothing of the record: no section, attachment, provenance, earlier
version or the request's reason.
"""

from __future__ import annotations

import contextlib
import uuid

from sqlalchemy import LargeBinary, MetaData, select

from crypto import OpenError, Purpose, decrypt_field, unwrap_record_key
from crypto.aead import SymmetricKey
from intake.cases import erasure, versions
from intake.records import services
from intake.records.attachments import Attachment
from intake.records.models import Testimony

from ..journal_helpers import sqlite_files
from ..records.helpers import WORKED_EXAMPLE, load
from .helpers import coded


def _store_everything(database, keys) -> uuid.UUID:
    """A record with an attachment, provenance and an earlier version of its coding."""
    document = load(WORKED_EXAMPLE, fresh_id=True)
    item = Attachment.of(b"scan of a residence permit", media_type="image/png", filename="p.png")
    document["sources"].append({"sha256": item.sha256, "media_type": "image/png", "kind": "photo"})
    incoming = services.Incoming(document, [item], provenance={"station": "Almaty office"})
    with database.session() as session:
        (record_id,) = services.store_testimonies(session, keys, [incoming])
    with database.session() as session:
        versions.change_section(
            session,
            keys,
            record_id,
            "coding",
            coded(document),
            loaded_revision=0,
            reason="wages",
            actor=uuid.uuid4(),
            actor_name="coordinator-1",
        )
    return record_id


def _every_blob(database) -> list[bytes]:
    metadata = MetaData()
    metadata.reflect(database.engine)
    blobs = []
    with database.engine.connect() as connection:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, LargeBinary)]
            for row in connection.execute(select(*columns)) if columns else []:
                blobs.extend(value for value in row if value)
    return blobs


def test_nothing_of_an_erased_record_opens_with_what_the_database_holds(database, casedb, settings):
    # Given a record with every kind of part, and its data key as it was before erasure
    record_id = _store_everything(database, casedb)
    wrapping = casedb.keyring.chain(Purpose.RECORD_KEY_WRAP)
    with database.session() as session:
        testimony = session.get(Testimony, record_id)
        wrapped_key = bytes(testimony.wrapped_key)
        data_key = unwrap_record_key(wrapping, wrapped_key, record_id=str(record_id))
        section = next(s for s in testimony.sections if s.name == "victim")
        opened = decrypt_field(
            data_key, section.ciphertext, context=services._section_context(record_id, "victim")
        )
        assert opened  # the key really opened the record before
        request_id = erasure.request_erasure(
            session,
            casedb,
            record_id,
            reason="consent withdrawn",
            actor=uuid.uuid4(),
            actor_role="coordinator",
        ).id
    # When a second administrator confirms the erasure
    with database.session() as session:
        erasure.confirm_erasure(session, casedb, request_id, actor=uuid.uuid4(), actor_role="admin")
    # Then no blob in the database unwraps to a data key for the record
    blobs = _every_blob(database)
    assert blobs, "the record's ciphertexts are still there to attack"
    unwrapped = []
    for blob in blobs:
        with contextlib.suppress(OpenError):
            unwrapped.append(unwrap_record_key(wrapping, blob, record_id=str(record_id)))
    assert unwrapped == []
    # And the key's bytes stand nowhere in the database
    assert not any(data_key.material in blob for blob in blobs)
    # And the victim section's ciphertext, still stored, opens with no blob read as a key
    assert section.ciphertext in blobs
    context = services._section_context(record_id, "victim")
    for blob in blobs:
        for start in range(0, len(blob) - 31, 4):
            key = SymmetricKey(key_id=data_key.key_id, material=blob[start : start + 32])
            try:
                decrypt_field(key, section.ciphertext, context=context)
            except OpenError:
                continue
            raise AssertionError("an erased record opened with bytes left in the database")
    # And on SQLite neither the key nor its wrapped form (which the keyring opens) is in
    # the database file or in its journal, which keeps pages as they were before
    if database.engine.dialect.name == "sqlite":
        path, journal = sqlite_files(database)
        assert journal.exists()
        for file in (path, journal):
            assert data_key.material not in file.read_bytes()
            assert wrapped_key not in file.read_bytes()
