"""The date parser and the precision structure, without Flask."""

from __future__ import annotations

from datetime import date

import pytest

from intake.interview.dates import parse_date_said
from intake.interview.fields import date_data, date_structure

INTERVIEW_DAY = date(2019, 12, 20)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("2017", {"precision": "year", "value": "2017"}),
        ("2018-03", {"precision": "month", "value": "2018-03"}),
        ("2018-03-14", {"precision": "day", "value": "2018-03-14"}),
        ("14.03.2018", {"precision": "day", "value": "2018-03-14"}),
        ("spring 2018", {"precision": "season", "value": "2018", "season": "spring"}),
        ("весна 2018", {"precision": "season", "value": "2018", "season": "spring"}),
        ("весной 2018 года", {"precision": "season", "value": "2018", "season": "spring"}),
        ("көктем 2018", {"precision": "season", "value": "2018", "season": "spring"}),
        ("2018 жылы қыста", {"precision": "season", "value": "2018", "season": "winter"}),
        ("March 2018", {"precision": "month", "value": "2018-03"}),
        ("в марте 2018", {"precision": "month", "value": "2018-03"}),
        ("about 2017", {"precision": "approximate", "value": "2017"}),
        ("примерно 2017", {"precision": "approximate", "value": "2017"}),
        ("before 2018", {"precision": "before", "value": "2018"}),
        ("after March 2019", {"precision": "after", "value": "2019-03"}),
        ("about two years ago", {"precision": "approximate", "value": "2017"}),
        ("около двух лет назад", {"precision": "approximate", "value": "2017"}),
        ("екі жыл бұрын", {"precision": "approximate", "value": "2017"}),
        ("3 months ago", {"precision": "approximate", "value": "2019-09"}),
        ("2018年3月", {"precision": "month", "value": "2018-03"}),
        ("don't know", {"precision": "unknown"}),
    ],
)
def test_parser_reads_what_people_say(said, expected):
    assert parse_date_said(said, INTERVIEW_DAY) == expected


@pytest.mark.parametrize("said", ["", "when she visited family", "2018-02-30", "13/2018"])
def test_parser_says_when_it_is_not_sure(said):
    assert parse_date_said(said, INTERVIEW_DAY) is None


def test_form_data_becomes_the_structure_and_back():
    # Given an approximate month with the words as said
    data = {
        "precision": "approximate",
        "year": 2017,
        "month": 10,
        "day": None,
        "season": None,
        "as_said": "when she visited family in Xinjiang",
    }
    # When it is turned into the record's structure and back
    structure = date_structure(data, INTERVIEW_DAY)
    # Then the precision, value and words are kept
    assert structure == {
        "precision": "approximate",
        "value": "2017-10",
        "text_as_said": "when she visited family in Xinjiang",
    }
    assert date_data(structure)["month"] == 10


def test_unreadable_words_are_kept_with_unknown_precision():
    data = {"precision": "", "year": None, "as_said": "when the snow melted"}
    assert date_structure(data, INTERVIEW_DAY) == {
        "precision": "unknown",
        "text_as_said": "when the snow melted",
    }


def test_words_alone_are_parsed_relative_to_the_interview():
    data = {"precision": "", "year": None, "as_said": "about two years ago"}
    assert date_structure(data, INTERVIEW_DAY) == {
        "precision": "approximate",
        "value": "2017",
        "text_as_said": "about two years ago",
    }
