"""Sealed exports open with the independent `age` tool; plain files need confirmation."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile

import pytest

from crypto import Identity
from intake.exports.sealing import (
    ExportRecipientError,
    PlainExportNotConfirmedError,
    parse_recipients,
)
from intake.exports.services import ExportRequest, write_export

AGE = shutil.which("age")
needs_age = pytest.mark.skipif(AGE is None, reason="the `age` command is not installed")


def _write(database, keys, kind, recipients, **options):  # type: ignore[no-untyped-def]
    allow_plain = options.pop("allow_plain", False)
    with database.session() as session:
        return write_export(
            session,
            keys,
            ExportRequest(kind=kind, recipient="Partner", **options),
            actor=None,
            recipients=recipients,
            allow_plain=allow_plain,
        )


def _age_decrypt(tmp_path, identity: Identity, sealed: bytes) -> bytes:
    key_file = tmp_path / "partner.key"
    key_file.write_text(identity.secret_string() + "\n")
    key_file.chmod(0o600)
    result = subprocess.run(
        [str(AGE), "--decrypt", "-i", str(key_file)], input=sealed, capture_output=True, check=True
    )
    return result.stdout


@needs_age
def test_age_opens_a_sealed_research_export(database, stored_corpus, tmp_path):
    # Given a partner's age key
    partner = Identity.generate()
    # When research data are sealed to it
    exported = _write(database, stored_corpus, "research", [partner.recipient])
    assert exported.sealed and exported.filename.endswith(".zip.age")
    assert b"persons.csv" not in exported.data
    # Then the age command opens it, and it is the data package
    opened = _age_decrypt(tmp_path, partner, exported.data)
    with zipfile.ZipFile(io.BytesIO(opened)) as archive:
        assert json.loads(archive.read("datapackage.json"))["anonymity"]["k"] == 12


@needs_age
def test_age_opens_a_sealed_victims_export_for_each_of_two_recipients(
    database, stored_corpus, tmp_path
):
    first, second = Identity.generate(), Identity.generate()
    exported = _write(
        database, stored_corpus, "victims", [first.recipient, second.recipient], format="json"
    )
    for identity in (first, second):
        assert json.loads(_age_decrypt(tmp_path, identity, exported.data))["entries"]


@needs_age
def test_age_refuses_a_sealed_export_to_someone_else(database, stored_corpus, tmp_path):
    exported = _write(database, stored_corpus, "esf", [Identity.generate().recipient])
    with pytest.raises(subprocess.CalledProcessError):
        _age_decrypt(tmp_path, Identity.generate(), exported.data)


def test_a_plain_file_is_refused_without_confirmation(database, stored_corpus):
    with pytest.raises(PlainExportNotConfirmedError):
        _write(database, stored_corpus, "victims", [])


def test_a_plain_file_after_confirmation_is_marked_plain(database, stored_corpus):
    exported = _write(database, stored_corpus, "victims", [], allow_plain=True, format="json")
    assert not exported.sealed and exported.filename.endswith(".json")


@pytest.mark.parametrize("bad", ["age1notakey", "ssh-ed25519 AAAA", "AGE-SECRET-KEY-1QQQ"])
def test_a_malformed_recipient_key_is_refused(bad):
    with pytest.raises(ExportRecipientError):
        parse_recipients(bad)


def test_recipients_one_per_line_are_parsed_and_deduplicated():
    key = Identity.generate().recipient
    assert parse_recipients(f"{key}\n{key}\n") == [key]
