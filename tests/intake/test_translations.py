"""The four translation catalogs are complete and keep every placeholder intact."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import intake

TRANSLATIONS = Path(intake.__file__).parent / "translations"
ROOT = TRANSLATIONS.parents[1]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|\{\w+\}")


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _translated(string: str | tuple[str, ...]) -> bool:
    # A plural message is translated only when every one of its forms is
    return all(string) if isinstance(string, tuple) else bool(string)


@pytest.mark.parametrize("language", ["kk", "ru", "ug", "zh"])
def test_every_message_is_translated_with_its_placeholders(language):
    catalog = _catalog(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    template = _catalog(TRANSLATIONS / "messages.pot")
    missing = [
        m.id
        for m in template
        if m.id and not (catalog.get(m.id) and _translated(catalog[m.id].string))
    ]
    assert missing == []
    for message in catalog:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):
            # Every form with the plural source's placeholders (empty forms are
            # caught above)
            expected = sorted(set(PLACEHOLDER.findall(message.id[1])))
            for form in message.string:
                assert sorted(set(PLACEHOLDER.findall(form))) == expected, message.id
        else:
            expected = sorted(PLACEHOLDER.findall(message.id))
            assert sorted(PLACEHOLDER.findall(message.string)) == expected, message.id


def test_the_template_holds_every_marked_message(tmp_path):
    # Given the source as it is / When messages are extracted afresh
    out = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(out),
            "intake",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    fresh = {m.id for m in _catalog(out) if m.id}
    stored = {m.id for m in _catalog(TRANSLATIONS / "messages.pot") if m.id}
    # Then nothing marked in the code is missing from the catalogs
    assert fresh - stored == set(), "run scripts/translations update and translate"
