"""Synthetic testimonies for tests and benchmarks: valid records about fictitious people,
each carrying distinctive names, identity numbers, phone numbers and narrative words
that an anonymised export must never let out."""

from __future__ import annotations

import functools
import json
import random
import uuid
from collections.abc import Iterator
from typing import Any

from intake.records.derived import SCHEMAS_DIR

_TEMPLATE = SCHEMAS_DIR.parent / "tests" / "fixtures" / "records" / "valid" / "worked_example.json"
_PREFECTURES = ("ili", "kashgar", "hotan", "aksu", "altay", "tacheng")
_ETHNICITIES = ("kazakh", "kazakh", "uyghur", "uyghur", "kyrgyz", "hui")
_STATUSES = ("detained_camp", "released_under_restrictions", "lost_contact", "left_china")


@functools.cache
def _template() -> str:
    return _TEMPLATE.read_text(encoding="utf-8")


def _check_digit(first17: str) -> str:
    from stdnum.cn import ric

    # calc_check_digit reads the first 17 characters of an 18-character number.
    return str(ric.calc_check_digit(first17 + "0"))


def secrets_of(number: int) -> dict[str, str]:
    """The distinctive strings synthetic record ``number`` carries."""
    return {
        "name_cyrillic": f"Жанболат Сейтқазыұлы-{number}",
        "name_latin": f"Zhanbolat Seitqazyuly-{number}",
        "name_arabic": f"ئابلىمىت قۇربانجان{number}",
        "name_chinese": f"努尔兰·吐尔逊{number}",
        "testifier_name": f"Гүлнар Жақыпқызы-{number}",
        "phone": f"+7 701 555 {number % 10000:04d}",
        "id_number": "",  # filled by synthetic_record
        "narrative": f"beside the Qyzylqaragai orchard gate on Terekbulaq street {number}",
    }


def synthetic_record(number: int, rng: random.Random, *, uniform: bool = False) -> dict[str, Any]:
    """One valid testimony; with ``uniform`` every person shares the same
    quasi-identifiers (so a small corpus can reach k = 5)."""
    record: dict[str, Any] = json.loads(_template())
    secret = secrets_of(number)
    record["record_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    year = 1960 + (0 if uniform else rng.randrange(40))
    first17 = f"653221{year}{1 + number % 12:02d}{1 + number % 28:02d}{number % 1000:03d}"
    id_number = first17 + _check_digit(first17)
    victim = record["victim"]
    victim["names"] = [
        {"text": secret["name_cyrillic"], "script": "Cyrl", "kind": "full", "language": "kk"},
        {"text": secret["name_latin"], "script": "Latn", "kind": "full"},
        {"text": secret["name_arabic"], "script": "Arab", "kind": "full", "language": "ug"},
        {"text": secret["name_chinese"], "script": "Hans", "kind": "chinese_transcription"},
    ]
    victim["resident_id_number"] = id_number
    victim["occupation"] = f"teacher at the school by {secret['narrative']}"
    victim["note"] = secret["narrative"]
    victim["approximate_age"] = {
        "years": 2019 - year,
        "as_of": {"precision": "year", "value": "2019"},
    }
    victim["gender"] = "female" if uniform or rng.random() < 0.5 else "male"
    victim["ethnicity"] = "kazakh" if uniform else rng.choice(_ETHNICITIES)
    prefecture = "ili" if uniform else rng.choice(_PREFECTURES)
    victim["home_place"] = {"prefecture_id": prefecture, "village": secret["narrative"]}
    victim["status"]["code"] = _STATUSES[number % 2] if uniform else rng.choice(_STATUSES)
    record["informants"] = [
        {
            "id": "i1",
            "is_main": True,
            "names": [{"text": secret["testifier_name"], "script": "Cyrl", "kind": "full"}],
            "contact": {"phone": secret["phone"], "address": secret["narrative"]},
            "relation": "sister",
            "is_former_detainee": "no",
            "interview_language": "kk",
            "how_known": {"basis": "victim_phone_or_message", "note": secret["narrative"]},
        }
    ]
    for episode in record["episodes"]:
        episode["note"] = secret["narrative"]
        episode.setdefault("known", {})["informant_id"] = "i1"
    record["narrative"]["original"]["text"] = (
        f"My sister {secret['name_cyrillic']} ({secret['phone']}) {secret['narrative']}."
    )
    record["labour"][0]["note"] = secret["narrative"]
    record["labour"][0]["wages"][0]["amount"] = 200 + rng.randrange(20) * 20
    if not uniform:
        shift = rng.randrange(3)
        for episode in record["episodes"]:
            for end in ("start", "end"):
                when = episode.get(end)
                if when and when.get("value"):
                    when["value"] = str(int(when["value"][:4]) + shift) + when["value"][4:]
    record["labour"][0]["employer"] = secret["name_latin"] + " Trading Company"
    record["consent"].update(
        share_with_partner_databases=True,
        publish_victim_name=True,
        identity_level="full",
        research_use=True,
        location_level="prefecture",
    )
    secret["id_number"] = id_number
    record["interview"]["note"] = secret["narrative"]
    return record


def synthetic_corpus(
    count: int, *, seed: int = 7, uniform: bool = False
) -> Iterator[dict[str, Any]]:
    """``count`` synthetic testimonies, the same for the same seed."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    for number in range(count):
        yield synthetic_record(number, rng, uniform=uniform)
