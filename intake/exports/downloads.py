"""Written exports waiting to be downloaded once by the person who wrote them.

The Export page writes a file while showing progress, then offers it for download. The
file (sealed, or plain after confirmation) waits here in memory for at most
HOLD_SECONDS, is handed out once to the same account, and is never written to disk.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

#: How long a written export waits for its download.
HOLD_SECONDS = 600.0


@dataclass(frozen=True)
class Waiting:
    """One written export and who may take it."""

    account: str
    expires: float
    filename: str
    data: bytes
    sha256: str


class Downloads:
    """Written exports by one-time token."""

    def __init__(self) -> None:
        self._items: dict[str, Waiting] = {}
        self._lock = threading.Lock()

    def put(self, account: str, filename: str, data: bytes, sha256: str) -> str:
        """Keep a written export for ``account``; the token to fetch it with."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._drop_expired()
            self._items[token] = Waiting(
                account, time.monotonic() + HOLD_SECONDS, filename, data, sha256
            )
        return token

    def take(self, account: str, token: str) -> Waiting | None:
        """The export for ``token`` if ``account`` wrote it and it has not expired; once."""
        with self._lock:
            self._drop_expired()
            waiting = self._items.get(token)
            if waiting is None or not secrets.compare_digest(waiting.account, account):
                return None
            del self._items[token]
            return waiting

    def _drop_expired(self) -> None:
        now = time.monotonic()
        for token in [t for t, item in self._items.items() if item.expires < now]:
            del self._items[token]
