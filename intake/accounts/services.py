"""Account services: create, disable, enable, reset and remove accounts, sign in with
throttling, remember the language.

Usernames are found through a keyed HMAC and stored encrypted; password hashes
(Argon2id) are stored encrypted too, so a copied database allows no offline guessing.
Every change an administrator makes is recorded as a SecurityEvent that names nobody.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crypto import Context, OpenError, Purpose, decrypt_field, encrypt_field, pseudonym
from intake.accounts.models import ACCOUNT_ROLES, Account
from intake.db import scrub_after_commit
from intake.errors import N_, IntakeError
from intake.settings import Settings
from intake.workspace.passphrases import is_strong
from intake.workspace.vault import UnlockedKeys

LANGUAGES = ("en", "kk", "ru", "ug", "zh")
MIN_PASSWORD_LENGTH = 12
#: Failed sign-ins allowed before each further attempt must wait.
FREE_ATTEMPTS = 5
MAX_BLOCK_SECONDS = 900


class AccountError(IntakeError):
    """An account cannot be created or changed as asked."""


class AccountNotFoundError(IntakeError):
    """No account has the given id or username."""

    status = 404


class LastAdministratorError(IntakeError):
    """The change would leave the workspace without an active administrator."""

    status = 409


class AccountTamperedError(IntakeError):
    """The account's role or state was changed outside the app: it can only be removed."""

    status = 409


class LoginFailedError(IntakeError):
    """The username or password is wrong."""

    status = 401


class LoginThrottledError(IntakeError):
    """Too many failed sign-ins: wait before trying again."""

    status = 429


def _now() -> datetime:
    return datetime.now(UTC)


def block_seconds(failures: int) -> int | None:
    """How long to block after ``failures`` failed sign-ins, or None while still free."""
    excess = failures - FREE_ATTEMPTS
    return None if excess < 0 else min(30 * 2**excess, MAX_BLOCK_SECONDS)


class FailureTracker:
    """Failed sign-ins for usernames that have no account, kept in memory.

    Unknown usernames are throttled exactly like real ones, so the answers cannot
    tell which usernames (often staff names) exist.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._entries: dict[str, tuple[int, datetime | None]] = {}
        self._capacity = capacity

    def blocked_until(self, key: str) -> datetime | None:
        """When the block on ``key`` ends, if there is one."""
        return self._entries.get(key, (0, None))[1]

    def fail(self, key: str, now: datetime) -> None:
        """Count one more failure for ``key``."""
        if len(self._entries) >= self._capacity and key not in self._entries:
            self._entries.pop(next(iter(self._entries)))
        failures = self._entries.get(key, (0, None))[0] + 1
        seconds = block_seconds(failures)
        until = None if seconds is None else now + timedelta(seconds=seconds)
        self._entries[key] = (failures, until)


def normalise_username(username: str) -> str:
    """NFKC, case-folded and trimmed, so "Aigerim" and "aigerim " are one login."""
    return unicodedata.normalize("NFKC", username).casefold().strip()


def _login_index(keys: UnlockedKeys, username: str) -> str:
    key = keys.keyring.pseudonym_key()
    return pseudonym(key, normalise_username(username), purpose="account-login", recipient=None)


def _context(account_id: uuid.UUID, field: str) -> Context:
    return Context(namespace="account", record_id=str(account_id), field=field)


def _integrity_text(account: Account) -> bytes:
    return f"{account.role}\n{int(account.is_active)}\n{account.login_index}".encode()


def seal_integrity(keys: UnlockedKeys, account: Account) -> None:
    """Bind role, active flag and login index under the keyring (after any change)."""
    account.integrity = encrypt_field(
        keys.keyring.chain(Purpose.ACCOUNTS).current,
        _integrity_text(account),
        context=_context(account.id, "integrity"),
    )


def account_is_intact(keys: UnlockedKeys, account: Account) -> bool:
    """False if someone with database access changed the role, active flag or index."""
    try:
        sealed = decrypt_field(
            keys.keyring.chain(Purpose.ACCOUNTS),
            account.integrity,
            context=_context(account.id, "integrity"),
        )
    except OpenError:
        return False
    return sealed == _integrity_text(account)


def password_hasher(settings: Settings) -> PasswordHasher:
    """Argon2id for passwords, at the memory cost the settings give."""
    return PasswordHasher(time_cost=3, memory_cost=settings.password_memory_kib, parallelism=2)


def _check_username(username: str) -> None:
    # Stricter than other text (intake.validators): a name to sign in with and to be
    # told apart by holds no control, format, private-use or unassigned character.
    text = username.strip()
    if not 1 <= len(text) <= 100 or any(unicodedata.category(c).startswith("C") for c in text):
        raise AccountError(
            N_("A username is 1 to 100 letters, digits or signs, without control characters.")
        )


#: zxcvbn's score 3 for a password a person chooses: an estimated 10^8 guesses or
#: more. Sign-in is throttled and the hash is encrypted under the keyring; the
#: workspace passphrase, which guards everything offline, needs score 4.
MIN_PASSWORD_SCORE = 3


def _check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH or len(password) > 1024:
        raise AccountError(
            N_("A password has at least %(count)s characters."), count=MIN_PASSWORD_LENGTH
        )
    if not is_strong(password, context=(username,), min_score=MIN_PASSWORD_SCORE):
        raise AccountError(
            N_(
                "That password is too easy to guess. Three or four unrelated words are "
                "easy to remember and hard to guess."
            )
        )


def create_account(
    session: Session,
    settings: Settings,
    keys: UnlockedKeys,
    *,
    username: str,
    password: str,
    role: str,
    language: str = "en",
) -> Account:
    """Add an account; the username must be new (compared after normalisation)."""
    _check_username(username)
    _check_password(password, username)
    if role not in ACCOUNT_ROLES or language not in LANGUAGES:
        raise AccountError(N_("Unknown role or language."))
    index = _login_index(keys, username)
    if session.scalars(select(Account).where(Account.login_index == index)).first():
        raise AccountError(N_("That username is taken; choose another."))
    account_id = uuid.uuid4()
    chain = keys.keyring.chain(Purpose.ACCOUNTS)
    password_hash = password_hasher(settings).hash(password)
    account = Account(
        id=account_id,
        login_index=index,
        username=encrypt_field(
            chain.current, username.strip().encode(), context=_context(account_id, "username")
        ),
        password_hash=encrypt_field(
            chain.current, password_hash.encode(), context=_context(account_id, "password")
        ),
        role=role,
        language=language,
        is_active=True,
        failed_logins=0,
        # The day only: a seized station need not show when each person was added.
        created_at=_now().replace(hour=0, minute=0, second=0, microsecond=0),
    )
    seal_integrity(keys, account)
    session.add(account)
    _record(session, "account-created")
    return account


def reindex_accounts(session: Session, keys: UnlockedKeys) -> None:
    """Recompute every login index under the current keys (after a key rotation)."""
    for account in session.scalars(select(Account)):
        account.login_index = _login_index(keys, username_of(keys, account))
        seal_integrity(keys, account)


def username_of(keys: UnlockedKeys, account: Account) -> str:
    """The account's username as typed."""
    chain = keys.keyring.chain(Purpose.ACCOUNTS)
    return decrypt_field(chain, account.username, context=_context(account.id, "username")).decode()


def _record(session: Session, kind: str) -> None:
    from intake.workspace.services import record_security_event  # its day only

    record_security_event(session, kind)


def authenticate(
    session: Session,
    settings: Settings,
    keys: UnlockedKeys,
    username: str,
    password: str,
    *,
    unknown: FailureTracker,
) -> Account:
    """The account for ``username`` if ``password`` is right; failures are counted.

    After FREE_ATTEMPTS failures each further failure blocks that username for twice
    as long as the one before (30 s, 60 s, ... up to 15 minutes), whether or not an
    account has it. Failures are committed before the error is raised. Callers
    serialise attempts (KeyVault.attempt_lock) so parallel guesses are counted too.
    """
    hasher = password_hasher(settings)
    index = _login_index(keys, username[:200])
    account = session.scalars(select(Account).where(Account.login_index == index)).first()
    if account is not None and not (account.is_active and account_is_intact(keys, account)):
        if account.is_active:
            _record(session, "account-tampered")
        account = None
    now = _now()
    blocked = unknown.blocked_until(index) if account is None else account.blocked_until
    if blocked is not None and aware(blocked) > now:
        wait = int((aware(blocked) - now).total_seconds()) + 1
        raise LoginThrottledError(
            N_("Too many failed sign-ins. Try again in %(seconds)s seconds."), seconds=wait
        )
    if account is None:
        hasher.hash(password[:1024])  # about the same time as a real check
        unknown.fail(index, now)
        _fail(session)
    chain = keys.keyring.chain(Purpose.ACCOUNTS)
    stored = decrypt_field(chain, account.password_hash, context=_context(account.id, "password"))
    try:
        hasher.verify(stored.decode(), password[:1024])
    except (VerificationError, InvalidHashError):
        account.failed_logins += 1
        seconds = block_seconds(account.failed_logins)
        if seconds is not None:
            account.blocked_until = now + timedelta(seconds=seconds)
        _fail(session)
    account.failed_logins = 0
    account.blocked_until = None
    _record(session, "login")
    return account


def _fail(session: Session) -> NoReturn:
    _record(session, "login-failed")
    session.commit()
    raise LoginFailedError(N_("The username or password is wrong."))


def aware(moment: datetime) -> datetime:
    """``moment`` as a timezone-aware UTC time."""
    # SQLite returns naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def set_language(session: Session, account_id: uuid.UUID, language: str) -> None:
    """Remember ``language`` for the account."""
    account = session.get(Account, account_id)
    if account is not None and language in LANGUAGES:
        account.language = language


def count_accounts(session: Session) -> int:
    """How many accounts exist."""
    return int(session.scalar(select(func.count()).select_from(Account)) or 0)


@dataclass(frozen=True)
class AccountRow:
    """One line of the account list."""

    account: Account
    #: The username, or None if its ciphertext no longer opens.
    username: str | None
    #: "active", "disabled" or "tampered" (changed outside the app).
    status: str


def _row(keys: UnlockedKeys, account: Account) -> AccountRow:
    try:
        username: str | None = username_of(keys, account)
    except OpenError:
        username = None
    if username is None or not account_is_intact(keys, account):
        status = "tampered"
    else:
        status = "active" if account.is_active else "disabled"
    return AccountRow(account=account, username=username, status=status)


def list_accounts(session: Session, keys: UnlockedKeys) -> list[AccountRow]:
    """Every account with its username and status, oldest first."""
    accounts = session.scalars(select(Account).order_by(Account.created_at))
    return [_row(keys, account) for account in accounts]


def usernames(session: Session, keys: UnlockedKeys) -> dict[str, str]:
    """Each account's username by its id (as a string, as the audit trail names
    accounts)."""
    return {str(row.account.id): row.username for row in list_accounts(session, keys)}


def describe_account(session: Session, keys: UnlockedKeys, account_id: uuid.UUID) -> AccountRow:
    """One account with its username and status, or :class:`AccountNotFoundError`."""
    return _row(keys, get_account(session, account_id))


def sign_in_stamp(account: Account) -> str:
    """A value that changes whenever an administrator changes the account.

    A sign-in remembers it; once the account is disabled, re-enabled, reset or
    re-keyed the stamps differ and the sign-in ends on its next request.
    """
    return hashlib.sha256(account.integrity).hexdigest()[:32]


#: Letters and digits for generated passwords, without 0/o and 1/l/i, which are
#: easily confused when a password is read out or copied by hand.
READABLE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_password() -> str:
    """A random password of about 99 bits: four groups of five letters and digits."""
    return "-".join("".join(secrets.choice(READABLE_ALPHABET) for _ in range(5)) for _ in range(4))


def get_account(session: Session, account_id: uuid.UUID) -> Account:
    """The account with ``account_id``, or :class:`AccountNotFoundError`."""
    account = session.get(Account, account_id)
    if account is None:
        raise AccountNotFoundError(N_("There is no such account. Reload the account list."))
    return account


def find_account(session: Session, keys: UnlockedKeys, username: str) -> Account:
    """The account signing in as ``username``, or :class:`AccountNotFoundError`."""
    index = _login_index(keys, username[:200])
    account = session.scalars(select(Account).where(Account.login_index == index)).first()
    if account is None:
        raise AccountNotFoundError(N_("There is no account with that username."))
    return account


def _require_intact(keys: UnlockedKeys, account: Account) -> None:
    if not account_is_intact(keys, account):
        raise AccountTamperedError(
            N_("This account was changed outside the app. It can only be removed.")
        )


def _guard_last_administrator(session: Session, keys: UnlockedKeys, account: Account) -> None:
    """Refuse to take away the last active administrator.

    The rows are locked (PostgreSQL) so two administrators disabling each other at
    the same moment cannot both succeed.
    """
    if account.role != "admin" or not account.is_active:
        return
    admins = session.scalars(
        select(Account).where(Account.role == "admin", Account.is_active).with_for_update()
    )
    others = [a for a in admins if a.id != account.id and account_is_intact(keys, a)]
    if not others:
        raise LastAdministratorError(
            N_("This is the last active administrator. Add or enable another administrator first.")
        )


def disable_account(session: Session, keys: UnlockedKeys, account_id: uuid.UUID) -> Account:
    """Disable the account: it cannot sign in, and its sign-ins end at once."""
    account = get_account(session, account_id)
    _require_intact(keys, account)
    if account.is_active:
        _guard_last_administrator(session, keys, account)
        account.is_active = False
        seal_integrity(keys, account)
        _record(session, "account-disabled")
    return account


def enable_account(session: Session, keys: UnlockedKeys, account_id: uuid.UUID) -> Account:
    """Let a disabled account sign in again."""
    account = get_account(session, account_id)
    _require_intact(keys, account)
    if not account.is_active:
        account.is_active = True
        seal_integrity(keys, account)
        _record(session, "account-enabled")
    return account


def password_stamp(session: Session, account_id: uuid.UUID) -> str:
    """A mark of the account's password as it is now, for a reset's confirmation: a
    second send of the same form (a reload, a double click) finds it changed. Taken
    from the stored ciphertext, so it says nothing of the password."""
    return _stamp(get_account(session, account_id).password_hash)


def _stamp(password_hash: bytes) -> str:
    return hashlib.sha256(password_hash).hexdigest()[:32]


class PasswordChangedError(IntakeError):
    """The password changed after the reset was asked for: nothing new was made."""

    status = 409


def reset_password(
    session: Session,
    settings: Settings,
    keys: UnlockedKeys,
    account_id: uuid.UUID,
    *,
    stamp: str | None = None,
) -> str:
    """Give the account a new random password and return it, to be shown once.

    The administrator never chooses it, so it cannot be weak or reused; the old
    password and every sign-in of the account stop working, and the sign-in
    throttle for it starts afresh. With ``stamp`` (:func:`password_stamp` when the
    reset was asked for), the password is replaced only if it is still the one the
    stamp marks, checked in the same statement that writes the new one: of two sends
    of one form, even at the same moment, one makes a password and the other
    raises :class:`PasswordChangedError`.
    """
    account = get_account(session, account_id)
    _require_intact(keys, account)
    old = account.password_hash
    if stamp is not None and _stamp(old) != stamp:
        raise PasswordChangedError(_ALREADY_CHANGED)
    password = generate_password()
    new = encrypt_field(
        keys.keyring.chain(Purpose.ACCOUNTS).current,
        password_hasher(settings).hash(password).encode(),
        context=_context(account.id, "password"),
    )
    written = session.execute(
        update(Account)
        .where(Account.id == account.id, Account.password_hash == old)
        .values(password_hash=new)
        .execution_options(synchronize_session=False)
    )
    if written.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise PasswordChangedError(_ALREADY_CHANGED)
    account.password_hash = new
    account.failed_logins = 0
    account.blocked_until = None
    seal_integrity(keys, account)
    scrub_after_commit(session)  # the journal's copy of the old hash goes too
    _record(session, "account-password-reset")
    return password


_ALREADY_CHANGED = N_(
    "No new password was made: this account's password changed after this page was "
    "opened. If no password was shown to you, ask for a new password again."
)


def remove_account(session: Session, keys: UnlockedKeys, account_id: uuid.UUID) -> int:
    """Delete the account for good; its sign-ins end at once. The drafts it started
    are wiped with it (disable an account instead while they are still needed).
    Returns how many drafts went.
    """
    from intake.interview.services import wipe_drafts_of

    account = get_account(session, account_id)
    if account_is_intact(keys, account):
        _guard_last_administrator(session, keys, account)
    wiped = wipe_drafts_of(session, keys, account.id)
    session.delete(account)
    scrub_after_commit(session)  # the journal's copy of the account goes too
    _record(session, "account-removed")
    return wiped
