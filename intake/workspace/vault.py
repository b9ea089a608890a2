"""The in-memory key vault of a running server or command.

Keys live here only while the workspace is unlocked. They are dropped on "lock now",
after an idle time without requests (a background thread checks, so an unattended
laptop locks itself), and when the process stops. Python cannot reliably overwrite the
bytes, so dropping references is not enough: the server sets :attr:`KeyVault.on_lock`
to end the whole process once it has locked (see intake.serving).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from crypto import Identity, Keyring


@dataclass(frozen=True)
class UnlockedKeys:
    """What an unlocked workspace holds in memory."""

    keyring: Keyring
    #: The organisation identity (case database only).
    identity: Identity | None


class Derived(Protocol):
    """Something made from decrypted data (the case index) that lives exactly as long
    as the keys: made on unlock, closed on lock."""

    def close(self) -> None: ...


class KeyVault:
    """Holds the unlocked keys of one process, or nothing."""

    def __init__(self, idle_timeout_seconds: float = 900.0) -> None:
        self._keys: UnlockedKeys | None = None
        self._lock = threading.Lock()
        self._idle_timeout = idle_timeout_seconds
        self._last_used = time.monotonic()
        self._watcher: threading.Thread | None = None
        #: Sign-in token -> the account's sign-in stamp when it signed in.
        self._sign_ins: dict[str, str] = {}
        self._receipts: set[tuple[object, object]] = set()
        #: Serialises unlock and sign-in attempts, so parallel guesses cannot outrun
        #: the failure counters (each attempt costs a full Argon2id run).
        self.attempt_lock = threading.Lock()
        #: Called after every lock; the server uses it to end the process that held
        #: the keys. None (in tests and commands): the process goes on, locked.
        self.on_lock: Callable[[], None] | None = None
        #: Called with the keys after every unlock; what it returns (the case index)
        #: is kept beside the keys as :attr:`derived` and closed when they are dropped.
        self.on_unlock: Callable[[UnlockedKeys], Derived | None] | None = None
        self._derived: Derived | None = None

    def put(self, keys: UnlockedKeys) -> None:
        """Keep ``keys`` until locked or idle."""
        with self._lock:
            self._keys = keys
            self._last_used = time.monotonic()
            self._sign_ins.clear()
            if self._watcher is None or not self._watcher.is_alive():
                self._watcher = threading.Thread(target=self._watch, daemon=True)
                self._watcher.start()
        self._set_derived(None if self.on_unlock is None else self.on_unlock(keys))

    def _set_derived(self, derived: Derived | None) -> None:
        with self._lock:
            previous, self._derived = self._derived, derived
        if previous is not None:
            previous.close()

    @property
    def derived(self) -> Derived | None:
        """What :attr:`on_unlock` made from the keys (the case index), while unlocked."""
        return self._derived if self.is_unlocked else None

    def clear(self) -> None:
        """Drop the keys: the workspace is locked."""
        with self._lock:
            self._keys = None
            self._sign_ins.clear()
            self._receipts.clear()
        self._set_derived(None)
        if self.on_lock is not None:
            self.on_lock()

    def start_sign_in(self, account_stamp: str) -> str:
        """A token for a new sign-in; valid until signed out, locked or idle.

        ``account_stamp`` is remembered with it, so a sign-in made before an
        administrator changed the account can be told apart (see stamp_of).
        """
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sign_ins[token] = account_stamp
        return token

    def stamp_of(self, token: object) -> str | None:
        """The account stamp ``token`` was started with, or None if it is not current."""
        if not self.is_signed_in(token):
            return None
        return self._sign_ins.get(token)  # type: ignore[arg-type]

    def is_signed_in(self, token: object) -> bool:
        """Whether ``token`` belongs to a current sign-in (a copied old cookie does not)."""
        return isinstance(token, str) and self.is_unlocked and token in self._sign_ins

    def end_sign_in(self, token: object) -> None:
        """Sign-out: the token stops working at once."""
        with self._lock:
            self._sign_ins.pop(token, None)  # type: ignore[arg-type]

    def note_receipt(self, account_id: object, record_id: object) -> None:
        """Remember, in memory only, that ``account_id`` finalised ``record_id``.

        Receipts are shown only to the person who finalised the record, and only until
        the workspace locks: the link between a person and a record is never stored.
        """
        with self._lock:
            self._receipts.add((account_id, record_id))

    def has_receipt(self, account_id: object, record_id: object) -> bool:
        """Whether ``account_id`` finalised ``record_id`` since the last unlock."""
        return (account_id, record_id) in self._receipts

    def touch(self) -> None:
        """Note activity, postponing the idle lock."""
        self._last_used = time.monotonic()

    def expire_if_idle(self) -> bool:
        """Lock if idle for longer than the timeout; return whether it locked now."""
        if self._keys is not None and time.monotonic() - self._last_used > self._idle_timeout:
            self.clear()
            return True
        return False

    def _watch(self) -> None:
        interval = max(0.05, min(30.0, self._idle_timeout / 4))
        while self._keys is not None:
            time.sleep(interval)
            self.expire_if_idle()

    @property
    def keys(self) -> UnlockedKeys | None:
        """The unlocked keys, or None while locked (or once idle too long)."""
        self.expire_if_idle()
        return self._keys

    @property
    def is_unlocked(self) -> bool:
        """Whether keys are held."""
        return self.keys is not None
