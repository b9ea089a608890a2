"""The API the case database calls: keys, compare, rank, and what never matches.

Names here are constructed to exercise one rule each (sourced names are in
tests/fixtures/names/people.json and are not counted with these).
"""

import re

import pytest

from intake.names import (
    RULES_VERSION,
    Match,
    NameVariant,
    compare,
    forget_names,
    keys,
    matching_keys,
    normalise,
    rank,
)
from intake.names.compare import MATCH_THRESHOLD, _compare_texts


def test_rules_version_is_a_short_string():
    # Given the package, When asked, Then the rules version is a non-empty string.
    assert isinstance(RULES_VERSION, str) and 0 < len(RULES_VERSION) <= 16


@pytest.mark.parametrize(
    "name",
    ["Нұрсұлтан Әбішұлы Назарбаев", "古丽孜拉阿瓦尔汗", "ئىلھام توختى", "Xuěkèláití Zhākè'ěr"],
)
def test_keys_are_short_ascii_strings(name):
    # Given names in every script, When keyed, Then each key is short printable ASCII.
    keys = matching_keys(name)
    assert keys
    for key in keys:
        assert re.fullmatch(r"[tpnl]:[A-Z-]{1,30}", key), key


def test_keys_contain_a_part_key_and_a_whole_name_key():
    # Given a two-part name, When keyed, Then there are t: keys and one n: key.
    keys = matching_keys("Rebiya Kadeer")
    assert {k[:2] for k in keys} == {"t:", "n:", "l:"}


@pytest.mark.parametrize("kind", ["pseudonym", "description"])
def test_pseudonyms_and_descriptions_give_no_keys_and_never_match(kind):
    # Given a variant marked as a pseudonym or description,
    # When keyed, compared and ranked, Then it gives nothing.
    assert matching_keys("Gulzira Auelkhan", kind=kind) == frozenset()
    assert compare("Gulzira Auelkhan", "Gulzira Auelkhan", b_kind=kind).reason == "not-a-name"
    assert not compare("Gulzira Auelkhan", "Gulzira Auelkhan", a_kind=kind).is_match
    hidden = [("x", [NameVariant("Gulzira Auelkhan", kind=kind)])]
    assert rank("Gulzira Auelkhan", hidden) == []
    assert rank(NameVariant("Gulzira Auelkhan", kind=kind), [("x", ["Gulzira"])]) == []


def test_compare_gives_a_score_a_decision_and_an_explanation():
    # Given two spellings of one person, When compared, Then the match says how.
    match = compare("Ilham Tohti", "伊力哈木·土赫提", a_script="Latn", b_script="Hans")
    assert isinstance(match, Match)
    assert 0.0 <= match.score <= 1.0
    assert match.is_match and match.score >= MATCH_THRESHOLD
    assert "Ilham = 伊力哈木" in match.explanation
    assert "chinese-syllables" in match.explanation


def test_identical_names_score_one_and_say_exact():
    match = compare("Dolkun Isa", "Dolkun Isa")
    assert match.score == 1.0 and match.is_match
    assert "exact" in match.explanation


@pytest.mark.parametrize(
    ("son", "father"),
    [
        ("Қасым-Жомарт Кемелұлы Тоқаев", "Кемель Токаев"),
        ("Kassym-Jomart Kemelevich Tokayev", "Kemel Tokayev"),
        ("Абай Құнанбайұлы", "Kunanbay Oskenbayev"),
        ("Ilham Tohti", "Tohti Ilham"[::-1]),
    ],
)
def test_a_fathers_name_shared_alone_never_matches(son, father):
    # Given a son whose patronymic or family name is his father's given name,
    # When compared with the father, Then there is no match.
    assert not compare(son, father).is_match


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Dariga Nursultanovna Nazarbayeva", "Aliya Nursultanovna Nazarbayeva"),
        ("Birzhan Kozhagululy", "Kurmangazy Sagyrbayuly"),
        ("Gulnar Abishqyzy", "Aigul Abishqyzy"),
        ("Nurbulat Tursunjan uulu", "Bekmurat Tursunjan uulu"),
    ],
)
def test_a_shared_patronymic_alone_never_matches(a, b):
    # Given siblings or strangers sharing a patronymic (and even a family name),
    # When compared, Then there is no match.
    match = compare(a, b)
    assert not match.is_match, match.explanation


def test_siblings_sharing_their_fathers_name_do_not_match():
    # Given Uyghur siblings whose second name is their father's name,
    # When compared, Then each keeps a part the other lacks and they do not match.
    match = compare("Rushan Abbas", "Gulshan Abbas")
    assert not match.is_match
    assert match.reason == "each-lacks"
    assert "each name has a part the other lacks" in match.explanation


def test_one_agreeing_part_is_not_enough():
    # Given a given name alone against a full name, When compared, Then no match.
    assert compare("Dilireba", "Dilraba Dilmurat").reason == "one-part"


def test_rank_puts_the_person_first_with_the_variant_that_matched():
    # Given a gallery, When a Cyrillic spelling is ranked, Then the person comes first
    # with the variant that matched best.
    gallery = [
        ("a", ["Ilham Tohti", "伊力哈木·土赫提"]),
        ("b", ["Gulzira Auelhan", "古孜拉·阿瓦尔汗"]),
        ("c", ["Jewher Ilham"]),
    ]
    ranked = rank("Гүлзира Әуелхан", gallery)
    assert ranked[0].key == "b"
    assert ranked[0].variant == "Gulzira Auelhan"
    assert ranked[0].match.is_match
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    assert len(rank("Гүлзира Әуелхан", gallery, limit=1)) == 1


def test_rank_skips_hidden_variants_but_keeps_the_person_by_others():
    gallery = [("a", [NameVariant("Bagdax", kind="pseudonym"), "Ekpar Asat"])]
    assert rank("Ekpar Asat", gallery)[0].variant == "Ekpar Asat"


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "   ",
        "·••・",
        "\u202eIlham Tohti\u202c",
        "Ilham\u0000Tohti",
        "🙂🙂",
        "A" * 10_000,
        "-uly -qyzy",
        "ұлы",
        "(((",
        "'''",
        "Ilham " * 500,
    ],
)
def test_hostile_input_gives_an_answer_not_an_exception(hostile):
    # Given odd or hostile input, When keyed, compared and ranked, Then nothing raises
    # and every key stays short.
    keys = matching_keys(hostile)
    assert all(len(key) <= 32 and key.isascii() for key in keys)
    match = compare(hostile, "Ilham Tohti")
    assert 0.0 <= match.score <= 1.0
    rank(hostile, [("a", ["Ilham Tohti"])])


def test_direction_overrides_do_not_change_the_outcome():
    # Given a name wrapped in bidirectional control characters, When compared,
    # Then it matches as if typed plainly.
    assert compare("\u202eIlham Tohti\u202c", "Ilham Tohti").is_match


def test_forget_names_empties_the_caches_of_names_words_and_comparisons():
    # Given a name keyed and compared (so the caches hold it)
    matching_keys("Нұрлан Серікұлы Ахметов")
    compare("Nurlan Akhmetov", "Нұрлан Ахметов")
    caches = [
        normalise.analyse,
        normalise._word,
        keys._token_keys,
        _compare_texts,
    ]
    assert all(cache.cache_info().currsize for cache in caches)
    # When they are forgotten / Then every one is empty
    forget_names()
    assert [cache.cache_info().currsize for cache in caches] == [0] * len(caches)
