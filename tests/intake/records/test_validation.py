"""validate_record reports every problem at once; load_record_file fails cleanly."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.records.models import SECTIONS
from intake.records.validation import (
    MESSAGES,
    Problem,
    RecordFileError,
    load_record_file,
    validate_record,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "records"
VALID = sorted((FIXTURES / "valid").glob("*.json"))

#: Invalid fixture name -> the exact set of (path, code) it must produce.
EXPECTED_PROBLEMS: dict[str, set[tuple[str, str]]] = {
    "unknown_code": {("$.victim.gender", "unknown_code")},
    "bad_ric_check_digit": {("$.victim.resident_id_number", "ric_bad_check_digit")},
    "ric_wrong_length": {("$.victim.resident_id_number", "ric_wrong_length")},
    "end_before_start": {("$.episodes[0].end", "end_before_start")},
    "impossible_date": {("$.episodes[0].start.value", "impossible_date")},
    "precision_mismatch": {("$.episodes[0].start.value", "precision_mismatch")},
    "wage_without_period": {("$.labour[0].wages[0].period", "wage_without_period")},
    "labour_not_work_episode": {("$.labour[0].episode_id", "labour_episode_not_work")},
    "labour_unknown_episode": {("$.labour[0].episode_id", "labour_episode_not_found")},
    "missing_section": {("$.coding", "missing_field")},
    "extra_property": {("$.victim.nickname", "unexpected_field")},
    "duplicate_episode_id": {("$.episodes[1].id", "duplicate_episode_id")},
    "self_link": {("$.links[0].record_id", "self_link")},
    "county_not_in_prefecture": {("$.victim.home_place.county_id", "county_not_in_prefecture")},
    "unknown_facility": {("$.episodes[3].facility.registry_id", "unknown_facility")},
    "several_problems": {
        ("$.record_id", "bad_format"),
        ("$.victim.ethnicity", "unknown_code"),
        ("$.victim.occupation", "too_long"),
        ("$.consent.photo_use", "missing_field"),
        ("$.episodes[0].facility", "facility_choice"),
    },
}


def _fixture(kind: str, name: str) -> Any:
    return json.loads((FIXTURES / kind / f"{name}.json").read_text(encoding="utf-8"))


def test_every_invalid_fixture_has_an_expectation() -> None:
    # Given the invalid fixture files / When matched with the table / Then none is untested
    names = {path.stem for path in (FIXTURES / "invalid").glob("*.json")}
    assert names == set(EXPECTED_PROBLEMS)
    assert len(names) >= 8


@pytest.mark.parametrize("path", VALID, ids=lambda path: path.stem)
def test_valid_fixtures_have_no_problems(path: Path) -> None:
    # Given a valid fixture / When validated / Then there is nothing to report
    assert validate_record(load_record_file(path)) == []


def test_required_valid_fixtures_exist() -> None:
    # Given the valid fixtures / When listed / Then the worked examples and the others are there
    assert {
        "worked_example",
        "labour_transfer",
        "minimal",
        "camp_factory_witness",
        "factory_transfer",
    } <= {path.stem for path in VALID}


@pytest.mark.parametrize("name", sorted(EXPECTED_PROBLEMS))
def test_invalid_fixture_reports_exactly_the_expected_problems(name: str) -> None:
    # Given an invalid fixture
    document = _fixture("invalid", name)
    # When it is validated
    problems = validate_record(document)
    # Then exactly the expected (path, code) pairs are reported, each with a message
    assert {(problem.path, problem.code) for problem in problems} == EXPECTED_PROBLEMS[name]
    assert all(problem.message and problem.code in MESSAGES for problem in problems)


def test_unknown_code_message_lists_the_allowed_codes() -> None:
    # Given a record with an unknown gender code
    [problem] = validate_record(_fixture("invalid", "unknown_code"))
    # When the message is read / Then it names the value and every allowed code
    assert "'woman'" in problem.message
    for code in ("female", "male", "other", "unknown"):
        assert code in problem.message
    assert problem.params["vocabulary"] == "gender"


def test_too_long_message_states_the_limit() -> None:
    # Given the several-problems fixture / When validated
    problems = {p.code: p for p in validate_record(_fixture("invalid", "several_problems"))}
    # Then the length problem names the limit and the missing field names the field
    assert "200" in problems["too_long"].message
    assert "'photo_use'" in problems["missing_field"].message


def test_check_digit_message_differs_from_format_message_and_hides_the_number() -> None:
    # Given a wrong check digit and a wrong length
    check = validate_record(_fixture("invalid", "bad_ric_check_digit"))[0]
    length = validate_record(_fixture("invalid", "ric_wrong_length"))[0]
    number = _fixture("invalid", "bad_ric_check_digit")["victim"]["resident_id_number"]
    # When the messages are compared / Then each says what is wrong, without echoing the number
    assert "check digit" in check.message
    assert "18 characters" in length.message
    assert number not in check.message


@pytest.mark.parametrize("value", ["2019-02-29", "2018-13", "2019-04-31", "0000"], ids=str)
def test_impossible_calendar_values_are_reported(value: str) -> None:
    # Given the minimal record with a birth date that cannot exist
    document = _fixture("valid", "minimal")
    precision = {1: "year", 6: "month"}.get(len(value) - 3, "day")
    document["victim"]["birth_date"] = {"precision": precision, "value": value}
    # When validated / Then the value is reported as impossible
    codes = {(p.path, p.code) for p in validate_record(document)}
    assert ("$.victim.birth_date.value", "impossible_date") in codes


def test_leap_day_in_a_leap_year_is_accepted() -> None:
    # Given 2020-02-29 / When validated / Then there is no problem
    document = _fixture("valid", "minimal")
    document["victim"]["birth_date"] = {"precision": "day", "value": "2020-02-29"}
    assert validate_record(document) == []


def test_wage_period_without_amount_and_currency_rules() -> None:
    # Given a wage with a period but no amount, and one with an amount but no currency
    document = _fixture("valid", "worked_example")
    document["labour"][0]["wages"] = [{"status": "paid", "period": {"count": 1, "unit": "month"}}]
    other = _fixture("valid", "worked_example")
    del other["labour"][0]["wages"][0]["currency"]
    # When validated / Then each is reported at the missing part
    assert {(p.path, p.code) for p in validate_record(document)} == {
        ("$.labour[0].wages[0].amount", "wage_without_amount")
    }
    assert {(p.path, p.code) for p in validate_record(other)} == {
        ("$.labour[0].wages[0].currency", "wage_without_currency")
    }


def test_problems_are_frozen_and_sorted_by_path() -> None:
    # Given a record with several problems / When validated
    problems = validate_record(_fixture("invalid", "several_problems"))
    # Then they come sorted and cannot be altered
    assert problems == sorted(problems, key=lambda p: (p.path, p.code))
    with pytest.raises(AttributeError):
        problems[0].code = "x"  # type: ignore[misc]
    assert isinstance(problems[0], Problem)


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ([], "not_an_object"),
        ("text", "not_an_object"),
        (None, "not_an_object"),
        (3, "not_an_object"),
    ],
)
def test_non_objects_are_one_problem_at_the_root(document: object, code: str) -> None:
    # Given a JSON value that is not an object / When validated / Then one root problem
    assert [(p.path, p.code) for p in validate_record(document)] == [("$", code)]


def test_deep_nesting_passed_directly_is_a_problem_not_a_crash() -> None:
    # Given a structure 100000 levels deep built without recursion
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    document = _fixture("valid", "minimal")
    document["narrative"]["original"]["text"] = deep
    # When validated / Then it is reported as too deeply nested
    assert [p.code for p in validate_record(document)] == ["too_deeply_nested"]


# --- load_record_file -----------------------------------------------------------------


def test_load_returns_the_object(tmp_path: Path) -> None:
    # Given a UTF-8 JSON object file / When loaded / Then the object comes back
    path = tmp_path / "r.json"
    path.write_text('{"a": "Гүлзира"}', encoding="utf-8")
    assert load_record_file(path) == {"a": "Гүлзира"}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"a": 1,}', "line 1, column"),
        (b"not json at all", "not valid JSON"),
        ('{"name": "Gülzira"}'.encode("latin-1"), "not UTF-8"),
        (b"[1, 2, 3]", "contains a list"),
        (b'"just text"', "contains text"),
        (b"[" * 100_000 + b"]" * 100_000, "nested more than"),
        (b"[" * 100_000, "nested more than"),
        (b'{"a": NaN}', "NaN"),
        (b'{"a": 1, "a": 2}', "'a' twice"),
        (b'{"a": ' + b"9" * 5000 + b"}", "number too long"),
        (b"", "not valid JSON"),
    ],
    ids=[
        "trailing-comma",
        "not-json",
        "latin-1",
        "top-level-list",
        "top-level-string",
        "deep-nesting",
        "deep-unclosed",
        "nan",
        "duplicate-key",
        "huge-number",
        "empty",
    ],
)
def test_bad_files_raise_record_file_error_with_a_clear_message(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    # Given a file with bad content
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    # When loaded / Then only RecordFileError is raised, with a message saying why
    with pytest.raises(RecordFileError) as caught:
        load_record_file(path)
    assert expected in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_a_10_mb_file_is_refused_before_reading(tmp_path: Path) -> None:
    # Given a 10 MB file
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 10_000_000)
    # When loaded with the default limit / Then it is refused as too large
    with pytest.raises(RecordFileError, match="larger than 5000000 bytes"):
        load_record_file(path)


def test_a_missing_file_is_a_record_file_error(tmp_path: Path) -> None:
    # Given no file / When loaded / Then RecordFileError, not OSError
    with pytest.raises(RecordFileError, match="could not be opened"):
        load_record_file(tmp_path / "absent.json")


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path: Path) -> None:
    # Given a shallow object whose text contains many brackets
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"text": "[" * 500 + '"\\"' + "{" * 500}), encoding="utf-8")
    # When loaded / Then it loads
    assert isinstance(load_record_file(path), dict)


# --- never raises -------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=40,
)
SECTION_KEYS = st.sampled_from(["schema_version", "record_id", *SECTIONS])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON_VALUES)
def test_validate_record_never_raises_on_arbitrary_json(value: object) -> None:
    # Given any JSON value / When validated / Then a list of problems comes back
    assert isinstance(validate_record(value), list)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*prefix, index))
    return found


WORKED = _fixture("valid", "worked_example")
TRANSFER = _fixture("valid", "labour_transfer")
MUTABLE_PATHS = [("w", p) for p in _paths(WORKED)] + [("t", p) for p in _paths(TRANSFER)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(MUTABLE_PATHS), JSON_VALUES), min_size=1, max_size=4))
def test_validate_record_never_raises_on_damaged_valid_records(
    changes: list[tuple[tuple[str, tuple[Any, ...]], Any]],
) -> None:
    # Given a valid record with some values replaced by arbitrary JSON
    documents = {"w": copy.deepcopy(WORKED), "t": copy.deepcopy(TRANSFER)}
    for (which, path), value in changes:
        target: Any = documents[which]
        try:
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    # When both are validated / Then each gives a list of well-formed problems
    for document in documents.values():
        for problem in validate_record(document):
            assert problem.path.startswith("$") and problem.message


@settings(max_examples=100, deadline=None)
@given(SECTION_KEYS, JSON_VALUES)
def test_validate_record_never_raises_when_a_section_is_replaced(key: str, value: Any) -> None:
    # Given the worked example with one whole section replaced / When validated / Then no raise
    document = copy.deepcopy(WORKED)
    document[key] = value
    assert isinstance(validate_record(document), list)


@pytest.mark.parametrize(
    "typed", ["110105 19491231 002X", "110105-19491231-002x", " 11010519491231002 X "]
)
def test_an_id_number_written_in_groups_is_the_same_number(typed: str) -> None:
    # Given a valid ID number (Beijing, born 31 December 1949) as people write it down,
    # in groups, in the worked example
    document = _fixture("valid", "worked_example")
    document["victim"]["resident_id_number"] = typed
    # When validated / Then it passes as the compact number does
    assert validate_record(document) == []
    # And a wrong check digit in a grouped number is still refused
    document["victim"]["resident_id_number"] = typed.replace("X", "5").replace("x", "5")
    assert [p.code for p in validate_record(document)] == ["ric_bad_check_digit"]
