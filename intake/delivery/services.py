"""Delivery services: enrol and revoke stations, build and send bundles, import them
all or nothing, and make and confirm signed receipts.

Station side: :func:`enrolment_text`, :func:`trust_casedb_key`, :func:`build_bundle`,
:func:`send_outbox`, :func:`confirm_receipt`. Case database side: :func:`enrol_station`,
:func:`revoke_station`, :func:`import_bundle`, :func:`receiving_key_text`.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import hashlib
import http.client
import json
import re
import threading
import urllib.error
import urllib.request
import uuid
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crypto import (
    Context,
    Identity,
    KeyChain,
    KeyFormatError,
    OpenError,
    Purpose,
    SignatureError,
    SigningKey,
    Stream,
    SymmetricKey,
    VerifyKey,
    decrypt_field,
    derived_chain,
    encrypt_field,
    open_sealed,
    open_sealed_stream,
    seal,
)
from intake.collector import collector_paused
from intake.db import scrub_after_commit
from intake.delivery.bundles import (
    MANIFEST,
    MANIFEST_CONTEXT,
    MAX_ADDENDUM_BYTES,
    MAX_BUNDLE_ADDENDA,
    MAX_BUNDLE_BYTES,
    MAX_BUNDLE_RECORDS,
    RECEIPT_CONTEXT,
    RECEIPT_FORMAT,
    SIGNATURE,
    BundleUnreadableError,
    EntryPlace,
    Manifest,
    ManifestEntry,
    Ranges,
    manifest_bytes,
    parse_manifest,
    read_bundle_archive,
    read_entry,
    write_archive,
)
from intake.delivery.models import OutboxAddendum, ReceivedBundle, SentBundle, Station
from intake.errors import N_, IntakeError
from intake.progress import Progress, no_progress
from intake.records.attachments import (
    Attachment,
    PayloadError,
    check_against_sources,
    unpack_payload,
)
from intake.records.jsontext import canonical_json
from intake.records.models import SealedRecord, Testimony
from intake.records.services import (
    EncryptedWriter,
    Incoming,
    NoRecipientsError,
    ReadyRecord,
    RecordInvalidError,
    WriteKeys,
    check_record,
    encrypt_testimony,
    existing_records,
    load_provenance,
)
from intake.records.upgrade import upgrade_record
from intake.serving import disable_core_dumps
from intake.validators import invisible_character
from intake.workspace.services import (
    SIGNING_KEY,
    VERIFY_KEY,
    get_key_material,
    get_workspace,
    put_key_material,
    require_role,
    verified_recipients,
)
from intake.workspace.services import today as midnight_today
from intake.workspace.vault import UnlockedKeys

ENROLMENT_FORMAT = "intake-station-enrolment-v1"
RECEIPT_FILE_FORMAT = "intake-receipt-file-v1"
CASEDB_SIGNING_KEY = "casedb-signing-key"
CASEDB_VERIFY_KEY = "casedb-verify-key"
TRUSTED_CASEDB_KEY = "trusted-casedb-key"
ENDPOINT = "/delivery/bundles"
#: The largest receipt read (a file, an upload, or a case database's answer).
MAX_RECEIPT_BYTES = 50_000_000
#: The most of an error answer read for its message.
_MAX_ERROR_BYTES = 64 * 1024
#: Bundles with at least this many new records are opened by a pool of processes.
POOL_THRESHOLD = 400
#: Fewest and most records a worker opens in one task (and the parent then stores).
MIN_CHUNK, MAX_CHUNK = 16, 256
_HEX64 = re.compile(r"[0-9a-f]{64}")


# --- errors -------------------------------------------------------------------


class StationKeyError(IntakeError):
    """An enrolment file or station key is malformed."""


class StationExistsError(IntakeError):
    """The station is already enrolled."""

    status = 409


class StationNotFoundError(IntakeError):
    """No enrolled station matches."""

    status = 404


class UnknownStationError(IntakeError):
    """A bundle or correction is signed by a key no enrolled station holds."""

    status = 403


class StationRevokedError(IntakeError):
    """A bundle or correction comes from a revoked station."""

    status = 403


class BadSignatureError(IntakeError):
    """A bundle's or correction's signature does not verify."""

    status = 403


class ReplayedBundleError(IntakeError):
    """A bundle (or its sequence number) was imported before."""

    status = 409


class ManifestMismatchError(IntakeError):
    """The records in a bundle do not match its signed manifest."""

    status = 422


class BundleRecordError(IntakeError):
    """A record in a bundle does not open, unpack safely or validate."""

    status = 422

    def __init__(self, template: str, problems: Sequence[str] = (), **params: object) -> None:
        super().__init__(template, **params)
        #: Paths and codes of validation problems (no values of the record).
        self.problems = list(problems)


class RecordConflictError(IntakeError):
    """A record with the same id but other content is already stored."""

    status = 409


class ConcurrentImportError(IntakeError):
    """Another import wrote the same bundle or records first."""

    status = 409


class NoIdentityError(IntakeError):
    """The case database has no organisation identity to open bundles with."""

    status = 409


class OutboxEmptyError(IntakeError):
    """There is nothing to deliver."""


class CasedbKeyError(IntakeError):
    """The case database's key is missing at the station, or malformed."""


class ReceiptError(IntakeError):
    """A receipt is malformed, not signed by the case database, or not for this station."""


class ReceiptConfirmedError(IntakeError):
    """A receipt confirmed before: nothing is left for it to change."""

    status = 409


class SendError(IntakeError):
    """Sending to the case database failed; the records stay in the outbox."""

    status = 502


#: The endpoint's answers to a bundle it refuses. One answer for every bundle not signed
#: by an enrolled, active station (or not opening), so an unknown sender learns nothing
#: about which stations exist; and, for a genuine bundle refused after its signature was
#: checked, answers that say no more than the sealed bundle shows (not the station's
#: label, the bundle's number or a record's id), as whoever holds a copy of it (a USB
#: stick found, a send captured) can post it again.
NOT_ACCEPTED_ANSWER = N_("The bundle was not accepted.")
LOCKED_ANSWER = N_("The case database is locked; send again later.")
REPLAYED_ANSWER = N_(
    "This bundle was imported before; a replayed bundle is refused. Nothing was imported."
)
REFUSED_ANSWER = N_(
    "A record or correction in this bundle was refused: it conflicts with one stored "
    "here, does not match the signed list, or does not validate. Nothing was imported. "
    "To see which and why, save the outbox to a file and import that file at the case "
    "database."
)
NOT_A_CASE_DATABASE_ANSWER = N_("This address is not a case database's: nothing was imported.")
#: The answers a station shows in its reader's language; any other text an address
#: answers with is shown as it came.
_TRANSLATED_ANSWERS = frozenset(
    {
        NOT_ACCEPTED_ANSWER,
        LOCKED_ANSWER,
        REPLAYED_ANSWER,
        REFUSED_ANSWER,
        NOT_A_CASE_DATABASE_ANSWER,
    }
)


class RefusedSendError(SendError):
    """The case database refused the bundle, and said why, in English: shown in the
    reader's language when it is one of the endpoint's answers."""

    def translated(self) -> str:
        from flask_babel import gettext

        reason = self.params.get("reason")
        if reason in _TRANSLATED_ANSWERS:
            return gettext(self.template, reason=gettext(str(reason)))
        return super().translated()


# --- key material -----------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _minute(moment: datetime) -> str:
    return moment.replace(second=0, microsecond=0).isoformat()


def _key_context(name: str) -> Context:
    # The same binding the workspace uses for its own key material.
    return Context(namespace="key-material", record_id="workspace", field=name)


# Key material lives in the workspace key file, which a wipe overwrites in place.
_get, _put = get_key_material, put_key_material


def station_signing_key(session: Session, keys: UnlockedKeys) -> SigningKey:
    """The station's delivery signing key (bundles' manifests, addenda), decrypted."""
    sealed = _get(session, SIGNING_KEY)
    if sealed is None:
        raise StationKeyError(N_("This station has no signing key; it was not set up fully."))
    raw = decrypt_field(
        keys.keyring.chain(Purpose.SIGNING_KEY), sealed, context=_key_context(SIGNING_KEY)
    )
    return SigningKey(raw)


def _station_verify_key(session: Session) -> VerifyKey:
    raw = _get(session, VERIFY_KEY)
    if raw is None:
        raise StationKeyError(N_("This station has no signing key; it was not set up fully."))
    return VerifyKey(raw)


def casedb_signing_key(session: Session, keys: UnlockedKeys) -> SigningKey:
    """The case database's receipt-signing key, made on first use and stored encrypted."""
    require_role(session, "casedb")
    sealed = _get(session, CASEDB_SIGNING_KEY)
    chain = keys.keyring.chain(Purpose.SIGNING_KEY)
    if sealed is not None:
        return SigningKey(decrypt_field(chain, sealed, context=_key_context(CASEDB_SIGNING_KEY)))
    signing = SigningKey.generate()
    _put(
        session,
        CASEDB_SIGNING_KEY,
        encrypt_field(
            chain.current, signing.private_bytes(), context=_key_context(CASEDB_SIGNING_KEY)
        ),
    )
    _put(session, CASEDB_VERIFY_KEY, signing.verify_key.to_bytes())
    return signing


def receiving_key_text(session: Session, keys: UnlockedKeys) -> str:
    """The case database's receipt key as 64 hex digits, to give to every station."""
    return casedb_signing_key(session, keys).verify_key.to_bytes().hex()


def key_fingerprint(key_text: str) -> str:
    """The fingerprint of a key given as 64 hex digits, as a station shows the case
    database key it trusts, so people can compare the two sides."""
    return VerifyKey(bytes.fromhex(key_text)).fingerprint


def stored_receiving_key(session: Session) -> str | None:
    """The case database's receipt key (64 hex digits) if it was made; no keys needed."""
    raw = _get(session, CASEDB_VERIFY_KEY)
    return None if raw is None else raw.hex()


def _parse_key(text: str, error: type[IntakeError], message: str) -> VerifyKey:
    cleaned = re.sub(r"\s+", "", text).lower()
    if not _HEX64.fullmatch(cleaned):
        raise error(message)
    return VerifyKey(bytes.fromhex(cleaned))


# --- station side: enrolment and the case database's key ---------------------------------


def enrolment_text(session: Session) -> str:
    """The station's enrolment file: its public signing key and fingerprint (no secret)."""
    require_role(session, "station")
    key = _station_verify_key(session)
    return (
        json.dumps(
            {
                "format": ENROLMENT_FORMAT,
                "verify_key": key.to_bytes().hex(),
                "fingerprint": key.fingerprint,
            },
            indent=2,
        )
        + "\n"
    )


def trust_casedb_key(session: Session, keys: UnlockedKeys, key_text: str) -> str:
    """Keep the case database's receipt key, encrypted under the keyring (so a key
    slipped into a seized laptop's database is never trusted). Returns its fingerprint.
    """
    require_role(session, "station")
    key = _parse_key(
        key_text,
        CasedbKeyError,
        N_(
            "That is not a case database key: it is 64 hexadecimal digits, shown on the "
            "case database's Stations page and by intake stations list."
        ),
    )
    sealed = encrypt_field(
        keys.keyring.chain(Purpose.RECIPIENTS).current,
        key.to_bytes(),
        context=_key_context(TRUSTED_CASEDB_KEY),
    )
    _put(session, TRUSTED_CASEDB_KEY, sealed)
    return key.fingerprint


def replaced_casedb_key(
    session: Session, keys: UnlockedKeys, key_text: str
) -> tuple[str, str] | None:
    """(kept, typed) fingerprints when ``key_text`` is a case database key other than
    the one this station keeps; None when it keeps none, the same one, one that no
    longer opens (replacing it is the way out), or when the text is no key at all
    (:func:`trust_casedb_key` says why)."""
    try:
        typed = _parse_key(key_text, CasedbKeyError, "")
        kept = trusted_casedb_key(session, keys)
    except CasedbKeyError:
        return None
    if kept is None or kept.to_bytes() == typed.to_bytes():
        return None
    return kept.fingerprint, typed.fingerprint


def trusted_casedb_key(session: Session, keys: UnlockedKeys) -> VerifyKey | None:
    """The case database's receipt key, if this station keeps one."""
    sealed = _get(session, TRUSTED_CASEDB_KEY)
    if sealed is None:
        return None
    try:
        raw = decrypt_field(
            keys.keyring.chain(Purpose.RECIPIENTS), sealed, context=_key_context(TRUSTED_CASEDB_KEY)
        )
    except OpenError:
        raise CasedbKeyError(
            N_(
                "The stored case database key was changed outside this app. Give it again "
                "from the case database's Stations page."
            )
        ) from None
    return VerifyKey(raw)


# --- case database side: stations -------------------------------------------------------


#: The label shown for a station whose attestation does not open (altered outside
#: this app): such a station is not trusted either.
UNREADABLE_LABEL = N_("(label unreadable)")


def _station_attestation(keys: UnlockedKeys, station: Station, label: str | None) -> bytes:
    """The station's key, label and revocation, encrypted under the keyring. A label
    None (one that did not open, kept so when the station is revoked) reads back as
    unreadable."""
    fact = canonical_json(
        {
            "verify_key": station.verify_key.hex(),
            "label": label,
            "revoked": station.revoked_at is not None,
        }
    )
    return encrypt_field(
        keys.keyring.chain(Purpose.RECIPIENTS).current,
        fact,
        context=Context("station", str(station.id), "attestation"),
    )


def _attestation_fact(keys: UnlockedKeys, station: Station) -> dict[str, Any] | None:
    """The station's attested key, label and revocation; None if they do not open."""
    try:
        fact = json.loads(
            decrypt_field(
                keys.keyring.chain(Purpose.RECIPIENTS),
                station.attestation,
                context=Context("station", str(station.id), "attestation"),
            )
        )
    except (OpenError, ValueError):
        return None
    return fact if isinstance(fact, dict) and isinstance(fact.get("label"), str) else None


def _attested(keys: UnlockedKeys, station: Station) -> bool:
    fact = _attestation_fact(keys, station)
    return (
        fact is not None
        and fact.get("verify_key") == station.verify_key.hex()
        and fact.get("revoked") is (station.revoked_at is not None)
    )


def _readable_label(keys: UnlockedKeys, station: Station) -> str | None:
    """What the administrator called the station, None if its attestation does not open."""
    fact = _attestation_fact(keys, station)
    return None if fact is None else str(fact["label"])


def station_label(keys: UnlockedKeys, station: Station) -> str:
    """What the administrator called the station: kept only encrypted, in its
    attestation (a label may name the person whose laptop it is). If that does not
    open, :data:`UNREADABLE_LABEL`, in the page's language on a page."""
    from flask_babel import gettext  # English outside a request (commands)

    label = _readable_label(keys, station)
    return gettext(UNREADABLE_LABEL) if label is None else label


def station_labels(session: Session, keys: UnlockedKeys) -> dict[str, str]:
    """Every enrolled station's label by its id (as text)."""
    return {str(station.id): station_label(keys, station) for station in list_stations(session)}


def label_of_station(session: Session, keys: UnlockedKeys, station_id: str) -> str | None:
    """The label of the station with id ``station_id`` (as text), None if none has it:
    only its attestation is decrypted, not every station's."""
    station = session.get(Station, uuid.UUID(station_id))
    return None if station is None else station_label(keys, station)


def _enrolment_key(text: str) -> VerifyKey:
    message = N_(
        "That is not a station enrolment file. At the station, download it from the "
        "Delivery page or run intake outbox enrolment FILE, and bring that file."
    )
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
            if data["format"] != ENROLMENT_FORMAT:
                raise ValueError
            key = _parse_key(data["verify_key"], StationKeyError, message)
        # RecursionError: JSON nested too deeply to read (a hostile file).
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise StationKeyError(message) from None
        if data.get("fingerprint") not in (None, key.fingerprint):
            raise StationKeyError(message)
        return key
    return _parse_key(stripped, StationKeyError, message)


def enrol_station(session: Session, keys: UnlockedKeys, enrolment: str, *, label: str) -> Station:
    """Enrol a station from its enrolment file (or its 64-hex public key) under ``label``."""
    require_role(session, "casedb")
    key = _enrolment_key(enrolment)
    label = label.strip()
    if not label or len(label) > 100:
        raise StationKeyError(N_("Give the station a label of 1 to 100 characters."))
    if (invisible := invisible_character(label)) is not None:
        raise StationKeyError(invisible[0], code=invisible[1])
    enrolled = session.scalars(select(Station).where(Station.verify_key == key.to_bytes())).first()
    if enrolled is not None and enrolled.revoked_at is not None:
        raise StationExistsError(
            N_(
                "This station's key was revoked on %(day)s (as %(label)s) and cannot be "
                "enrolled again."
            ),
            day=enrolled.revoked_at.date().isoformat(),
            label=station_label(keys, enrolled),
        )
    if enrolled is not None:
        raise StationExistsError(N_("This station is already enrolled."))
    station = Station(
        id=uuid.uuid4(),
        verify_key=key.to_bytes(),
        attestation=b"",
        enrolled_at=midnight_today(),
        revoked_at=None,
    )
    station.attestation = _station_attestation(keys, station, label)
    session.add(station)
    casedb_signing_key(session, keys)
    return station


def find_station(session: Session, keys: UnlockedKeys, reference: str) -> Station:
    """The one station whose id, fingerprint (or its start, 8+ digits) or label is
    ``reference``. A label two stations share (a revoked laptop's, given again to its
    successor) is refused as ambiguous; a label that does not open matches nothing."""
    wanted = reference.strip().lower()
    found = []
    for station in list_stations(session):
        fingerprint = VerifyKey(station.verify_key).fingerprint
        label = _readable_label(keys, station)
        if wanted in (str(station.id), None if label is None else label.lower()) or (
            len(wanted) >= 8 and fingerprint.startswith(wanted)
        ):
            found.append(station)
    if len(found) > 1:
        raise StationNotFoundError(
            N_(
                "%(count)s enrolled stations match %(ref)r: give the fingerprint shown "
                "by intake stations list instead."
            ),
            count=len(found),
            ref=reference,
        )
    if not found:
        raise StationNotFoundError(N_("No enrolled station matches %(ref)r."), ref=reference)
    return found[0]


def revoke_station(session: Session, keys: UnlockedKeys, station: Station) -> None:
    """Refuse every later bundle signed by ``station`` (what it delivered stays)."""
    require_role(session, "casedb")
    if station.revoked_at is None:
        label = _readable_label(keys, station)
        station.revoked_at = midnight_today()
        station.attestation = _station_attestation(keys, station, label)


def list_stations(session: Session) -> list[Station]:
    """Enrolled stations, by the day each was enrolled (in no set order within a day)."""
    return list(session.scalars(select(Station).order_by(Station.enrolled_at, Station.id)))


def fingerprint_of(station: Station) -> str:
    """The station key's fingerprint, as its Keys page shows it."""
    return VerifyKey(station.verify_key).fingerprint


# --- station side: bundles --------------------------------------------------------------


class NotSealedHereError(IntakeError):
    """No record with this id was sealed at this station."""

    status = 404


def sealed_here(session: Session, record_id: uuid.UUID) -> bool:
    """Whether ``record_id`` was sealed at this station, delivered or not (its id, day
    and sealed hash are kept after delivery)."""
    return session.get(SealedRecord, record_id) is not None


def sealed_record_id(session: Session, record_id: uuid.UUID | str) -> uuid.UUID:
    """``record_id`` (or the id typed) of a record sealed at this station; else
    :class:`NotSealedHereError`, for text that is no id as for an id not sealed here."""
    try:
        found = record_id if isinstance(record_id, uuid.UUID) else uuid.UUID(record_id.strip())
    except ValueError:
        found = None
    if found is None or not sealed_here(session, found):
        raise NotSealedHereError(N_("No record with this id was sealed at this station."))
    return found


def undelivered(session: Session) -> list[SealedRecord]:
    """Sealed records still waiting for a receipt."""
    query = select(SealedRecord).where(
        SealedRecord.delivered_on.is_(None), SealedRecord.sealed.is_not(None)
    )
    return list(session.scalars(query.order_by(SealedRecord.sealed_on, SealedRecord.id)))


def waiting_addenda(
    session: Session, limit: int | None = MAX_BUNDLE_ADDENDA
) -> list[OutboxAddendum]:
    """Sealed corrections waiting for a receipt, oldest first: as many as one bundle
    carries (the rest go with the next), or ``limit``, or all (None)."""
    query = select(OutboxAddendum).order_by(OutboxAddendum.made_on, OutboxAddendum.id)
    return list(session.scalars(query if limit is None else query.limit(limit)))


def waiting_addenda_count(session: Session) -> int:
    """How many sealed corrections wait for a receipt."""
    return int(session.scalar(select(func.count()).select_from(OutboxAddendum)) or 0)


@dataclass(frozen=True)
class Bundle:
    """A bundle made at a station."""

    bundle_id: uuid.UUID
    sequence: int
    record_ids: list[uuid.UUID]
    data: bytes
    #: The corrections it carries.
    addendum_ids: list[uuid.UUID] = field(default_factory=list)


def _outbox_empty() -> OutboxEmptyError:
    return OutboxEmptyError(N_("The outbox is empty: there is nothing to deliver."))


def build_bundle(
    session: Session,
    keys: UnlockedKeys,
    records: Sequence[SealedRecord] | None = None,
    addenda: Sequence[OutboxAddendum] | None = None,
    *,
    progress: Progress = no_progress,
) -> Bundle:
    """Sign and seal a bundle of ``records`` and corrections ``addenda`` (default: every
    undelivered record and the waiting corrections, :func:`waiting_addenda`).

    The bundle gets the station's next sequence number, recorded in the caller's
    transaction; records and corrections stay in the outbox until a receipt is
    confirmed.
    """
    require_role(session, "station")
    records = undelivered(session) if records is None else list(records)
    addenda = waiting_addenda(session) if addenda is None else list(addenda)
    if not records and not addenda:
        raise _outbox_empty()
    if len(records) > MAX_BUNDLE_RECORDS:
        records = records[:MAX_BUNDLE_RECORDS]
    recipients = verified_recipients(session, keys)
    if not recipients:
        raise NoRecipientsError(
            N_(
                "No organisation recipient is registered, so nothing can be sealed. "
                "Run: intake keys add-recipient age1... (printed by the case database)."
            )
        )
    signing = station_signing_key(session, keys)
    last = session.scalar(select(func.max(SentBundle.sequence)))
    sent = SentBundle(id=uuid.uuid4(), sequence=(last or 0) + 1, made_on=_now().date())
    session.add(sent)
    session.flush()
    manifest = Manifest(
        station_key=signing.verify_key.to_bytes(),
        bundle_id=sent.id,
        sequence=sent.sequence,
        made_at=_minute(_now()),
        records=[ManifestEntry(row.id, row.sha256, len(row.sealed or b"")) for row in records],
        receipt_key=_receipt_key_of(keys, sent.id),
        addenda=[ManifestEntry(row.id, row.sha256, len(row.sealed or b"")) for row in addenda],
    )
    signed = manifest_bytes(manifest)
    entries = [(MANIFEST, signed), (SIGNATURE, signing.sign(signed, context=MANIFEST_CONTEXT))]
    for done, row in enumerate(records, 1):
        entries.append((f"records/{row.id}.age", row.sealed or b""))
        progress(done, len(records))
    entries += [(f"addenda/{row.id}.age", row.sealed or b"") for row in addenda]
    return Bundle(
        sent.id,
        sent.sequence,
        [row.id for row in records],
        seal(write_archive(entries), recipients),
        [row.id for row in addenda],
    )


#: Where a sealed receipt belongs, bound into its encryption with the bundle's id.
_RECEIPT_NAMESPACE = "delivery-receipt"


def _receipt_keys(keys: UnlockedKeys, bundle_id: uuid.UUID) -> KeyChain:
    """This station's one-off keys for the receipt of bundle ``bundle_id``: derived from
    its keyring, so nothing is stored and a rotation between sending and the receipt
    still opens it."""
    return derived_chain(keys.keyring.chain(Purpose.RECEIPTS), f"bundle/{bundle_id}")


def _receipt_key_of(keys: UnlockedKeys, bundle_id: uuid.UUID) -> bytes:
    """The receipt key a bundle's manifest carries: key id, then key."""
    key = _receipt_keys(keys, bundle_id).current
    return key.key_id + key.material


def _receipt_context(bundle_id: uuid.UUID) -> Context:
    return Context(namespace=_RECEIPT_NAMESPACE, record_id=str(bundle_id), field="receipt")


def _endpoint(url: str) -> str:
    cleaned = url.strip()
    if not re.match(r"https?://[^\s/]+", cleaned):
        raise SendError(N_("Give the case database's address, e.g. https://cases.example.org/ ."))
    return cleaned if cleaned.endswith(ENDPOINT) else cleaned.rstrip("/") + ENDPOINT


#: How long reaching the case database and agreeing on TLS may take, in seconds: an
#: address that answers nothing (or a plain-HTTP server given as https://) fails in
#: seconds, while the upload and the import that answers it may take longer.
CONNECT_TIMEOUT = 15.0


def _quick_connect(
    kind: type[http.client.HTTPConnection], limit: float
) -> type[http.client.HTTPConnection]:
    """``kind`` whose connection (and TLS handshake) waits at most ``limit`` seconds;
    after it, reads and writes wait as long as the request's own timeout."""

    class Connection(kind):  # type: ignore[valid-type,misc]
        def connect(self) -> None:
            patient = self.timeout
            self.timeout = limit
            try:
                super().connect()
            finally:
                self.timeout = patient
            self.sock.settimeout(patient)

    return Connection


def _opener(connect_timeout: float) -> urllib.request.OpenerDirector:
    http_connection = _quick_connect(http.client.HTTPConnection, connect_timeout)
    https_connection = _quick_connect(http.client.HTTPSConnection, connect_timeout)

    class QuickHTTP(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(http_connection, req)

    class QuickHTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(https_connection, req, context=self._context)  # type: ignore[attr-defined]

    return urllib.request.build_opener(QuickHTTP, QuickHTTPS)


def _unreachable(url: str) -> SendError:
    return SendError(
        N_(
            "The case database at %(url)s could not be reached, or the connection broke. "
            "Check the address, including http:// or https://. The records stay in the "
            "outbox; send again later."
        ),
        url=url.strip(),
    )


def post_bundle(
    url: str,
    data: bytes,
    *,
    timeout: float = 120.0,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> bytes:
    """POST a bundle to the case database at ``url``; the receipt it answers with.
    Reaching it may take ``connect_timeout`` seconds, each later wait ``timeout``."""
    target = _endpoint(url)
    request = urllib.request.Request(  # noqa: S310 (http/https checked above)
        target, data=data, method="POST", headers={"Content-Type": "application/octet-stream"}
    )
    try:
        with _opener(connect_timeout).open(request, timeout=timeout) as response:
            # Read no more than a receipt can be: a wrong or hostile address could
            # answer without end.
            body: bytes = response.read(MAX_RECEIPT_BYTES + 1)
            # A read of a set size returns what came before the connection closed:
            # less than the answer said it holds means the connection broke.
            left = getattr(response, "length", None)  # None: no HTTP answer (a redirect)
            cut_short = len(body) <= MAX_RECEIPT_BYTES and bool(left)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise SendError(
                N_(
                    "No case database answers at %(url)s (HTTP 404): check the address. The "
                    "records stay in the outbox."
                ),
                url=url.strip(),
            ) from None
        try:
            reason = str(json.loads(error.read(_MAX_ERROR_BYTES))["error"])[:500]
        except (
            ValueError,
            KeyError,
            TypeError,
            RecursionError,
            OSError,
            http.client.HTTPException,
        ):
            reason = f"HTTP {error.code}."
        raise RefusedSendError(
            N_("The case database refused the bundle: %(reason)s The records stay in the outbox."),
            reason=reason,
        ) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        raise _unreachable(url) from None
    if cut_short:
        raise _unreachable(url)
    if len(body) > MAX_RECEIPT_BYTES:
        raise SendError(
            N_(
                "The answer from %(url)s is larger than a receipt can be, so it is not a "
                "case database's receipt. Check the address. The records stay in the outbox."
            ),
            url=url.strip(),
        )
    return body


@dataclass
class SendResult:
    """What one send achieved."""

    bundles: int = 0
    delivered: list[uuid.UUID] = field(default_factory=list)
    #: Corrections the case database confirmed.
    corrections: list[uuid.UUID] = field(default_factory=list)
    #: Corrections it refused for good (deleted here too).
    refused: list[uuid.UUID] = field(default_factory=list)


def send_outbox(
    session: Session,
    keys: UnlockedKeys,
    url: str,
    *,
    max_bundle_bytes: int = 25_000_000,
    progress: Progress = no_progress,
) -> SendResult:
    """Deliver every undelivered record, and the waiting corrections, to the case
    database at ``url`` over HTTP(S).

    Records go in bundles of at most ``max_bundle_bytes`` of sealed data (at least one
    record each); the corrections go with the last, after every record they may
    correct. Each bundle's sequence number is committed before it is sent, so a
    bundle that reached the case database is never followed by one reusing its number.
    Each receipt is verified and confirmed (records and corrections marked delivered,
    their sealed files deleted).
    """
    casedb_key = trusted_casedb_key(session, keys)
    if casedb_key is None:
        raise _no_casedb_key()
    pending, addenda = undelivered(session), waiting_addenda(session, None)
    if not pending and not addenda:
        raise _outbox_empty()
    _endpoint(url)  # an address that cannot be one is refused before a bundle is numbered
    result = SendResult()
    total = len(pending)
    for records, corrections in _chunks(pending, addenda, max_bundle_bytes):
        bundle = build_bundle(session, keys, records, corrections)
        session.commit()
        receipt = post_bundle(url, bundle.data)
        confirmed = confirm_receipt(session, keys, receipt)
        session.commit()
        result.delivered += confirmed.records
        result.corrections += confirmed.corrections
        result.refused += confirmed.refused
        result.bundles += 1
        progress(len(result.delivered), total)
    return result


def _chunks(
    records: list[SealedRecord], addenda: list[OutboxAddendum], limit: int
) -> Iterator[tuple[list[SealedRecord], list[OutboxAddendum]]]:
    """Records, then corrections, cut into bundles of at most ``limit`` bytes of sealed
    files (at least one file each) and at most as many of each as a bundle holds. The
    corrections come after every record, so each goes with or after its record."""
    taken: list[SealedRecord] = []
    corrections: list[OutboxAddendum] = []
    size = 0
    for row in [*records, *addenda]:
        is_record = isinstance(row, SealedRecord)
        length = len(row.sealed or b"")
        full = (
            len(taken) >= MAX_BUNDLE_RECORDS
            if is_record
            else len(corrections) >= MAX_BUNDLE_ADDENDA
        )
        if (taken or corrections) and (size + length > limit or full):
            yield taken, corrections
            taken, corrections, size = [], [], 0
        if isinstance(row, SealedRecord):
            taken.append(row)
        else:
            corrections.append(row)
        size += length
    if taken or corrections:
        yield taken, corrections


def _no_casedb_key() -> CasedbKeyError:
    return CasedbKeyError(
        N_(
            "This station does not know the case database's key yet, so it cannot check "
            "receipts. Copy it from the case database's Stations page (or intake stations "
            "list) to this station's Delivery page (or intake outbox trust KEY)."
        )
    )


def _bad_receipt() -> ReceiptError:
    return ReceiptError(
        N_(
            "This receipt is not from this organisation's case database, is damaged, or is "
            "for another station. Nothing was marked delivered."
        )
    )


def _opened_receipt(keys: UnlockedKeys, receipt: bytes) -> bytes:
    """The signed receipt inside a sealed one (the bundle's id, then the receipt
    encrypted under the bundle's one-off key). Anything else is returned as it is: a
    plain receipt from a case database that does not seal them, or bytes that the
    signature check then refuses."""
    if len(receipt) > 16:
        bundle_id = uuid.UUID(bytes=receipt[:16])
        with contextlib.suppress(OpenError):
            return decrypt_field(
                _receipt_keys(keys, bundle_id), receipt[16:], context=_receipt_context(bundle_id)
            )
    return receipt


@dataclass(frozen=True)
class Confirmed:
    """What confirming a receipt marked delivered."""

    records: list[uuid.UUID]
    #: Corrections the case database stored, or had already.
    corrections: list[uuid.UUID] = field(default_factory=list)
    #: Corrections it refused for good; deleted here too, as sending them again
    #: cannot change the answer.
    refused: list[uuid.UUID] = field(default_factory=list)


#: How the case database answers for a correction in a bundle (its receipt's status):
#: kept; kept before; refused for good (it is well signed but cannot be kept: another
#: correction holds its id, say); or its record is not one this station delivered
#: there, which is said alike whether the record has not arrived yet (a bundle carried
#: by hand and not imported yet), was erased, or is another station's, so that a
#: station learns nothing about records it did not deliver. The station keeps such a
#: correction and sends it again with its next bundle.
ADDENDUM_STORED = "stored"
ADDENDUM_ALREADY = "already-received"
ADDENDUM_REFUSED = "refused"
ADDENDUM_WAITING = "record-not-here"


def confirm_receipt(session: Session, keys: UnlockedKeys, receipt: bytes) -> Confirmed:
    """Verify a receipt and mark the records it lists delivered, deleting their sealed
    blobs; delete the corrections it took or refused for good. Only what matches its
    sealed hash counts.
    """
    require_role(session, "station")
    casedb_key = trusted_casedb_key(session, keys)
    if casedb_key is None:
        raise _no_casedb_key()
    try:
        wrapper = json.loads(_opened_receipt(keys, receipt))
        if wrapper["format"] != RECEIPT_FILE_FORMAT:
            raise ValueError
        payload = base64.b64decode(wrapper["payload"], validate=True)
        signature = base64.b64decode(wrapper["signature"], validate=True)
        casedb_key.verify(signature, payload, context=RECEIPT_CONTEXT)
        content = json.loads(payload)
        if content["format"] != RECEIPT_FORMAT:
            raise ValueError
        if content["station_key"] != _station_verify_key(session).to_bytes().hex():
            raise ValueError
        bundle_id = uuid.UUID(content["bundle_id"])
        listed = {uuid.UUID(item["id"]): str(item["sha256"]) for item in content["records"]}
        answered = {
            uuid.UUID(item["id"]): (str(item["sha256"]), str(item["status"]))
            for item in content.get("addenda", [])
        }
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, SignatureError):
        raise _bad_receipt() from None
    sent = session.get(SentBundle, bundle_id)
    if sent is None:
        raise _bad_receipt()
    delivered: list[uuid.UUID] = []
    corrections: list[uuid.UUID] = []
    refused: list[uuid.UUID] = []
    today = _now().date()
    rows = session.scalars(select(SealedRecord).where(SealedRecord.id.in_(list(listed))))
    for row in rows:
        if row.sha256 == listed[row.id] and row.delivered_on is None:
            row.delivered_on = today
            row.sealed = None
            delivered.append(row.id)
    waiting = select(OutboxAddendum).where(OutboxAddendum.id.in_(list(answered)))
    for addendum in session.scalars(waiting):
        digest, status = answered[addendum.id]
        if addendum.sha256 != digest:
            continue
        if status in (ADDENDUM_STORED, ADDENDUM_ALREADY):
            corrections.append(addendum.id)
        elif status == ADDENDUM_REFUSED:
            refused.append(addendum.id)
        else:
            continue  # its record is not there: it goes again
        # The row goes with the file: a seized station holds nothing of it.
        session.delete(addendum)
    if not delivered and not corrections and not refused and sent.confirmed_on is not None:
        # This receipt, or another one for the same bundle (an import tried again at
        # the case database answers with a new one), after the bundle was confirmed.
        raise ReceiptConfirmedError(
            N_(
                "This receipt (bundle number %(sequence)s) was confirmed on %(day)s already; "
                "its records are delivered and nothing changed."
            ),
            sequence=sent.sequence,
            day=sent.confirmed_on.isoformat(),
        )
    if delivered or corrections or refused:
        # The journal's copies of the sealed files go too (SQLite).
        scrub_after_commit(session)
    if sent.confirmed_on is None:
        sent.confirmed_on = today
        sent.receipt = receipt
    return Confirmed(delivered, corrections, refused)


# --- case database side: import ---------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did."""

    bundle_id: uuid.UUID
    station_label: str
    stored: list[uuid.UUID]
    already: list[uuid.UUID]
    receipt: bytes
    #: Each correction the bundle carried, with the receipt's status for it
    #: (:data:`ADDENDUM_STORED` and the others).
    addenda: list[tuple[uuid.UUID, str]] = field(default_factory=list)

    def _corrections(self, *statuses: str) -> int:
        return sum(1 for _, status in self.addenda if status in statuses)

    @property
    def corrections_kept(self) -> int:
        """Corrections stored, now or before."""
        return self._corrections(ADDENDUM_STORED, ADDENDUM_ALREADY)

    @property
    def corrections_waiting(self) -> int:
        """Corrections of records that the station did not deliver here: not arrived
        yet, erased, or another station's."""
        return self._corrections(ADDENDUM_WAITING)

    @property
    def corrections_refused(self) -> int:
        """Corrections refused for good."""
        return self._corrections(ADDENDUM_REFUSED)


@dataclass(frozen=True)
class _Opened:
    """One record opened in a worker: its document and attachments, or a refusal."""

    record_id: uuid.UUID
    document: dict[str, Any] | None = None
    attachments: tuple[Attachment, ...] = ()
    #: Why it was refused: a message template with %(id)s (and %(count)s).
    refusal: str | None = None
    #: Details: validation problem paths and codes, or the archive problem.
    problems: tuple[str, ...] = ()
    #: The record encrypted under its own data key, that key wrapped, as plain values
    #: ready to insert (:meth:`EncryptedTestimony.ready`; the document dropped).
    ready: ReadyRecord | None = None
    #: The sealed file does not match its SHA-256 in the manifest (it was not opened).
    mismatch: bool = False
    #: Why the record could not be read from the bundle (a damaged chunk, a local
    #: header unlike the directory): the message of the BundleUnreadableError to raise.
    unreadable: str | None = None
    #: The sealed file's SHA-256 (of a record opened, not yet encrypted).
    sealed_sha256: str | None = None


#: One record to open: its id, where its sealed file lies in the bundle, and that
#: file's SHA-256 (from the manifest).
_Item = tuple[uuid.UUID, EntryPlace, str]
#: The same, its sealed file read from the bundle (for a worker that has no stream).
_ReadItem = tuple[uuid.UUID, bytes, str]


@dataclass(frozen=True)
class _Job:
    """What opening and encrypting a bundle's records needs, in whichever process."""

    identity: Identity
    #: Provenance shared by every record of the bundle (each adds its sealed_sha256).
    provenance: dict[str, Any]
    #: The workspace's record-key wrapping chain and blind-index plans: each data key
    #: is wrapped, and each name key HMACed, where it is made, so the importing process
    #: receives no unwrapped key and no plaintext name key, and only inserts.
    keys: WriteKeys


#: The job of this import worker. In a forked worker it is inherited from the parent
#: (which set it just before the pool forked), with the bundle's stream and where the
#: records lie, so nothing secret or large crosses a pipe: each worker decrypts only
#: its records' chunks. A spawned worker gets the job from :func:`_init_worker`, and
#: its records' sealed files, read by the parent, with each task.
_worker_job: _Job | None = None
_worker_stream: Stream | None = None
_worker_items: Sequence[_Item] = ()


def _init_worker(
    secret: str | None, provenance: dict[str, Any] | None, keys: WriteKeys | None
) -> None:
    global _worker_job
    # The worker holds the organisation identity and the wrapping keys: no core file,
    # no attaching to it.
    disable_core_dumps()
    if secret is not None and provenance is not None and keys is not None:
        _worker_job = _Job(Identity.from_secret_string(secret), provenance, keys)
    else:
        # Forked: what came from the parent is never collected here, so no finaliser
        # of a parent's object (a database connection in a garbage cycle) runs in the
        # worker, and its memory is not walked and copied page by page.
        gc.freeze()
    # A worker lives for one import and makes no reference cycles of its own (parsed
    # JSON, bytes, tuples; a refused record's traceback at most, and a refusal ends
    # the import): the collector's passes over each record's fresh objects would cost
    # about a twentieth of its time and free nothing. Its memory goes when it ends.
    gc.disable()


def _prepare_chunk(task: tuple[int, int] | list[_ReadItem]) -> list[_Opened]:
    assert _worker_job is not None
    if isinstance(task, list):
        return _prepare(_worker_job, task)
    assert _worker_stream is not None
    return _read_and_prepare(_worker_job, _worker_stream, _worker_items[task[0] : task[1]])


def _read_and_prepare(job: _Job, bundle: Ranges, items: Sequence[_Item]) -> list[_Opened]:
    """Read records from the bundle a group at a time, each group then prepared
    (:func:`_prepare_group`; never raises)."""
    opened: list[_Opened] = []
    for start in range(0, len(items), STEP_GROUP):
        read: list[_ReadItem | _Opened] = []
        for record_id, place, sealed_sha256 in items[start : start + STEP_GROUP]:
            try:
                read.append((record_id, _sealed_record(bundle, place), sealed_sha256))
            except BundleUnreadableError as error:
                read.append(_Opened(record_id, unreadable=error.template))
        opened += _prepare_group(job, read)
    return opened


def _sealed_record(bundle: Ranges, place: EntryPlace) -> bytes:
    """A record's sealed file read from the bundle: its chunks authenticated, its local
    header checked against the directory."""
    try:
        return read_entry(bundle, place)
    except OpenError:
        raise _damaged_bundle() from None


#: Records taken through each step of :func:`_prepare_group` together: a step's code and
#: data (the schema validator, the record rules, the ciphers) stay in the processor's
#: caches across the group instead of being pushed out by the next record's 64 KiB
#: sealed file, which makes the steps about a quarter cheaper; a group's unpacked
#: documents are small.
STEP_GROUP = 32


def _prepare(job: _Job, items: Sequence[_ReadItem]) -> list[_Opened]:
    """Records already read (a spawned worker's task), prepared a group at a time."""
    opened: list[_Opened] = []
    for start in range(0, len(items), STEP_GROUP):
        opened += _prepare_group(job, items[start : start + STEP_GROUP])
    return opened


def _prepare_group(job: _Job, group: Sequence[_ReadItem | _Opened]) -> list[_Opened]:
    """Open, unpack, validate and encrypt a group of records, in order (no database,
    never raises): each step for the whole group, then the next step. An item that is
    already an :class:`_Opened` (a record that could not be read) is passed on."""
    # Hashed against the signed manifest and opened: the large files.
    payloads = [
        item if isinstance(item, _Opened) else _opened_payload(job.identity, *item)
        for item in group
    ]
    # Unpacked: the archive's directory and the record's JSON (a few KiB of each).
    unpacked = [item if isinstance(item, _Opened) else _unpacked(*item) for item in payloads]
    # Validated, then encrypted under its own key, its key wrapped.
    checked = [_checked(item) if isinstance(item, _Unpacked) else item for item in unpacked]
    return [_encrypted(job, item) if item.document is not None else item for item in checked]


def _encrypted(job: _Job, item: _Opened) -> _Opened:
    assert item.document is not None and item.sealed_sha256 is not None
    encrypted = encrypt_testimony(
        Incoming(
            document=item.document,
            attachments=item.attachments,
            provenance={**job.provenance, "sealed_sha256": item.sealed_sha256},
            sealed_sha256=item.sealed_sha256,
        )
    )
    return _Opened(item.record_id, ready=encrypted.ready(job.keys))


@dataclass(frozen=True)
class _Unpacked:
    """A record opened and unpacked, not yet validated."""

    record_id: uuid.UUID
    sealed_sha256: str
    document: dict[str, Any]
    files: dict[str, bytes]


def _opened_payload(
    identity: Identity, record_id: uuid.UUID, sealed: bytes, sealed_sha256: str
) -> tuple[uuid.UUID, str, bytes] | _Opened:
    """The record checked against its SHA-256 in the signed manifest and opened: its
    payload, or why not (never raises)."""
    if hashlib.sha256(sealed).hexdigest() != sealed_sha256:
        return _Opened(record_id, mismatch=True)
    try:
        return record_id, sealed_sha256, open_sealed(sealed, [identity])
    except OpenError:
        return _Opened(
            record_id,
            refusal=N_(
                "Record %(id)s in the bundle does not open with the organisation identity. "
                "Nothing was imported."
            ),
        )


def _unpacked(record_id: uuid.UUID, sealed_sha256: str, payload: bytes) -> _Unpacked | _Opened:
    """The record's payload unpacked safely, or why not (never raises)."""
    try:
        document, files = unpack_payload(payload)
        # A station that has not been updated still seals version-1 records.
        document = upgrade_record(document)
    except PayloadError as error:
        return _Opened(
            record_id,
            refusal=N_(
                "Record %(id)s in the bundle is not a safe testimony archive (a path in a "
                "name, too many or too large files, or damage). Nothing was imported."
            ),
            problems=(error.message,),
        )
    return _Unpacked(record_id, sealed_sha256, document, files)


def _checked(unpacked: _Unpacked) -> _Opened:
    """The unpacked record validated, its attachments matched to its sources, or why
    not (never raises)."""
    record_id, document, files = unpacked.record_id, unpacked.document, unpacked.files
    try:
        check_record(document)
        if document.get("record_id") != str(record_id):
            raise ValueError
        sources = {source.get("sha256"): source for source in document.get("sources") or []}
        attachments = tuple(
            Attachment(
                sha256=digest,
                media_type=str(
                    sources.get(digest, {}).get("media_type") or "application/octet-stream"
                ),
                filename=str(sources.get(digest, {}).get("filename") or digest),
                content=content,
            )
            for digest, content in files.items()
        )
        check_against_sources(document, attachments)
    except RecordInvalidError as error:
        return _Opened(
            record_id,
            refusal=N_(
                "Record %(id)s in the bundle fails validation (%(count)s problem(s)). "
                "Nothing was imported."
            ),
            problems=tuple(f"{problem.path}: {problem.code}" for problem in error.problems),
        )
    except (IntakeError, ValueError, AttributeError, TypeError) as error:
        return _Opened(
            record_id,
            refusal=N_(
                "Record %(id)s in the bundle does not match its own id or attachments. "
                "Nothing was imported."
            ),
            problems=(str(error),) if isinstance(error, IntakeError) else (),
        )
    return _Opened(
        record_id,
        document=document,
        attachments=attachments,
        sealed_sha256=unpacked.sealed_sha256,
    )


def _pool_context() -> BaseContext:
    # A forked worker starts at once with everything loaded and shares the bundle by
    # copy-on-write. Forking is safe only in a process with one thread (the command
    # line); a threaded server starts fresh interpreters instead.
    if "fork" in get_all_start_methods() and threading.active_count() == 1:
        return get_context("fork")
    return get_context("spawn")


def task_bounds(total: int, workers: int) -> list[tuple[int, int]]:
    """The records of an import cut into tasks, as ``[start, end)`` ranges in order.

    Each task is a quarter of what is left for each worker (within MIN_CHUNK and
    MAX_CHUNK), so tasks shrink towards the end: a worker that takes the last task
    keeps the others waiting for a few dozen records at most, not a whole large task,
    while the many tasks before it stay large enough that handing them out costs
    little.
    """
    bounds: list[tuple[int, int]] = []
    start = 0
    while start < total:
        size = max(MIN_CHUNK, min(MAX_CHUNK, -(-(total - start) // (workers * 4))))
        bounds.append((start, min(start + size, total)))
        start += size
    return bounds


def _prepare_all(
    job: _Job, bundle: Stream, items: list[_Item], workers: int, progress: Progress
) -> Generator[list[_Opened], None, None]:
    """The records read from ``bundle`` and opened, in order, a batch at a time as they
    are ready, so the caller stores each batch while the workers go on with the next."""
    global _worker_job, _worker_stream, _worker_items
    total = len(items)
    if workers <= 1 or total < POOL_THRESHOLD:
        done = 0
        for start in range(0, total, MAX_CHUNK):
            batch = _read_and_prepare(job, bundle, items[start : start + MAX_CHUNK])
            done += len(batch)
            progress(done, total)
            yield batch
        return
    context = _pool_context()
    bounds = task_bounds(total, workers)
    tasks: Iterator[Any]
    if context.get_start_method() == "fork":
        _worker_job, _worker_stream, _worker_items = job, bundle, items
        tasks = iter(bounds)
        initargs: tuple[Any, ...] = (None, None, None)
    else:
        # The stream does not pickle (it holds the payload key): for a fresh interpreter
        # this process reads each task's records, just before the task is sent.
        tasks = (
            [
                (record_id, _sealed_record(bundle, place), digest)
                for record_id, place, digest in items[start:end]
            ]
            for start, end in bounds
        )
        initargs = (job.identity.secret_string(), job.provenance, job.keys)
    done = 0
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init_worker, initargs=initargs
        ) as pool:
            try:
                # A few tasks ahead of the one awaited: the workers never wait for the
                # next, and a spawned pool holds a few tasks' records in memory, not all.
                pending: deque[Future[list[_Opened]]] = deque(
                    pool.submit(_prepare_chunk, task) for task in islice(tasks, 2 * workers)
                )
                while pending:
                    batch = pending.popleft().result()
                    pending.extend(pool.submit(_prepare_chunk, task) for task in islice(tasks, 1))
                    done += len(batch)
                    progress(done, total)
                    yield batch
            except BaseException:
                # A refused record (or a closed generator): the batches not started
                # are dropped rather than waited for.
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        _worker_job, _worker_stream, _worker_items = None, None, ()


def enrolled_station(session: Session, keys: UnlockedKeys, verify_key: bytes) -> Station | None:
    """The station enrolled here with ``verify_key`` (revoked or not), if its enrolment
    is attested under the keyring; None for a key nobody enrolled."""
    station = session.scalars(select(Station).where(Station.verify_key == verify_key)).first()
    return station if station is not None and _attested(keys, station) else None


@dataclass(frozen=True)
class SignerTexts:
    """What the refusal of a file signed by a station says, for each reason."""

    #: The key is not an enrolled station's (or its enrolment is not attested).
    unknown: str
    #: The station is revoked (``%(label)s``).
    revoked: str
    #: The signature does not verify.
    bad_signature: str


_BUNDLE_TEXTS = SignerTexts(
    unknown=N_(
        "This bundle is signed by a station that is not enrolled here. Nothing was "
        "imported. Enrol the station on the Stations page first."
    ),
    revoked=N_("This bundle comes from a revoked station (%(label)s). Nothing was imported."),
    bad_signature=N_(
        "The bundle's signature does not verify: it was altered or signed by another "
        "key. Nothing was imported."
    ),
)


def verified_signer(
    session: Session,
    keys: UnlockedKeys,
    station_key: bytes,
    signed: bytes,
    signature: bytes,
    *,
    context: str,
    texts: SignerTexts,
) -> Station:
    """The enrolled, unrevoked station whose key ``station_key`` made ``signature`` over
    ``signed`` for ``context``; else UnknownStationError, StationRevokedError or
    BadSignatureError, saying what ``texts`` says."""
    station = enrolled_station(session, keys, station_key)
    if station is None:
        raise UnknownStationError(texts.unknown)
    if station.revoked_at is not None:
        raise StationRevokedError(texts.revoked, label=station_label(keys, station))
    try:
        VerifyKey(station.verify_key).verify(signature, signed, context=context)
    except (SignatureError, KeyFormatError):
        raise BadSignatureError(texts.bad_signature) from None
    return station


def _mismatch(record_id: uuid.UUID) -> ManifestMismatchError:
    return ManifestMismatchError(
        N_(
            "Record %(id)s in the bundle does not match its hash in the manifest. "
            "Nothing was imported."
        ),
        id=str(record_id),
    )


def _check_against_manifest(
    manifest: Manifest,
    places: dict[uuid.UUID, EntryPlace],
    addenda: dict[uuid.UUID, EntryPlace] | None = None,
) -> None:
    """The bundle holds exactly the listed records and corrections, each of its listed
    size, and no correction larger than one can be. A record's SHA-256 is checked where
    it is read, before it is opened (:func:`_prepare_group`); a correction's where it is
    read (:func:`_checked_entry`)."""
    _check_entries(
        manifest.records,
        places,
        _mismatch,
        N_("The records in the bundle are not the ones its manifest lists. Nothing was imported."),
    )
    _check_entries(
        manifest.addenda,
        addenda or {},
        _addendum_mismatch,
        N_(
            "The corrections in the bundle are not the ones its manifest lists. "
            "Nothing was imported."
        ),
    )
    for entry in manifest.addenda:
        if entry.size > MAX_ADDENDUM_BYTES:
            raise ManifestMismatchError(
                N_(
                    "Correction %(id)s in the bundle is larger than a correction can be. "
                    "Nothing was imported."
                ),
                id=str(entry.record_id),
            )


def _check_entries(
    entries: list[ManifestEntry],
    found: dict[uuid.UUID, EntryPlace],
    mismatch: Callable[[uuid.UUID], ManifestMismatchError],
    other_entries: str,
) -> None:
    """``entries`` are exactly ``found``, each of its listed size; else ``other_entries``
    (a message) or, for one entry of another size, ``mismatch``."""
    listed = [entry.record_id for entry in entries]
    if len(set(listed)) != len(listed) or set(listed) != set(found):
        raise ManifestMismatchError(other_entries)
    for entry in entries:
        if found[entry.record_id].size != entry.size:
            raise mismatch(entry.record_id)


def _addendum_mismatch(addendum_id: uuid.UUID) -> ManifestMismatchError:
    return ManifestMismatchError(
        N_(
            "Correction %(id)s in the bundle does not match its hash in the manifest. "
            "Nothing was imported."
        ),
        id=str(addendum_id),
    )


def _checked_entry(
    bundle: Ranges,
    place: EntryPlace,
    entry: ManifestEntry,
    mismatch: Callable[[uuid.UUID], ManifestMismatchError] = _mismatch,
) -> bytes:
    """A sealed record (or correction) of the bundle, read (its chunks authenticated)
    and checked against its SHA-256 in the signed manifest; ``mismatch`` if it differs."""
    sealed = _sealed_record(bundle, place)
    if hashlib.sha256(sealed).hexdigest() != entry.sha256:
        raise mismatch(entry.record_id)
    return sealed


def _damaged_bundle() -> BundleUnreadableError:
    return BundleUnreadableError(
        N_(
            "This file does not open as a bundle or a correction sealed to this "
            "organisation: it is damaged, cut short, or neither. Nothing was imported."
        )
    )


class _ReadHere:
    """The bundle's stream as the importing process reads it, noting each chunk read
    (and so authenticated) here."""

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self.size = stream.size
        self.chunks: set[int] = set()

    def read(self, start: int, end: int) -> bytes:
        data = self.stream.read(start, end)
        self.chunks.update(self.stream.chunks(start, end))
        return data


def _check_other_chunks(bundle: _ReadHere, places: Iterable[EntryPlace]) -> None:
    """Authenticate here every chunk of the bundle that was not read here and that no
    reading of a record at ``places`` will read: the padding, and whatever else lies
    between entries. With the records' reads (each must succeed for the import to),
    every chunk is then checked once at least, so a changed byte anywhere in the bundle
    refuses the import, as when the whole bundle was decrypted first."""
    stream = bundle.stream
    covered = set(bundle.chunks)
    for place in places:
        start, end = place.span(stream.size)
        if 0 <= start <= end:  # else the record's read refuses the bundle
            covered.update(stream.chunks(start, end))
    try:
        stream.verify(index for index in range(stream.chunk_count) if index not in covered)
    except OpenError:
        raise _damaged_bundle() from None


def import_bundle(
    session: Session,
    keys: UnlockedKeys,
    data: bytes,
    *,
    progress: Progress = no_progress,
    workers: int = 1,
    actor: uuid.UUID | None = None,
) -> ImportResult:
    """Verify a bundle and store its new records in the caller's transaction, all or
    nothing.

    Checks, before writing anything: the bundle's header opens and its archive's
    directory, manifest and signature read safely; its signature is from an enrolled,
    unrevoked station; the bundle and its sequence number are new; no record conflicts
    with a stored one; every chunk of the bundle that no record holds authenticates.
    Then each record is read (the chunks holding it authenticated, its local header
    checked), checked (it matches the manifest, opens, unpacks safely and validates) and
    stored in batches as the checks go on, so a refused record raises with earlier
    batches written in the transaction: the caller rolls it back on any error (as
    ``Database.session`` does). Records already stored with the same sealed hash count
    as already received. Returns the signed receipt (also kept for the bundle).
    """
    with collector_paused():
        return _import_bundle(session, keys, data, progress=progress, workers=workers, actor=actor)


def _import_bundle(
    session: Session,
    keys: UnlockedKeys,
    data: bytes,
    *,
    progress: Progress,
    workers: int,
    actor: uuid.UUID | None,
) -> ImportResult:
    require_role(session, "casedb")
    if keys.identity is None:
        raise NoIdentityError(
            N_("This case database has no organisation identity: run intake keys create-identity.")
        )
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleUnreadableError(N_("The bundle is too large to import."))
    try:
        bundle = _ReadHere(open_sealed_stream(data, [keys.identity]))
        # The end of the archive (its directory), the manifest and the signature; each
        # record is read (its chunks decrypted) where it is opened.
        raw, signature, places, addendum_places = read_bundle_archive(bundle)
    except OpenError:
        raise _damaged_bundle() from None
    manifest = parse_manifest(raw)
    station = verified_signer(
        session,
        keys,
        manifest.station_key,
        raw,
        signature,
        context=MANIFEST_CONTEXT,
        texts=_BUNDLE_TEXTS,
    )
    replayed = session.scalars(
        select(ReceivedBundle.id).where(
            or_(
                ReceivedBundle.id == manifest.bundle_id,
                (ReceivedBundle.station_id == station.id)
                & (ReceivedBundle.sequence == manifest.sequence),
            )
        )
    ).first()
    if replayed is not None:
        raise ReplayedBundleError(
            N_(
                "This bundle (number %(sequence)s from %(label)s) was imported before; a "
                "replayed bundle is refused. Nothing was imported."
            ),
            sequence=manifest.sequence,
            label=station_label(keys, station),
        )
    # Sizes now; hashes of new records in the workers, in parallel, before each opens.
    _check_against_manifest(manifest, places, addendum_places)
    hashes = {entry.record_id: entry.sha256 for entry in manifest.records}
    existing = existing_records(session, list(hashes))
    for entry in manifest.records:
        if entry.record_id in existing:
            _checked_entry(bundle, places[entry.record_id], entry)
    for record_id, stored_hash in existing.items():
        if stored_hash != hashes[record_id]:
            raise RecordConflictError(
                N_(
                    "Record %(id)s is already stored here with other content. It was not "
                    "overwritten and nothing was imported; ask the station what happened."
                ),
                id=str(record_id),
            )
    fresh: list[_Item] = [
        (entry.record_id, places[entry.record_id], entry.sha256)
        for entry in manifest.records
        if entry.record_id not in existing
    ]
    _check_other_chunks(bundle, [*(place for _, place, _ in fresh), *addendum_places.values()])
    received_at = _minute(_now())
    provenance = {
        "station_id": str(station.id),
        "bundle_id": str(manifest.bundle_id),
        "sequence": manifest.sequence,
        "received_at": received_at,
    }
    # Each batch is stored as it arrives, while the workers open the next ones. A
    # refused record raises with earlier batches written: the caller's transaction is
    # rolled back (Database.session does), so nothing of the bundle stays.
    try:
        writer = EncryptedWriter(session, keys, actor=actor)
        job = _Job(keys.identity, provenance, writer.keys)
        batches = _prepare_all(job, bundle.stream, fresh, workers, progress)
        try:
            for batch in batches:
                # The ids were looked up above: only records not stored are here.
                writer.add_ready([_accepted(item) for item in batch], looked_up=True)
        finally:
            batches.close()
        stored = writer.finish()
        # After the records: a correction may be for a record of this bundle. (The
        # corrections' module builds on this one, so it is imported here.)
        from intake.delivery.addenda import take_bundled

        taken = [
            (
                entry.record_id,
                take_bundled(
                    session,
                    keys,
                    station,
                    entry.record_id,
                    _checked_entry(
                        bundle, addendum_places[entry.record_id], entry, _addendum_mismatch
                    ),
                    actor,
                ),
            )
            for entry in manifest.addenda
        ]
        receipt = _sign_receipt(session, keys, manifest, stored, list(existing), received_at, taken)
        session.add(
            ReceivedBundle(
                id=manifest.bundle_id,
                station_id=station.id,
                sequence=manifest.sequence,
                received_on=_now().date(),
                receipt=receipt,
            )
        )
        session.flush()
    except IntegrityError:
        raise ConcurrentImportError(
            N_(
                "The same bundle or records were being imported at the same moment by "
                "another import. Nothing was imported by this one; try it again."
            )
        ) from None
    label = station_label(keys, station)
    return ImportResult(manifest.bundle_id, label, stored, list(existing), receipt, taken)


def _accepted(item: _Opened) -> ReadyRecord:
    """The record ready to insert, or the error that refuses the bundle because of it."""
    if item.unreadable is not None:
        raise BundleUnreadableError(item.unreadable)
    if item.mismatch:
        raise _mismatch(item.record_id)
    if item.refusal is not None or item.ready is None:
        raise BundleRecordError(
            item.refusal or "",
            problems=item.problems,
            id=str(item.record_id),
            count=len(item.problems),
        )
    return item.ready


def _sign_receipt(
    session: Session,
    keys: UnlockedKeys,
    manifest: Manifest,
    stored: list[uuid.UUID],
    already: list[uuid.UUID],
    received_at: str,
    addenda: list[tuple[uuid.UUID, str]],
) -> bytes:
    hashes = {entry.record_id: entry.sha256 for entry in manifest.records}
    content: dict[str, Any] = {
        "format": RECEIPT_FORMAT,
        "bundle_id": str(manifest.bundle_id),
        "sequence": manifest.sequence,
        "station_key": manifest.station_key.hex(),
        "received_at": received_at,
        "records": [
            {"id": str(record_id), "sha256": hashes[record_id], "status": status}
            for status, ids in (("stored", stored), ("already-received", already))
            for record_id in ids
        ],
    }
    if manifest.addenda:
        addendum_hashes = {entry.record_id: entry.sha256 for entry in manifest.addenda}
        content["addenda"] = [
            {"id": str(addendum_id), "sha256": addendum_hashes[addendum_id], "status": status}
            for addendum_id, status in addenda
        ]
    payload = canonical_json(content)
    signature = casedb_signing_key(session, keys).sign(payload, context=RECEIPT_CONTEXT)
    wrapper = {
        "format": RECEIPT_FILE_FORMAT,
        "payload": base64.b64encode(payload).decode(),
        "signature": base64.b64encode(signature).decode(),
    }
    signed = (json.dumps(wrapper, indent=2) + "\n").encode()
    if manifest.receipt_key is None:
        return signed  # a station that does not ask for it sealed
    # Sealed under the key the station put in the bundle: a receipt carried back on a
    # USB stick shows only the bundle's random id and its size.
    key = SymmetricKey(key_id=manifest.receipt_key[:8], material=manifest.receipt_key[8:])
    return manifest.bundle_id.bytes + encrypt_field(
        key, signed, context=_receipt_context(manifest.bundle_id)
    )


# --- case database side: the records list --------------------------------------------------


@dataclass(frozen=True)
class RecordRow:
    """One line of the records list: no content of the record."""

    record_id: uuid.UUID
    received_on: date
    state: str
    #: The station's label; None when entered here, or when erased (unknown then).
    station: str | None
    is_intact: bool
    #: Erased: where it came from can no longer be read (its key is destroyed).
    is_erased: bool


def records_page(
    session: Session, keys: UnlockedKeys, *, page: int, per_page: int = 50
) -> tuple[list[RecordRow], bool]:
    """One page of stored records, newest first, and whether another page follows."""
    require_role(session, "casedb")
    query = (
        select(Testimony)
        .order_by(Testimony.received_on.desc(), Testimony.id.desc())
        .offset(max(page - 1, 0) * per_page)
        .limit(per_page + 1)
    )
    testimonies = list(session.scalars(query))
    labels = station_labels(session, keys)
    rows = []
    for testimony in testimonies[:per_page]:
        station, intact = None, True
        erased = testimony.state == "erased" or testimony.wrapped_key is None
        if not erased:
            try:
                provenance = load_provenance(session, keys, testimony)
            except IntakeError:
                intact = False
            else:
                station = None if provenance is None else labels.get(provenance["station_id"])
        rows.append(
            RecordRow(testimony.id, testimony.received_on, testimony.state, station, intact, erased)
        )
    return rows, len(testimonies) > per_page


def is_station(session: Session) -> bool:
    """Whether this workspace is a station."""
    return get_workspace(session).role == "station"
