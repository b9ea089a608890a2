"""The public worked examples recorded through the interview pages in a real browser,
then opened from the sealed record and compared with their fixtures fact by fact.

Values the interview makes itself (the record id, episode ids, source ids) are
normalised before the comparison, as are two ways of writing nothing (an informant
who is not the victim, a victim with no name: the record leaves both out). The facts
no page asks for are listed in the ``*_UNENTERABLE`` tuples and taken out of the
expected record; the two facts a page keeps in another place (an informant's age is
as of the interview date; a piece rate's currency sits on its statement) are moved
there in the expected record, each with its reason. Every other fact is asserted.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import crypto
from intake.records.attachments import unpack_payload
from intake.records.models import SealedRecord

from . import interview_steps as steps
from .test_setup_journey import fill_setup

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records" / "valid"


def _fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _on_step(page, name: str, language: str) -> None:
    assert urlsplit(page.url).path.endswith(f"/{name}"), page.url
    assert page.get_attribute("html", "lang") == language
    assert page.locator("p.error, .has-error").count() == 0, page.inner_text("main")


def _step(journey, name: str, language: str, fields: dict[str, Any]) -> None:
    """Type ``fields`` on the step ``name``, take a screenshot, save and continue."""
    _on_step(journey.page, name, language)
    steps.open_all_details(journey.page)
    steps.enter(journey.page, fields)
    journey.shot(name)
    steps.save_and_continue(journey.page)


def _differences(got: Any, want: Any, path: str = "$") -> list[str]:
    """Every path where ``got`` differs from ``want``, for a readable failure."""
    if isinstance(got, dict) and isinstance(want, dict):
        out = []
        for key in sorted(set(got) | set(want)):
            absent = "<absent>"
            out += _differences(got.get(key, absent), want.get(key, absent), f"{path}.{key}")
        return out
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        pairs = enumerate(zip(got, want, strict=True))
        return [d for n, (g, w) in pairs for d in _differences(g, w, f"{path}[{n}]")]
    return [] if got == want else [f"{path}: got {got!r}, want {want!r}"]


def _renumber(record: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """The record with episode ids renamed by ``ids`` wherever they are referred to."""
    text = json.dumps(record, ensure_ascii=False)
    for old, new in ids.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    return json.loads(text)


def _record_and_seal(journey, live_server, identity, language: str) -> dict[str, Any]:
    """From the attachments step: review (nothing to fix), finalise, open the sealed record."""
    page = journey.page
    steps.save_and_continue(page)
    _on_step(page, "review", language)
    assert page.locator("p.ok").count() == 1, page.inner_text("main")
    journey.shot("review")
    steps.finalise(page)
    assert "/interview/receipt/" in page.url
    journey.shot("receipt")
    draft_id = page.url.rstrip("/").rsplit("/", 1)[1]
    with live_server["database"].session() as session:
        row = session.get(SealedRecord, uuid.UUID(draft_id))
        assert row is not None
        sealed = row.sealed
    record, _files = unpack_payload(crypto.open_sealed(sealed, [identity]))
    assert record["record_id"] == draft_id
    return record


def _without(document: dict[str, Any], *paths: str) -> None:
    """Drop each dotted path (list positions as numbers) from ``document``."""
    for path in paths:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node.pop(last)


def _normalised(record: dict[str, Any], fixture: dict[str, Any]) -> dict[str, Any]:
    """``record`` with what the interview makes itself set as in ``fixture``."""
    record = copy.deepcopy(record)
    record["record_id"] = fixture["record_id"]
    assert len(record.get("sources") or []) == len(fixture["sources"])
    for source, want in zip(record["sources"], fixture["sources"], strict=True):
        source["id"] = want["id"]
    for informant in record["informants"]:
        informant.setdefault("is_victim", False)  # "not the victim" is left out
    return record


def _date(prefix: str, value: dict[str, Any] | None) -> dict[str, Any]:
    """The boxes of a date group for a record's date-with-precision."""
    if not value:
        return {}
    parts = value.get("value", "").split("-")
    fields: dict[str, Any] = {f"{prefix}-precision": value["precision"]}
    for name, part in zip(("year", "month", "day"), parts, strict=False):
        if part:
            fields[f"{prefix}-{name}"] = int(part)
    if value.get("season"):
        fields[f"{prefix}-season"] = value["season"]
    if value.get("text_as_said"):
        fields[f"{prefix}-as_said"] = value["text_as_said"]
    return fields


def _publication(source: dict[str, Any]) -> dict[str, Any]:
    publication = source["publication"]
    return {
        "kind": source["kind"],
        "title": publication["title"],
        "publisher": publication["publisher"],
        **_date("published_on", publication["published_on"]),
        "url": publication["url"],
    }


def _given(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` without the values the example does not give."""
    return {key: value for key, value in fields.items() if value not in (None, "", [])}


def _knowledge(prefix: str, known: dict[str, Any] | None) -> dict[str, Any]:
    """A "how it is known" group: basis, known since (as its value), words said."""
    known = known or {}
    return _given(
        {
            f"{prefix}-basis": known.get("basis"),
            f"{prefix}-known_on": (known.get("known_on") or {}).get("value"),
            f"{prefix}-note": known.get("note"),
        }
    )


def _episode(n: int, episode: dict[str, Any]) -> dict[str, Any]:
    """Every box of episode row ``n`` for a record's episode."""
    p = f"episodes-{n}"
    facility, place = episode.get("facility") or {}, episode.get("place") or {}
    duration = episode.get("duration") or {}
    reasons = episode.get("reasons") or {}
    return _given(
        {
            f"{p}-kind": episode["kind"],
            f"{p}-facility-registry": facility.get("registry_id"),
            f"{p}-facility-free_text": facility.get("free_text"),
            f"{p}-facility-kind": facility.get("kind"),
            f"{p}-place-area": place.get("county_id") or place.get("prefecture_id"),
            f"{p}-place-country": place.get("country"),
            f"{p}-place-free_text": place.get("free_text"),
            **_date(f"{p}-start", episode.get("start")),
            **_date(f"{p}-end", episode.get("end")),
            f"{p}-duration-amount": duration.get("amount"),
            f"{p}-duration-unit": duration.get("unit"),
            f"{p}-duration-as_said": duration.get("text_as_said"),
            f"{p}-system": episode.get("system"),
            f"{p}-pipeline_stage": episode.get("pipeline_stage"),
            **_knowledge(f"{p}-known", episode.get("known")),
            **{f"input[name={p}-reasons][value={c}]": True for c in reasons.get("codes", [])},
            f"{p}-reasons_note": reasons.get("note"),
            f"{p}-note": episode.get("note"),
        }
    )


def _wage(prefix: str, wage: dict[str, Any]) -> dict[str, Any]:
    """Every box of a wage statement row."""
    period, piece = wage.get("period") or {}, wage.get("piece_rate") or {}
    return _given(
        {
            f"{prefix}-status": wage.get("status"),
            f"{prefix}-as_said": wage.get("as_said"),
            f"{prefix}-amount": wage.get("amount"),
            f"{prefix}-count": period.get("count"),
            f"{prefix}-piece_amount": piece.get("amount"),
            f"{prefix}-per_item": piece.get("per_item"),
            f"{prefix}-items_per_day": piece.get("items_per_day"),
            f"{prefix}-items_per_day_max": piece.get("items_per_day_max"),
            **_knowledge(f"{prefix}-known", wage.get("known")),
            f"{prefix}-note": wage.get("note"),
            # currency and period last: choosing them asks the app for the live figure
            f"{prefix}-currency": wage.get("currency") or piece.get("currency"),
            f"{prefix}-unit": period.get("unit"),
        }
    )


def _work_coding(prefix: str, coding: dict[str, Any]) -> dict[str, Any]:
    """The ILO indicators and the survey table of a work entry (or of the record)."""
    fields: dict[str, Any] = {}
    for name, cell in (coding.get("ilo_indicators") or {}).items():
        fields[f"{prefix}{name}-status"] = cell["status"]
        fields[f"{prefix}{name}-evidence"] = cell.get("evidence")
    for phase, cells in (coding.get("survey_phases") or {}).items():
        for dimension in ("involuntariness", "menace_of_penalty"):
            cell = cells.get(dimension) or {}
            p = f"{prefix}{phase}-{dimension}"
            fields[f"{p}-status"] = cell.get("status")
            fields[f"{p}-evidence"] = cell.get("evidence")
            for code in cell.get("indicators", []):
                fields[f"input[name={p}-indicators][value={code}]"] = True
        fields[f"{prefix}{phase}-note"] = cells.get("note")
    fields[f"{prefix}note"] = coding.get("note")
    return _given(fields)


#: factory_transfer.json: facts no page asks for (page: field), taken out of the
#: expected record. The knowledge groups of an informant, of the victim's situation,
#: of a move, of a wage and of a buyer have no "which informant" box, and those of an
#: episode or a work entry offer one only when there are two informants or more (one
#: informant is left implicit); "known since" is read from words (so a month said as
#: words cannot keep other words); an informant's age is as of the interview date;
#: the record-level survey table has no page.
FACTORY_TRANSFER_UNENTERABLE = (
    "episodes.0.known.informant_id",
    "episodes.1.known.informant_id",
    "episodes.2.known.informant_id",
    "episodes.2.known.known_on.text_as_said",
    "labour.0.known.informant_id",
    "labour.1.known.informant_id",
    "informants.0.how_known.informant_id",
    "victim.status.known.informant_id",
    "victim.status.known.known_on.text_as_said",
    "episodes.1.transfer_from.known.informant_id",
    "episodes.2.transfer_from.known.informant_id",
    "labour.0.buyers.0.known.informant_id",
    "labour.0.wages.0.known.informant_id",
    "labour.1.wages.0.known.informant_id",
    "coding.survey_phases",
)


def test_factory_transfer_in_kazakh(journey, live_server):
    page = journey.page
    fixture = _fixture("factory_transfer.json")
    f = fixture
    informant, victim, l1 = f["informants"][0], f["victim"], f["labour"][0]
    # Given a station set up in Kazakh, registered to an organisation whose identity we keep
    identity = crypto.Identity.generate()
    fill_setup(journey, role="station", recipient=identity.recipient, language="kk")
    steps.start_interview(journey)

    # When the boyfriend's published interview is typed: the interview and the informant
    _on_step(page, "testifier", "kk")
    steps.enter(
        page,
        {
            **_date("interview_date", f["interview"]["date"]),
            "interview_language": "en",
            "interview_place": f["interview"]["place"],
            "interviewer": "interviewer-07",
            "interview_note": f["interview"]["note"],
            "informants-0-is_main": True,
            "informants-0-names-0-text": informant["names"][0]["text"],
            "informants-0-names-0-script": "Latn",
            "informants-0-names-0-kind": "given",
            "informants-0-names-0-romanisation": "unknown",
            "informants-0-names-0-note": informant["names"][0]["note"],
            "informants-0-relation": informant["relation"],
            "informants-0-relation_note": informant["relation_note"],
            "informants-0-age_years": 24,
            "informants-0-country": "CN",
            "informants-0-locality": informant["current_residence"]["locality"],
            "informants-0-is_former_detainee": "unknown",
            "informants-0-how_contacted": informant["how_contacted"],
            "informants-0-how_known-basis": informant["how_known"]["basis"],
            "informants-0-how_known-note": informant["how_known"]["note"],
            "informants-0-note": informant["note"],
        },
    )
    journey.shot("testifier")
    steps.save_and_continue(page)

    # And the victim, by description (the report does not name her)
    status = victim["status"]
    _step(
        journey,
        "victim",
        "kk",
        {
            "description": victim["description"],
            "gender": victim["gender"],
            "ethnicity": victim["ethnicity"],
            "home_place-free_text": victim["home_place"]["free_text"],
            "status-code": status["code"],
            **_date("status-as_of", status["as_of"]),
            "status-location_words": status["likely_location"]["free_text"],
            **_knowledge("status-known", status["known"]),
            "status-note": status["note"],
        },
    )

    # And the trajectory: two factories, a move between them, then the guarded compound
    # (the page numbers its episodes e1 to e3 where the example has t1 to t3)
    _on_step(page, "trajectory", "kk")
    example = _renumber(fixture, {"t1": "e1", "t2": "e2", "t3": "e3"})
    for n, episode in enumerate(example["episodes"]):
        if n:
            steps.click_action(page, "add:episodes")
        steps.enter(page, _episode(n, episode))
    for n, episode in enumerate(example["episodes"][1:]):
        move = episode["transfer_from"]
        steps.click_action(page, "add:transfers")
        steps.enter(
            page,
            _given(
                {
                    f"transfers-{n}-episode": episode["id"],
                    f"transfers-{n}-source": move["episode_id"],
                    f"transfers-{n}-mode": move["mode"],
                    f"transfers-{n}-group_as_said": move.get("group_as_said"),
                    **_knowledge(f"transfers-{n}-known", move["known"]),
                    f"transfers-{n}-note": move.get("note"),
                }
            ),
        )
    for n, actor in enumerate(example["episodes"][0]["actors"]):
        steps.click_action(page, "add:actors")
        steps.enter(
            page,
            {
                f"actors-{n}-episode": "e1",
                f"actors-{n}-kind": actor["kind"],
                f"actors-{n}-name": actor["name"],
                f"actors-{n}-note": actor["note"],
            },
        )
    journey.shot("trajectory")
    steps.save_and_continue(page)

    # And the work at each factory: no pay figure reported, Nike as the buyer, coding
    _on_step(page, "labour", "kk")
    steps.open_all_details(page)
    for n, labour in enumerate(example["labour"]):
        assert page.locator(f"#entries-{n}-episode_id").input_value() == labour["episode_id"]
        p = f"entries-{n}"
        steps.enter(
            page,
            _given(
                {
                    **{
                        f"{p}-{key}": labour.get(key)
                        for key in (
                            "employer",
                            "factory",
                            "sector",
                            "housing",
                            "housing_note",
                            "surveillance",
                            "could_leave",
                            "note",
                        )
                    },
                    f"{p}-products": ", ".join(labour["products"]),
                    **_knowledge(f"{p}-known", labour["known"]),
                    **_wage(f"{p}-wages-0", labour["wages"][0]),
                    **_work_coding(f"{p}-coding-", labour["coding"]),
                }
            ),
        )
    buyer = l1["buyers"][0]
    steps.enter(
        page,
        {
            "entries-0-buyers-0-name": buyer["name"],
            "entries-0-buyers-0-kind": buyer["kind"],
            "entries-0-buyers-0-as_said": buyer["as_said"],
            **_knowledge("entries-0-buyers-0-known", buyer["known"]),
        },
    )
    journey.shot("labour")
    steps.save_and_continue(page)

    # And no link or action taken; the coding of the record as a whole
    _step(journey, "links", "kk", {})
    coding = f["coding"]
    _step(
        journey,
        "coding",
        "kk",
        {
            "verification_level": coding["verification_level"],
            "coded_by": coding["coded_by"],
            "system": coding["system"],
            "pipeline_stage": coding["pipeline_stage"],
            **{
                f"{name}-{key}": value
                for name, cell in coding["ilo_indicators"].items()
                for key, value in cell.items()
            },
        },
    )
    consent = f["consent"]
    _step(
        journey,
        "consent",
        "kk",
        {
            **{
                f"input[name={name}][value={'yes' if consent[name] else 'no'}]": True
                for name in (
                    "to_record",
                    "share_with_partner_databases",
                    "publish_victim_name",
                    "publish_testifier_name",
                    "research_use",
                )
            },
            "identity_level": consent["identity_level"],
            "location_level": consent["location_level"],
            "photo_use": consent["photo_use"],
        },
    )
    _step(
        journey,
        "narrative",
        "kk",
        {
            "original_text": f["narrative"]["original"]["text"],
            "original_language": f["narrative"]["original"]["language"],
        },
    )

    # And the three publications on the attachments step
    _on_step(page, "attachments", "kk")
    for source in f["sources"]:
        steps.add_publication(page, _publication(source))
        _on_step(page, "attachments", "kk")
    journey.shot("attachments")

    # Then, once reviewed and finalised, the organisation opens a record that holds
    # every fact of the example that a page asks for
    record = _record_and_seal(journey, live_server, identity, "kk")
    expected = _renumber(copy.deepcopy(fixture), {"t1": "e1", "t2": "e2", "t3": "e3"})
    _without(expected, *FACTORY_TRANSFER_UNENTERABLE)
    expected["victim"].pop("names")  # no name: the record leaves the list out
    # (the informant's age is as of the interview date, words included)
    expected["informants"][0]["age"]["as_of"] = expected["interview"]["date"]
    got = _normalised(record, expected)
    differences = _differences(got, expected)
    assert not differences, "\n".join(differences)
    assert journey.foreign_requests() == []


#: camp_factory_witness.json: facts no page asks for (page: field), taken out of the
#: expected record; as for the other example, the "which informant" of a knowledge
#: group where the page has no such box or, with a single informant, shows none.
CAMP_FACTORY_UNENTERABLE = (
    "informants.0.how_known.informant_id",
    "victim.status.known.informant_id",
    "episodes.0.known.informant_id",
    "episodes.1.known.informant_id",
    "episodes.2.known.informant_id",
    "episodes.1.transfer_from.known.informant_id",
    "episodes.2.transfer_from.known.informant_id",
    "labour.0.known.informant_id",
    "labour.0.wages.0.known.informant_id",
    "labour.0.wages.1.known.informant_id",
    "labour.0.wages.2.known.informant_id",
    "labour.0.wages.3.known.informant_id",
    "labour.0.wages.4.known.informant_id",
    "interventions.0.known.informant_id",
)


def test_camp_factory_witness_in_russian(journey, live_server):
    page = journey.page
    fixture = _fixture("camp_factory_witness.json")
    f = fixture
    informant, victim, episodes = f["informants"][0], f["victim"], f["episodes"]
    [labour] = f["labour"]
    # Given a station set up in Russian, registered to an organisation whose identity we keep
    identity = crypto.Identity.generate()
    fill_setup(journey, role="station", recipient=identity.recipient, language="ru")
    steps.start_interview(journey)

    # When his published testimony is typed: the interview, and he speaks for himself
    _step(
        journey,
        "testifier",
        "ru",
        {
            **_date("interview_date", f["interview"]["date"]),
            "interview_language": f["interview"]["language"],
            "interviewer": f["interview"]["interviewer"]["pseudonym"],
            "interview_note": f["interview"]["note"],
            "informants-0-is_main": True,
            "informants-0-is_victim": True,
            "informants-0-relation": informant["relation"],
            "informants-0-is_former_detainee": informant["is_former_detainee"],
            "informants-0-how_contacted": informant["how_contacted"],
            **_knowledge("informants-0-how_known", informant["how_known"]),
            "informants-0-note": informant["note"],
        },
    )

    # And the victim: two spellings of his name, his age, home, family and situation
    _on_step(page, "victim", "ru")
    status, age = victim["status"], victim["approximate_age"]
    for n, (name, link) in enumerate(zip(victim["names"], victim["family_links"], strict=True)):
        if n:  # a row is added once the one before it is typed
            steps.click_action(page, "add:names")
            steps.click_action(page, "add:family_links")
        steps.enter(page, {f"names-{n}-{key}": name[key] for key in name})
        steps.enter(page, {f"family_links-{n}-{key}": link[key] for key in link})
    fields: dict[str, Any] = {}
    _step(
        journey,
        "victim",
        "ru",
        {
            **fields,
            "gender": victim["gender"],
            "ethnicity": victim["ethnicity"],
            "age_years": age["years"],
            **_date("age_as_of", age["as_of"]),
            "kz_status": victim["kz_status"],
            "kz_status_note": victim["kz_status_note"],
            "home_place-prefecture_id": victim["home_place"]["prefecture_id"],
            "home_place-free_text": victim["home_place"]["free_text"],
            "status-code": status["code"],
            **_knowledge("status-known", status["known"]),
            "status-note": status["note"],
        },
    )

    # And the trajectory: taken by police, nine months in a camp, the glove factory
    _on_step(page, "trajectory", "ru")
    for n, episode in enumerate(episodes):
        if n:
            steps.click_action(page, "add:episodes")
        steps.enter(page, _episode(n, episode))
    for n, episode in enumerate(episodes[1:]):
        move = episode["transfer_from"]
        steps.click_action(page, "add:transfers")
        steps.enter(
            page,
            _given(
                {
                    f"transfers-{n}-episode": episode["id"],
                    f"transfers-{n}-source": move["episode_id"],
                    f"transfers-{n}-mode": move["mode"],
                    f"transfers-{n}-group_as_said": move.get("group_as_said"),
                    **_knowledge(f"transfers-{n}-known", move["known"]),
                    f"transfers-{n}-note": move.get("note"),
                }
            ),
        )
    relation = episodes[2]["camp_relation"]
    steps.click_action(page, "add:camp_relations")
    steps.enter(
        page,
        {
            "camp_relations-0-episode": "e3",
            "camp_relations-0-relation": relation["relation"],
            "camp_relations-0-camp": relation["episode_id"],
        },
    )
    actors = [(e["id"], actor) for e in episodes for actor in e.get("actors", [])]
    for n, (episode_id, actor) in enumerate(actors):
        steps.click_action(page, "add:actors")
        steps.enter(
            page,
            _given(
                {
                    f"actors-{n}-episode": episode_id,
                    f"actors-{n}-kind": actor["kind"],
                    f"actors-{n}-name": actor.get("name"),
                    f"actors-{n}-note": actor.get("note"),
                }
            ),
        )
    journey.shot("trajectory")
    steps.save_and_continue(page)

    # And the glove factory's work: five wage statements and the coding of the work
    _on_step(page, "labour", "ru")
    assert page.locator("#entries-0-episode_id").input_value() == "e3"
    steps.open_all_details(page)
    penalties = labour["penalties_at_work"]
    steps.enter(
        page,
        {
            **{
                f"entries-0-{key}": labour[key]
                for key in ("employer", "factory", "industrial_park", "sector", "hours_per_day")
            },
            "entries-0-facility-registry": labour["facility"]["registry_id"],
            "entries-0-products": ", ".join(labour["products"]),
            **{
                f"entries-0-{key}": labour[key]
                for key in (
                    "housing",
                    "housing_note",
                    "surveillance",
                    "evening_classes",
                    "could_leave",
                    "escorted",
                    "locked_at_night",
                )
            },
            **{
                f"input[name=entries-0-work_penalties][value={code}]": True
                for code in penalties["codes"]
            },
            "entries-0-work_penalty_note": penalties["note"],
            **_knowledge("entries-0-known", labour["known"]),
            "entries-0-note": labour["note"],
            **_work_coding("entries-0-coding-", labour["coding"]),
        },
    )
    for n, wage in enumerate(labour["wages"]):
        # saving the page offers another empty statement
        steps.enter(page, _wage(f"entries-0-wages-{n}", wage))
        steps.click_action(page, "save")
        _on_step(page, "labour", "ru")
        steps.open_all_details(page)
    journey.shot("labour")
    steps.save_and_continue(page)

    # And the link to the worked example's record (a co-worker) and the strike
    [link], [strike] = f["links"], f["interventions"]
    _step(
        journey,
        "links",
        "ru",
        {
            **{f"links-0-{key}": link[key] for key in link},
            "interventions-0-kind": strike["kind"],
            "interventions-0-by": strike["by"],
            "interventions-0-outcome": strike["outcome"],
            **_knowledge("interventions-0-known", strike["known"]),
            "interventions-0-note": strike["note"],
        },
    )
    coding = f["coding"]
    _step(
        journey,
        "coding",
        "ru",
        {
            "verification_level": coding["verification_level"],
            "coded_by": coding["coded_by"],
            "system": coding["system"],
            "pipeline_stage": coding["pipeline_stage"],
            **{
                f"input[name=other_abuse][value={code}]": True
                for code in coding["other_abuse"]["codes"]
            },
            "other_abuse_note": coding["other_abuse"]["note"],
        },
    )
    consent = f["consent"]
    _step(
        journey,
        "consent",
        "ru",
        {
            **{
                f"input[name={name}][value={'yes' if consent[name] else 'no'}]": True
                for name in (
                    "to_record",
                    "share_with_partner_databases",
                    "publish_victim_name",
                    "publish_testifier_name",
                    "research_use",
                )
            },
            "identity_level": consent["identity_level"],
            "location_level": consent["location_level"],
            "photo_use": consent["photo_use"],
        },
    )
    _step(
        journey,
        "narrative",
        "ru",
        {
            "original_text": f["narrative"]["original"]["text"],
            "original_language": f["narrative"]["original"]["language"],
        },
    )

    # And the three publications on the attachments step
    _on_step(page, "attachments", "ru")
    for source in f["sources"]:
        steps.add_publication(page, _publication(source))
        _on_step(page, "attachments", "ru")
    journey.shot("attachments")

    # Then, once reviewed and finalised, the organisation opens a record that holds
    # every fact of the example that a page asks for
    record = _record_and_seal(journey, live_server, identity, "ru")
    expected = copy.deepcopy(fixture)
    _without(expected, *CAMP_FACTORY_UNENTERABLE)
    # The labour page has one Currency box per statement: a piece rate's currency is
    # kept on the statement, not on the piece rate (the fact is there, in another place)
    piece_rate_statement = expected["labour"][0]["wages"][1]
    piece_rate_statement["currency"] = piece_rate_statement["piece_rate"].pop("currency")
    got = _normalised(record, expected)
    differences = _differences(got, expected)
    assert not differences, "\n".join(differences)
    assert journey.foreign_requests() == []
