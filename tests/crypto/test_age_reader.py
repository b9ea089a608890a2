"""The strict age reader opens what pyrage, the age command and the spec's writer make."""

import os
import subprocess

import pyrage
import pytest

from crypto import Identity, KeyFormatError, OpenError, open_sealed, seal
from crypto.age_reader import X25519Identity, decrypt
from crypto.bech32 import decode

from . import agefile

CHUNK = 64 * 1024
SIZES = [0, 1, 100, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 17, 3 * 2**20 + 5]


def public(identity: Identity) -> bytes:
    return decode(identity.recipient)[1]


@pytest.mark.parametrize("size", SIZES)
def test_opens_what_pyrage_sealed_at_chunk_boundaries(org, size):
    # Given a plaintext of a size around the 64 KiB chunk boundaries, sealed by pyrage
    plaintext = os.urandom(size)
    blob = seal(plaintext, [org.recipient])
    # When the reader opens it, Then it gets exactly the plaintext, as pyrage does
    assert open_sealed(blob, [org]) == plaintext
    assert pyrage.decrypt(blob, [org._inner]) == plaintext


@pytest.mark.parametrize("size", [0, 1, CHUNK, CHUNK + 1, 2 * CHUNK])
def test_opens_what_the_test_writer_sealed(org, size):
    plaintext = os.urandom(size)
    blob = agefile.seal(plaintext, [public(org)])
    assert open_sealed(blob, [org]) == plaintext
    # The writer is right: pyrage opens it too, so the tamper tests break only one rule.
    assert pyrage.decrypt(blob, [org._inner]) == plaintext


def test_identity_need_not_be_the_first_recipient(org):
    # Given a file sealed to four recipients, ours third
    others = [Identity.generate() for _ in range(3)]
    recipients = [others[0].recipient, others[1].recipient, org.recipient, others[2].recipient]
    blob = seal(b"record", recipients)
    # Then each recipient opens it, ours included, with or without other identities
    assert open_sealed(blob, [org]) == b"record"
    assert open_sealed(blob, [Identity.generate(), org]) == b"record"
    assert all(open_sealed(blob, [other]) == b"record" for other in others)


def test_wrong_identities_cannot_open(org):
    blob = seal(b"record", [org.recipient, Identity.generate().recipient])
    with pytest.raises(OpenError, match="no identity"):
        open_sealed(blob, [Identity.generate(), Identity.generate()])


def test_unknown_stanzas_are_skipped(org):
    # Given grease stanzas before ours: odd arguments, empty, short and multi-line bodies
    extra = (
        agefile.stanza([b"grease"], b""),
        agefile.stanza([b"example.com/enigma", b"!#$%&'()*+,-./:;<=>?@[]^_`{|}~"], b"x" * 48),
        agefile.stanza([b"x25519", b"lowercase-is-another-type"], os.urandom(200)),
    )
    blob = agefile.seal(b"record", [public(org)], extra=extra)
    # Then the reader skips them and opens the file
    assert open_sealed(blob, [org]) == b"record"


def test_identity_round_trips_into_the_reader(org):
    reader = X25519Identity.from_secret_string(org.secret_string())
    assert reader.public_bytes == public(org)
    assert org.secret_string() not in repr(reader)
    again = X25519Identity.from_secret_string(org.secret_string().lower())
    assert again.public_bytes == public(org)


@pytest.mark.parametrize(
    "text",
    [
        "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj",  # a recipient
        "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQGPSDSN",
    ],
)
def test_reader_refuses_what_is_not_an_x25519_identity(text):
    with pytest.raises(KeyFormatError):
        X25519Identity.from_secret_string(text)


def test_decrypt_refuses_what_is_not_bytes(org):
    blob = seal(b"record", [org.recipient])
    with pytest.raises(OpenError):
        decrypt(bytearray(blob), [X25519Identity.from_secret_string(org.secret_string())])  # type: ignore[arg-type]


@pytest.mark.age_cli
@pytest.mark.parametrize("size", [0, CHUNK, CHUNK + 1, 5 * CHUNK + 3])
def test_age_command_files_open_here(age_command, tmp_path, org, size):
    # Given a file sealed by the age command to a stranger and to us (second)
    plaintext = os.urandom(size)
    (tmp_path / "plain").write_bytes(plaintext)
    stranger = Identity.generate()
    recipients = ["-r", stranger.recipient, "-r", org.recipient]
    subprocess.run(
        [age_command, *recipients, "-o", str(tmp_path / "f.age"), str(tmp_path / "plain")],
        check=True,
    )
    blob = (tmp_path / "f.age").read_bytes()
    # Then the reader opens it with our identity, and not with a third one
    assert open_sealed(blob, [org]) == plaintext
    with pytest.raises(OpenError):
        open_sealed(blob, [Identity.generate()])


@pytest.mark.age_cli
def test_age_command_armored_files_open_here(age_command, tmp_path, org):
    # Given an ASCII-armored file from the age command (-a)
    (tmp_path / "plain").write_bytes(b"record")
    armored = subprocess.run(
        [age_command, "-a", "-r", org.recipient, str(tmp_path / "plain")],
        capture_output=True,
        check=True,
    ).stdout
    # Then it opens, and a flipped character in the armor fails
    assert open_sealed(armored, [org]) == b"record"
    broken = armored.replace(b"\n", b"\nA", 1)
    with pytest.raises(OpenError):
        open_sealed(broken, [org])


@pytest.mark.age_cli
def test_age_command_opens_what_the_test_writer_sealed(age_command, tmp_path, org):
    # The writer used by the tamper tests is a correct age implementation
    (tmp_path / "key.txt").write_text(org.secret_string() + "\n")
    plaintext = os.urandom(2 * CHUNK + 9)
    (tmp_path / "f.age").write_bytes(agefile.seal(plaintext, [public(org)]))
    out = subprocess.run(
        [age_command, "-d", "-i", str(tmp_path / "key.txt"), str(tmp_path / "f.age")],
        capture_output=True,
        check=True,
    )
    assert out.stdout == plaintext
