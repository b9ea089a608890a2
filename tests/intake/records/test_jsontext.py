"""Canonical JSON and parsing: orjson's bytes where it takes the value, the standard
library's where it does not, and the same values read back."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from intake.records.jsontext import canonical_json, parse_json

WORKED = Path(__file__).parents[2] / "fixtures" / "records" / "valid" / "worked_example.json"


def _standard(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def test_a_record_is_written_byte_for_byte_as_the_standard_library_writes_it() -> None:
    record = json.loads(WORKED.read_text(encoding="utf-8"))
    assert canonical_json(record) == _standard(record)
    for value in record.values():
        assert canonical_json(value) == _standard(value)


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": [True, None, "x"], "ä": {"z": 0, "Ω": "Гүлзира 古丽"}},
        'line\nbreak \x00 \x1f \u2028 "quoted" back\\slash',
        [0, -1, 2**63 - 1, -(2**63)],
        {},
        [],
    ],
)
def test_text_integers_lists_and_objects_match_the_standard_library(value: object) -> None:
    assert canonical_json(value) == _standard(value)


@pytest.mark.parametrize("value", [{"n": 2**70}, {1: "a", 2: "b"}, [-(2**80)]])
def test_what_orjson_refuses_is_written_by_the_standard_library(value: object) -> None:
    assert canonical_json(value) == _standard(value)


@pytest.mark.parametrize("value", [0.1, 1.5, 1e16, 1e-7, -2.5e300])
def test_other_numbers_keep_their_value(value: float) -> None:
    assert json.loads(canonical_json({"x": value})) == {"x": value}


def test_parsing_reads_what_the_standard_library_reads() -> None:
    raw = WORKED.read_bytes()
    assert parse_json(raw) == json.loads(raw)
    # What orjson refuses is read as before and left to validation to judge.
    assert parse_json(b'{"n": 123456789012345678901234567890}') == {
        "n": 123456789012345678901234567890
    }
    assert math.isnan(parse_json(b'{"n": NaN}')["n"])
    assert parse_json(b'"\\ud800"') == "\ud800"
    for digits in (b"18446744073709551616", b"-9223372036854775809", b"9" * 40):
        assert parse_json(b'{"n": ' + digits + b"}") == {"n": int(digits)}


def test_text_that_is_not_json_still_raises_value_error() -> None:
    with pytest.raises(ValueError):
        parse_json(b'{"a": ')
