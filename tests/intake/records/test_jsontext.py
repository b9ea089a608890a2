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


def test_digits_inside_a_text_do_not_change_how_deep_nesting_is_read() -> None:
    # A key in hex with 19 digits in a row, beside nesting a thousand levels deep:
    # read as orjson reads it, not handed to the standard library's recursive reader.
    nested = b'{"a":' * 1000 + b'"x"' + b"}" * 1000
    raw = b'{"key":"ab' + b"1234567890" * 3 + b'","extra":' + nested + b"}"
    value = parse_json(raw)
    assert value["key"] == "ab" + "1234567890" * 3
    depth, inner = 0, value["extra"]
    while isinstance(inner, dict):
        depth, inner = depth + 1, inner["a"]
    assert (depth, inner) == (1000, "x")


@pytest.mark.parametrize("prefix", [b"", b'{"n":12345678901234567890123,"x":'])
def test_nesting_too_deep_for_either_reader_raises_value_error(prefix: bytes) -> None:
    # Deeper than orjson reads; with a long integer beside it, the standard library
    # reads the text and meets the same nesting: ValueError either way.
    nested = b"[" * 100_000 + b"]" * 100_000
    raw = prefix + nested + (b"}" if prefix else b"")
    with pytest.raises(ValueError):
        parse_json(raw)


def test_a_long_integer_beside_a_float_is_still_read_exactly() -> None:
    assert parse_json(b'{"f":1.5,"n":123456789012345678901234567890}') == {
        "f": 1.5,
        "n": 123456789012345678901234567890,
    }
