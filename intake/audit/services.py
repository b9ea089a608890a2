"""Audit services: append an event in the caller's transaction, sign checkpoints, verify.

Every entry is encrypted under the keyring's audit key (who, when exactly, what,
which record, details such as a search's size: never a search term or a name) and
chained with a keyed link to the entry before it. Every CHECKPOINT_EVERY entries, and
on demand, the head of the chain is signed with a key derived from the keyring, so a
chain rewritten by someone who later obtains the keys still contradicts a checkpoint
copied elsewhere. :func:`verify_audit` walks the chain and names the first entry that
was changed, removed or reordered.
"""

from __future__ import annotations

import json
import struct
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crypto import (
    GENESIS,
    Context,
    KeyChain,
    OpenError,
    Purpose,
    SignatureError,
    chain_link,
    decrypt_field,
    encrypt_field,
    link_matches,
)
from intake.audit.models import AuditCheckpoint, AuditEntry, AuditHead
from intake.errors import N_
from intake.workspace.vault import UnlockedKeys

#: A checkpoint is signed automatically after this many entries.
CHECKPOINT_EVERY = 100
_SIGNING_NAME = "audit-checkpoint"
_SIGNATURE_CONTEXT = "audit-checkpoint"

#: What can be audited, with the words the Audit page shows.
ACTIONS: dict[str, str] = {
    "record.read": N_("Read a record"),
    "record.refused": N_("A record did not open: it was altered in the database"),
    "record.write": N_("Stored or changed a record"),
    "record.import": N_("Imported records"),
    "record.addendum": N_("Received a station's correction to a record"),
    "record.erase": N_("Erased a record"),
    "record.erase_request": N_("Asked for a record to be erased"),
    "record.erase_withdraw": N_("Withdrew a request to erase a record"),
    "facility.write": N_("Added, changed or merged a facility"),
    "wage_table.write": N_("Added, changed or withdrew a minimum wage table or exchange rate"),
    "record.list": N_("Listed records"),
    "search": N_("Searched"),
    "search.reindex": N_("Rebuilt the search index"),
    "person.link": N_("Linked two records"),
    "person.unlink": N_("Undid a link between two records"),
    "export": N_("Exported"),
    "export.preview": N_("Previewed an export"),
    "audit.verify": N_("Verified the audit trail"),
    "audit.checkpoint": N_("Signed an audit checkpoint"),
}


class UnknownAuditActionError(ValueError):
    """A programming error: an action missing from ACTIONS."""


@dataclass(frozen=True)
class Event:
    """One audit entry, decrypted."""

    seq: int
    at: datetime
    actor: str | None
    action: str
    record_id: str | None
    details: dict[str, Any]

    @property
    def exported(self) -> dict[str, str] | None:
        """What an export (or its preview) was: kind, recipient, file format (or, for
        statistics, where they went), and the written file's SHA-256, as recorded
        (strings; "" where not recorded); None for other events."""
        if self.action not in ("export", "export.preview"):
            return None
        return {
            key: str(self.details.get(key) or "")
            for key in ("kind", "recipient", "format", "output", "sha256")
        }

    @property
    def shown(self) -> list[str]:
        """The ids of the records a list, search or queue showed (:func:`shown_records`);
        other events' "records" detail, where it is a count, is not one."""
        listed = self.details.get("records")
        return [str(item) for item in listed] if isinstance(listed, list) else []


@dataclass(frozen=True)
class AuditReport:
    """The result of walking the chain."""

    #: Entries checked.
    checked: int
    #: Checkpoints whose signature and link were checked.
    checkpoints: int
    #: The first entry that was changed, removed or moved (None: all intact).
    first_bad_seq: int | None = None
    #: What is wrong there (English template with %(seq)s).
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the whole trail is intact."""
        return self.first_bad_seq is None and self.problem is None


def _entry_bytes(seq: int, occurred_on: date, key_id: str, payload: bytes) -> bytes:
    head = struct.pack(">Q", seq) + occurred_on.isoformat().encode() + key_id.encode()
    return head + payload


def _context(seq: int) -> Context:
    return Context(namespace="audit-entry", record_id=str(seq), field="payload")


def _head(session: Session) -> AuditHead:
    # Locked for the rest of the transaction, so appends are serialised (PostgreSQL);
    # SQLite serialises writers itself.
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, last_seq=0, last_link=GENESIS)
        session.add(head)
        session.flush()
    return head


def record_event(
    session: Session,
    keys: UnlockedKeys,
    *,
    actor: uuid.UUID | str | None,
    action: str,
    record_id: uuid.UUID | str | None = None,
    details: Mapping[str, Any] | None = None,
) -> int:
    """Append an event in the caller's transaction (it commits); return its number.

    ``details`` must hold no record content and no search terms: counts, record ids,
    export kinds, file hashes, recipients' labels.
    """
    if action not in ACTIONS:
        raise UnknownAuditActionError(action)
    head = _head(session)
    now = datetime.now(UTC)
    seq = head.last_seq + 1
    document = {
        "at": now.isoformat(),
        "actor": None if actor is None else str(actor),
        "action": action,
        "record_id": None if record_id is None else str(record_id),
        "details": dict(details or {}),
    }
    chain = keys.keyring.chain(Purpose.AUDIT)
    payload = encrypt_field(chain.current, json.dumps(document).encode(), context=_context(seq))
    links = keys.keyring.chain(Purpose.AUDIT_CHAIN).current
    key_id = links.hex_id
    link = chain_link(links, head.last_link, _entry_bytes(seq, now.date(), key_id, payload))
    session.add(
        AuditEntry(seq=seq, occurred_on=now.date(), key_id=key_id, payload=payload, link=link)
    )
    head.last_seq, head.last_link = seq, link
    if seq % CHECKPOINT_EVERY == 0:
        _sign(session, keys, seq, link)
    return seq


def _checkpoint_message(seq: int, link: bytes) -> bytes:
    return struct.pack(">Q", seq) + link


def _sign(session: Session, keys: UnlockedKeys, seq: int, link: bytes) -> AuditCheckpoint:
    signature = keys.keyring.signing_key(_SIGNING_NAME).sign(
        _checkpoint_message(seq, link), context=_SIGNATURE_CONTEXT
    )
    checkpoint = session.get(AuditCheckpoint, seq) or AuditCheckpoint(seq=seq)
    checkpoint.link, checkpoint.signature = link, signature
    checkpoint.signed_on = datetime.now(UTC).date()
    session.add(checkpoint)
    return checkpoint


def sign_checkpoint(session: Session, keys: UnlockedKeys, actor: uuid.UUID | None) -> int:
    """Record the signing, then sign the head of the chain; return the entry it covers."""
    record_event(session, keys, actor=actor, action="audit.checkpoint")
    head = _head(session)
    _sign(session, keys, head.last_seq, head.last_link)
    return head.last_seq


def verify_audit(session: Session, keys: UnlockedKeys) -> AuditReport:
    """Walk the whole chain and every checkpoint; name the first entry that is wrong."""
    link_keys = keys.keyring.chain(Purpose.AUDIT_CHAIN)
    payload_keys = keys.keyring.chain(Purpose.AUDIT)
    previous, expected_seq, checked = GENESIS, 1, 0
    links: dict[int, bytes] = {}
    entries = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    for entry in entries:
        if entry.seq != expected_seq:
            return _bad(checked, expected_seq, N_("Entry %(seq)s was removed or renumbered."))
        try:
            key = link_keys.find(bytes.fromhex(entry.key_id))
            intact = link_matches(
                key,
                previous,
                _entry_bytes(entry.seq, entry.occurred_on, entry.key_id, entry.payload),
                entry.link,
            )
            decrypt_field(payload_keys, entry.payload, context=_context(entry.seq))
        except (OpenError, ValueError):
            intact = False
        if not intact:
            return _bad(checked, entry.seq, N_("Entry %(seq)s was changed or moved."))
        links[entry.seq], previous = entry.link, entry.link
        expected_seq, checked = expected_seq + 1, checked + 1
    head = session.get(AuditHead, 1)
    last = 0 if head is None else head.last_seq
    if last != checked or (head is not None and head.last_link != previous):
        return _bad(checked, checked + 1, N_("Entries from %(seq)s on were removed."))
    return _check_checkpoints(session, keys, links, checked)


def _check_checkpoints(
    session: Session, keys: UnlockedKeys, links: dict[int, bytes], checked: int
) -> AuditReport:
    verify_keys = keys.keyring.verify_keys(_SIGNING_NAME)
    count = 0
    for checkpoint in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)):
        message = _checkpoint_message(checkpoint.seq, checkpoint.link)
        if not any(_verifies(key, checkpoint.signature, message) for key in verify_keys):
            return _bad(checked, checkpoint.seq, N_("The checkpoint at entry %(seq)s is forged."))
        if links.get(checkpoint.seq) != checkpoint.link:
            return _bad(
                checked,
                checkpoint.seq,
                N_("The chain no longer matches the signed checkpoint at entry %(seq)s."),
            )
        count += 1
    return AuditReport(checked=checked, checkpoints=count)


def _verifies(key: Any, signature: bytes, message: bytes) -> bool:
    try:
        key.verify(signature, message, context=_SIGNATURE_CONTEXT)
    except SignatureError:
        return False
    return True


def _bad(checked: int, seq: int, problem: str) -> AuditReport:
    return AuditReport(checked=checked, checkpoints=0, first_bad_seq=seq, problem=problem)


def list_events(
    session: Session, keys: UnlockedKeys, *, before: int | None = None, limit: int = 50
) -> list[Event]:
    """Events newest first, ``limit`` at a time, those before entry ``before`` if given.

    An entry that does not open is shown as such rather than hidden.
    """
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    chain = keys.keyring.chain(Purpose.AUDIT)
    return [_event(chain, entry) for entry in session.scalars(query)]


def _event(chain: KeyChain, entry: AuditEntry) -> Event:
    try:
        data = json.loads(decrypt_field(chain, entry.payload, context=_context(entry.seq)))
    except OpenError:
        data = {"at": entry.occurred_on.isoformat() + "T00:00:00+00:00", "action": "?"}
    return Event(
        seq=entry.seq,
        at=datetime.fromisoformat(data["at"]),
        actor=data.get("actor"),
        action=str(data.get("action")),
        record_id=data.get("record_id"),
        details=data.get("details") or {},
    )


def shown_records(record_ids: Iterable[object]) -> dict[str, list[str]]:
    """Details of a list, search or queue: the ids of the records it showed, so the
    trail can say who saw a record's names (ids only, never what was shown)."""
    return {"records": sorted({str(record_id) for record_id in record_ids})}


def import_details(record_ids: Iterable[object]) -> dict[str, Any]:
    """Details of an import of several records: how many, and their ids."""
    shown = shown_records(record_ids)
    return {"count": len(shown["records"]), **shown}


def events_about(
    session: Session, keys: UnlockedKeys, record_id: str, *, limit: int = 200
) -> list[Event]:
    """The newest ``limit`` events about one record: those naming it, the imports that
    stored it, and the lists, searches and queues that showed it. Entries are
    encrypted, so the trail is read newest first, in batches, until ``limit`` are
    found (or it ends)."""
    chain = keys.keyring.chain(Purpose.AUDIT)
    found: list[Event] = []
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).execution_options(yield_per=500)
    for entry in session.scalars(query):
        event = _event(chain, entry)
        if event.record_id == record_id or record_id in event.shown:
            found.append(event)
            if len(found) == limit:
                break
    return found


def entry_count(session: Session) -> int:
    """How many entries the chain holds."""
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def checkpoint_at(session: Session, seq: int) -> AuditCheckpoint:
    """The checkpoint signed at entry ``seq`` (it must exist)."""
    checkpoint = session.get(AuditCheckpoint, seq)
    assert checkpoint is not None, "sign_checkpoint makes it"
    return checkpoint
