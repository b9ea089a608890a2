"""Field encryption: round trips, every tamper case, context binding, padding."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crypto import (
    Context,
    KeyChain,
    KeyFormatError,
    OpenError,
    SymmetricKey,
    decrypt_field,
    decrypt_fields,
    encrypt_field,
    encrypt_fields,
)
from crypto.aead import HEADER_LENGTH, MIN_BUCKET, padded_size

KEY = SymmetricKey.generate()
CTX = Context(namespace="testimony-section", record_id="rec-1", field="victim")


@given(st.binary(max_size=5000))
def test_round_trip_any_bytes(plaintext):
    # Given any plaintext / When sealed and opened in the same context / Then it is unchanged
    assert decrypt_field(KEY, encrypt_field(KEY, plaintext, context=CTX), context=CTX) == plaintext


def test_every_single_byte_flip_fails_with_open_error():
    # Given a sealed value
    envelope = encrypt_field(KEY, "Гүлзира Әуелхан".encode(), context=CTX)
    # When any one byte is flipped / Then opening fails with OpenError
    for index in range(len(envelope)):
        tampered = bytearray(envelope)
        tampered[index] ^= 0x01
        with pytest.raises(OpenError):
            decrypt_field(KEY, bytes(tampered), context=CTX)


@pytest.mark.parametrize(
    "other",
    [
        Context(namespace="testimony-section", record_id="rec-2", field="victim"),
        Context(namespace="testimony-section", record_id="rec-1", field="testifier"),
        Context(namespace="draft", record_id="rec-1", field="victim"),
    ],
)
def test_ciphertext_moved_to_another_place_fails(other):
    # Given a value sealed for record 1's victim section
    envelope = encrypt_field(KEY, b"secret", context=CTX)
    # When presented as another record, section or namespace / Then it does not open
    with pytest.raises(OpenError):
        decrypt_field(KEY, envelope, context=other)


def test_two_swapped_ciphertexts_both_fail():
    # Given two records' sections
    ctx_a = Context(namespace="testimony-section", record_id="a", field="victim")
    ctx_b = Context(namespace="testimony-section", record_id="b", field="victim")
    env_a = encrypt_field(KEY, b"victim of a", context=ctx_a)
    env_b = encrypt_field(KEY, b"victim of b", context=ctx_b)
    # When someone with database access swaps them / Then neither opens
    for env, ctx in ((env_a, ctx_b), (env_b, ctx_a)):
        with pytest.raises(OpenError):
            decrypt_field(KEY, env, context=ctx)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda e: b"",
        lambda e: e[:HEADER_LENGTH],
        lambda e: e[:-1],
        lambda e: b"\x02" + e[1:],
        lambda e: e + b"\x00",
    ],
    ids=["empty", "header-only", "truncated", "unknown-version", "extended"],
)
def test_malformed_envelopes_fail_with_open_error(mangle):
    envelope = encrypt_field(KEY, b"value", context=CTX)
    with pytest.raises(OpenError):
        decrypt_field(KEY, mangle(envelope), context=CTX)


def test_wrong_key_and_unknown_key_id_fail_alike():
    envelope = encrypt_field(KEY, b"value", context=CTX)
    same_id_other_key = SymmetricKey(key_id=KEY.key_id, material=bytes(32))
    with pytest.raises(OpenError):
        decrypt_field(same_id_other_key, envelope, context=CTX)
    with pytest.raises(OpenError):
        decrypt_field(SymmetricKey.generate(), envelope, context=CTX)


def test_non_bytes_envelope_fails_with_open_error():
    with pytest.raises(OpenError):
        decrypt_field(KEY, "not bytes", context=CTX)  # type: ignore[arg-type]


def test_key_chain_opens_old_key_ids_and_seals_with_current():
    # Given a rotation: an old key and a new current one
    old, new = SymmetricKey.generate(), SymmetricKey.generate()
    chain = KeyChain(new, [old])
    old_envelope = encrypt_field(old, b"old data", context=CTX)
    # When opening data sealed under the old key / Then the chain finds it by key id
    assert decrypt_field(chain, old_envelope, context=CTX) == b"old data"
    assert chain.current is new
    assert "keys=2" in repr(chain)


def test_plaintext_never_appears_in_ciphertext():
    name = "Gulzira Auelkhan Гүлзира Әуелхан 古丽孜拉"
    for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
        envelope = encrypt_field(KEY, name.encode(encoding), context=CTX)
        for probe in ("Gulzira", "Гүлзира", "古丽孜拉"):
            assert probe.encode(encoding) not in envelope


def test_lengths_leak_only_the_bucket():
    # Given two values of different lengths in the same bucket / Then same length out
    short = encrypt_field(KEY, b"A" * 3, context=CTX)
    longer = encrypt_field(KEY, b"A" * 100, context=CTX)
    assert len(short) == len(longer)
    assert len(encrypt_field(KEY, b"A" * 200, context=CTX)) > len(short)


@given(st.integers(min_value=0, max_value=50_000_000))
def test_padme_bucket_bounds(length):
    size = padded_size(length)
    assert size >= max(length, MIN_BUCKET)
    assert size <= max(MIN_BUCKET, length * 1.12 + 1)


def test_padme_known_values():
    # Worked by hand from the Padmé definition: E = floor(log2 L), S = floor(log2 E) + 1,
    # round L up to a multiple of 2**(E - S).
    assert padded_size(129) == 144  # E=7, S=3: multiple of 16
    assert padded_size(1000) == 1024  # E=9, S=4: multiple of 32
    assert padded_size(1025) == 1088  # E=10, S=4: multiple of 64


def test_padding_bytes_are_checked_after_decryption():
    # Given an envelope whose authenticated padding is not zero (forged with the key)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from crypto.aead import _associated_data

    nonce = bytes(12)
    padded = (3).to_bytes(4, "big") + b"abc" + b"\x01" * (MIN_BUCKET - 7)
    sealed = AESGCM(KEY.material).encrypt(nonce, padded, _associated_data(KEY.key_id, CTX.encode()))
    forged = b"\x01" + KEY.key_id + nonce + sealed
    # Then it is refused, not silently truncated
    with pytest.raises(OpenError):
        decrypt_field(KEY, forged, context=CTX)


@pytest.mark.parametrize(
    "parts",
    [
        ("", "r", "f"),
        ("n", "", "f"),
        ("n", "r", ""),
        ("n", "r\x00x", "f"),
        ("n", "r" * 300, "f"),
        ("n", 5, "f"),
    ],
)
def test_context_refuses_empty_or_ambiguous_parts(parts):
    with pytest.raises(KeyFormatError):
        Context(*parts)


def test_context_encoding_is_unambiguous():
    assert Context("a", "bc", "d").encode() != Context("ab", "c", "d").encode()


@pytest.mark.parametrize(
    ("key_id", "material"), [(b"12345678", b"short"), (b"1234", bytes(32)), ("x" * 8, bytes(32))]
)
def test_symmetric_key_checks_sizes(key_id, material):
    with pytest.raises(KeyFormatError):
        SymmetricKey(key_id=key_id, material=material)


def test_key_repr_does_not_show_material():
    assert KEY.material.hex() not in repr(KEY)
    assert repr(KEY.material)[2:-1] not in repr(KEY) and str(KEY.material) not in str(KEY)
    assert KEY.hex_id in repr(KEY)


def test_encrypt_refuses_text_and_oversized_input(monkeypatch):
    with pytest.raises(TypeError):
        encrypt_field(KEY, "text", context=CTX)  # type: ignore[arg-type]

    class Huge(bytes):
        def __len__(self):
            return 0xFFFFFFFF

    with pytest.raises(KeyFormatError):
        encrypt_field(KEY, Huge(b"x"), context=CTX)


def test_a_used_key_copies_and_pickles_without_its_cipher_object():
    import copy
    import pickle

    key = SymmetricKey.generate()
    context = Context(namespace="n", record_id="r", field="f")
    sealed = encrypt_field(key, b"value", context=context)  # the key's cipher is made
    for copied in (pickle.loads(pickle.dumps(key)), copy.deepcopy(key)):
        assert copied == key and "_cipher" not in vars(copied)
        assert decrypt_field(copied, sealed, context=context) == b"value"


# --- several fields of one record at once ---------------------------------------------

FIELDS = [("victim", "Гүлзира".encode()), ("episodes", b"[]"), ("ئىسىم", b"x" * 700)]


_FIELD_NAMES = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=20,
)


@given(st.lists(st.tuples(_FIELD_NAMES, st.binary(max_size=600)), max_size=6))
def test_each_field_opens_as_if_encrypted_alone(fields):
    # Given fields with any names (without NUL or lone surrogates) and plaintexts
    # When encrypted at once / Then each opens with decrypt_field in its own context only
    envelopes = encrypt_fields(KEY, "testimony-section", "rec-1", fields)
    assert len(envelopes) == len(fields)
    for (name, data), envelope in zip(fields, envelopes, strict=True):
        context = Context("testimony-section", "rec-1", name)
        assert decrypt_field(KEY, envelope, context=context) == data
        assert len(envelope) == len(encrypt_field(KEY, data, context=context))


def test_fields_encrypted_at_once_are_bound_to_their_own_place():
    envelopes = encrypt_fields(KEY, "testimony-section", "rec-1", FIELDS)
    # Every nonce differs
    assert len({envelope[9:HEADER_LENGTH] for envelope in envelopes}) == len(FIELDS)
    # Two fields swapped, or a field presented under another record or namespace, fail
    victim, episodes = envelopes[0], envelopes[1]
    for envelope, context in [
        (victim, Context("testimony-section", "rec-1", "episodes")),
        (episodes, Context("testimony-section", "rec-1", "victim")),
        (victim, Context("testimony-section", "rec-2", "victim")),
        (victim, Context("draft", "rec-1", "victim")),
    ]:
        with pytest.raises(OpenError):
            decrypt_field(KEY, envelope, context=context)
    # Any flipped byte fails
    for index in range(len(victim)):
        tampered = bytearray(victim)
        tampered[index] ^= 0x80
        with pytest.raises(OpenError):
            decrypt_field(KEY, bytes(tampered), context=CTX)


def test_no_fields_make_no_envelopes():
    assert encrypt_fields(KEY, "n", "r", []) == []


@pytest.mark.parametrize(
    ("namespace", "record_id", "fields", "error"),
    [
        ("", "r", [("f", b"x")], KeyFormatError),
        ("n", "r\x00", [("f", b"x")], KeyFormatError),
        ("n", "r", [("f", b"x"), ("", b"y")], KeyFormatError),
        ("n", "r", [("f", b"x"), ("g\ud800", b"y")], KeyFormatError),
        ("n", "r", [("f", b"x"), (5, b"y")], KeyFormatError),
        ("n", "r", [("f", b"x"), ("g" * 300, b"y")], KeyFormatError),
        ("n", "r", [("f", b"x"), ("g", "text")], TypeError),
    ],
)
def test_encrypt_fields_refuses_what_encrypt_field_refuses(namespace, record_id, fields, error):
    with pytest.raises(error):
        encrypt_fields(KEY, namespace, record_id, fields)


def test_encrypt_fields_refuses_oversized_input():
    class Huge(bytes):
        def __len__(self):
            return 0xFFFFFFFF

    with pytest.raises(KeyFormatError):
        encrypt_fields(KEY, "n", "r", [("f", Huge(b"x"))])


@given(st.lists(st.tuples(_FIELD_NAMES, st.binary(max_size=600)), max_size=6))
def test_fields_opened_at_once_are_what_each_opens_alone(fields):
    # Given fields with any names and plaintexts, encrypted at once
    envelopes = encrypt_fields(KEY, "testimony-section", "rec-1", fields)
    named = [(name, envelope) for (name, _), envelope in zip(fields, envelopes, strict=True)]
    # When opened at once (with the key, or a chain holding it) / Then each is its plaintext
    assert decrypt_fields(KEY, "testimony-section", "rec-1", named) == [data for _, data in fields]
    chain = KeyChain(SymmetricKey.generate(), [KEY])
    assert decrypt_fields(chain, "testimony-section", "rec-1", named) == [d for _, d in fields]


def test_fields_opened_at_once_fail_as_each_fails_alone():
    envelopes = encrypt_fields(KEY, "testimony-section", "rec-1", FIELDS)
    named = [(name, envelope) for (name, _), envelope in zip(FIELDS, envelopes, strict=True)]
    victim, episodes = envelopes[0], envelopes[1]
    # Two fields swapped, another record or namespace, another key: nothing opens
    for namespace, record_id, presented, keys in [
        ("testimony-section", "rec-1", [("victim", episodes), ("episodes", victim)], KEY),
        ("testimony-section", "rec-2", named, KEY),
        ("draft", "rec-1", named, KEY),
        ("testimony-section", "rec-1", named, SymmetricKey.generate()),
    ]:
        with pytest.raises(OpenError):
            decrypt_fields(keys, namespace, record_id, presented)
    # Any flipped byte of any one of them fails, and so do a cut one and another version
    for index in range(len(episodes)):
        tampered = bytearray(episodes)
        tampered[index] ^= 0x80
        with pytest.raises(OpenError):
            decrypt_fields(
                KEY, "testimony-section", "rec-1", [named[0], ("episodes", bytes(tampered))]
            )
    for broken in (episodes[:HEADER_LENGTH], b"\x02" + episodes[1:], "text"):
        with pytest.raises(OpenError):
            decrypt_fields(KEY, "testimony-section", "rec-1", [("episodes", broken)])


def test_no_envelopes_open_to_nothing():
    assert decrypt_fields(KEY, "n", "r", []) == []


def test_envelopes_given_as_an_iterator_are_all_opened():
    envelopes = encrypt_fields(KEY, "testimony-section", "rec-1", FIELDS)
    named = ((name, envelope) for (name, _), envelope in zip(FIELDS, envelopes, strict=True))
    assert decrypt_fields(KEY, "testimony-section", "rec-1", named) == [d for _, d in FIELDS]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("namespace", "record_id", "fields"),
    [
        ("", "r", [("f", b"x")]),
        ("n", "r\x00", [("f", b"x")]),
        ("n", "r", [("f", b"x"), ("", b"y")]),
        ("n", "r", [("f", b"x"), ("g\ud800", b"y")]),
        ("n", "r", [("f", b"x"), (5, b"y")]),
        ("n", "r", [("f", b"x"), ("g" * 300, b"y")]),
    ],
)
def test_decrypt_fields_refuses_the_contexts_decrypt_field_refuses(namespace, record_id, fields):
    with pytest.raises(KeyFormatError):
        decrypt_fields(KEY, namespace, record_id, fields)
