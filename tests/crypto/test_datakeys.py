"""Per-record data keys: wrapping bound to the record, erasure by destroying the wrap."""

import pytest

from crypto import (
    Context,
    Keyring,
    OpenError,
    Purpose,
    decrypt_field,
    encrypt_field,
    new_record_key,
    unwrap_record_key,
    wrap_record_key,
)


def test_wrapped_record_key_round_trip_and_opens_sections():
    wrapping = Keyring.create().chain(Purpose.RECORD_KEY_WRAP)
    key = new_record_key()
    section = Context(namespace="testimony-section", record_id="r1", field="victim")
    envelope = encrypt_field(key, b"victim data", context=section)
    unwrapped = unwrap_record_key(
        wrapping, wrap_record_key(wrapping, key, record_id="r1"), record_id="r1"
    )
    assert decrypt_field(unwrapped, envelope, context=section) == b"victim data"


def test_wrapped_key_moved_to_another_record_fails():
    wrapping = Keyring.create().chain(Purpose.RECORD_KEY_WRAP)
    wrapped = wrap_record_key(wrapping, new_record_key(), record_id="r1")
    with pytest.raises(OpenError):
        unwrap_record_key(wrapping, wrapped, record_id="r2")


def test_other_workspace_cannot_unwrap():
    wrapped = wrap_record_key(
        Keyring.create().chain(Purpose.RECORD_KEY_WRAP), new_record_key(), record_id="r1"
    )
    with pytest.raises(OpenError):
        unwrap_record_key(Keyring.create().chain(Purpose.RECORD_KEY_WRAP), wrapped, record_id="r1")


def test_wrap_purpose_key_cannot_unwrap_with_another_purpose():
    keyring = Keyring.create()
    wrapped = wrap_record_key(
        keyring.chain(Purpose.RECORD_KEY_WRAP), new_record_key(), record_id="r1"
    )
    with pytest.raises(OpenError):
        unwrap_record_key(keyring.chain(Purpose.DRAFT), wrapped, record_id="r1")
