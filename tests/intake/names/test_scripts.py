"""detect_script: ISO 15924 codes for names as typed.

Spellings in this package's unit tests are constructed to exercise one rule each;
the sourced names are in tests/fixtures/names/people.json.
"""

import pytest

from intake.names import detect_script


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Гүлзира Әуелхан", "Cyrl"),
        ("Нурсултан Абишевич", "Cyrl"),
        ("Gulzira Auelkhan", "Latn"),
        ("Gülzira Äuelhan", "Latn"),
        ("Xɵⱨrət Zakir", "Latn"),
        ("گۈلزىرا", "Arab"),
        ("古丽孜拉·阿瓦尔汗", "Hans"),
        ("熱比婭·卡德爾", "Hant"),
        ("热比婭", "Hant"),
        ("Gulzira 古丽", "Zyyy"),
        ("", "Zyyy"),
        ("1979 · —", "Zyyy"),
    ],
)
def test_each_script_is_named_by_its_iso_15924_code(text, script):
    # Given a name typed in one writing system, When detected, Then its code is returned.
    assert detect_script(text) == script


def test_a_letter_of_an_unsupported_script_makes_the_name_mixed():
    # Given Greek letters, When detected, Then no supported script is claimed.
    assert detect_script("Αλέξης") == "Zyyy"
