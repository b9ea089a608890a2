"""Account services: create accounts, sign in with throttling, remember the language.

Usernames are found through a keyed HMAC and stored encrypted; password hashes
(Argon2id) are stored encrypted too, so a copied database allows no offline guessing.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crypto import Context, OpenError, Purpose, decrypt_field, encrypt_field, pseudonym
from intake.accounts.models import ACCOUNT_ROLES, Account
from intake.errors import N_, IntakeError
from intake.settings import Settings
from intake.workspace.vault import UnlockedKeys

LANGUAGES = ("en", "kk", "ru", "ug", "zh")
MIN_PASSWORD_LENGTH = 12
#: Failed sign-ins allowed before each further attempt must wait.
FREE_ATTEMPTS = 5
MAX_BLOCK_SECONDS = 900


class AccountError(IntakeError):
    """An account cannot be created or changed as asked."""


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
    text = username.strip()
    if not 1 <= len(text) <= 100 or any(unicodedata.category(c).startswith("C") for c in text):
        raise AccountError(
            N_("A username is 1 to 100 letters, digits or signs, without control characters.")
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH or len(password) > 1024:
        raise AccountError(
            N_("A password has at least %(count)s characters."), count=MIN_PASSWORD_LENGTH
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
    _check_password(password)
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
        created_at=_now(),
    )
    seal_integrity(keys, account)
    session.add(account)
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
    if blocked is not None and _aware(blocked) > now:
        wait = int((_aware(blocked) - now).total_seconds()) + 1
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


def _aware(moment: datetime) -> datetime:
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


def list_accounts(session: Session, keys: UnlockedKeys) -> list[tuple[Account, str]]:
    """Every account with its username, oldest first."""
    rows = session.scalars(select(Account).order_by(Account.created_at))
    return [(account, username_of(keys, account)) for account in rows]
