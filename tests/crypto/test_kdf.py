"""Argon2id: RFC 9106 vector, an independent implementation, calibration and limits."""

import pytest
from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from crypto import Argon2idParams, KeyFormatError, calibrate
from crypto.kdf import MIN_CALIBRATED_ITERATIONS, MIN_MEMORY_KIB

#: Deliberately weak cost floor, for tests only (as in conftest.py).
TEST_MIN_MEMORY_KIB = 8


def test_rfc9106_argon2id_vector():
    # Given the RFC 9106 section 5.3 inputs / Then the primitive we build on gives its tag
    kdf = Argon2id(
        salt=b"\x02" * 16,
        length=32,
        iterations=3,
        lanes=4,
        memory_cost=32,
        ad=b"\x04" * 12,
        secret=b"\x03" * 8,
    )
    assert kdf.derive(b"\x01" * 32).hex() == (
        "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"
    )


def test_derive_matches_the_reference_implementation():
    # Given our parameters / When derived by us and by libargon2 (argon2-cffi)
    params = Argon2idParams.create(
        memory_kib=512, iterations=2, lanes=2, salt=b"s" * 16, minimum_memory_kib=8
    )
    ours = params.derive("пароль passphrase")
    reference = hash_secret_raw(
        "пароль passphrase".encode(),
        b"s" * 16,
        time_cost=2,
        memory_cost=512,
        parallelism=2,
        hash_len=32,
        type=Type.ID,
    )
    # Then both agree
    assert ours == reference


def test_default_floor_is_64_mib():
    assert MIN_MEMORY_KIB == 65536
    with pytest.raises(KeyFormatError):
        Argon2idParams.create(memory_kib=65535, iterations=3)


def test_calibration_meets_the_target_roughly_and_keeps_memory():
    # Given a tiny explicit test cost / When calibrated to a short target
    params = calibrate(target_seconds=0.02, memory_kib=1024, minimum_memory_kib=TEST_MIN_MEMORY_KIB)
    # Then memory is as asked, iterations at least one, and a fresh salt is drawn
    assert params.memory_kib == 1024
    assert 1 <= params.iterations <= 64
    assert len(params.salt) == 16
    assert (
        params.salt
        != calibrate(
            target_seconds=0.02, memory_kib=1024, minimum_memory_kib=TEST_MIN_MEMORY_KIB
        ).salt
    )


def test_calibration_stops_at_the_iteration_ceiling():
    # Given an unreachable target on a tiny memory cost / Then iterations stop at 64
    params = calibrate(target_seconds=1000.0, memory_kib=32, minimum_memory_kib=TEST_MIN_MEMORY_KIB)
    assert params.iterations == 64


def test_calibration_defaults_never_go_below_64_mib():
    params = calibrate(target_seconds=0.0)
    assert params.memory_kib >= 65536
    # The fixed floor: twice RFC 9106's t=3 at 64 MiB
    assert params.iterations == MIN_CALIBRATED_ITERATIONS == 6


def test_a_loaded_machine_never_calibrates_below_the_floor(monkeypatch):
    # Given a machine so busy that every derivation seems to take ten seconds
    from types import SimpleNamespace

    import crypto.kdf

    clock = iter(range(0, 10_000, 10))
    fake_time = SimpleNamespace(perf_counter=lambda: float(next(clock)))
    monkeypatch.setattr(crypto.kdf, "time", fake_time)
    # When a new keyring's cost is calibrated / Then it is still at the fixed floor
    params = calibrate(memory_kib=64, minimum_memory_kib=TEST_MIN_MEMORY_KIB)
    assert params.iterations == MIN_CALIBRATED_ITERATIONS


@pytest.mark.parametrize(
    "kwargs",
    [
        {"memory_kib": 1024, "iterations": 0},
        {"memory_kib": 1024, "iterations": 65},
        {"memory_kib": 1024, "iterations": 1, "lanes": 0},
        {"memory_kib": 1024, "iterations": 1, "salt": b"short"},
        {"memory_kib": 4, "iterations": 1, "lanes": 1},
        {"memory_kib": 4 * 1024 * 1024 + 1, "iterations": 1},
    ],
)
def test_create_refuses_bad_parameters(kwargs):
    with pytest.raises(KeyFormatError):
        Argon2idParams.create(minimum_memory_kib=TEST_MIN_MEMORY_KIB, **kwargs)


def test_parameters_round_trip_through_storage(weak_params):
    stored = weak_params.to_dict()
    assert Argon2idParams.from_dict(stored, minimum_memory_kib=TEST_MIN_MEMORY_KIB) == weak_params


def test_stored_weak_parameters_are_refused_by_default(weak_params):
    with pytest.raises(KeyFormatError):
        Argon2idParams.from_dict(weak_params.to_dict())


@pytest.mark.parametrize(
    "edit",
    [
        {"algorithm": "scrypt"},
        {"salt": "***"},
        {"memory_kib": "lots"},
        {"iterations": None},
    ],
)
def test_malformed_stored_parameters_are_refused(weak_params, edit):
    with pytest.raises(KeyFormatError):
        Argon2idParams.from_dict({**weak_params.to_dict(), **edit}, minimum_memory_kib=8)


def test_missing_field_is_refused(weak_params):
    stored = weak_params.to_dict()
    del stored["lanes"]
    with pytest.raises(KeyFormatError):
        Argon2idParams.from_dict(stored, minimum_memory_kib=8)


def test_empty_passphrase_is_refused(weak_params):
    with pytest.raises(KeyFormatError):
        weak_params.derive("")


def test_passphrase_is_normalised_so_keyboards_agree(weak_params):
    # Given the same Cyrillic passphrase with й composed and decomposed
    composed = "\u04d8\u043a\u0435 \u0439"  # й as one code point
    decomposed = "\u04d8\u043a\u0435 \u0438\u0306"  # и followed by a combining breve
    assert composed != decomposed
    # Then both derive the same key
    assert weak_params.derive(composed) == weak_params.derive(decomposed)
