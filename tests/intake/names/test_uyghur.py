"""Uyghur rules: Arabic script through umsc, ULY, Yengi Yeziq, Arabic-language habits."""

import pytest

from intake.names import compare, matching_keys
from intake.names.uyghur import arabic_to_latin, yengi_to_latin


def test_arabic_script_converts_to_uly():
    # Given a name in Uyghur Arabic script, When converted, Then ULY letters come out.
    assert arabic_to_latin("ئىلھام توختى") == "ilham toxti"


@pytest.mark.parametrize(
    "spelling", ["ئىلھام توختى", "Ilham Toxti", "Ilⱨam Tohti", "Ilham Tohti", "ILHAM TOHTI"]
)
def test_every_uyghur_spelling_of_a_name_matches(spelling):
    # Given Arabic script, ULY, Yengi Yeziq and English spellings,
    # When compared with the English one, Then all match.
    assert compare("Ilham Tohti", spelling).is_match


def test_arabic_and_latin_spellings_share_keys():
    # Given Gulzira in Arabic script and in Latin, When keyed, Then the keys overlap.
    assert matching_keys("گۈلزىرا") & matching_keys("Gülzira")


def test_yengi_yeziq_x_is_sh_only_in_yengi_words():
    # Given a word with Yengi letters and one in ULY, When rewritten,
    # Then only the Yengi word's x becomes sh.
    assert yengi_to_latin("Xɵⱨrət") == "Shɵⱨrət"
    assert yengi_to_latin("Toxti") == "Toxti"


def test_arabic_language_spelling_of_a_turkic_name_matches():
    # Given an Arabic-press spelling (ج for g, ع for a vowel, ه for ە),
    # When compared with the Latin name, Then it matches.
    assert compare("جولشان عباس", "Gulshan Abbas").is_match
    assert compare("رابىيه قادىر", "Rabiye Qadir").is_match


def test_arabic_presentation_forms_are_read_as_letters():
    # Given the name typed with Arabic presentation forms, When compared, Then it matches.
    assert compare("ﺭﺍﺑﯩﻴﻪ ﻗﺎﺩﯨﺮ", "Rabiye Qadir").is_match
