"""Workspace services: initialise, unlock, and manage keys and recipients."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crypto import (
    Context,
    Identity,
    KeyFormatError,
    Keyring,
    LockedKeyring,
    OpenError,
    Purpose,
    SigningKey,
    UnlockError,
    VerifyKey,
    calibrate,
    decrypt_field,
    encrypt_field,
    parse_recipient,
)
from intake.db import scrub_after_commit
from intake.errors import N_, IntakeError
from intake.settings import Settings
from intake.workspace.keyfile import KeyFile
from intake.workspace.models import ROLES, KeyMaterial, Recipient, SecurityEvent, Workspace
from intake.workspace.passphrases import MIN_LENGTH, is_strong
from intake.workspace.vault import UnlockedKeys

MIN_PASSPHRASE_LENGTH = MIN_LENGTH
KEYRING = "keyring"
IDENTITY = "organisation-identity"
SIGNING_KEY = "station-signing-key"
VERIFY_KEY = "station-verify-key"
#: What the key file keeps (older versions also stored the identity's recipient string,
#: which is now always derived from the identity itself).
_SECRET_NAMES = frozenset({KEYRING, IDENTITY, SIGNING_KEY, VERIFY_KEY})


class WorkspaceNotInitialisedError(IntakeError):
    """The workspace has not been set up."""

    status = 503


class WorkspaceExistsError(IntakeError):
    """The workspace is already set up."""


class WeakPassphraseError(IntakeError):
    """The chosen passphrase is too short or too easy to guess."""


class WrongPassphraseError(IntakeError):
    """The passphrase does not unlock the workspace."""

    status = 403


class WorkspaceLockedError(IntakeError):
    """Keys are needed and the workspace is locked."""

    status = 423


class WrongRoleError(IntakeError):
    """The action belongs to the other role."""

    status = 409


class RecipientError(IntakeError):
    """A recipient is malformed or already registered."""


class IdentityError(IntakeError):
    """The organisation identity is missing or already exists."""


def _now() -> datetime:
    return datetime.now(UTC)


def today() -> datetime:
    """Midnight UTC of today: what a seized station keeps of when something happened."""
    return _now().replace(hour=0, minute=0, second=0, microsecond=0)


def record_security_event(session: Session, kind: str) -> None:
    """Note a security event such as a failed unlock, with its day only.

    Exact times of every unlock and sign-in would show a seizing state when and how
    often the station was used; the day is enough to notice guessing.
    """
    session.add(SecurityEvent(id=uuid.uuid4(), kind=kind, occurred_at=today()))


def find_workspace(session: Session) -> Workspace | None:
    """The workspace row, or None before `intake init`."""
    return session.scalars(select(Workspace)).first()


def get_workspace(session: Session) -> Workspace:
    """The workspace row; :class:`WorkspaceNotInitialisedError` before `intake init`."""
    workspace = find_workspace(session)
    if workspace is None:
        raise WorkspaceNotInitialisedError(
            N_(
                "This workspace is not set up yet. Run: intake init --role station "
                "(an interviewer laptop) or intake init --role casedb (the case database)."
            )
        )
    return workspace


#: Key in ``Session.info`` holding the workspace's role once read: a role is set at
#: initialisation and never changes, so a session asks the database once.
WORKSPACE_ROLE = "intake.workspace_role"


def require_role(session: Session, role: str) -> None:
    """Refuse with :class:`WrongRoleError` unless the workspace has ``role``."""
    known = session.info.get(WORKSPACE_ROLE)
    if known is None:
        known = session.info[WORKSPACE_ROLE] = get_workspace(session).role
    if known != role:
        raise WrongRoleError(N_("This is only possible in a %(role)s workspace."), role=role)


def check_passphrase_strength(passphrase: str, *, context: tuple[str, ...] = ()) -> None:
    """Refuse passphrases shorter than MIN_PASSPHRASE_LENGTH characters or easy to guess.

    ``context``: words a guesser would try first, such as the organisation's name.
    """
    if not is_strong(passphrase, context=context):
        raise WeakPassphraseError(
            N_(
                "That passphrase is too easy to guess. Choose at least %(count)s characters: "
                "five or six unrelated words are easy to remember and hard to guess."
            ),
            count=MIN_PASSPHRASE_LENGTH,
        )


class KeyFileMissingError(IntakeError):
    """The database was opened without saying where the workspace key file is."""

    status = 500


def key_file(session: Session) -> KeyFile:
    """The workspace key file of ``session``'s database.

    Key material stored in the database by older versions is moved into the file on
    first use, and the rows are deleted (overwritten: SQLite runs with secure_delete).
    """
    path = session.info.get("key_file")
    if path is None:
        raise KeyFileMissingError(
            N_("The workspace key file is not configured; start the app with its workspace.")
        )
    store = KeyFile(Path(path))
    legacy = list(session.scalars(select(KeyMaterial)))
    if legacy:
        entries = {row.name: row.value for row in legacy if row.name in _SECRET_NAMES}
        store.write({**entries, **store.read()})
        session.execute(delete(KeyMaterial))
        # The journal's copies of the rows go too, once this commits (SQLite).
        scrub_after_commit(session)
        session.flush()
    return store


def put_key_material(session: Session, name: str, value: bytes) -> None:
    """Keep ``value`` (a public key, or a secret already encrypted under the keyring)
    under ``name`` in the workspace key file, never in the database."""
    key_file(session).put(name, value)


def get_key_material(session: Session, name: str) -> bytes | None:
    """What :func:`put_key_material` kept under ``name``, or None."""
    return key_file(session).get(name)


_put, _get = put_key_material, get_key_material


def _key_context(name: str) -> Context:
    return Context(namespace="key-material", record_id="workspace", field=name)


def _locked(settings: Settings, keyring: Keyring, passphrase: str) -> bytes:
    params = calibrate(
        target_seconds=settings.argon2_target_seconds,
        memory_kib=settings.argon2_memory_kib,
        minimum_memory_kib=settings.min_argon2_memory_kib,
    )
    return keyring.lock(passphrase, params).to_json().encode()


def _store_keyring(session: Session, settings: Settings, keyring: Keyring, passphrase: str) -> None:
    # Written over the old wrapped keyring in place: no copy under the old passphrase stays.
    _put(session, KEYRING, _locked(settings, keyring, passphrase))


def check_new_workspace(*, role: str, organisation_name: str, passphrase: str) -> None:
    """Refuse a set-up whose role, organisation name or passphrase will not do (no
    database needed, so a refused set-up is refused before anything is made)."""
    if role not in ROLES:
        raise WrongRoleError(N_("The role must be 'station' or 'casedb'."))
    if not organisation_name.strip() or len(organisation_name) > 200:
        raise IntakeError(N_("Give the organisation's name (at most 200 characters)."))
    check_passphrase_strength(passphrase, context=(organisation_name,))


def init_workspace(
    session: Session, settings: Settings, *, role: str, organisation_name: str, passphrase: str
) -> Workspace:
    """Create the workspace row and its keyring (and, at a station, its signing key)."""
    if find_workspace(session) is not None:
        raise WorkspaceExistsError(N_("This workspace is already set up."))
    check_new_workspace(role=role, organisation_name=organisation_name, passphrase=passphrase)
    keyring = Keyring.create()
    # A new workspace starts a new key file (a set-up that failed may have left one).
    entries = {KEYRING: _locked(settings, keyring, passphrase)}
    if role == "station":
        signing = SigningKey.generate()
        entries[SIGNING_KEY] = encrypt_field(
            keyring.chain(Purpose.SIGNING_KEY).current,
            signing.private_bytes(),
            context=_key_context(SIGNING_KEY),
        )
        entries[VERIFY_KEY] = signing.verify_key.to_bytes()
    key_file(session).write(entries)
    workspace = Workspace(
        id=uuid.uuid4(),
        role=role,
        organisation_name=organisation_name.strip(),
        created_at=today(),
        failed_unlocks=0,
    )
    session.add(workspace)
    return workspace


def _locked_keyring(session: Session, settings: Settings) -> LockedKeyring:
    stored = _get(session, KEYRING)
    if stored is None:
        raise WorkspaceNotInitialisedError(N_("This workspace has no keyring; run intake init."))
    try:
        return LockedKeyring.from_json(
            stored.decode(), minimum_memory_kib=settings.min_argon2_memory_kib
        )
    except KeyFormatError as exc:
        raise IntakeError(N_("The stored keyring is damaged; restore it from a backup.")) from exc


class UnlockThrottledError(IntakeError):
    """Too many wrong passphrases: wait before trying again."""

    status = 429


#: Wrong passphrases allowed before each further attempt must wait.
FREE_UNLOCK_ATTEMPTS = 3
MAX_UNLOCK_BLOCK_SECONDS = 300


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def unlock_workspace(session: Session, settings: Settings, passphrase: str) -> UnlockedKeys:
    """Unwrap the keyring; a wrong passphrase is counted and committed before raising.

    After FREE_UNLOCK_ATTEMPTS failures each further one blocks unlocking for twice
    as long as the one before (5 s, 10 s, ... up to 5 minutes).
    """
    workspace = get_workspace(session)
    now = _now()
    blocked = workspace.unlock_blocked_until
    if blocked is not None and _aware(blocked) > now:
        wait = int((_aware(blocked) - now).total_seconds()) + 1
        raise UnlockThrottledError(
            N_("Too many wrong passphrases. Try again in %(seconds)s seconds."), seconds=wait
        )
    try:
        keyring = _locked_keyring(session, settings).unlock(passphrase)
    except (UnlockError, KeyFormatError):
        workspace.failed_unlocks += 1
        excess = workspace.failed_unlocks - FREE_UNLOCK_ATTEMPTS
        if excess >= 0:
            seconds = min(5 * 2**excess, MAX_UNLOCK_BLOCK_SECONDS)
            workspace.unlock_blocked_until = now + timedelta(seconds=seconds)
        record_security_event(session, "unlock-failed")
        # Committed here on purpose: the caller rolls back on the error we raise.
        session.commit()
        raise WrongPassphraseError(
            N_(
                "That passphrase does not unlock this workspace "
                "(failed attempts since the last unlock: %(count)s)."
            ),
            count=workspace.failed_unlocks,
        ) from None
    workspace.failed_unlocks = 0
    workspace.unlock_blocked_until = None
    record_security_event(session, "unlocked")
    # Whoever unlocks, drafts past the workspace's days are gone before anything opens.
    from intake.records.drafts import expire_drafts  # records builds on the workspace

    expire_drafts(session)
    return UnlockedKeys(keyring=keyring, identity=load_identity(session, keyring))


def load_identity(session: Session, keyring: Keyring) -> Identity | None:
    sealed = _get(session, IDENTITY)
    if sealed is None:
        return None
    secret = decrypt_field(keyring.chain(Purpose.IDENTITY), sealed, context=_key_context(IDENTITY))
    return Identity.from_secret_string(secret.decode())


def change_passphrase(
    session: Session, settings: Settings, *, old_passphrase: str, new_passphrase: str
) -> None:
    """Re-wrap the keyring's roots under a new passphrase; no record is re-encrypted."""
    check_passphrase_strength(new_passphrase)
    keys = unlock_workspace(session, settings, old_passphrase)
    _store_keyring(session, settings, keys.keyring, new_passphrase)
    record_security_event(session, "passphrase-changed")


def rotate_keyring(session: Session, settings: Settings, passphrase: str) -> str:
    """Add a new current root key; data under older roots keeps opening. Returns its id."""
    from intake.accounts.services import reindex_accounts

    keys = unlock_workspace(session, settings, passphrase)
    rotated = keys.keyring.rotate()
    _store_keyring(session, settings, rotated, passphrase)
    # Login look-ups use the current root's pseudonym key: recompute them now.
    reindex_accounts(session, UnlockedKeys(keyring=rotated, identity=keys.identity))
    record_security_event(session, "key-rotated")
    return rotated.current_key_id


def create_organisation_identity(session: Session, keys: UnlockedKeys) -> str:
    """Make the organisation's age identity (case database only); return its recipient."""
    require_role(session, "casedb")
    if _get(session, IDENTITY) is not None:
        raise IdentityError(N_("This case database already has an organisation identity."))
    identity = Identity.generate()
    sealed = encrypt_field(
        keys.keyring.chain(Purpose.IDENTITY).current,
        identity.secret_string().encode(),
        context=_key_context(IDENTITY),
    )
    _put(session, IDENTITY, sealed)
    return identity.recipient


def organisation_recipient(keys: UnlockedKeys) -> str | None:
    """The case database's own public recipient, if its identity exists.

    Derived from the decrypted identity (authenticated under the keyring), never read
    from a stored string: a row or file edited without the keys cannot change it.
    """
    return None if keys.identity is None else keys.identity.recipient


def load_signing_key(session: Session, keyring: Keyring) -> SigningKey:
    """The station's bundle-signing key, decrypted with the keyring."""
    sealed = _get(session, SIGNING_KEY)
    if sealed is None:
        raise WrongRoleError(N_("This is only possible in a %(role)s workspace."), role="station")
    private = decrypt_field(
        keyring.chain(Purpose.SIGNING_KEY), sealed, context=_key_context(SIGNING_KEY)
    )
    return SigningKey(private)


def export_identity(keys: UnlockedKeys, backup_passphrase: str) -> bytes:
    """The identity as an age passphrase-encrypted file, for a custodian's safe copy."""
    if keys.identity is None:
        raise IdentityError(
            N_("There is no organisation identity yet: run intake keys create-identity.")
        )
    check_passphrase_strength(backup_passphrase)
    return keys.identity.protect(backup_passphrase)


class RecipientTamperedError(IntakeError):
    """A registered recipient was added or changed without the workspace keys."""

    status = 500


def _recipient_context(row_id: uuid.UUID) -> Context:
    return Context(namespace="recipient", record_id=str(row_id), field="recipient")


def register_recipient(
    session: Session, keys: UnlockedKeys, recipient: str, *, label: str
) -> Recipient:
    """Add an organisation recipient that a station seals finalised testimonies to.

    Needs the unlocked keys so that someone holding only the laptop cannot add a
    recipient of their own and receive every later testimony.
    """
    require_role(session, "station")
    try:
        text = str(parse_recipient(recipient))
    except KeyFormatError:
        raise RecipientError(
            N_(
                "That is not an age recipient. It starts with age1 and is printed by "
                "`intake keys show` at the case database."
            )
        ) from None
    if session.scalars(select(Recipient).where(Recipient.recipient == text)).first():
        raise RecipientError(N_("That recipient is already registered."))
    row_id = uuid.uuid4()
    attestation = encrypt_field(
        keys.keyring.chain(Purpose.RECIPIENTS).current,
        text.encode(),
        context=_recipient_context(row_id),
    )
    row = Recipient(
        id=row_id,
        recipient=text,
        label=label.strip()[:100],
        added_at=today(),
        attestation=attestation,
    )
    session.add(row)
    return row


def verified_recipients(session: Session, keys: UnlockedKeys) -> list[str]:
    """Recipients to seal to, each checked against its attestation under the keyring."""
    checked = checked_recipients(session, keys)
    if not all(genuine for _, genuine in checked):
        raise RecipientTamperedError(
            N_(
                "The list of organisation recipients was changed outside this app. "
                "Nothing was sealed. Ask the case database administrator to check this laptop."
            )
        )
    return [row.recipient for row, _ in checked]


def checked_recipients(session: Session, keys: UnlockedKeys) -> list[tuple[Recipient, bool]]:
    """Each registered recipient, and whether its attestation under the keyring holds
    (False: added or edited outside this app)."""
    chain = keys.keyring.chain(Purpose.RECIPIENTS)
    checked = []
    for row in list_recipients(session):
        try:
            attested = decrypt_field(chain, row.attestation, context=_recipient_context(row.id))
        except OpenError:
            attested = b""
        checked.append((row, attested == row.recipient.encode()))
    return checked


#: The labels this software gives a recipient when none is typed (set-up page,
#: ``intake keys add-recipient``): stored as these English words and shown translated.
DEFAULT_RECIPIENT_LABELS = {
    "organisation": N_("organisation"),
    "case database": N_("case database"),
}


def list_recipients(session: Session) -> list[Recipient]:
    """Registered recipients, oldest first."""
    return list(
        session.scalars(select(Recipient).order_by(Recipient.added_at, Recipient.recipient))
    )


def station_fingerprint(session: Session) -> str | None:
    """Fingerprint of the station's bundle-signing key, for registration at the case database."""
    stored = _get(session, VERIFY_KEY)
    return None if stored is None else VerifyKey(stored).fingerprint
