"""The sourced pair set: well-formed, cited, large enough, and a recall regression guard."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "names"
SCRIPTS = {"Latn", "Cyrl", "Arab", "Hans", "Hant"}

#: Figures reached when the pair set was built, less a small margin (a regression
#: guard, not a goal): recall@5 was 100%, recall@1 100%; from another script only
#: 100% and 99.5%.
MIN_RECALL_AT_5 = 0.97
MIN_RECALL_AT_1 = 0.95
MIN_OTHER_SCRIPT_RECALL_AT_5 = 0.95
#: Same-person pairs sharing a name key was 98.5% (the rest: a misspelling that drops
#: a consonant, and a person known by two different given names).
MIN_KEY_RECALL = 0.96
#: Least number of sourced pairs; the task asks for 300.
MIN_PAIRS = 300


def _load_bench():
    spec = importlib.util.spec_from_file_location(
        "bench_names", ROOT / "scripts" / "bench_names.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def data():
    return json.loads((FIXTURES / "pairs.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def figures(data):
    return _load_bench().evaluate(data, cross=False)


def test_pairs_json_is_built_from_people_json():
    # Given people.json, When pairs are built again, Then pairs.json is what they give.
    spec = importlib.util.spec_from_file_location("build_pairs", FIXTURES / "build_pairs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    people = json.loads((FIXTURES / "people.json").read_text(encoding="utf-8"))
    assert module.build(people) == json.loads((FIXTURES / "pairs.json").read_text("utf-8"))


def test_every_pair_is_cited_and_well_formed(data):
    # Given the pair set, When each pair is read, Then it has both names, a decision,
    # scripts from the supported set, and at least one full citation.
    pairs = data["pairs"]
    assert len(pairs) >= MIN_PAIRS
    for pair in pairs:
        assert pair["a"] and pair["b"] and pair["a"] != pair["b"]
        assert isinstance(pair["same"], bool)
        assert {pair["a_script"], pair["b_script"]} <= SCRIPTS
        assert 1 <= len(pair["source"]) <= 2
        for source in pair["source"]:
            assert set(source) == {"publisher", "title", "date", "url"}
            assert all(source.values())
            assert source["url"].startswith(("http://", "https://"))


def test_every_script_and_hard_negatives_are_present(data):
    # Given the pair set, When counted, Then all five scripts appear and the negatives
    # include shared patronymics, fathers' names and given names.
    scripts = {p["a_script"] for p in data["pairs"]} | {p["b_script"] for p in data["pairs"]}
    assert scripts == SCRIPTS
    shared = {p.get("shared") for p in data["pairs"] if not p["same"]}
    assert {"father", "patronymic", "family", "given"} <= shared


def test_every_published_spelling_keeps_its_script_label(data):
    from intake.names import detect_script

    for pair in data["pairs"]:
        for side in ("a", "b"):
            detected = detect_script(pair[side])
            assert detected in (pair[f"{side}_script"], "Zyyy"), pair[side]


def test_recall_on_the_sourced_set_does_not_regress(figures):
    # Given the gallery of sourced names, When every spelling is searched,
    # Then recall stays at the level reached (less a margin).
    assert figures.recall_at_5 >= MIN_RECALL_AT_5
    assert figures.recall_at_1 >= MIN_RECALL_AT_1
    assert figures.other_script_recall_at_5 >= MIN_OTHER_SCRIPT_RECALL_AT_5


def test_spellings_of_one_person_share_a_blind_index_key(figures):
    # Given every same-person pair, When keyed, Then nearly all share a name key,
    # so that a blind-index search can find one spelling from the other.
    assert figures.key_recall >= MIN_KEY_RECALL


def test_no_false_match_from_a_shared_patronymic_or_fathers_name(figures):
    # Given the negative pairs, When compared, Then none that shares only a father's
    # name or patronymic is called a match.
    assert figures.fathers_name_false_matches == 0
    assert figures.negative_false_matches == 0
