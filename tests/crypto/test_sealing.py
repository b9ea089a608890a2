"""Sealing in the age format, and interoperability with the independent `age` tool."""

import subprocess

import pytest

from crypto import (
    Identity,
    KeyFormatError,
    OpenError,
    UnlockError,
    looks_sealed,
    open_sealed,
    parse_recipient,
    seal,
)

from . import agefile

RECORD = '{"victim": {"names": [{"text": "Гүлзира Әуелхан"}]}}'.encode()


def test_seal_to_several_recipients_each_opens():
    org, custodian = Identity.generate(), Identity.generate()
    blob = seal(RECORD, [org.recipient, custodian.recipient])
    assert open_sealed(blob, [org]) == RECORD
    assert open_sealed(blob, [custodian]) == RECORD
    assert "Гүлзира".encode() not in blob


def test_other_identity_cannot_open():
    blob = seal(RECORD, [Identity.generate().recipient])
    with pytest.raises(OpenError):
        open_sealed(blob, [Identity.generate()])


@pytest.mark.parametrize("position", [0, 30, -40, -1])
def test_flipped_byte_fails(position):
    org = Identity.generate()
    blob = bytearray(seal(RECORD, [org.recipient]))
    blob[position] ^= 0x01
    with pytest.raises(OpenError):
        open_sealed(bytes(blob), [org])


@pytest.mark.parametrize("blob", [b"", b"not age at all", "text"])
def test_garbage_fails_with_open_error(blob):
    with pytest.raises(OpenError):
        open_sealed(blob, [Identity.generate()])


def test_an_age_file_looks_sealed_and_other_files_do_not():
    # Given a sealed file, binary and armored (with the leading whitespace the age
    # specification allows, which opening accepts too)
    org = Identity.generate()
    blob = seal(RECORD, [org.recipient])
    armored = b"\n  " + agefile.armored(blob)
    assert open_sealed(armored, [org]) == RECORD
    # Then both look sealed, and a receipt, an enrolment file or JSON does not
    assert looks_sealed(blob) and looks_sealed(armored)
    for other in (b"", b'{"format": "intake-receipt-file-v1"}', b"age-encryption.org/v2\n", RECORD):
        assert not looks_sealed(other)


def test_truncated_seal_fails():
    org = Identity.generate()
    blob = seal(RECORD, [org.recipient])
    with pytest.raises(OpenError):
        open_sealed(blob[:-10], [org])


def test_recipients_and_identities_are_checked():
    with pytest.raises(KeyFormatError):
        seal(RECORD, [])
    with pytest.raises(KeyFormatError):
        seal(RECORD, "age1notalist")  # type: ignore[arg-type]
    with pytest.raises(KeyFormatError):
        parse_recipient("age1invalid")
    with pytest.raises(KeyFormatError):
        Identity.from_secret_string("AGE-SECRET-KEY-1NOPE")
    with pytest.raises(KeyFormatError):
        open_sealed(b"x", [])


def test_identity_round_trips_through_its_secret_string():
    org = Identity.generate()
    again = Identity.from_secret_string(org.secret_string())
    assert again.recipient == org.recipient
    assert org.secret_string() not in repr(org)


def test_protected_identity_opens_only_with_its_passphrase():
    org = Identity.generate()
    blob = org.protect("custodian passphrase")
    assert org.secret_string().encode() not in blob
    assert Identity.unprotect(blob, "custodian passphrase").recipient == org.recipient
    with pytest.raises(OpenError):  # a passphrase file never opens with an identity
        open_sealed(blob, [org])
    with pytest.raises(UnlockError):
        Identity.unprotect(blob, "wrong")
    with pytest.raises(KeyFormatError):
        org.protect("")


@pytest.mark.age_cli
def test_age_command_opens_what_we_sealed(age_command, tmp_path):
    # Given a record sealed by this library
    org = Identity.generate()
    (tmp_path / "key.txt").write_text(org.secret_string() + "\n")
    (tmp_path / "record.age").write_bytes(seal(RECORD, [org.recipient]))
    # When the independent age tool decrypts it
    out = subprocess.run(
        [age_command, "-d", "-i", str(tmp_path / "key.txt"), str(tmp_path / "record.age")],
        capture_output=True,
        check=True,
    )
    # Then it gets the plaintext back
    assert out.stdout == RECORD


@pytest.mark.age_cli
def test_we_open_what_the_age_command_sealed(age_command, tmp_path):
    # Given a record sealed by the age tool to our recipient
    org = Identity.generate()
    (tmp_path / "record.json").write_bytes(RECORD)
    subprocess.run(
        [
            age_command,
            "-r",
            org.recipient,
            "-o",
            str(tmp_path / "record.age"),
            str(tmp_path / "record.json"),
        ],
        check=True,
    )
    # Then this library opens it
    assert open_sealed((tmp_path / "record.age").read_bytes(), [org]) == RECORD


@pytest.mark.age_cli
def test_age_keygen_identity_is_usable_here(age_command, tmp_path):
    # Given an identity made by age-keygen (a custodian's own tool)
    keygen = age_command + "-keygen"
    text = subprocess.run([keygen], capture_output=True, check=True, text=True).stdout
    secret = next(line for line in text.splitlines() if line.startswith("AGE-SECRET-KEY-"))
    identity = Identity.from_secret_string(secret)
    # Then what we seal to its recipient opens with age and with us
    blob = seal(RECORD, [identity.recipient])
    assert open_sealed(blob, [identity]) == RECORD
