"""Each stored record's authenticated manifest: rows deleted, added, swapped or rolled
back with plain SQL, or a changed schema version, make reading fail closed.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, insert, select, update

from crypto import Purpose, encrypt_field, unwrap_record_key
from intake.records import services
from intake.records.attachments import Attachment
from intake.records.models import Testimony, TestimonyAttachment, TestimonySection

from .helpers import WORKED_EXAMPLE, load


def _stored(database, casedb, *, with_attachment: bool = False) -> uuid.UUID:
    document = load(WORKED_EXAMPLE, fresh_id=True)
    attachments = []
    if with_attachment:
        item = Attachment.of(b"a photo of a document", media_type="image/png", filename="a.png")
        document["sources"].append(
            {"sha256": item.sha256, "media_type": "image/png", "kind": "photo"}
        )
        attachments.append(item)
    with database.session() as session:
        services.store_testimony(session, casedb, document, attachments)
    return uuid.UUID(document["record_id"])


def _assert_tampered(database, casedb, record_id: uuid.UUID) -> None:
    with pytest.raises(services.RecordTamperedError) as caught, database.session() as session:
        services.load_testimony(session, casedb, record_id)
    assert "tampered" in str(caught.value)


def _sql(database, statement) -> None:
    with database.engine.begin() as connection:
        connection.execute(statement)


def test_an_intact_record_with_an_attachment_reads_back(database, casedb):
    record_id = _stored(database, casedb, with_attachment=True)
    with database.session() as session:
        services.load_testimony(session, casedb, record_id)
        (item,) = services.load_attachments(session, casedb, record_id)
    assert item.content == b"a photo of a document"


def test_deleting_the_consent_and_narrative_rows_fails_closed(database, casedb):
    # Given a stored record / When two of its section rows are deleted with SQL
    record_id = _stored(database, casedb)
    _sql(
        database,
        delete(TestimonySection).where(
            TestimonySection.testimony_id == record_id,
            TestimonySection.name.in_(["consent", "narrative"]),
        ),
    )
    # Then reading it fails as tampered
    _assert_tampered(database, casedb, record_id)


def test_changing_the_schema_version_fails_closed(database, casedb):
    record_id = _stored(database, casedb)
    _sql(database, update(Testimony).where(Testimony.id == record_id).values(schema_version="9"))
    _assert_tampered(database, casedb, record_id)


def test_an_added_section_row_fails_closed(database, casedb):
    record_id = _stored(database, casedb)
    with database.session() as session:
        ciphertext = session.get(TestimonySection, (record_id, "victim")).ciphertext
    _sql(
        database,
        insert(TestimonySection).values(
            testimony_id=record_id, name="extra", ciphertext=ciphertext
        ),
    )
    _assert_tampered(database, casedb, record_id)


def test_a_section_replaced_by_a_validly_encrypted_one_fails_closed(database, casedb):
    # Given someone who even holds the record's data key writes a new consent section
    record_id = _stored(database, casedb)
    with database.session() as session:
        wrapped = session.get(Testimony, record_id).wrapped_key
    data_key = unwrap_record_key(
        casedb.keyring.chain(Purpose.RECORD_KEY_WRAP), wrapped, record_id=str(record_id)
    )
    forged = encrypt_field(
        data_key, b"null", context=services._section_context(record_id, "consent")
    )
    _sql(
        database,
        update(TestimonySection)
        .where(TestimonySection.testimony_id == record_id, TestimonySection.name == "consent")
        .values(ciphertext=forged),
    )
    # Then the manifest still catches it
    _assert_tampered(database, casedb, record_id)


def test_manifests_swapped_between_records_fail_closed(database, casedb):
    a, b = _stored(database, casedb), _stored(database, casedb)
    with database.session() as session:
        manifest_a = session.get(Testimony, a).manifest
    _sql(database, update(Testimony).where(Testimony.id == b).values(manifest=manifest_a))
    _assert_tampered(database, casedb, b)
    with database.session() as session:
        services.load_testimony(session, casedb, a)


def test_a_deleted_manifest_fails_closed(database, casedb):
    record_id = _stored(database, casedb)
    _sql(database, update(Testimony).where(Testimony.id == record_id).values(manifest=None))
    _assert_tampered(database, casedb, record_id)


def test_a_deleted_or_added_attachment_fails_closed(database, casedb):
    # Given two records, one with an attachment
    with_file = _stored(database, casedb, with_attachment=True)
    plain = _stored(database, casedb)
    # When the attachment row is moved to the other record
    _sql(
        database,
        update(TestimonyAttachment)
        .where(TestimonyAttachment.testimony_id == with_file)
        .values(testimony_id=plain),
    )
    # Then both fail closed: one lost a part, the other gained one
    _assert_tampered(database, casedb, with_file)
    _assert_tampered(database, casedb, plain)
    with pytest.raises(services.RecordTamperedError), database.session() as session:
        services.load_attachments(session, casedb, with_file)


def test_records_are_stored_in_one_batch_with_their_own_keys(database, casedb):
    # Given three valid records / When stored in one call
    documents = [load(WORKED_EXAMPLE, fresh_id=True) for _ in range(3)]
    with database.session() as session:
        ids = services.store_testimonies(session, casedb, [services.Incoming(d) for d in documents])
    # Then each has its own wrapped key and reads back
    with database.session() as session:
        keys = session.scalars(select(Testimony.wrapped_key)).all()
        assert len(set(keys)) == 3
        for document, record_id in zip(documents, ids, strict=True):
            assert services.load_testimony(session, casedb, record_id) == document


def test_a_batch_with_one_known_id_writes_nothing(database, casedb):
    known = _stored(database, casedb)
    documents = [load(WORKED_EXAMPLE, fresh_id=True), load(WORKED_EXAMPLE)]
    documents[1]["record_id"] = str(known)
    with pytest.raises(services.RecordExistsError), database.session() as session:
        services.store_testimonies(session, casedb, [services.Incoming(d) for d in documents])
    with database.session() as session:
        assert session.scalars(select(Testimony.id)).all() == [known]


def test_listing_pages_through_every_record(database, casedb):
    ids = {_stored(database, casedb) for _ in range(5)}
    with database.session() as session:
        listed = [t.id for t in services.iter_testimonies(session, batch=2)]
    assert set(listed) == ids and len(listed) == 5
