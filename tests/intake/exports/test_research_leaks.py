"""No name, identity number, phone number or narrative words reach research data, in
any encoding an attacker might search the files for."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

from anyascii import anyascii

from intake.exports.services import ExportRequest, write_export
from intake.exports.synthetic import secrets_of

RECIPIENT = "University research team"


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _needles(secret: str) -> list[bytes]:
    """Every form in which ``secret`` could appear in a file."""
    forms = {
        secret,
        secret.lower(),
        secret.upper(),
        anyascii(secret),
        anyascii(secret).lower(),
        json.dumps(secret)[1:-1],  # \\uXXXX escapes
    }
    found = [form.encode("utf-8") for form in forms]
    found += [form.encode("utf-16-le") for form in forms]
    found += [form.encode("utf-16-be") for form in forms]
    return found


def _fragments(secret: str) -> list[str]:
    """Words of eight letters or more (the distinctive ones), and digit runs of six or
    more, of ``secret``."""
    words = [w for w in re.findall(r"\w+", secret) if len(w) >= 8 and not w.isdigit()]
    digits = re.sub(r"\D", "", secret)
    return words + ([digits] if len(digits) >= 6 else [])


def test_no_identifier_or_narrative_in_any_research_file(database, stored_corpus, corpus):
    # Given twelve stored testimonies full of names, ID numbers, phones and narrative
    with database.session() as session:
        # When they are exported as research data (plain, so the bytes can be read)
        exported = write_export(
            session,
            stored_corpus,
            ExportRequest(kind="research", recipient=RECIPIENT),
            actor=None,
            recipients=[],
            allow_plain=True,
        )
    files = _members(exported.data)
    assert set(files) == {"datapackage.json", "persons.csv", "episodes.csv"}
    blobs = [*files.values(), exported.data]
    lowered = [blob.decode("utf-8").lower() for blob in files.values()]
    digits_only = [re.sub(r"\D", "", text) for text in lowered]
    # Then no secret appears in any member or the archive, in any encoding
    for number, record in enumerate(corpus):
        secrets = secrets_of(number) | {"id_number": record["victim"]["resident_id_number"]}
        for secret in secrets.values():
            for needle in _needles(secret):
                assert not any(needle in blob for blob in blobs), secret
            for fragment in _fragments(secret):
                if fragment.isdigit():
                    assert not any(fragment in text for text in digits_only), fragment
                else:
                    for form in {fragment.lower(), anyascii(fragment).lower()}:
                        assert not any(form in text for text in lowered), fragment


def test_a_quasi_identifier_not_checked_is_left_out_of_the_file(database, stored_corpus):
    # Given a research export whose k/l check is asked on gender alone (with none, the
    # whole table would be one class, and k the number of people)
    with database.session() as session:
        exported = write_export(
            session,
            stored_corpus,
            ExportRequest(kind="research", recipient=RECIPIENT, quasi_identifiers=("gender",)),
            actor=None,
            recipients=[],
            allow_plain=True,
        )
    files = _members(exported.data)
    persons = list(csv.DictReader(io.StringIO(files["persons.csv"].decode("utf-8"))))
    # Then the columns not checked hold nothing but "unknown", the checked one its values
    left_out = ["age_band", "ethnicity_group", "home_prefecture", "first_detained"]
    assert persons and all(row[name] == "unknown" for row in persons for name in left_out)
    assert {row["gender"] for row in persons} - {"unknown"}
    # And the manifest says which were left out
    manifest = json.loads(files["datapackage.json"])
    assert manifest["anonymity"]["quasi_identifiers_left_out"] == left_out
