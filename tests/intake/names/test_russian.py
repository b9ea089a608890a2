"""Russian rules: -ович / -овна patronymics, -ов / -ева family names, passport habits."""

import pytest

from intake.names import compare
from intake.names.normalise import NAME, PATRONYMIC, analyse


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("Абишевич", "abish"),
        ("Abishevich", "abish"),
        ("Abiševič", "abish"),
        ("Кемелевич", "kemel"),
        ("Нурсултановна", "nursultan"),
    ],
)
def test_russian_patronymics_are_marked(name, stem):
    # Given a Russian patronymic in Cyrillic or Latin, When analysed, Then it is marked.
    token = analyse(f"Дарига {name}").tokens[-1]
    assert (token.role, token.forms[0].folded) == (PATRONYMIC, stem)


@pytest.mark.parametrize(
    ("family", "stem"),
    [
        ("Назарбаев", "nazarba"),
        ("Nazarbayev", "nazarba"),
        ("Nazarbajev", "nazarba"),
        ("Nazarbayeva", "nazarba"),
        ("Nazarbajevas", "nazarba"),
        ("Zakirov", "zakir"),
    ],
)
def test_russian_family_endings_are_stripped(family, stem):
    # Given -ov/-ev/-eva endings in several transliterations, When analysed,
    # Then the Turkic stem remains as a name part.
    token = analyse(f"Nursultan {family}").tokens[-1]
    assert (token.role, token.forms[0].folded) == (NAME, stem)


def test_passport_habits_kh_h_zh_j_ye_e_meet():
    # Given GOST/BGN and passport spellings, When compared, Then they match.
    assert compare("Yerlan Akhmetov", "Erlan Ahmetov").is_match
    assert compare("Zhanar Zhumabaeva", "Janar Jumabaeva").is_match


def test_family_name_first_order_matches():
    # Given the Russian official order, When compared with the usual one, Then it matches.
    assert compare("Nazarbajev Nursultan Abiševič", "Nursultan Nazarbayev").is_match


def test_a_given_name_ending_in_ov_is_still_the_given_name_when_first():
    # Given a name whose family part comes first, When analysed,
    # Then the given name is the first part without a family ending.
    name = analyse("Токаев Касым-Жомарт")
    assert [t.is_given for t in name.tokens] == [False, True]
