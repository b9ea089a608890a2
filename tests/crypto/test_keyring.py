"""Keyring: HKDF vectors, wrapping under the passphrase, rotation, tampering."""

import json

import pytest

from crypto import (
    Context,
    KeyFormatError,
    Keyring,
    LockedKeyring,
    OpenError,
    Purpose,
    UnlockError,
    decrypt_field,
    derived_chain,
    encrypt_field,
)
from crypto.keyring import derive_subkey, hkdf_sha256

TEST_FLOOR = 8  # the explicit test floor for Argon2id memory, as in conftest.py
CTX = Context(namespace="draft", record_id="d-1", field="document")


@pytest.mark.parametrize(
    ("ikm", "salt", "info", "length", "okm"),
    [
        (  # RFC 5869 test case 1
            "0b" * 22,
            "000102030405060708090a0b0c",
            "f0f1f2f3f4f5f6f7f8f9",
            42,
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        ),
        (  # RFC 5869 test case 3: empty salt and info
            "0b" * 22,
            "",
            "",
            42,
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        ),
    ],
)
def test_hkdf_rfc5869_vectors(ikm, salt, info, length, okm):
    out = hkdf_sha256(
        bytes.fromhex(ikm),
        salt=bytes.fromhex(salt) or None,
        info=bytes.fromhex(info),
        length=length,
    )
    assert out.hex() == okm


def test_every_purpose_gets_a_distinct_key():
    keyring = Keyring.create()
    materials = {keyring.chain(p).current.material for p in Purpose}
    materials.add(keyring.pseudonym_key().material)
    materials.add(keyring.blind_index_key("victim-name", expected_rows=1000).material)
    materials.add(keyring.blind_index_key("victim-ric", expected_rows=1000).material)
    assert len(materials) == len(Purpose) + 3


def test_empty_label_is_refused():
    with pytest.raises(KeyFormatError):
        derive_subkey(bytes(32), "")


def test_lock_and_unlock_round_trip(weak_params):
    # Given a keyring with data sealed under it
    keyring = Keyring.create()
    envelope = encrypt_field(keyring.chain(Purpose.DRAFT).current, b"draft", context=CTX)
    # When locked, stored as JSON, read back and unlocked
    stored = keyring.lock("correct horse", weak_params).to_json()
    reopened = LockedKeyring.from_json(stored, minimum_memory_kib=TEST_FLOOR).unlock(
        "correct horse"
    )
    # Then the same keys come back and nothing secret is in the stored text
    assert decrypt_field(reopened.chain(Purpose.DRAFT), envelope, context=CTX) == b"draft"
    import base64

    root = keyring._roots[0].material  # the real secret, as stored only wrapped
    for form in (root.hex(), base64.b64encode(root).decode(), root.decode("latin-1")):
        assert form not in stored
    assert "correct horse" not in stored


def test_wrong_passphrase_is_an_unlock_error(weak_params):
    locked = Keyring.create().lock("right", weak_params)
    with pytest.raises(UnlockError):
        locked.unlock("wrong")


def test_passphrase_change_rewraps_the_same_roots(weak_params):
    keyring = Keyring.create().rotate()
    old = keyring.lock("old passphrase", weak_params)
    changed = old.unlock("old passphrase").lock("new passphrase", weak_params)
    assert changed.unlock("new passphrase").key_ids == keyring.key_ids
    with pytest.raises(UnlockError):
        changed.unlock("old passphrase")


def test_rotation_keeps_old_data_openable_and_seals_under_the_new_root(weak_params):
    # Given data sealed before a rotation
    keyring = Keyring.create()
    before = encrypt_field(keyring.chain(Purpose.DRAFT).current, b"before", context=CTX)
    # When the keyring is rotated and stored
    rotated = keyring.rotate().lock("pw", weak_params).unlock("pw")
    # Then old data opens and new data carries the new key id
    chain = rotated.chain(Purpose.DRAFT)
    assert decrypt_field(chain, before, context=CTX) == b"before"
    assert chain.current.hex_id == rotated.current_key_id != keyring.current_key_id
    assert rotated.key_ids[0] == keyring.current_key_id
    assert "roots=2" in repr(rotated)


def test_wrapped_roots_swapped_between_keyrings_do_not_unlock(weak_params):
    # Given two keyrings under the same passphrase and parameters
    a = json.loads(Keyring.create().lock("pw", weak_params).to_json())
    b = json.loads(Keyring.create().lock("pw", weak_params).to_json())
    # When a's wrapped root is given b's key id
    a["roots"][0]["key_id"] = b["roots"][0]["key_id"]
    # Then it does not unlock
    with pytest.raises(UnlockError):
        LockedKeyring.from_json(json.dumps(a), minimum_memory_kib=TEST_FLOOR).unlock("pw")


@pytest.mark.parametrize("edit", ["reverse", "drop-newest", "drop-oldest"])
def test_reordered_or_dropped_roots_do_not_unlock(weak_params, edit):
    # Given a rotated keyring (old root, then the current one)
    stored = json.loads(Keyring.create().rotate().lock("pw", weak_params).to_json())
    # When someone reorders the roots to make the old one current, or drops one
    roots = stored["roots"]
    stored["roots"] = {"reverse": roots[::-1], "drop-newest": roots[:1], "drop-oldest": roots[1:]}[
        edit
    ]
    # Then it does not unlock at all
    with pytest.raises(UnlockError):
        LockedKeyring.from_json(json.dumps(stored), minimum_memory_kib=TEST_FLOOR).unlock("pw")


def test_edited_kdf_parameters_do_not_unlock(weak_params):
    stored = json.loads(Keyring.create().lock("pw", weak_params).to_json())
    stored["kdf"]["iterations"] = 2
    with pytest.raises(UnlockError):
        LockedKeyring.from_json(json.dumps(stored), minimum_memory_kib=TEST_FLOOR).unlock("pw")


def test_weak_stored_parameters_are_refused_without_the_explicit_test_floor(weak_params):
    stored = Keyring.create().lock("pw", weak_params).to_json()
    with pytest.raises(KeyFormatError):
        LockedKeyring.from_json(stored)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda d: "not json",
        lambda d: json.dumps({**d, "format": "other"}),
        lambda d: json.dumps({**d, "roots": [{"key_id": "zz", "wrapped": "AA=="}]}),
        lambda d: json.dumps({**d, "roots": [{"key_id": "00", "wrapped": "AA=="}]}),
        lambda d: json.dumps({**d, "roots": []}),
        lambda d: json.dumps({k: v for k, v in d.items() if k != "kdf"}),
    ],
    ids=["not-json", "format", "bad-hex", "short-id", "no-roots", "no-kdf"],
)
def test_malformed_stored_keyrings_are_refused(weak_params, mangle):
    stored = json.loads(Keyring.create().lock("pw", weak_params).to_json())
    with pytest.raises(KeyFormatError):
        LockedKeyring.from_json(mangle(stored), minimum_memory_kib=TEST_FLOOR)


def test_a_keyring_needs_a_root():
    with pytest.raises(KeyFormatError):
        Keyring([])


def test_signing_keys_are_derived_per_name_and_old_roots_still_verify() -> None:
    # Given a keyring and a signature made with its audit signing key
    keyring = Keyring.create()
    signature = keyring.signing_key("audit").sign(b"checkpoint 1", context="audit")
    # Then the key differs per name and is the same each time it is derived
    assert keyring.signing_key("audit").verify_key.to_bytes() != (
        keyring.signing_key("other").verify_key.to_bytes()
    )
    (verify,) = keyring.verify_keys("audit")
    verify.verify(signature, b"checkpoint 1", context="audit")
    # When the keyring is rotated / Then new signatures use the new root, and the old
    # signature still verifies with the old root's key
    rotated = keyring.rotate()
    old, new = rotated.verify_keys("audit")
    old.verify(signature, b"checkpoint 1", context="audit")
    assert new.to_bytes() == rotated.signing_key("audit").verify_key.to_bytes()
    assert new.to_bytes() != old.to_bytes()


def test_a_derived_chain_gives_one_thing_its_own_key_that_each_root_opens():
    # Given a keyring rotated once, and the chain of one-off keys of one bundle
    keyring = Keyring.create().rotate()
    chain = keyring.chain(Purpose.RECEIPTS)
    bundle = derived_chain(chain, "bundle/1")
    context = Context(namespace="delivery-receipt", record_id="1", field="receipt")
    # Then its current key is new, with an id of its own (not the root's, which would
    # tie everything it seals to one keyring), and unlike any other's
    assert bundle.current.key_id not in {key.key_id for key in chain.members()}
    assert bundle.current.material not in {key.material for key in chain.members()}
    assert derived_chain(chain, "bundle/2").current.key_id != bundle.current.key_id
    assert derived_chain(chain, "bundle/2").current.material != bundle.current.material
    assert len(bundle.members()) == len(chain.members()) == 2
    # And what the one-off key seals opens with the chain derived again, not another's
    sealed = encrypt_field(bundle.current, b"receipt", context=context)
    assert decrypt_field(derived_chain(chain, "bundle/1"), sealed, context=context) == b"receipt"
    with pytest.raises(OpenError):
        decrypt_field(derived_chain(chain, "bundle/2"), sealed, context=context)
    # And something sealed under an older root's one-off key opens too
    older = next(key for key in bundle.members() if key.key_id != bundle.current.key_id)
    sealed_before = encrypt_field(older, b"earlier", context=context)
    assert decrypt_field(derived_chain(chain, "bundle/1"), sealed_before, context=context) == (
        b"earlier"
    )
