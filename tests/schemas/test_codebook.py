"""The codebook is complete, translated, and agrees with the schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
LANGUAGES = ("en", "kk", "ru", "ug", "zh")


def _load(name: str) -> Any:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


CODEBOOK = _load("codebook.json")
SCHEMA = _load("testimony.schema.json")
VOCABULARIES: dict[str, Any] = CODEBOOK["vocabularies"]


def _codes(vocabulary: str) -> list[str]:
    return [entry["code"] for entry in VOCABULARIES[vocabulary]["codes"]]


def _annotated_nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "x-codebook" in node:
            yield node
        for child in node.values():
            yield from _annotated_nodes(child)
    elif isinstance(node, list):
        for child in node:
            yield from _annotated_nodes(child)


def test_codebook_declares_the_five_interface_languages() -> None:
    # Given the codebook / When its languages are read / Then they are the UI languages
    assert tuple(CODEBOOK["languages"]) == LANGUAGES
    assert CODEBOOK["codebook_version"] == "2.0.0"


@pytest.mark.parametrize("vocabulary", sorted(VOCABULARIES))
def test_every_code_has_five_non_empty_labels(vocabulary: str) -> None:
    # Given one vocabulary
    entries = VOCABULARIES[vocabulary]["codes"]
    # When each code's labels are inspected
    missing = [
        (entry["code"], language)
        for entry in entries
        for language in LANGUAGES
        if not str(entry["labels"].get(language, "")).strip()
    ]
    # Then every code has a label in every language, and nothing else
    assert missing == []
    assert all(set(entry["labels"]) == set(LANGUAGES) for entry in entries)
    assert VOCABULARIES[vocabulary]["description"].strip()


@pytest.mark.parametrize("vocabulary", sorted(VOCABULARIES))
def test_codes_are_unique_within_a_vocabulary(vocabulary: str) -> None:
    # Given a vocabulary / When its codes are listed / Then none repeats
    codes = _codes(vocabulary)
    assert len(codes) == len(set(codes))


def test_uyghur_labels_are_in_arabic_script_and_chinese_labels_in_han() -> None:
    # Given every label / When the scripts are checked
    def has_arabic(text: str) -> bool:
        return any("\u0600" <= char <= "\u06ff" for char in text)

    def has_han(text: str) -> bool:
        return any("\u4e00" <= char <= "\u9fff" for char in text)

    entries = [entry for vocab in VOCABULARIES.values() for entry in vocab["codes"]]
    # Then Uyghur is Arabic script and Chinese has Han characters
    assert [e["code"] for e in entries if not has_arabic(e["labels"]["ug"])] == []
    assert [e["code"] for e in entries if not has_han(e["labels"]["zh"])] == []


def test_kazakh_and_russian_labels_are_cyrillic() -> None:
    # Given every label / When scanned for Cyrillic letters / Then kk and ru use them
    def has_cyrillic(text: str) -> bool:
        return any("\u0400" <= char <= "\u04ff" for char in text)

    entries = [entry for vocab in VOCABULARIES.values() for entry in vocab["codes"]]
    assert [e["code"] for e in entries if not has_cyrillic(e["labels"]["kk"])] == []
    assert [e["code"] for e in entries if not has_cyrillic(e["labels"]["ru"])] == []


def test_every_schema_enum_equals_its_codebook_vocabulary() -> None:
    # Given every schema node annotated with x-codebook
    nodes = list(_annotated_nodes(SCHEMA))
    assert nodes
    # When its enum is compared with the codebook
    mismatched = [
        node["x-codebook"]
        for node in nodes
        if node["x-codebook"] not in VOCABULARIES or node.get("enum") != _codes(node["x-codebook"])
    ]
    # Then they are the same codes in the same order
    assert mismatched == []


def test_every_codebook_vocabulary_is_used_by_the_schema() -> None:
    # Given the vocabularies the schema refers to (facility_kind also types the registry)
    used = {node["x-codebook"] for node in _annotated_nodes(SCHEMA)}
    # When compared with the codebook
    unused = set(VOCABULARIES) - used
    # Then only vocabularies kept to read version-1 records are unused
    assert {name for name in unused if not VOCABULARIES[name].get("deprecated")} == set()
    assert unused == {"how_known"}


def _esf(vocabulary: str) -> dict[str, set[tuple[str, str]]]:
    return {
        entry["code"]: {(term["list"], term["code"]) for term in entry.get("huridocs_esf", [])}
        for entry in VOCABULARIES[vocabulary]["codes"]
    }


def test_episode_kinds_carry_the_huridocs_esf_codes_from_the_domain_notes() -> None:
    # Given the episode kinds / When their ESF terms (list 4, types of acts) are read
    esf = _esf("episode_kind")
    # Then the codes of DOMAIN.md sit on the matching kinds
    assert esf["taken_by_police"] == {("4", "030101000000")}
    assert esf["reeducation_camp"] == esf["detention_centre"] == esf["prison"]
    assert esf["prison"] == {("4", "030102000000")}
    assert esf["house_arrest"] == {("4", "030105000000")}
    assert esf["assigned_factory_work"] == {("4", "300102010000")}
    assert ("4", "300102010000") in esf["camp_workshop"]
    assert esf["died_in_custody"] == {("4", "010106020000")}
    # And a labour transfer is forced labour too, not only a transfer
    assert esf["labour_transfer"] == {("4", "300102010000"), ("4", "300104030600")}
    # And lost contact is not by itself a disappearance
    assert esf["lost_contact"] == set()


def test_relations_carry_the_esf_source_connection_codes() -> None:
    # Given the relation vocabulary / When its ESF terms (list 19) are read
    esf = _esf("relation")
    # Then the victim, a witness, relatives and colleagues map as DOMAIN.md lists
    assert esf["self"] == {("19", "010100000000")}
    assert esf["fellow_detainee"] == {("19", "010200000000")}
    assert esf["sister"] == esf["spouse"] == {("19", "020101000000")}
    assert esf["colleague"] == {("19", "020102000000")}
    assert esf["unknown"] == {("19", "990000000000")}
    codes = [term for terms in esf.values() for term in terms]
    assert all(len(code) == 12 and code.isdigit() for _, code in codes)


def test_ilo_indicator_and_survey_phase_keys_are_the_codebook_codes() -> None:
    # Given the coding definitions of the schema
    defs = SCHEMA["$defs"]
    # When their fixed keys are listed / Then they are exactly the codebook's codes
    assert list(defs["ilo_coding"]["properties"]) == _codes("ilo_indicator")
    assert len(_codes("ilo_indicator")) == 11
    assert list(defs["survey_coding"]["properties"]) == _codes("survey_phase")
    # And record-level coding and each work episode use the same definitions
    assert SCHEMA["properties"]["coding"]["properties"]["ilo_indicators"] == {
        "$ref": "#/$defs/ilo_coding"
    }
    assert defs["work_coding"]["properties"]["survey_phases"] == {"$ref": "#/$defs/survey_coding"}


def test_survey_indicators_belong_to_phase_and_dimension_cells() -> None:
    # Given the adapted survey-guideline sub-indicators
    cells = {
        f"{phase}:{dimension}"
        for phase in _codes("survey_phase")
        for dimension in ("involuntariness", "menace_of_penalty")
    }
    # When their groups are read / Then each names at least one real cell
    for entry in VOCABULARIES["survey_indicator"]["codes"]:
        assert entry["groups"] and set(entry["groups"]) <= cells, entry["code"]
    # And every cell has at least one indicator of its own
    assert {
        group for e in VOCABULARIES["survey_indicator"]["codes"] for group in e["groups"]
    } == cells
