"""Addenda at the case database: a station's signed correction to a record, received
from a file, checked and kept encrypted beside the record for a coordinator to read.

An addendum travels as its own sealed file (a random name), made at the station
(``intake.interview.addenda``). It is accepted only when it opens with the
organisation identity, is well formed, is signed by an enrolled, unrevoked station
and corrects a record stored here that this station delivered. It is kept under the
record's own data key, so it goes with the record when the record is erased. Nothing
of the record changes: a coordinator reads the correction on the record page and
decides what to edit.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crypto import (
    Context,
    OpenError,
    decrypt_field,
    encrypt_field,
    looks_sealed,
    open_sealed,
)
from intake.audit.services import record_event
from intake.delivery import services
from intake.delivery.bundles import (
    BundleUnreadableError,
    SingleRecordError,
    single_record_error,
)
from intake.delivery.models import ReceivedAddendum, Station
from intake.errors import N_, IntakeError
from intake.interview.addenda import ADDENDUM_CONTEXT, AddendumInvalidError, check_addendum
from intake.progress import Progress, no_progress
from intake.records.attachments import PayloadError, unpack_payload
from intake.records.jsontext import canonical_json
from intake.records.models import Testimony
from intake.records.services import RecordUnreadableError, load_provenance, record_data_key
from intake.workspace.services import require_role
from intake.workspace.vault import UnlockedKeys

#: The keys of the signed envelope a station seals (``signed_envelope``).
_ENVELOPE = {"addendum", "station_key", "signature"}
#: What refusing a correction's signer says.
_SIGNER_TEXTS = services.SignerTexts(
    unknown=N_(
        "This correction is signed by a station that is not enrolled here. Nothing "
        "was imported. Enrol the station on the Stations page first."
    ),
    revoked=N_("This correction comes from a revoked station (%(label)s). Nothing was imported."),
    bad_signature=N_(
        "The correction's signature does not verify: it was altered or signed by "
        "another key. Nothing was imported."
    ),
)
#: An Ed25519 public key and signature as the envelope writes them.
_KEY_HEX, _SIGNATURE_HEX = re.compile(r"[0-9a-f]{64}"), re.compile(r"[0-9a-f]{128}")


class AddendumRefusedError(IntakeError):
    """A correction file that is not accepted; the message says why."""

    status = 422

    def __init__(self, template: str, reason: IntakeError | None = None, **params: object) -> None:
        super().__init__(template, **params)
        #: What was wrong in the correction itself, told after the refusal.
        self.reason = reason
        if reason is not None:
            self.message = f"{self.message} {reason.message}"
            self.args = (self.message,)

    def translated(self) -> str:
        text = super().translated()
        return text if self.reason is None else f"{text} {self.reason.translated()}"


class ConcurrentAddendumError(AddendumRefusedError):
    """Another import stored the same correction at the same moment: this transaction
    cannot go on."""


class RecordNotTakenError(AddendumRefusedError):
    """The corrected record is not one the correction's station delivered here, as far
    as can be told: another station's, or one that does not open."""


class RecordErasedError(RecordNotTakenError):
    """The corrected record was erased here: the correction is not kept, now or later."""


class RecordNotHereError(RecordNotTakenError):
    """The correction's record is not stored here (yet): its bundle may come later."""


@dataclass(frozen=True)
class AddendumResult:
    """What receiving one correction did."""

    addendum_id: uuid.UUID
    record_id: uuid.UUID
    station_label: str
    #: The same file was received before: nothing new was stored.
    already: bool


@dataclass(frozen=True)
class AddendumView:
    """A received correction as the record page shows it."""

    addendum_id: uuid.UUID
    received_on: date
    station_label: str
    #: None when its ciphertext does not open: it was altered in the database.
    written_on: str | None = None
    author: str | None = None
    text: str | None = None
    corrected_paths: tuple[str, ...] = ()


def import_file(
    session: Session,
    keys: UnlockedKeys,
    data: bytes,
    *,
    progress: Progress = no_progress,
    workers: int = 1,
    actor: uuid.UUID | None = None,
) -> services.ImportResult | AddendumResult:
    """Import a file carried from a station: a bundle (:func:`services.import_bundle`)
    or a correction (:func:`import_addendum`), told apart by what it holds. A file that
    is not an age file at all (a receipt, an enrolment file, a record's JSON) is
    refused with what to do with such files instead."""
    if not looks_sealed(data):
        raise BundleUnreadableError(
            N_(
                "This file is not a bundle or a correction from a station: those are age "
                "files, and this one is not. A receipt goes back to the station that sent "
                "the bundle, to be confirmed there; a station's enrolment file is added on "
                "the Stations page; a record's JSON file is added with intake records add. "
                "Nothing was imported."
            )
        )
    try:
        return services.import_bundle(
            session, keys, data, progress=progress, workers=workers, actor=actor
        )
    except SingleRecordError:
        # One sealed archive, not a bundle: a correction, or a lone record (refused
        # with the same SingleRecordError).
        return import_addendum(session, keys, data, actor=actor)


def take_bundled(
    session: Session,
    keys: UnlockedKeys,
    station: Station,
    addendum_id: uuid.UUID,
    sealed: bytes,
    actor: uuid.UUID | None = None,
) -> str:
    """Keep a correction that came in a bundle of ``station``, listed as
    ``addendum_id`` (:func:`import_addendum`); the status its receipt gives.

    Neither kind of answer stops the bundle's records: a correction of a record this
    station did not deliver here (not arrived yet, erased, another station's, or not
    opening) is said to wait, whichever it is, so the station learns nothing of other
    records; one refused for another reason (another correction holds its id) is said
    refused, for good. One that is not what the signed manifest lists, not this
    station's, not signed, or not a correction at all refuses the whole bundle (raised).
    """
    try:
        result = import_addendum(session, keys, sealed, actor=actor, bundled=(station, addendum_id))
    except RecordNotTakenError:
        return services.ADDENDUM_WAITING
    except (SingleRecordError, BundleUnreadableError):
        raise AddendumRefusedError(
            N_(
                "Correction %(id)s in the bundle does not open as a correction sealed to "
                "this organisation. Nothing was imported."
            ),
            id=str(addendum_id),
        ) from None
    except ConcurrentAddendumError:
        raise
    except AddendumRefusedError:
        return services.ADDENDUM_REFUSED
    return services.ADDENDUM_ALREADY if result.already else services.ADDENDUM_STORED


def _context(record_id: uuid.UUID, addendum_id: uuid.UUID) -> Context:
    return Context(namespace="addendum", record_id=str(record_id), field=str(addendum_id))


def _signed_addendum(keys: UnlockedKeys, data: bytes) -> tuple[dict[str, Any], bytes, bytes]:
    """The well-formed addendum, station key and signature in a sealed correction file
    (the signature not yet verified); :class:`SingleRecordError` if it holds a record
    instead."""
    assert keys.identity is not None
    try:
        envelope, files = unpack_payload(open_sealed(data, [keys.identity]))
    except (OpenError, PayloadError):
        raise BundleUnreadableError(
            N_(
                "This file does not open as a file sealed to this organisation: it is "
                "damaged, cut short, or not from a station. Nothing was imported."
            )
        ) from None
    if "addendum_version" in envelope:
        raise AddendumRefusedError(
            N_(
                "This correction was sealed without the station's signature, by an older "
                "version of the station, so it was not imported. Record the correction "
                "again at the updated station and bring that file."
            )
        )
    if set(envelope) != _ENVELOPE or files:
        raise single_record_error()
    station_key, signature = envelope["station_key"], envelope["signature"]
    if not (
        isinstance(station_key, str)
        and isinstance(signature, str)
        and _KEY_HEX.fullmatch(station_key)
        and _SIGNATURE_HEX.fullmatch(signature)
    ):
        raise AddendumRefusedError(N_("This is not a well-formed correction (addendum)."))
    try:
        # Checked before anything else reads it: a hostile structure (deep nesting,
        # other types) is refused here, never re-encoded for the signature check.
        addendum = check_addendum(envelope["addendum"])
    except AddendumInvalidError as error:
        raise AddendumRefusedError(
            N_("This correction is not well formed. Nothing was imported."), reason=error
        ) from None
    return addendum, bytes.fromhex(station_key), bytes.fromhex(signature)


def import_addendum(
    session: Session,
    keys: UnlockedKeys,
    data: bytes,
    *,
    actor: uuid.UUID | None = None,
    bundled: tuple[Station, uuid.UUID] | None = None,
) -> AddendumResult:
    """Check a sealed correction file and keep it, encrypted, beside its record.

    Checks, before writing anything: it opens with the organisation identity and
    unpacks safely; the addendum is well formed; it is signed by an enrolled, unrevoked
    station; its record is stored here, not erased, and was delivered by that station
    (only the station that sealed a record can correct it). The same file again is
    "already received"; another file with the same addendum id is refused and never
    overwrites. It is encrypted under the record's own data key, so erasing the record
    makes it unreadable wherever a copy lies (backups included), as the record is.
    Raises :class:`SingleRecordError` for a sealed archive that holds a record.

    ``bundled``: the station that signed the bundle carrying the file, and the id the
    bundle lists it under; the correction must be that station's, under that id.
    """
    require_role(session, "casedb")
    if keys.identity is None:
        raise services.NoIdentityError(
            N_("This case database has no organisation identity: run intake keys create-identity.")
        )
    addendum, station_key, signature = _signed_addendum(keys, data)
    station = services.verified_signer(
        session,
        keys,
        station_key,
        canonical_json(addendum),
        signature,
        context=ADDENDUM_CONTEXT,
        texts=_SIGNER_TEXTS,
    )
    addendum_id, record_id = uuid.UUID(addendum["addendum_id"]), uuid.UUID(addendum["record_id"])
    if bundled is not None and (station.id, addendum_id) != (bundled[0].id, bundled[1]):
        raise services.ManifestMismatchError(
            N_(
                "Correction %(id)s in the bundle is not the one its manifest lists, or is "
                "signed by another station. Nothing was imported."
            ),
            id=str(bundled[1]),
        )
    sealed_sha256 = hashlib.sha256(data).hexdigest()
    label = services.station_label(keys, station)
    held = session.get(ReceivedAddendum, addendum_id)
    if held is not None:
        if held.sealed_sha256 != sealed_sha256:
            raise AddendumRefusedError(
                N_(
                    "A different correction with the same id (%(id)s) is already stored "
                    "here. It was not overwritten and nothing was imported."
                ),
                id=str(addendum_id),
            )
        return AddendumResult(addendum_id, record_id, label, already=True)
    testimony = session.get(Testimony, record_id)
    if testimony is None:
        raise RecordNotHereError(
            N_(
                "Record %(id)s, which this correction is for, is not stored here. Import "
                "the bundle that holds it first, then this file again."
            ),
            id=str(record_id),
        )
    if testimony.state == "erased" or testimony.wrapped_key is None:
        raise RecordErasedError(
            N_("Record %(id)s was erased, so its correction was not kept."), id=str(record_id)
        )
    try:
        data_key = record_data_key(keys, testimony)
        provenance = load_provenance(session, keys, testimony)
    except RecordUnreadableError as error:
        raise RecordNotTakenError(
            N_("The record this correction is for does not open. Nothing was imported."),
            reason=error,
        ) from None
    if provenance is None or provenance.get("station_id") != str(station.id):
        raise RecordNotTakenError(
            N_(
                "Record %(id)s was not delivered by %(label)s, so a correction from it is "
                "refused: only the station that sealed a record can correct it. Nothing "
                "was imported."
            ),
            id=str(record_id),
            label=label,
        )
    session.add(
        ReceivedAddendum(
            id=addendum_id,
            record_id=record_id,
            station_id=station.id,
            received_on=datetime.now(UTC).date(),
            sealed_sha256=sealed_sha256,
            ciphertext=encrypt_field(
                data_key, canonical_json(addendum), context=_context(record_id, addendum_id)
            ),
        )
    )
    record_event(
        session,
        keys,
        actor=actor,
        action="record.addendum",
        record_id=record_id,
        details={"addendum": str(addendum_id), "sealed_sha256": sealed_sha256},
    )
    try:
        session.flush()
    except IntegrityError:
        raise ConcurrentAddendumError(
            N_(
                "The same correction was being imported at the same moment by another "
                "import. Nothing was imported by this one; try it again."
            )
        ) from None
    return AddendumResult(addendum_id, record_id, label, already=False)


def addenda_of(
    session: Session, keys: UnlockedKeys, record_id: uuid.UUID, *, actor: uuid.UUID | None
) -> list[AddendumView]:
    """The corrections received for a record, by the day each was written. One that
    does not open (its ciphertext altered or moved in the database) comes last without
    its text, and its refusal is audited; an erased record has none."""
    require_role(session, "casedb")
    testimony = session.get(Testimony, record_id)
    if testimony is None or testimony.wrapped_key is None:
        return []
    rows = session.execute(
        select(ReceivedAddendum, Station)
        .join(Station, Station.id == ReceivedAddendum.station_id)
        .where(ReceivedAddendum.record_id == record_id)
        .order_by(ReceivedAddendum.received_on, ReceivedAddendum.id)
    ).all()
    if not rows:
        return []
    data_key = record_data_key(keys, testimony)
    views = []
    for row, station in rows:
        label = services.station_label(keys, station)
        try:
            plain = decrypt_field(data_key, row.ciphertext, context=_context(record_id, row.id))
        except OpenError:
            views.append(AddendumView(row.id, row.received_on, label))
            record_event(
                session,
                keys,
                actor=actor,
                action="record.refused",
                record_id=record_id,
                details={"addendum": str(row.id)},
            )
            continue
        document = json.loads(plain)
        views.append(
            AddendumView(
                row.id,
                row.received_on,
                label,
                document["written_on"],
                document.get("author"),
                document["text"],
                tuple(document["corrected_paths"]),
            )
        )
    views.sort(key=lambda view: (view.written_on is None, view.written_on or "", view.received_on))
    return views


def remove_addenda(session: Session, record_id: uuid.UUID) -> None:
    """Delete a record's corrections (its erasure). Encrypted under its data key, they
    no longer open once it is destroyed; deleting them leaves not even their size."""
    session.execute(delete(ReceivedAddendum).where(ReceivedAddendum.record_id == record_id))
