"""A coordinator exports each kind from a case database holding the public worked
examples (and, for research, generated records): consent-limited fields are absent, k
and l are in the manifest, and the sealed file opens with the `age` command."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile

import pytest

from crypto import Identity
from intake.exports.synthetic import synthetic_corpus
from intake.workspace.services import unlock_workspace

from ..intake.conftest import PASSPHRASE
from ..intake.exports.conftest import public_examples, store
from .test_setup_journey import fill_setup

pytestmark = pytest.mark.browser


def _store(live_server, documents) -> None:  # type: ignore[no-untyped-def]
    database = live_server["database"]
    with database.session() as session:
        keys = unlock_workspace(session, live_server["settings"], PASSPHRASE)
    store(database, keys, documents)


def _preview(journey, kind: str, **choices: str) -> str:  # type: ignore[no-untyped-def]
    page = journey.page
    journey.go("/exports/")
    page.select_option("#kind", kind)
    for selector, value in choices.items():
        if value == "check":
            page.check(f"#{selector}")
        elif selector == "partner":
            page.select_option("#partner", label=value)
        elif selector == "format":
            page.select_option("#format", value)
        else:
            page.fill(f"#{selector}", value)
    page.click("form.export-form button[type=submit]")
    page.wait_for_selector("section.export-preview")
    journey.shot(f"preview-{kind}")
    return page.inner_text("section.export-preview")


def _download(journey) -> bytes:  # type: ignore[no-untyped-def]
    page = journey.page
    page.click("section.export-preview button[type=submit]")
    page.wait_for_selector("section.export-written")
    journey.shot("written")
    with page.expect_download() as info:
        page.click("section.export-written button[type=submit]")
    return info.value.path().read_bytes()


def test_export_each_kind_from_the_public_examples(journey, live_server, tmp_path):
    fill_setup(journey, role="casedb")
    examples = public_examples()
    # The worked example consents to partner sharing here, anonymously, places by prefecture
    examples[0]["consent"]["share_with_partner_databases"] = True
    _store(live_server, examples)
    page = journey.page

    # A partner and its age key, on the Export page
    partner = Identity.generate()
    journey.go("/exports/")
    page.fill("#label", "Xinjiang Victims Database")
    page.fill("#keys", partner.recipient)
    page.click("text=Add partner")
    assert partner.recipient in page.inner_text("table.partners")

    # Victim entries, sealed to the partner: consent-limited fields absent
    text = _preview(journey, "victims", partner="Xinjiang Victims Database", format="json")
    assert "No consent to share with partner databases" in text
    sealed = _download(journey)
    key_file = tmp_path / "partner.key"
    key_file.write_text(partner.secret_string() + "\n")
    if shutil.which("age") is None:
        pytest.skip("the `age` command is not installed: the sealed file was not opened")
    opened = subprocess.run(
        ["age", "--decrypt", "-i", str(key_file)], input=sealed, capture_output=True, check=True
    ).stdout
    entries = json.loads(opened)["entries"]
    assert len(entries) == 1
    entry = json.dumps(entries[0], ensure_ascii=False)
    assert "names_latin" not in entries[0] and "Synaq" not in entry and "Сынақ" not in entry
    assert "Yining" not in entry  # the county is below the consented prefecture level

    # ESF, plain after the explicit confirmation
    _preview(journey, "esf", recipient="Partner DB")
    assert "will not be encrypted" in page.inner_text("section.export-preview")
    page.check("input[name=allow_plain]")
    document = json.loads(_download(journey))
    assert {"list": "4", "code": "030102000000"} in document["acts"][1]["type_of_act"]

    # Research from three examples only: refused, with what would reach k and l
    text = _preview(journey, "research", recipient="University team")
    assert "would be refused" in text and "k = 5" in text

    # With generated records, suppressing the three distinct people reaches k = 12
    _store(live_server, list(synthetic_corpus(12, uniform=True)))
    text = _preview(journey, "research", recipient="University team", suppress="check")
    assert "Measured k = 12 and l = 2" in text
    page.check("input[name=allow_plain]")
    with zipfile.ZipFile(io.BytesIO(_download(journey))) as archive:
        manifest = json.loads(archive.read("datapackage.json"))["anonymity"]
        persons = archive.read("persons.csv").decode()
    assert (manifest["k"], manifest["l"], manifest["suppressed_people"]) == (12, 2, 3)
    assert "Seitqazyuly" not in persons
    assert journey.foreign_requests() == []
