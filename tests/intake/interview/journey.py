"""The worked example of DOMAIN.md as an interviewer types it, step by step."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

from tests.intake.conftest import csrf_token

WORKED_EXAMPLE = Path(__file__).parents[2] / "fixtures/records/valid/worked_example.json"
STEP_NAMES = (
    "testifier",
    "victim",
    "trajectory",
    "labour",
    "links",
    "coding",
    "consent",
    "narrative",
)


def expected_record() -> dict:
    """The worked example (version 2) as the interview types it and stores it."""
    return json.loads(WORKED_EXAMPLE.read_text(encoding="utf-8"))


def tiny_png() -> bytes:
    """A real 1x1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def start_draft(client) -> str:
    """Start an interview; the URL prefix of its steps."""
    page = client.get("/interview/").get_data(as_text=True)
    response = client.post("/interview/start", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[0]


def post_step(client, url: str, data: dict, action: str = "next"):
    """Open a step (for its CSRF token) and send ``data`` with ``action``."""
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(page), "action": action, **data})


def _date(prefix: str, precision: str = "", year="", month="", day="", said="") -> dict:
    return {
        f"{prefix}-precision": precision,
        f"{prefix}-year": year,
        f"{prefix}-month": month,
        f"{prefix}-day": day,
        f"{prefix}-as_said": said,
    }


def _episode(i: int, kind: str, start: tuple, end: tuple | None = None, **extra) -> dict:
    row = {
        f"episodes-{i}-id": f"e{i + 1}",
        f"episodes-{i}-kind": kind,
        f"episodes-{i}-known-basis": "saw_directly",
    }
    row.update(_date(f"episodes-{i}-start", "approximate", *start))
    if end:
        row.update(_date(f"episodes-{i}-end", "approximate", *end))
    row.update({f"episodes-{i}-{k}": v for k, v in extra.items()})
    return row


_EXPECTED = json.loads(WORKED_EXAMPLE.read_text(encoding="utf-8"))
#: The version-2 worked example: what the trajectory, labour and coding steps type.
_V2 = _EXPECTED
_CAMP = "First re-education facility (not named in the report)"
_CAMP2 = "Second re-education facility (not named in the report)"


def _trajectory() -> dict:
    episodes = {e["id"]: e for e in _V2["episodes"]}
    said_15 = "15 months in the two facilities"
    said_2 = "almost two months"
    data = {}
    data.update(
        _episode(
            0,
            "taken_by_police",
            ("2017", "10", "", "when she visited family in Xinjiang"),
            **{"reasons": "unknown", "reasons_note": episodes["e1"]["reasons"]["note"]},
        )
    )
    camp = {"system": "camp_linked", "pipeline_stage": "reeducation_classes"}
    data.update(
        _episode(
            1,
            "reeducation_camp",
            ("2017", "10"),
            ("2018", "06"),
            **{
                "facility-free_text": _CAMP,
                "facility-kind": "camp",
                "note": episodes["e2"]["note"],
            },
            **camp,
        )
    )
    data.update(
        _episode(
            2,
            "reeducation_camp",
            ("2018", "06"),
            ("2019", "01", "", said_15),
            **{"facility-free_text": _CAMP2, "facility-kind": "camp"},
            **{"duration-amount": "15", "duration-unit": "month", "duration-as_said": said_15},
            **camp,
        )
    )
    data.update(
        _episode(
            3,
            "assigned_factory_work",
            ("2019", "01"),
            ("2019", "03", "", said_2),
            **{
                "facility-registry": "Jiafang Industrial Park",
                "place-area": "ili.yining_county",
                "system": "camp_linked",
                "pipeline_stage": "employment_base",
                "duration-amount": "1.5",
                "duration-amount_max": "2",
                "duration-unit": "month",
                "duration-approximate": "y",
                "duration-as_said": said_2,
            },
        )
    )
    data.update(_episode(4, "released", ("2019", "03"), note=episodes["e5"]["note"]))
    data.update(_episode(5, "left_china", ("2019", "03"), note=episodes["e6"]["note"]))
    data.update(
        {
            "transfers-0-episode": "e3",
            "transfers-0-source": "e2",
            "transfers-0-known-basis": "saw_directly",
            "transfers-1-episode": "e4",
            "transfers-1-source": "e3",
            "transfers-1-mode": "supervised_collective_transfer",
            "transfers-1-group_as_said": "with hundreds of others",
            "transfers-1-known-basis": "saw_directly",
            "actors-0-episode": "e2",
            "actors-0-kind": "camp_guards",
            "actors-0-note": episodes["e2"]["actors"][0]["note"],
        }
    )
    return data


def _labour() -> dict:
    labour = _V2["labour"][0]
    wage, buyer = labour["wages"][0], labour["buyers"][0]
    fields = {
        "episode_id": "e4",
        "factory": labour["factory"],
        "industrial_park": labour["industrial_park"],
        "facility-registry": "jiafang_industrial_park",
        "products": "gloves",
        "sector": "garments_textiles",
        "wages-0-status": "paid",
        "wages-0-amount": "320",
        "wages-0-currency": "CNY",
        "wages-0-count_min": "1.5",
        "wages-0-count": "2",
        "wages-0-unit": "month",
        "wages-0-approximate": "y",
        "wages-0-as_said": wage["as_said"],
        "wages-0-known-basis": "saw_directly",
        "housing": "offsite_dormitory",
        "housing_note": labour["housing_note"],
        "escorted": "yes",
        "locked_at_night": "unknown",
        "surveillance": "unknown",
        "evening_classes": "unknown",
        "could_leave": "no",
        "penalties": "sent_to_camp",
        "penalty_note": labour["penalty_for_refusing"]["note"],
        "buyers-0-name": buyer["name"],
        "buyers-0-kind": buyer["kind"],
        "buyers-0-as_said": buyer["as_said"],
        "buyers-0-known-basis": "saw_directly",
        "buyers-0-known-note": buyer["known"]["note"],
        "destination_note": labour["destination_note"],
        "known-basis": "saw_directly",
        "note": labour["note"],
    }
    coding = labour["coding"]
    for name, value in coding["ilo_indicators"].items():
        fields[f"coding-{name}-status"] = value["status"]
        fields[f"coding-{name}-evidence"] = value.get("evidence", "")
    for phase, cells in coding["survey_phases"].items():
        fields[f"coding-{phase}-note"] = cells.get("note", "")
        for dimension in ("involuntariness", "menace_of_penalty"):
            cell = cells.get(dimension) or {}
            fields[f"coding-{phase}-{dimension}-status"] = cell.get("status", "")
            fields[f"coding-{phase}-{dimension}-indicators"] = cell.get("indicators", [])
    return {f"entries-0-{k}": v for k, v in fields.items()}


def _coding() -> dict:
    coding = _V2["coding"]
    return {
        "system": "camp_linked",
        "pipeline_stage": "employment_base",
        "other_abuse": ["beating", "electric_batons"],
        "other_abuse_note": coding["other_abuse"]["note"],
        "verification_level": "reported",
        "coded_by": "interviewer-07",
    }


def _links() -> dict:
    campaign = _EXPECTED["interventions"][0]
    return {
        "interventions-0-kind": campaign["kind"],
        "interventions-0-by": campaign["by"],
        "interventions-0-outcome": campaign["outcome"],
        "interventions-0-known-basis": "saw_directly",
    }


def worked_example_steps() -> dict[str, dict]:
    """What the interviewer types on each step."""
    victim, names = _EXPECTED["victim"], _EXPECTED["victim"]["names"]
    return {
        "testifier": {
            **_date("interview_date", "month", "2019", "12"),
            "interview_language": "kk",
            "interview_place": "Almaty",
            "interviewer": "interviewer-07",
            "interview_note": _EXPECTED["interview"]["note"],
            "informants-0-is_main": "y",
            "informants-0-is_victim": "y",
            "informants-0-relation": "self",
            "informants-0-how_known-basis": "saw_directly",
            "informants-0-how_contacted": "in_person",
            "informants-0-is_former_detainee": "yes",
            "informants-0-interview_language": "kk",
            "informants-0-country": "kz",
        },
        "victim": {
            "names-0-text": names[0]["text"],
            "names-0-script": "Cyrl",
            "names-0-kind": "full",
            "names-0-language": "kk",
            "names-0-note": names[0]["note"],
            "names-1-text": names[1]["text"],
            "names-1-script": "Latn",
            "names-1-kind": "full",
            "gender": "female",
            "ethnicity": "kazakh",
            "age_years": "39",
            **_date("age_as_of", "year", "2019"),
            "citizenships": "CN",
            "kz_status": "permanent_resident",
            "kz_status_note": victim["kz_status_note"],
            "family_links-0-relation": "spouse",
            "family_links-0-note": victim["family_links"][0]["note"],
            "status-code": "left_china",
            **_date("status-as_of", "year", "2019"),
            "status-country": "KZ",
            "status-known-basis": "saw_directly",
        },
        "trajectory": _trajectory(),
        "labour": _labour(),
        "links": _links(),
        "coding": _coding(),
        "consent": {
            "to_record": "yes",
            "share_with_partner_databases": "no",
            "publish_victim_name": "no",
            "publish_testifier_name": "no",
            "research_use": "yes",
            "identity_level": "anonymous",
            "location_level": "prefecture",
            "photo_use": "none",
        },
        "narrative": {
            "original_text": _EXPECTED["narrative"]["original"]["text"],
            "original_language": "en",
        },
    }


def interview_worked_example(client) -> str:
    """Type the whole worked example and attach one PNG; the draft's URL prefix."""
    base = start_draft(client)
    for name, data in worked_example_steps().items():
        response = post_step(client, f"{base}/{name}", data)
        assert response.status_code == 302, (name, response.get_data(as_text=True))
    page = client.get(f"{base}/attachments").get_data(as_text=True)
    response = client.post(
        f"{base}/attachments",
        data={
            "csrf_token": csrf_token(page),
            "action": "save",
            "kind": "photo",
            "description": "Photo of the victim",
            "file": (_png_file(), "photo.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return base


def _png_file():
    import io

    return io.BytesIO(tiny_png())
