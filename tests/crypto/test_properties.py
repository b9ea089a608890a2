"""Property tests: the envelope and keyring parsers end every bad input in their error.

Random bytes, and real envelopes and keyrings with bytes flipped, cut, extended or
fields replaced, must raise the documented error (OpenError, KeyFormatError,
UnlockError) and nothing else: no struct, index, type or value error escapes.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto import (
    Context,
    KeyChain,
    KeyFormatError,
    Keyring,
    LockedKeyring,
    OpenError,
    SymmetricKey,
    UnlockError,
    decrypt_field,
    encrypt_field,
)

from ..mutations import mutations
from .conftest import TEST_MIN_MEMORY_KIB

KEY = SymmetricKey.generate()
OLD_KEY = SymmetricKey.generate()
CHAIN = KeyChain(KEY, [OLD_KEY])
CTX = Context(namespace="testimony", record_id="r-1", field="victim")
ENVELOPE = encrypt_field(KEY, "Сынақ Әйел, 1980".encode(), context=CTX)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.binary(max_size=512))
def test_random_bytes_never_open(envelope: bytes) -> None:
    # Given any bytes / When opened as an envelope / Then only OpenError
    with pytest.raises(OpenError):
        decrypt_field(CHAIN, envelope, context=CTX)


@FAST
@given(mutations(b"\x00"))
def test_the_tamper_strategy_never_hands_back_the_untouched_bytes(mutated: bytes) -> None:
    # A spliced run equal to the bytes it lands on changes nothing; such a draw opened
    # the real envelope once and failed the test below for a tamper that never happened
    assert mutated != b"\x00"


@FAST
@given(mutations(ENVELOPE))
def test_a_mutated_envelope_never_opens(envelope: bytes) -> None:
    # Given a real envelope changed in any way / When opened / Then only OpenError
    with pytest.raises(OpenError):
        decrypt_field(CHAIN, envelope, context=CTX)


@FAST
@given(st.binary(min_size=8, max_size=8), st.binary(max_size=64))
def test_an_envelope_with_a_known_key_id_and_random_body_never_opens(
    key_id: bytes, body: bytes
) -> None:
    # Given the right version byte, a key id the chain holds (or not) and random rest
    for kid in (KEY.key_id, OLD_KEY.key_id, key_id):
        with pytest.raises(OpenError):
            decrypt_field(CHAIN, bytes([1]) + kid + body, context=CTX)


@FAST
@given(st.text(st.characters(), min_size=1, max_size=20))
def test_an_envelope_never_opens_in_another_context(field: str) -> None:
    # Given the real envelope / When opened for any other field / Then only OpenError
    try:
        other = Context(namespace="testimony", record_id="r-1", field=field)
    except KeyFormatError:
        assert "\x00" in field or any(0xD800 <= ord(c) <= 0xDFFF for c in field)
        return
    if other == CTX:
        return
    with pytest.raises(OpenError):
        decrypt_field(CHAIN, ENVELOPE, context=other)


@pytest.mark.parametrize("field", ["\ud800", "a\udfffb", "nul\x00"])
def test_a_context_that_utf8_cannot_encode_is_refused_when_made(field: str) -> None:
    with pytest.raises(KeyFormatError):
        Context(namespace="testimony", record_id="r-1", field=field)


# --- the keyring --------------------------------------------------------------

PASSPHRASE = "correct horse battery staple"


def _locked() -> LockedKeyring:
    from crypto import Argon2idParams

    params = Argon2idParams.create(
        memory_kib=64, iterations=1, lanes=1, minimum_memory_kib=TEST_MIN_MEMORY_KIB
    )
    return Keyring.create().rotate().lock(PASSPHRASE, params)


LOCKED = _locked()
LOCKED_JSON = LOCKED.to_json()

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _from_json(text: str) -> LockedKeyring:
    return LockedKeyring.from_json(text, minimum_memory_kib=TEST_MIN_MEMORY_KIB)


@FAST
@given(st.text(max_size=300) | JSON_VALUES.map(json.dumps))
def test_random_text_is_never_a_keyring(text: str) -> None:
    # Given any text or any JSON value / When parsed as a keyring / Then only KeyFormatError
    with pytest.raises(KeyFormatError):
        _from_json(text)


@pytest.mark.parametrize("text", ["[" * 100_000, '{"format":' * 100_000])
def test_deeply_nested_text_is_a_format_error_not_a_recursion_error(text: str) -> None:
    with pytest.raises(KeyFormatError):
        _from_json(text)


def _paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*prefix, index))
    return found


KEYRING_PATHS = _paths(json.loads(LOCKED_JSON))


@FAST
@given(st.sampled_from(KEYRING_PATHS), JSON_VALUES)
def test_a_keyring_with_a_field_replaced_fails_cleanly(
    path: tuple[object, ...], value: object
) -> None:
    # Given the stored keyring with any one field replaced by any JSON value
    data = json.loads(LOCKED_JSON)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    # When parsed and, if it parses, unlocked / Then KeyFormatError or UnlockError only
    try:
        locked = _from_json(json.dumps(data))
    except KeyFormatError:
        return
    if locked.params.iterations > 4 or locked.params.memory_kib > 4096:
        return  # parses; unlocking would only be slow, not wrong
    try:
        keyring = locked.unlock(PASSPHRASE)
    except (KeyFormatError, UnlockError):
        return
    # Only changes that keep every authenticated part may still open: then it is the same
    assert keyring.key_ids == LOCKED.unlock(PASSPHRASE).key_ids


@FAST
@given(mutations(LOCKED_JSON.encode()))
def test_a_keyring_with_bytes_changed_never_unlocks_to_something_else(raw: bytes) -> None:
    # Given the stored keyring with bytes flipped, cut or spliced
    try:
        locked = _from_json(raw.decode("utf-8"))
    except (UnicodeDecodeError, KeyFormatError):
        return
    if locked.params.iterations > 4 or locked.params.memory_kib > 4096:
        return
    # When unlocked / Then it fails with UnlockError, or opens the very same keys
    try:
        keyring = locked.unlock(PASSPHRASE)
    except (KeyFormatError, UnlockError):
        return
    assert keyring.key_ids == LOCKED.unlock(PASSPHRASE).key_ids


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=40))
def test_a_wrong_passphrase_is_only_ever_an_unlock_error(passphrase: str) -> None:
    if passphrase == PASSPHRASE:
        return
    with pytest.raises((UnlockError, KeyFormatError)):
        LOCKED.unlock(passphrase)
