"""Record services: store, seal and open testimonies.

At a case database each section is encrypted under the record's own data key and
bound to (record id, section). At a station a finalised record is sealed to the
organisation's recipients and nothing else about it is kept.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Table,
    and_,
    bindparam,
    func,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy import cast as sqlcast
from sqlalchemy.orm import Session, load_only

from crypto import (
    Context,
    KeyChain,
    OpenError,
    Purpose,
    SymmetricKey,
    decrypt_field,
    decrypt_fields,
    encrypt_field,
    encrypt_fields,
    new_record_key,
    seal,
    unwrap_record_key,
    wrap_record_key,
)
from intake.audit.services import import_details, record_event
from intake.bulk import bulk_insert
from intake.cases.blind import (
    BLIND_COLUMNS,
    Plan,
    index_values,
    indexed_rows,
    load_plans,
    pair_new_records,
    record_keys,
)
from intake.cases.index import facts_usable, index_facts
from intake.cases.models import BlindIndexRow
from intake.errors import N_, IntakeError
from intake.records.attachments import (
    Attachment,
    check_against_sources,
    encrypt_testimony_attachments,
    pack_payload,
    testimony_attachments,
)
from intake.records.jsontext import canonical_json, parse_json
from intake.records.models import (
    SECTIONS,
    SealedRecord,
    Testimony,
    TestimonyAttachment,
    TestimonySection,
    TestimonyVersion,
)
from intake.records.upgrade import upgrade_record
from intake.records.validation import Problem, validate_record
from intake.workspace.services import get_workspace, require_role, verified_recipients
from intake.workspace.vault import UnlockedKeys


class RecordInvalidError(IntakeError):
    """The record does not validate against the schema."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            N_("The record has %(count)s problem(s) and was not stored."), count=len(problems)
        )
        self.problems = problems


class RecordExistsError(IntakeError):
    """A record with this id is already stored."""

    status = 409


class RecordNotFoundError(IntakeError):
    """No record with this id."""

    status = 404


class RecordUnreadableError(IntakeError):
    """A stored record does not open: erased, tampered with, or moved."""

    status = 500


class RecordErasedError(RecordUnreadableError):
    """The record's data key was destroyed: consent was withdrawn."""

    status = 410


class NoRecipientsError(IntakeError):
    """A station has no recipient to seal to."""


def _today() -> Any:
    return datetime.now(UTC).date()


_SECTION_NAMESPACE = "testimony-section"


def _section_context(record_id: uuid.UUID | str, section: str) -> Context:
    return Context(namespace=_SECTION_NAMESPACE, record_id=str(record_id), field=section)


def _opened_sections(
    data_key: SymmetricKey, record_id: str, ciphertexts: Sequence[tuple[str, bytes]]
) -> dict[str, Any]:
    """Sections of a record decrypted (each bound to the record and its name) and read;
    a section stored as null (absent from the record) is left out. Raises OpenError
    for any that does not open."""
    names = [name for name, _ in ciphertexts]
    plaintexts = decrypt_fields(data_key, _SECTION_NAMESPACE, record_id, ciphertexts)
    values = zip(names, map(parse_json, plaintexts), strict=True)
    return {name: value for name, value in values if value is not None}


_ENVELOPE_KEYS = frozenset({"schema_version", "record_id"})
#: Ids asked about in one existence query (well under every backend's parameter limit).
_QUERY_CHUNK = 5000


class RecordShapeError(IntakeError):
    """A valid record has a top-level key the store has no section for."""


class RecordTamperedError(RecordUnreadableError):
    """A stored record's parts do not match its authenticated manifest."""


def check_record(document: Any) -> uuid.UUID:
    """Validate ``document`` as a testimony and return its id; the one place records
    are validated before they are sealed or stored (an upgrade step goes here).
    """
    problems = validate_record(document)
    if problems:
        raise RecordInvalidError(problems)
    # Refuse rather than silently drop: the schema and SECTIONS must grow together.
    unknown = set(document) - _ENVELOPE_KEYS - set(SECTIONS)
    if unknown:
        raise RecordShapeError(
            N_("The store has no section for: %(keys)s."), keys=", ".join(sorted(unknown))
        )
    return uuid.UUID(document["record_id"])


@dataclass(frozen=True)
class Incoming:
    """One record to store: the document, its attachments and, if delivered, where from."""

    document: dict[str, Any]
    attachments: Sequence[Attachment] = ()
    #: Where it came from (station, bundle, time); stored encrypted with the record.
    provenance: dict[str, Any] | None = None
    #: SHA-256 of the sealed file it was delivered as.
    sealed_sha256: str | None = None


def _manifest_context(record_id: uuid.UUID) -> Context:
    return Context(namespace="testimony-manifest", record_id=str(record_id), field="manifest")


def _provenance_context(record_id: uuid.UUID) -> Context:
    return Context(namespace="testimony-provenance", record_id=str(record_id), field="provenance")


def _facts_context(record_id: uuid.UUID) -> Context:
    return Context(namespace="testimony-index-facts", record_id=str(record_id), field="facts")


def seal_index_facts(
    data_key: SymmetricKey,
    record_id: uuid.UUID,
    document: dict[str, Any],
    station: str | None,
    manifest: bytes,
) -> bytes:
    """The record's index facts (:func:`intake.cases.index.index_facts`) encrypted under
    its data key, bound to its id and naming its encrypted ``manifest`` by SHA-256: a
    record's facts count only beside the manifest they were made with, so facts moved
    from another record, or left from before a change, are refused."""
    facts = {**index_facts(document, station), "manifest": _digest(manifest)}
    return encrypt_field(data_key, canonical_json(facts), context=_facts_context(record_id))


def open_index_facts(
    data_key: SymmetricKey, record_id: uuid.UUID, blob: bytes, manifest: bytes | None
) -> dict[str, Any] | None:
    """The record's index facts if they open under its key and id and name its current
    ``manifest``; None otherwise (no facts yet, stale, moved or tampered with: the
    caller reads the record the full, checked way instead)."""
    if manifest is None:
        return None
    try:
        facts = parse_json(decrypt_field(data_key, blob, context=_facts_context(record_id)))
    except (OpenError, ValueError):
        return None
    if not facts_usable(facts) or facts.get("manifest") != _digest(manifest):
        return None
    return cast(dict[str, Any], facts)


def _digest(blob: bytes | None) -> str | None:
    return None if blob is None else hashlib.sha256(blob).hexdigest()


def _manifest(
    schema_version: str,
    sections: dict[str, bytes],
    attachment_metas: dict[str, bytes],
    provenance: bytes | None,
    sealed_sha256: str | None,
    versions: dict[str, bytes] | None = None,
) -> bytes:
    """The canonical list of a record's parts: every ciphertext by its SHA-256.

    ``versions`` (earlier versions of sections, "section/number" to the version's
    change and ciphertext joined) is listed only once a record has any.
    """
    return canonical_json(
        _manifest_fields(
            schema_version, sections, attachment_metas, provenance, sealed_sha256, versions
        )
    )


def version_parts(session: Session, record_id: uuid.UUID) -> dict[str, bytes]:
    """A record's earlier section versions as the manifest lists them."""
    rows = session.execute(
        select(
            TestimonyVersion.section,
            TestimonyVersion.number,
            TestimonyVersion.change,
            TestimonyVersion.ciphertext,
        ).where(TestimonyVersion.testimony_id == record_id)
    )
    return {
        f"{row.section}/{row.number}": hashlib.sha256(row.change).digest()
        + hashlib.sha256(row.ciphertext).digest()
        for row in rows
    }


def _manifest_fields(
    schema_version: str,
    sections: dict[str, bytes],
    attachment_metas: dict[str, bytes],
    provenance: bytes | None,
    sealed_sha256: str | None,
    versions: dict[str, bytes] | None = None,
) -> dict[str, Any]:
    """What :func:`_manifest` serialises (compared as is when checking a record)."""
    parts: dict[str, Any] = {
        "format": "intake-record-manifest-v1",
        "schema_version": schema_version,
        "sections": {name: _digest(blob) for name, blob in sections.items()},
        "attachments": {row: _digest(meta) for row, meta in attachment_metas.items()},
        "provenance": _digest(provenance),
        "sealed_sha256": sealed_sha256,
    }
    if versions:
        parts["versions"] = {name: _digest(blob) for name, blob in versions.items()}
    return parts


#: Key in ``Session.info`` holding the ids of testimonies stored, changed or erased in
#: the session's transaction; what is derived from records in memory (the case index)
#: refreshes them once the transaction commits.
CHANGED_RECORDS = "intake.changed_records"


def mark_changed(session: Session, record_ids: Iterable[uuid.UUID]) -> None:
    """Note that these testimonies were written in ``session``'s transaction."""
    session.info.setdefault(CHANGED_RECORDS, set()).update(record_ids)


def existing_records(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """Of ``ids``, those already stored, with the sealed hash each was delivered as."""
    found: dict[uuid.UUID, str | None] = {}
    for start in range(0, len(ids), _QUERY_CHUNK):
        chunk = list(ids[start : start + _QUERY_CHUNK])
        query = select(Testimony.id, Testimony.sealed_sha256).where(Testimony.id.in_(chunk))
        found.update({row.id: row.sealed_sha256 for row in session.execute(query)})
    return found


@dataclass(frozen=True)
class EncryptedTestimony:
    """One record encrypted under its own data key, ready to be written: made by
    :func:`encrypt_testimony` (in the caller's process or an import worker)."""

    record_id: uuid.UUID
    schema_version: str
    #: The record's data key; wrapped under the workspace's wrapping key when stored.
    data_key: SymmetricKey
    #: Section name -> ciphertext, every section in SECTIONS (absent ones as JSON null).
    sections: dict[str, bytes]
    #: Attachment rows (id, testimony_id, meta, content), encrypted.
    attachments: list[dict[str, Any]]
    provenance: bytes | None
    #: The encrypted manifest listing every ciphertext above by its SHA-256.
    manifest: bytes
    sealed_sha256: str | None
    #: The record's blind-index keys by kind (normalised name keys, ID number), made
    #: from the plaintext here and HMACed when stored; never written as they are.
    index_keys: dict[str, set[str]]
    #: The encrypted codes the case index needs (:func:`seal_index_facts`).
    index_facts: bytes | None = None

    def ready(self, keys: WriteKeys) -> ReadyRecord:
        """The record as :meth:`EncryptedWriter.add_ready` writes it: its data key
        wrapped under the workspace's record-key wrapping chain, its blind-index keys
        HMACed under the plans, every other part as plain values (bytes, text,
        tuples). An import worker makes it, so no unwrapped data key, no plaintext name
        key, no class of this module and no key object crosses to the importing
        process, which only inserts."""
        record_id = self.record_id
        return (
            record_id.bytes,
            self.schema_version,
            wrap_record_key(keys.wrapping, self.data_key, record_id=str(record_id)),
            self.manifest,
            self.provenance,
            self.sealed_sha256,
            self.index_facts,
            tuple(self.sections[name] for name in SECTIONS),
            tuple((row["id"].bytes, row["meta"], row["content"]) for row in self.attachments),
            index_values(keys.plans, self.index_keys),
        )


@dataclass(frozen=True)
class WriteKeys:
    """What making records ready to write needs (:meth:`EncryptedTestimony.ready`):
    the workspace's record-key wrapping chain and the blind-index plans, read once
    for a whole import and handed to its workers."""

    wrapping: KeyChain
    plans: Mapping[str, Plan]


def write_keys(session: Session, keys: UnlockedKeys) -> WriteKeys:
    """The workspace's :class:`WriteKeys` as they are now."""
    return WriteKeys(keys.keyring.chain(Purpose.RECORD_KEY_WRAP), load_plans(session, keys))


#: A record ready to insert (:meth:`EncryptedTestimony.ready`): id, schema version,
#: wrapped data key, manifest, provenance, sealed hash, index facts, section
#: ciphertexts in SECTIONS order, attachment rows (row id, meta, content), blind-index
#: values (kind, value).
ReadyRecord = tuple[
    bytes,
    str,
    bytes,
    bytes,
    bytes | None,
    str | None,
    bytes | None,
    tuple[bytes, ...],
    tuple[tuple[bytes, bytes, bytes], ...],
    tuple[tuple[str, int], ...],
]


def encrypt_testimony(item: Incoming) -> EncryptedTestimony:
    """Encrypt one validated record under a fresh data key (no database, no other key).

    Its sections, attachments and provenance are bound to (record id, part) and listed
    in its authenticated manifest. Per-record work that needs the plaintext belongs here.
    """
    document = item.document
    record_id = uuid.UUID(document["record_id"])
    record_text = str(record_id)
    data_key = new_record_key()
    # Every section is written, absent ones as JSON null, so presence does not leak.
    sections = dict(
        zip(
            SECTIONS,
            encrypt_fields(
                data_key,
                _SECTION_NAMESPACE,
                record_text,
                [(name, canonical_json(document.get(name))) for name in SECTIONS],
            ),
            strict=True,
        )
    )
    attachments = encrypt_testimony_attachments(data_key, record_id, item.attachments)
    provenance = None
    if item.provenance is not None:
        provenance = encrypt_field(
            data_key, canonical_json(item.provenance), context=_provenance_context(record_id)
        )
    schema_version = document["schema_version"]
    metas = {str(row["id"]): row["meta"] for row in attachments}
    manifest = encrypt_field(
        data_key,
        _manifest(schema_version, sections, metas, provenance, item.sealed_sha256),
        context=_manifest_context(record_id),
    )
    station = None if item.provenance is None else item.provenance.get("station_id")
    return EncryptedTestimony(
        record_id=record_id,
        schema_version=schema_version,
        data_key=data_key,
        sections=sections,
        attachments=attachments,
        provenance=provenance,
        manifest=manifest,
        sealed_sha256=item.sealed_sha256,
        index_keys=record_keys(document),
        index_facts=seal_index_facts(data_key, record_id, document, station, manifest),
    )


def store_testimonies(
    session: Session,
    keys: UnlockedKeys,
    items: Sequence[Incoming],
    *,
    checked: bool = False,
    actor: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """Store many records at the case database in the caller's transaction.

    Each record gets its own data key; its sections, attachments and provenance are
    encrypted under it and listed in its authenticated manifest. Rows are written
    with bulk inserts after one existence query per few thousand ids. ``checked``
    says the documents were already validated with :func:`check_record`.
    Nothing is written if any record is invalid or already stored.
    """
    require_role(session, "casedb")
    # Version-1 records (an older station, a file) are stored as version 2.
    items = [replace(item, document=upgrade_record(item.document)) for item in items]
    for item in items:
        if not checked:
            check_record(item.document)
        check_against_sources(item.document, item.attachments)
    encrypted = [encrypt_testimony(item) for item in items]
    return store_encrypted(session, keys, encrypted, actor=actor)


def store_encrypted(
    session: Session,
    keys: UnlockedKeys,
    records: Sequence[EncryptedTestimony],
    *,
    actor: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """Write records made by :func:`encrypt_testimony` in the caller's transaction:
    each data key wrapped under the workspace's wrapping key, one bulk insert per table.
    Nothing is written if any record is already stored or an id appears twice.
    """
    writer = EncryptedWriter(session, keys, actor=actor)
    writer.add(records)
    return writer.finish()


#: The columns :meth:`EncryptedWriter.add_ready` writes, in the order of its rows.
_TESTIMONY_COLUMNS = (
    "id",
    "state",
    "schema_version",
    "received_on",
    "wrapped_key",
    "manifest",
    "provenance",
    "sealed_sha256",
    "revision",
    "index_facts",
)
_SECTION_COLUMNS = ("testimony_id", "name", "ciphertext")
_ATTACHMENT_COLUMNS = ("id", "testimony_id", "meta", "content")


class EncryptedWriter:
    """Writes records made by :func:`encrypt_testimony` batch by batch in the caller's
    transaction, so a caller can store each batch as it is made; :meth:`finish` then
    writes what depends on all of them at once (blind index rows and same-person
    pairs, the audit entry). A batch with a record already stored, or an id given
    twice, raises :class:`RecordExistsError`: the caller rolls back what was written.
    """

    def __init__(
        self, session: Session, keys: UnlockedKeys, *, actor: uuid.UUID | None = None
    ) -> None:
        require_role(session, "casedb")
        self._session, self._keys, self._actor = session, keys, actor
        self.keys = write_keys(session, keys)
        self._today = _today()
        self._ids: list[uuid.UUID] = []
        self._seen: set[uuid.UUID] = set()
        #: Blind-index values of every record written, (kind, value, record id): they
        #: are inserted with each batch, and the same-person pairs made from them in
        #: finish(), once, as the bucket sizes that decide pairs count the whole import.
        self._indexed: list[tuple[str, int, uuid.UUID]] = []
        if session.get_bind().dialect.name == "sqlite":
            # Keep the changed pages in memory until the commit: spilling them to the
            # file mid-transaction needs an exclusive lock (it waits while anyone
            # reads) and writes them twice. The commit itself is as durable as ever.
            session.execute(text("PRAGMA cache_spill = OFF"))

    def add(self, records: Sequence[EncryptedTestimony]) -> None:
        """Write one batch of records (their keys wrapped here)."""
        self.add_ready([record.ready(self.keys) for record in records])

    def add_ready(self, records: Sequence[ReadyRecord], *, looked_up: bool = False) -> None:
        """Write one batch of records made ready (keys wrapped) by
        :meth:`EncryptedTestimony.ready`: plain rows, one bulk insert per table.

        ``looked_up``: the caller already found none of the ids stored, in this
        transaction, so they are not looked up again (a record stored by someone else
        since then still fails the insert, as an IntegrityError)."""
        ids = [uuid.UUID(bytes=record[0]) for record in records]
        if len(set(ids)) != len(ids) or not self._seen.isdisjoint(ids):
            raise RecordExistsError(N_("A record id appears twice in what is being stored."))
        existing = {} if looked_up else existing_records(self._session, ids)
        if existing:
            raise RecordExistsError(
                N_("Record %(id)s is already stored."), id=str(next(iter(existing)))
            )
        today = self._today
        testimonies: list[tuple[Any, ...]] = []
        sections: list[tuple[uuid.UUID, str, bytes]] = []
        attachments: list[tuple[uuid.UUID, uuid.UUID, bytes, bytes]] = []
        indexed: list[tuple[str, int, uuid.UUID]] = []
        for record_id, record in zip(ids, records, strict=True):
            (
                _,
                schema_version,
                wrapped_key,
                manifest,
                provenance,
                sealed_sha256,
                index_facts,
                blobs,
                attached,
                values,
            ) = record
            testimonies.append(
                (
                    record_id,
                    "stored",
                    schema_version,
                    today,
                    wrapped_key,
                    manifest,
                    provenance,
                    sealed_sha256,
                    0,
                    index_facts,
                )
            )
            sections += [
                (record_id, name, blob) for name, blob in zip(SECTIONS, blobs, strict=True)
            ]
            attachments += [
                (uuid.UUID(bytes=row_id), record_id, meta, content)
                for row_id, meta, content in attached
            ]
            indexed += [(kind, value, record_id) for kind, value in values]
        # Blind index rows of names and ID numbers, so the records can be found (no
        # plaintext).
        blind = indexed_rows(self.keys.plans, indexed)
        # Plain rows, one bulk insert per table, no ORM bookkeeping.
        for model, columns, rows in (
            (Testimony, _TESTIMONY_COLUMNS, testimonies),
            (TestimonySection, _SECTION_COLUMNS, sections),
            (TestimonyAttachment, _ATTACHMENT_COLUMNS, attachments),
            (BlindIndexRow, BLIND_COLUMNS, blind),
        ):
            if rows:
                bulk_insert(self._session, cast(Table, model.__table__), columns, rows)
        self._ids += ids
        self._seen.update(ids)
        self._indexed += indexed

    def finish(self) -> list[uuid.UUID]:
        """Index and audit every record written; their ids, in the order written."""
        session, keys, ids = self._session, self._keys, self._ids
        pair_new_records(session, self._indexed)
        self._indexed = []
        mark_changed(session, ids)
        if ids:
            # The write is audited in the same transaction: one entry, naming the record
            # when there is one (a large import is one entry with its count and the
            # ids it stored, so the trail says how each record arrived).
            record_event(
                session,
                keys,
                # The signed-in account; None for a command run at the server or a
                # station's signed bundle received over the network (its provenance
                # names the station).
                actor=self._actor,
                action="record.import",
                record_id=ids[0] if len(ids) == 1 else None,
                details={"count": len(ids)} if len(ids) == 1 else import_details(ids),
            )
        return list(ids)


def store_testimony(
    session: Session,
    keys: UnlockedKeys,
    document: dict[str, Any],
    attachments: Sequence[Attachment] = (),
) -> Testimony:
    """Validate ``document`` and store it at the case database, section by section.

    Attachments are stored under the same data key; each must be listed in sources.
    """
    (record_id,) = store_testimonies(session, keys, [Incoming(document, attachments)])
    testimony = session.get(Testimony, record_id)
    assert testimony is not None  # written just above, in this transaction
    return testimony


def _data_key(
    keys: UnlockedKeys, testimony: Testimony | StoredRow, chain: KeyChain | None = None
) -> SymmetricKey:
    """The record's data key; ``chain`` is the record-key wrapping chain when the
    caller opens many records (looked up once rather than per record)."""
    if testimony.wrapped_key is None:
        if testimony.erased_on is not None:
            raise RecordErasedError(
                N_("Record %(id)s was erased on %(day)s."),
                id=str(testimony.id),
                day=testimony.erased_on.isoformat(),
            )
        raise RecordUnreadableError(N_("Record %(id)s was erased."), id=str(testimony.id))
    try:
        return unwrap_record_key(
            chain or keys.keyring.chain(Purpose.RECORD_KEY_WRAP),
            testimony.wrapped_key,
            record_id=str(testimony.id),
        )
    except OpenError:
        raise RecordUnreadableError(
            N_("Record %(id)s does not open: it was altered or moved in the database."),
            id=str(testimony.id),
        ) from None


def record_data_key(keys: UnlockedKeys, testimony: Testimony) -> SymmetricKey:
    """The data key of a stored record, for what is kept beside it and must go with
    it when it is erased; RecordErasedError or RecordUnreadableError if it does not
    open."""
    return _data_key(keys, testimony)


def _tampered(record_id: uuid.UUID) -> RecordTamperedError:
    return RecordTamperedError(
        N_(
            "Record %(id)s was tampered with in the database: its stored parts do not "
            "match its authenticated list of parts. Nothing of it is shown; restore it "
            "from a backup."
        ),
        id=str(record_id),
    )


def _verified_manifest(
    session: Session, data_key: SymmetricKey, testimony: Testimony
) -> dict[str, Any]:
    """The record's manifest, checked against every row it has now; fails closed."""
    metas = session.execute(
        select(TestimonyAttachment.id, TestimonyAttachment.meta).where(
            TestimonyAttachment.testimony_id == testimony.id
        )
    )
    return _checked_manifest(
        data_key,
        testimony,
        {str(row.id): row.meta for row in metas},
        versions=lambda record_id: version_parts(session, record_id),
    )


def _opened_manifest(data_key: SymmetricKey, testimony: Testimony | StoredRow) -> Any:
    """The record's decrypted manifest; tampered with if it is missing or does not open."""
    if testimony.manifest is None:
        raise _tampered(testimony.id)
    try:
        return parse_json(
            decrypt_field(data_key, testimony.manifest, context=_manifest_context(testimony.id))
        )
    except OpenError:
        raise _tampered(testimony.id) from None


def _checked_manifest(
    data_key: SymmetricKey,
    testimony: Testimony | StoredRow,
    metas: dict[str, bytes],
    sections: dict[str, bytes] | None = None,
    *,
    versions: Callable[[uuid.UUID], dict[str, bytes]],
) -> dict[str, Any]:
    """The manifest checked against the testimony's sections (``sections``, else its
    section rows), provenance, the attachment ``metas`` (row id -> meta ciphertext)
    and the earlier versions (``versions`` reads them) it has now; fails closed."""
    record_id = testimony.id
    if testimony.manifest is None and testimony.schema_version == "1.0.0":
        raise RecordTamperedError(
            N_(
                "Record %(id)s was stored by an earlier version of this software and has "
                "no list of its parts yet. An administrator runs: intake records upgrade"
            ),
            id=str(record_id),
        )
    manifest = _opened_manifest(data_key, testimony)
    if sections is None:
        assert isinstance(testimony, Testimony)
        sections = {section.name: section.ciphertext for section in testimony.sections}
    actual = _manifest_fields(
        testimony.schema_version,
        sections,
        metas,
        testimony.provenance,
        testimony.sealed_sha256,
        # Only a changed record lists versions (one query fewer for the others); a
        # version row beside a manifest without versions is refused where versions
        # are read (intake.cases.versions.history).
        versions(record_id) if "versions" in manifest else None,
    )
    if actual != manifest:
        raise _tampered(record_id)
    return manifest


def checked_manifest(
    session: Session, data_key: SymmetricKey, testimony: Testimony
) -> dict[str, Any]:
    """:func:`_verified_manifest`, read once more before a record is called tampered.

    Under PostgreSQL's read-committed isolation, a change committed between reading the
    record's row and reading its parts looks like a rollback; the second reading sees
    the change whole. Parts that were really tampered with fail both times.
    """
    try:
        return _verified_manifest(session, data_key, testimony)
    except RecordTamperedError:
        if session.get_bind().dialect.name == "sqlite":
            raise  # SQLite readers see one snapshot: nothing to read again
        session.expire(testimony)
        return _verified_manifest(session, data_key, testimony)


def wanted_sections(sections: Iterable[str]) -> frozenset[str]:
    """``sections`` as a set; ValueError for a name that is no section (a misspelt
    name would otherwise leave a section out without a word)."""
    wanted = frozenset(sections)
    unknown = wanted - frozenset(SECTIONS)
    if unknown:
        raise ValueError(f"no such record section: {', '.join(sorted(unknown))}")
    return wanted


def load_testimony(
    session: Session,
    keys: UnlockedKeys,
    record_id: uuid.UUID,
    *,
    sections: Iterable[str] = SECTIONS,
) -> dict[str, Any]:
    """Decrypt the sections of a stored testimony (all of them, or only ``sections``)
    back into the canonical document.

    The record's rows are first checked against its authenticated manifest: a section
    or attachment deleted, added, swapped or rolled back, or a changed schema version,
    raises :class:`RecordTamperedError` and nothing is returned.
    """
    require_role(session, "casedb")
    wanted = wanted_sections(sections)
    testimony = session.get(Testimony, record_id)
    if testimony is None:
        raise RecordNotFoundError(N_("There is no record %(id)s."), id=str(record_id))
    data_key = _data_key(keys, testimony)
    checked_manifest(session, data_key, testimony)
    document: dict[str, Any] = {
        "schema_version": testimony.schema_version,
        "record_id": str(testimony.id),
    }
    try:
        document.update(
            _opened_sections(
                data_key,
                str(record_id),
                [
                    (section.name, section.ciphertext)
                    for section in testimony.sections
                    if section.name in wanted
                ],
            )
        )
    except OpenError:
        raise RecordUnreadableError(
            N_("Record %(id)s does not open: it was altered or moved in the database."),
            id=str(record_id),
        ) from None
    return document


def load_provenance(
    session: Session, keys: UnlockedKeys, testimony: Testimony
) -> dict[str, Any] | None:
    """Where a stored record came from (station, bundle, sealed hash, time), or None if
    it was entered at the case database. Checked against the record's manifest.
    """
    data_key = _data_key(keys, testimony)
    checked_manifest(session, data_key, testimony)
    if testimony.provenance is None:
        return None
    try:
        found: dict[str, Any] = parse_json(
            decrypt_field(data_key, testimony.provenance, context=_provenance_context(testimony.id))
        )
    except OpenError:
        raise _tampered(testimony.id) from None
    return found


def seal_testimony(
    session: Session,
    keys: UnlockedKeys,
    document: dict[str, Any],
    attachments: Sequence[Attachment] = (),
) -> SealedRecord:
    """Validate ``document`` and seal it with its attachments to the organisation (station).

    The sealed plaintext is a ZIP archive (see :mod:`intake.records.attachments`).
    """
    require_role(session, "station")
    document = upgrade_record(document)
    record_id = check_record(document)
    check_against_sources(document, attachments)
    recipients = verified_recipients(session, keys)
    if not recipients:
        raise NoRecipientsError(
            N_(
                "No organisation recipient is registered, so nothing can be sealed. "
                "Run: intake keys add-recipient age1... (printed by the case database)."
            )
        )
    if session.get(SealedRecord, record_id) is not None:
        raise RecordExistsError(N_("Record %(id)s is already sealed."), id=str(record_id))
    sealed = seal(pack_payload(canonical_json(document), attachments), recipients)
    row = SealedRecord(
        id=record_id,
        sealed_on=_today(),
        sha256=hashlib.sha256(sealed).hexdigest(),
        sealed=sealed,
        delivered_on=None,
    )
    session.add(row)
    return row


def add_record(
    session: Session,
    keys: UnlockedKeys,
    document: dict[str, Any],
    attachments: Sequence[Attachment] = (),
) -> str:
    """Store (case database) or seal (station) one record; return its id."""
    if get_workspace(session).role == "station":
        return str(seal_testimony(session, keys, document, attachments).id)
    return str(store_testimony(session, keys, document, attachments).id)


def load_attachments(
    session: Session, keys: UnlockedKeys, record_id: uuid.UUID
) -> list[Attachment]:
    """The attachments of a stored testimony (case database), checked like the record."""
    testimony = session.get(Testimony, record_id)
    if testimony is None or testimony.wrapped_key is None:
        raise RecordNotFoundError(N_("There is no record %(id)s."), id=str(record_id))
    data_key = _data_key(keys, testimony)
    checked_manifest(session, data_key, testimony)
    return testimony_attachments(session, data_key, record_id)


@dataclass(frozen=True)
class StoredRow:
    """A testimony's plain columns, read without the ORM (bulk reads)."""

    id: uuid.UUID
    state: str
    schema_version: str
    received_on: date
    wrapped_key: bytes | None
    manifest: bytes | None
    provenance: bytes | None
    sealed_sha256: str | None
    erased_on: date | None


@dataclass(frozen=True)
class OpenedTestimony:
    """A stored testimony opened in bulk: its row, and either its (partial) document
    and provenance, or why it does not open (erased, tampered with)."""

    testimony: StoredRow
    document: dict[str, Any] | None
    provenance: dict[str, Any] | None
    problem: RecordUnreadableError | None = None


def _open_one(
    keys: UnlockedKeys,
    row: StoredRow,
    ciphertexts: dict[str, bytes],
    metas: dict[str, bytes],
    wanted: frozenset[str],
    chain: KeyChain,
    versions: Callable[[uuid.UUID], dict[str, bytes]],
) -> OpenedTestimony:
    data_key = _data_key(keys, row, chain)
    _checked_manifest(data_key, row, metas, ciphertexts, versions=versions)
    document: dict[str, Any] = {"schema_version": row.schema_version, "record_id": str(row.id)}
    record_id = str(row.id)
    try:
        chosen = [(name, blob) for name, blob in ciphertexts.items() if name in wanted]
        document.update(_opened_sections(data_key, record_id, chosen))
        provenance = None
        if row.provenance is not None:
            provenance = parse_json(
                decrypt_field(data_key, row.provenance, context=_provenance_context(row.id))
            )
    except OpenError:
        raise _tampered(row.id) from None
    return OpenedTestimony(row, document, provenance)


_ROW_COLUMNS = (
    Testimony.id,
    Testimony.state,
    Testimony.schema_version,
    Testimony.received_on,
    Testimony.wrapped_key,
    Testimony.manifest,
    Testimony.provenance,
    Testimony.sealed_sha256,
    Testimony.erased_on,
)


def open_testimonies(
    session: Session,
    keys: UnlockedKeys,
    ids: Sequence[uuid.UUID],
    *,
    sections: Iterable[str] = SECTIONS,
) -> list[OpenedTestimony]:
    """Open many stored testimonies with three queries per thousand ids, each checked
    against its manifest like :func:`load_testimony`; only ``sections`` are decrypted.

    Results follow the order of ``ids``; unknown ids are left out. A record that does
    not open is returned with its problem instead of stopping the others. Rows are
    read as plain tuples (no ORM objects), as this is the bulk path.
    """
    require_role(session, "casedb")
    wanted = wanted_sections(sections)
    chain = keys.keyring.chain(Purpose.RECORD_KEY_WRAP)

    def versions(record_id: uuid.UUID) -> dict[str, bytes]:
        return version_parts(session, record_id)

    found: dict[uuid.UUID, OpenedTestimony] = {}
    for start in range(0, len(ids), 1000):
        chunk = list(ids[start : start + 1000])
        rows = [
            StoredRow(*row)
            for row in session.execute(select(*_ROW_COLUMNS).where(Testimony.id.in_(chunk)))
        ]
        blobs: dict[uuid.UUID, dict[str, bytes]] = {row.id: {} for row in rows}
        section_rows = session.execute(
            select(
                TestimonySection.testimony_id, TestimonySection.name, TestimonySection.ciphertext
            ).where(TestimonySection.testimony_id.in_(chunk))
        )
        for owner, name, blob in section_rows:
            blobs[owner][name] = blob
        metas: dict[uuid.UUID, dict[str, bytes]] = {row.id: {} for row in rows}
        attachment_rows = session.execute(
            select(
                TestimonyAttachment.testimony_id, TestimonyAttachment.id, TestimonyAttachment.meta
            ).where(TestimonyAttachment.testimony_id.in_(chunk))
        )
        for owner, row_id, meta in attachment_rows:
            metas[owner][str(row_id)] = meta
        for row in rows:
            try:
                found[row.id] = _open_one(
                    keys, row, blobs[row.id], metas[row.id], wanted, chain, versions
                )
            except RecordUnreadableError as problem:
                found[row.id] = OpenedTestimony(row, None, None, problem)
    return [found[record_id] for record_id in ids if record_id in found]


#: Records :func:`read_documents` opens together.
READ_BATCH = 1000


def read_documents(
    session: Session,
    keys: UnlockedKeys,
    ids: Sequence[uuid.UUID],
    *,
    sections: Iterable[str] = SECTIONS,
) -> Iterator[tuple[uuid.UUID, dict[str, Any] | RecordUnreadableError]]:
    """Each of stored testimonies ``ids``, in order, as :func:`load_testimony` reads it,
    with only ``sections`` decrypted (the others left out of the document), or the
    :class:`RecordUnreadableError` it raises (erased, tampered with, moved), for the
    caller to count or raise. For exports and counts over the whole case database.
    Every part is still checked against the record's manifest, opened or not.

    Read in bulk (:func:`open_testimonies`, READ_BATCH records at a time). A record
    the bulk read does not open is read again by :func:`load_testimony`, which
    decides: it reads the parts once more under PostgreSQL, where a change committed
    between two statements looks like tampering. An unknown id raises
    :class:`RecordNotFoundError`, as load_testimony does.
    """
    wanted = wanted_sections(sections)
    for start in range(0, len(ids), READ_BATCH):
        chunk = ids[start : start + READ_BATCH]
        opened = {
            item.testimony.id: item.document
            for item in open_testimonies(session, keys, chunk, sections=wanted)
        }
        for record_id in chunk:
            document = opened.get(record_id)
            if document is None:
                try:
                    document = load_testimony(session, keys, record_id, sections=wanted)
                except RecordUnreadableError as problem:
                    yield record_id, problem
                    continue
            yield record_id, document


def _parts_query() -> CompoundSelect[Any]:
    """Testimonies ``ids`` and their section ciphertexts and attachment metas in one
    statement: a row per testimony (its columns, then NULLs), then a row per section
    (its id, NULLs, name and ciphertext) and per attachment (id, NULLs, meta, row id),
    so no part repeats the testimony's columns."""
    record = cast(Table, Testimony.__table__).c
    section = cast(Table, TestimonySection.__table__).c
    attachment = cast(Table, TestimonyAttachment.__table__).c
    ids: BindParameter[list[uuid.UUID]] = bindparam("ids", expanding=True)
    columns = [record[column.key] for column in _ROW_COLUMNS]

    def nulls(*wanted: Any) -> list[Any]:
        # Typed: PostgreSQL resolves a UNION's column types from the first rows on.
        return [sqlcast(null(), column.type) for column in wanted]

    return union_all(
        select(*columns, *nulls(section.name, section.ciphertext, attachment.id)).where(
            record.id.in_(ids)
        ),
        select(
            section.testimony_id,
            *nulls(*columns[1:]),
            section.name,
            section.ciphertext,
            *nulls(attachment.id),
        ).where(section.testimony_id.in_(ids)),
        select(
            attachment.testimony_id,
            *nulls(*columns[1:], section.name),
            attachment.meta,
            attachment.id,
        ).where(attachment.testimony_id.in_(ids)),
    )


#: Built once: building the statement costs about as much as running it.
_PARTS = _parts_query()


def _named_parts_query() -> CompoundSelect[Any]:
    """Like :func:`_parts_query`, but only the sections named ``names`` and no
    attachments: what a read that checks only what it decrypts needs."""
    record = cast(Table, Testimony.__table__).c
    section = cast(Table, TestimonySection.__table__).c
    ids: BindParameter[list[uuid.UUID]] = bindparam("ids", expanding=True)
    names: BindParameter[list[str]] = bindparam("names", expanding=True)
    columns = [record[column.key] for column in _ROW_COLUMNS]
    return union_all(
        select(
            *columns, *(sqlcast(null(), c.type) for c in (section.name, section.ciphertext))
        ).where(record.id.in_(ids)),
        select(
            section.testimony_id,
            *(sqlcast(null(), c.type) for c in columns[1:]),
            section.name,
            section.ciphertext,
        ).where(section.testimony_id.in_(ids), section.name.in_(names)),
    )


_NAMED_PARTS = _named_parts_query()


def _checked_parts(
    data_key: SymmetricKey, row: StoredRow, blobs: dict[str, bytes], wanted: frozenset[str]
) -> None:
    """Check the ``wanted`` sections read (``blobs``) against the record's manifest:
    each one the manifest lists is there with the listed digest, and none is there
    that it does not list; fails closed. The other parts are not read, so not checked
    here: the record's page checks them all."""
    manifest = _opened_manifest(data_key, row)
    listed = manifest.get("sections") if isinstance(manifest, dict) else None
    if not isinstance(listed, dict) or manifest.get("schema_version") != row.schema_version:
        raise _tampered(row.id)
    for name in wanted:
        blob = blobs.get(name)
        if listed.get(name) != (None if blob is None else _digest(blob)):
            raise _tampered(row.id)


def open_named_sections(
    session: Session, keys: UnlockedKeys, ids: Sequence[uuid.UUID], *, sections: Iterable[str]
) -> dict[uuid.UUID, dict[str, Any]]:
    """The ``sections`` of stored testimonies ``ids`` (and their schema version and
    id), decrypted, for search results: only those sections are read, and each is
    checked against the record's authenticated manifest (there, unchanged, and the
    current one). A record whose other parts were tampered with is still found, and
    refused when its page opens; one whose read sections fail is left out, as are
    erased, moved and unknown records. The result follows the order of ``ids``.
    """
    require_role(session, "casedb")
    if session.autoflush:
        session.flush()
    wanted = wanted_sections(sections)
    chain = keys.keyring.chain(Purpose.RECORD_KEY_WRAP)
    width = len(_ROW_COLUMNS)
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for start in range(0, len(ids), 1000):
        chunk = list(ids[start : start + 1000])
        parts = session.execute(_NAMED_PARTS, {"ids": chunk, "names": sorted(wanted)}).all()
        rows = {row[0]: StoredRow(*row[:width]) for row in parts if row[width] is None}
        blobs: dict[uuid.UUID, dict[str, bytes]] = {record_id: {} for record_id in rows}
        for row in parts:
            if row[width] is not None and row[0] in blobs:
                blobs[row[0]][row[width]] = row[width + 1]
        for record_id, stored in rows.items():
            try:
                data_key = _data_key(keys, stored, chain)
                _checked_parts(data_key, stored, blobs[record_id], wanted)
                document: dict[str, Any] = {
                    "schema_version": stored.schema_version,
                    "record_id": str(record_id),
                }
                document.update(
                    _opened_sections(data_key, str(record_id), list(blobs[record_id].items()))
                )
            except (RecordUnreadableError, OpenError):
                continue
            found[record_id] = document
    return {record_id: found[record_id] for record_id in ids if record_id in found}


def open_sections(
    session: Session, keys: UnlockedKeys, ids: Sequence[uuid.UUID], *, sections: Iterable[str]
) -> dict[uuid.UUID, dict[str, Any]]:
    """The lean bulk read of searches and index builds: the ``sections`` of stored
    testimonies ``ids`` (and their schema version and id), decrypted.

    Each record is checked against its manifest as :func:`open_testimonies` checks it
    (every section, attachment and earlier version it has now), but its row and parts
    are read in one statement per thousand ids. Records that do not open (erased,
    tampered with, moved) are left out: their own page says why. Unknown ids are left
    out too; the result follows the order of ``ids``.
    """
    require_role(session, "casedb")
    if session.autoflush:
        session.flush()  # what the ORM would do before a query: pending changes count
    wanted = frozenset(sections)
    chain = keys.keyring.chain(Purpose.RECORD_KEY_WRAP)

    def versions(record_id: uuid.UUID) -> dict[str, bytes]:
        return version_parts(session, record_id)

    found: dict[uuid.UUID, dict[str, Any]] = {}
    width = len(_ROW_COLUMNS)
    for start in range(0, len(ids), 1000):
        rows: dict[uuid.UUID, StoredRow] = {}
        blobs: dict[uuid.UUID, dict[str, bytes]] = {}
        metas: dict[uuid.UUID, dict[str, bytes]] = {}
        parts = session.execute(_PARTS, {"ids": list(ids[start : start + 1000])}).all()
        # A section row has a name and an attachment row an id (both keys, never NULL);
        # a row with neither is a testimony's.
        for row in parts:
            if row[width] is None and row[width + 2] is None:
                rows[row[0]] = StoredRow(*row[:width])
                blobs[row[0]], metas[row[0]] = {}, {}
        for row in parts:
            owner, name, blob, attachment = row[0], *row[width:]
            if owner not in rows:
                continue  # not possible with foreign keys: a part without its testimony
            if attachment is not None:
                metas[owner][str(attachment)] = blob
            elif name is not None:
                blobs[owner][name] = blob
        for record_id, stored in rows.items():
            try:
                opened = _open_one(
                    keys, stored, blobs[record_id], metas[record_id], wanted, chain, versions
                )
            except RecordUnreadableError:
                continue
            assert opened.document is not None
            found[record_id] = opened.document
    return {record_id: found[record_id] for record_id in ids if record_id in found}


def list_testimonies(session: Session) -> list[Testimony]:
    """Stored testimonies, newest first (ids and dates only)."""
    return list(session.scalars(select(Testimony).order_by(Testimony.received_on.desc())))


def iter_testimonies(session: Session, *, batch: int = 1000) -> Iterator[Testimony]:
    """Stored testimonies, newest first, read ``batch`` rows at a time (keyset paging),
    so listing a large case database never holds every row at once. Only ids,
    days and states are loaded.
    """
    query = select(Testimony).options(
        load_only(Testimony.id, Testimony.received_on, Testimony.state)
    )
    order = (Testimony.received_on.desc(), Testimony.id.desc())
    last: tuple[Any, uuid.UUID] | None = None
    while True:
        page = query.order_by(*order).limit(batch)
        if last is not None:
            day, last_id = last
            page = page.where(
                or_(
                    Testimony.received_on < day,
                    and_(Testimony.received_on == day, Testimony.id < last_id),
                )
            )
        rows = list(session.scalars(page))
        yield from rows
        if len(rows) < batch:
            return
        last = (rows[-1].received_on, rows[-1].id)
        session.expunge_all()


def testimonies_page(
    session: Session,
    *,
    limit: int,
    offset: int = 0,
    state: str | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
) -> tuple[list[Testimony], int]:
    """One page of stored testimonies, newest first (ids, days and states only), and
    how many match in all. Filters use plaintext columns only."""
    conditions = []
    if state is not None:
        conditions.append(Testimony.state == state)
    if received_from is not None:
        conditions.append(Testimony.received_on >= received_from)
    if received_to is not None:
        conditions.append(Testimony.received_on <= received_to)
    total = session.scalar(select(func.count()).select_from(Testimony).where(*conditions))
    query = (
        select(Testimony)
        .options(load_only(Testimony.id, Testimony.received_on, Testimony.state))
        .where(*conditions)
        .order_by(Testimony.received_on.desc(), Testimony.id.desc())
        .limit(max(limit, 0))
        .offset(max(offset, 0))
    )
    return list(session.scalars(query)), int(total or 0)


def list_outbox(session: Session) -> list[SealedRecord]:
    """Sealed records not yet delivered, oldest first: ids, days and hashes only (a
    listing does not read each record's sealed file)."""
    query = (
        select(SealedRecord)
        .options(load_only(SealedRecord.id, SealedRecord.sealed_on, SealedRecord.sha256))
        .where(SealedRecord.delivered_on.is_(None))
    )
    return list(session.scalars(query.order_by(SealedRecord.sealed_on)))
