"""English labels of codebook codes and places, for files that leave the organisation."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from intake.interview import vocab
from intake.records.derived import load_codebook, load_reference


@functools.cache
def _codebook() -> Mapping[str, Any]:
    vocabularies: Mapping[str, Any] = load_codebook()["vocabularies"]
    return vocabularies


@functools.cache
def _labels(vocabulary: str, language: str) -> Mapping[str, str]:
    codes = _codebook()[vocabulary]["codes"]
    return {entry["code"]: entry["labels"][language] for entry in codes}


def label(vocabulary: str, code: object, *, language: str = "en") -> str | None:
    """The codebook label of ``code``, or None for no code (an unknown code keeps its text)."""
    if not isinstance(code, str) or not code:
        return None
    return _labels(vocabulary, language).get(code, code)


@functools.cache
def codes_of(vocabulary: str) -> tuple[str, ...]:
    """Every code of ``vocabulary``, in codebook order."""
    return tuple(entry["code"] for entry in _codebook()[vocabulary]["codes"])


def esf_terms(vocabulary: str, code: str) -> list[dict[str, str]]:
    """The HURIDOCS ESF terms ({list, code}) the codebook maps ``code`` to."""
    for entry in _codebook()[vocabulary]["codes"]:
        if entry["code"] == code:
            return list(entry.get("huridocs_esf") or [])
    return []


@functools.cache
def _places() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    table = load_reference("places")
    prefectures = {item["id"]: item["en"] for item in table["prefectures"]}
    counties = {
        county["id"]: county["en"]
        for item in table["prefectures"]
        for county in item.get("counties") or []
    }
    provinces = {item["id"]: item["en"] for item in table["provinces"]}
    return prefectures, counties, provinces


def place_name(kind: str, place_id: object) -> str | None:
    """The English name of a prefecture, county or province id (the id if unlisted)."""
    if not isinstance(place_id, str):
        return None
    prefectures, counties, provinces = _places()
    table = {"prefecture": prefectures, "county": counties, "province": provinces}[kind]
    return table.get(place_id, place_id)


def country_name(code: object) -> str | None:
    """The English name of a two-letter country code (the code if unlisted)."""
    if not isinstance(code, str) or not code:
        return None
    return vocab.country_name(code, "en")


@functools.cache
def facility_names() -> Mapping[str, str]:
    """Registry id -> English name of every registered facility."""
    table = load_reference("facilities")
    return {item["id"]: item["names"].get("en", item["id"]) for item in table["facilities"]}


@functools.cache
def facility_kinds() -> Mapping[str, str]:
    """Registry id -> facility kind code of every registered facility."""
    table = load_reference("facilities")
    return {item["id"]: item.get("kind", "") for item in table["facilities"]}
