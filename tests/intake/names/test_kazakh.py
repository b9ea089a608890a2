"""Kazakh rules: Cyrillic, the 2021 Latin alphabet, older habits, -ұлы / -қызы."""

import pytest

from intake.names import compare, matching_keys
from intake.names.kazakh import cyrillic_to_latin
from intake.names.normalise import PATRONYMIC, analyse


def test_kazakh_letters_have_latin_readings():
    # Given every Kazakh-specific letter, When transliterated, Then none is left over.
    assert cyrillic_to_latin("әғқңөұүһі") == "aghqngouuhi"


@pytest.mark.parametrize(
    "spelling",
    [
        "Гүлзира Әуелхан",  # Kazakh Cyrillic
        "Gülzira Äuelhan",  # 2021 Latin
        "Gulzira Auelkhan",  # English habit
        "Gulzira Auyelkhan",  # with the Russian ye
        "Gulzira Aueлхан",  # mixed keyboard layouts
    ],
)
def test_cyrillic_and_latin_spellings_of_one_kazakh_name_match(spelling):
    # Given the example and its habits, When compared, Then they match.
    match = compare("Гүлзира Әуелхан", spelling)
    assert match.is_match, match.explanation
    assert match.score >= 0.9


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("Кемелұлы", "kemel"),
        ("Kemeluly", "kemel"),
        ("Kemelūly", "kemel"),
        ("Äbışūly", "abish"),
        ("Auelkhankyzy", "auelhan"),
        ("Awulqanqizi", "avulkan"),
        ("Nusupkan uulu", "nusupkan"),
        ("Kemel-uly", "kemel"),
        ("Кемел ұлы", "kemel"),
    ],
)
def test_patronymic_particles_are_split_into_a_marked_part(name, stem):
    # Given "son of" / "daughter of" in any habit, When analysed,
    # Then the father's name is kept as a patronymic.
    token = analyse(name).tokens[-1]
    assert token.role == PATRONYMIC
    assert token.forms[0].folded == stem


def test_short_names_ending_like_a_particle_are_not_patronymics():
    # Given Guli (ends in -uli but is a given name), When analysed, Then it is a name.
    assert analyse("Guli").tokens[0].role != PATRONYMIC


def test_patronymic_keys_are_marked_apart_from_name_keys():
    # Given a name with a patronymic, When keyed, Then the father's name is a p: key only.
    keys = matching_keys("Нұрсұлтан Әбішұлы Назарбаев")
    assert any(key.startswith("p:") for key in keys)
    assert "t:APS" not in keys and "p:APS" in keys


def test_the_patronymic_and_the_family_name_made_from_it_meet():
    # Given Abai with a patronymic and Abai with the russified family name from it,
    # When compared, Then they match.
    assert compare("Абай Құнанбайұлы", "Abay Kunanbayev").is_match
