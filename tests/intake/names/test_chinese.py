"""Chinese rules: characters and typed pinyin to the Turkic sounds they transcribe."""

import pytest

from intake.names import compare, matching_keys
from intake.names.chinese import split_pinyin, strip_russian_ending, to_turkic


@pytest.mark.parametrize(
    ("syllables", "turkic"),
    [
        (["gu", "li"], "gul"),
        (["a", "yi"], "ay"),
        (["nu", "er"], "nur"),
        (["mai", "mai", "ti"], "mamet"),
        (["tu", "er", "xun"], "tursun"),
        (["re", "yi", "han"], "reyhan"),
        (["yi", "li", "ha", "mu"], "ilham"),
        (["ka", "de", "er"], "kader"),
    ],
)
def test_syllable_sequences_become_turkic_sounds(syllables, turkic):
    # Given syllables of a transcription, When converted, Then the Turkic sound results.
    assert to_turkic(syllables) == turkic


@pytest.mark.parametrize(
    "written",
    [
        "古丽孜拉·阿瓦尔汗",
        "古丽孜拉•阿瓦尔汗",
        "古丽孜拉・阿瓦尔汗",
        "古丽孜拉.阿瓦尔汗",
        "古丽孜拉。阿瓦尔汗",
        "古丽孜拉 阿瓦尔汗",
        "古丽孜拉阿瓦尔汗",
        "古 丽 孜 拉 · 阿 瓦 尔 汗",
    ],
)
def test_parts_are_found_with_any_separator_or_none(written):
    # Given the middle dot, its look-alikes, a full stop, a space or nothing,
    # When compared with the Latin name, Then they match.
    match = compare(written, "Gulzira Auelkhan")
    assert match.is_match, match.explanation
    assert "chinese-syllables" in match.explanation


def test_brief_examples_give_overlapping_keys():
    # Given Гүлзира, Gulzira, Gülzira, گۈلزىرا, 古丽孜拉 and 古丽孜热,
    # When keyed, Then every one shares a key with the first.
    first = matching_keys("Гүлзира")
    for other in ("Gulzira", "Gülzira", "گۈلزىرا", "古丽孜拉", "古丽孜热"):
        assert first & matching_keys(other), other


def test_typed_pinyin_is_read_as_a_transcription():
    # Given the pinyin of the characters with tones, When split and compared,
    # Then the syllables are found and the name matches.
    assert split_pinyin("Xuěkèláití") == ["xue", "ke", "lai", "ti"]
    assert split_pinyin("Zhākè'ěr") == ["zha", "ke", "er"]
    assert compare("Xuěkèláití Zhākè'ěr", "Shohrat Zakir").is_match


def test_latin_words_that_only_look_like_pinyin_are_not_split():
    # Given Turkic names that happen to spell syllables, When checked, Then they stay Latin.
    assert split_pinyin("Abai") is None
    assert split_pinyin("Yasin") is None
    assert split_pinyin("Ilham") is None


def test_transcribed_russian_endings_are_recognised():
    # Given 托卡耶夫 (-ev) and 克梅列维奇 (-evich), When stripped,
    # Then the stems and roles are right.
    assert strip_russian_ending(["tuo", "ka", "ye", "fu"]) == (["tuo", "ka"], "name")
    assert strip_russian_ending(["ke", "mei", "lie", "wei", "qi"]) == (
        ["ke", "mei", "lie"],
        "patronymic",
    )
    assert strip_russian_ending(["a", "li", "na"]) == (["a", "li", "na"], "name")


def test_traditional_characters_read_like_simplified():
    # Given the traditional form, When compared with the simplified, Then they match.
    assert compare("熱比婭·卡德爾", "热比娅·卡德尔").score == 1.0


def test_pinyin_typed_one_syllable_per_word_is_one_transcription():
    # Given Gu Li Na Zha (古力娜扎 romanised syllable by syllable),
    # When compared with the characters and the Uyghur given name, Then they agree.
    assert compare("Gu Li Na Zha", "古力娜扎").score == 1.0
    assert compare("Gu Li Na Zha", "Gulnezer").score >= 0.8


def test_a_dropped_velar_still_leaves_a_shared_loose_key():
    # Given Ghopur and its transcription 吾甫尔 (wu-fu-er, the gh left out),
    # When keyed, Then they share the loose key, so a blind-index search finds one
    # from the other even though compare() alone is cautious about them.
    assert "l:PR" in matching_keys("Halmurat Ghopur") & matching_keys("哈木拉提·吾甫尔")


def test_transcribed_russian_female_patronymic_is_recognised():
    # Given -ovna written 耶夫娜 ye-fu-na after a father's name, When stripped,
    # Then the father's name is a patronymic.
    assert strip_russian_ending(["nu", "er", "su", "dan", "ye", "fu", "na"]) == (
        ["nu", "er", "su", "dan"],
        "patronymic",
    )


def test_typed_pinyin_of_a_patronymic_is_marked_as_one():
    # Given the pinyin of 克梅列维奇 (Kemelevich) typed with tones, When analysed,
    # Then that part is a patronymic.
    from intake.names.normalise import PATRONYMIC, analyse

    assert analyse("Qasym Kèméilièwéiqí").tokens[-1].role == PATRONYMIC


def test_valid_syllables_are_every_toneless_reading_of_the_dictionary():
    from pypinyin.pinyin_dict import pinyin_dict

    from intake.names.chinese import strip_tones, valid_syllables

    # Every reading of every character, stripped one by one: the set must be the same.
    expected = {
        strip_tones(reading) for readings in pinyin_dict.values() for reading in readings.split(",")
    }
    expected = {s for s in expected if s.isalpha()} - {"n", "m", "ng", "hm", "hng"}
    assert valid_syllables() == expected
    assert {"zhang", "lv", "xiong", "er"} <= valid_syllables()
    assert not {"n", "m", "ng", "hng"} & valid_syllables()
