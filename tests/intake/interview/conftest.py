"""Interview test fixtures: a small attachment limit so oversized files are cheap to make."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.settings import Settings
from tests.intake.conftest import FAST_KDF

#: Attachment limit for these tests (the default is 25 MB).
SMALL_ATTACHMENT_LIMIT = 64_000


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings of a fresh workspace with a 64 kB attachment limit."""
    return Settings.for_workspace(
        tmp_path / "workspace",
        database_url=database_url,
        max_attachment_bytes=SMALL_ATTACHMENT_LIMIT,
        **FAST_KDF,
    )
