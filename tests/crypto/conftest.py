"""Crypto test fixtures: no Flask, no database."""

import pytest

from crypto import Argon2idParams, Identity

#: Deliberately weak Argon2id cost, for tests only; passed explicitly everywhere.
TEST_MIN_MEMORY_KIB = 8


@pytest.fixture
def weak_params() -> Argon2idParams:
    """Argon2id parameters cheap enough for unit tests (never for real keyrings)."""
    return Argon2idParams.create(
        memory_kib=256, iterations=1, lanes=1, minimum_memory_kib=TEST_MIN_MEMORY_KIB
    )


@pytest.fixture(scope="module")
def org() -> Identity:
    """An organisation identity, one per test module."""
    return Identity.generate()
