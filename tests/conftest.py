"""Fixtures shared by every test package.

Tests that need PostgreSQL or the ``age`` command skip with a visible reason when
those are missing, except under ``INTAKE_REQUIRE_EXTERNAL=1`` (set by .ci/run), where
a missing dependency fails the test instead, so CI cannot pass by skipping them.
"""

from __future__ import annotations

import os
import shutil

import pytest


def _missing(reason: str) -> None:
    if os.environ.get("INTAKE_REQUIRE_EXTERNAL") == "1":
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def age_command() -> str:
    """Path of the independent ``age`` tool, for interoperability tests."""
    path = shutil.which("age")
    if path is None:
        _missing("the `age` command is not installed (apt-get install age)")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of a PostgreSQL database the tests may fill and empty."""
    url = os.environ.get("INTAKE_TEST_DATABASE_URL", "")
    if not url:
        _missing("INTAKE_TEST_DATABASE_URL is not set; PostgreSQL tests need a server")
    return url
