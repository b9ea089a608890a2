"""Shared test helpers for records: fixture files and plaintext probes."""

from __future__ import annotations

import base64
import json
import re
import uuid
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "records"
WORKED_EXAMPLE = FIXTURES / "valid" / "worked_example.json"
_DATE = re.compile(r"^\d{4}(-\d{2}){0,2}")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def valid_records() -> list[Path]:
    """Every valid fixture file."""
    return sorted((FIXTURES / "valid").glob("*.json"))


def load(path: Path, *, fresh_id: bool = False) -> dict[str, Any]:
    """A fixture document, optionally with a new record id."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if fresh_id:
        document["record_id"] = str(uuid.uuid4())
    return document


def _codes() -> set[str]:
    codebook = json.loads(
        (Path(__file__).resolve().parents[3] / "schemas" / "codebook.json").read_text(
            encoding="utf-8"
        )
    )
    return {
        code["code"]
        for vocabulary in codebook["vocabularies"].values()
        for code in vocabulary["codes"]
    }


def sensitive_strings(document: Any) -> set[str]:
    """Free text a record holds: every string leaf that is not a code, id, date or hash."""
    codes = _codes()
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            text = value.strip()
            # Six bytes is long enough that random ciphertext does not contain it by
            # chance, and short enough for two-character Chinese names (six bytes).
            if (
                len(text.encode("utf-8")) >= 6
                and text not in codes
                and not _DATE.match(text)
                and not _HEX64.match(text)
            ):
                try:
                    uuid.UUID(text)
                except ValueError:
                    found.add(text)

    for key, value in document.items():
        if key not in ("record_id", "schema_version"):
            walk(value)
    return found


def encodings(text: str) -> list[bytes]:
    """The forms a careless store could leave a string in."""
    forms = [
        text.encode("utf-8"),
        text.encode("utf-16-le"),
        text.encode("utf-16-be"),
        json.dumps(text).strip('"').encode("ascii"),
        text.encode("utf-8").hex().encode("ascii"),
        base64.b64encode(text.encode("utf-8")).rstrip(b"=")[:-2],
    ]
    return [form for form in forms if len(form) >= 6]


def assert_absent(blob: bytes, strings: set[str], where: str) -> None:
    """Fail, naming the string and encoding, if any probe occurs in ``blob``."""
    lowered = blob.lower()
    for text in strings:
        for form in encodings(text):
            haystack = lowered if form.isascii() else blob
            probe = form.lower() if form.isascii() else form
            assert probe not in haystack, f"{text!r} found in {where} as {form[:40]!r}"
