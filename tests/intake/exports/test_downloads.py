"""A written export is handed out once, only to the account that wrote it, and expires."""

from __future__ import annotations

from intake.exports import downloads
from intake.exports.downloads import Downloads


def test_only_the_writer_takes_it_and_only_once():
    store = Downloads()
    token = store.put("account-a", "f.zip.age", b"sealed", "00")
    assert store.take("account-b", token) is None
    assert store.take("account-a", "a-guessed-token") is None
    waiting = store.take("account-a", token)
    assert waiting is not None and waiting.data == b"sealed"
    assert store.take("account-a", token) is None


def test_an_export_not_taken_in_time_is_dropped(monkeypatch):
    store = Downloads()
    token = store.put("account-a", "f.json", b"plain", "00")
    now = downloads.time.monotonic()
    monkeypatch.setattr(downloads.time, "monotonic", lambda: now + downloads.HOLD_SECONDS + 1)
    assert store.take("account-a", token) is None
