"""Ed25519 signatures with a context label."""

import pytest

from crypto import KeyFormatError, SignatureError, SigningKey, VerifyKey


def test_sign_and_verify():
    key = SigningKey.generate()
    signature = key.sign(b"bundle bytes", context="bundle")
    key.verify_key.verify(signature, b"bundle bytes", context="bundle")
    assert len(signature) == 64


@pytest.mark.parametrize(
    ("message", "context", "flip"),
    [
        (b"bundle bytes!", "bundle", False),
        (b"bundle bytes", "audit-checkpoint", False),
        (b"bundle bytes", "bundle", True),
    ],
    ids=["altered-message", "other-context", "flipped-signature"],
)
def test_altered_inputs_do_not_verify(message, context, flip):
    key = SigningKey.generate()
    signature = bytearray(key.sign(b"bundle bytes", context="bundle"))
    if flip:
        signature[10] ^= 0x80
    with pytest.raises(SignatureError):
        key.verify_key.verify(bytes(signature), message, context=context)


def test_another_station_key_does_not_verify():
    signature = SigningKey.generate().sign(b"m", context="bundle")
    with pytest.raises(SignatureError):
        SigningKey.generate().verify_key.verify(signature, b"m", context="bundle")


def test_truncated_or_non_bytes_signature_fails_alike():
    key = SigningKey.generate()
    with pytest.raises(SignatureError):
        key.verify_key.verify(key.sign(b"m", context="c")[:-1], b"m", context="c")
    with pytest.raises(SignatureError):
        key.verify_key.verify("sig", b"m", context="c")  # type: ignore[arg-type]


def test_keys_round_trip_through_bytes():
    key = SigningKey.generate()
    again = SigningKey(key.private_bytes())
    assert again.verify_key.to_bytes() == key.verify_key.to_bytes()
    assert VerifyKey(key.verify_key.to_bytes()).fingerprint == key.verify_key.fingerprint
    assert key.verify_key.fingerprint in repr(key)
    assert key.private_bytes().hex() not in repr(key)
    assert repr(key.private_bytes())[2:-1] not in repr(key)


@pytest.mark.parametrize("raw", [b"", b"x" * 31, "x" * 32])
def test_malformed_keys_are_refused(raw):
    with pytest.raises(KeyFormatError):
        SigningKey(raw)
    with pytest.raises(KeyFormatError):
        VerifyKey(raw)


def test_context_is_required():
    with pytest.raises(KeyFormatError):
        SigningKey.generate().sign(b"m", context="")
