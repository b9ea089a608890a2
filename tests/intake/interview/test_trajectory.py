"""The trajectory step: episodes, facilities and places typed against one list per
page, dates in order, durations, how each step is known, and the links between
episodes (moves, workplaces beside camps, actors, sentences)."""

from __future__ import annotations

import re
import uuid

import pytest
from flask_babel import force_locale

from intake.interview import pickers
from intake.records.drafts import load_draft, save_draft
from tests.intake.conftest import unlock
from tests.intake.interview.journey import post_step, start_draft


def _row(i: int, kind: str, **fields: str) -> dict[str, str]:
    data = {f"episodes-{i}-id": f"e{i + 1}", f"episodes-{i}-kind": kind}
    data.update({f"episodes-{i}-{key}": value for key, value in fields.items()})
    return data


def _saved(client, base: str, database, settings) -> dict:
    with database.session() as session:
        return load_draft(session, unlock(database, settings), uuid.UUID(base.rsplit("/", 1)[1]))


def test_an_episode_that_ends_before_it_starts_is_caught_on_the_step(
    station_interviewer, database, settings
):
    # Given a camp said to run from March 2019 until 2018
    base = start_draft(station_interviewer)
    data = _row(
        0,
        "reeducation_camp",
        **{
            "start-precision": "month",
            "start-year": "2019",
            "start-month": "3",
            "end-precision": "year",
            "end-year": "2018",
        },
    )
    # When the step is saved
    response = post_step(station_interviewer, f"{base}/trajectory", data)
    # Then the step itself refuses it, with the message on the episode's end date
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    end_group = page[page.index('id="episodes-0-end-precision"') :]
    assert "ends before it starts" in end_group[: end_group.index("</fieldset>")]
    # And nothing was saved
    assert not _saved(station_interviewer, base, database, settings).get("episodes")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ili.yining_county", {"prefecture_id": "ili", "county_id": "ili.yining_county"}),
        ("Құлжа ауданы", {"prefecture_id": "ili", "county_id": "ili.yining_county"}),
        ("伊宁县", {"prefecture_id": "ili", "county_id": "ili.yining_county"}),
        (
            "  yining (ghulja)   county ",
            {"prefecture_id": "ili", "county_id": "ili.yining_county"},
        ),
        ("ili", {"prefecture_id": "ili"}),
    ],
)
def test_places_are_typed_by_id_or_name_and_stored_as_ids(
    station_interviewer, database, settings, typed, expected
):
    base = start_draft(station_interviewer)
    data = _row(0, "assigned_factory_work", **{"place-area": typed})
    assert post_step(station_interviewer, f"{base}/trajectory", data).status_code == 302
    [episode] = _saved(station_interviewer, base, database, settings)["episodes"]
    assert episode["place"] == expected


def test_a_facility_typed_by_name_is_stored_by_registry_id_and_shown_by_name(
    station_interviewer, database, settings
):
    # Given the registry's industrial park typed by its English name
    base = start_draft(station_interviewer)
    data = _row(0, "assigned_factory_work", **{"facility-registry": "jiafang industrial park"})
    # When saved / Then the record holds the registry id, and the page shows the name
    assert post_step(station_interviewer, f"{base}/trajectory", data).status_code == 302
    [episode] = _saved(station_interviewer, base, database, settings)["episodes"]
    assert episode["facility"] == {"registry_id": "jiafang_industrial_park"}
    page = station_interviewer.get(f"{base}/trajectory").get_data(as_text=True)
    assert 'id="episodes-0-facility-registry"' in page
    assert re.search(r'id="episodes-0-facility-registry"[^>]*value="Jiafang Industrial Park"', page)


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("facility-registry", "Nowhere Camp 7", "No such facility in the registry"),
        ("place-area", "Atlantis", "No such prefecture, county or province"),
        ("place-country", "KAZ", "at most 2 are allowed"),
        ("place-country", "1Z", "two-letter country code"),
        ("place-country", "uk", "UK is not a country code"),
    ],
)
def test_names_not_in_the_lists_are_refused_with_a_way_out(
    station_interviewer, database, settings, field, typed, message
):
    base = start_draft(station_interviewer)
    data = _row(0, "reeducation_camp", **{field: typed})
    page = post_step(station_interviewer, f"{base}/trajectory", data).get_data(as_text=True)
    assert message in page
    # And what was typed is still in the box, and nothing was saved
    assert typed in page
    assert not _saved(station_interviewer, base, database, settings).get("episodes")


def test_a_facility_from_the_registry_and_in_words_is_refused(station_interviewer):
    base = start_draft(station_interviewer)
    data = _row(
        0,
        "reeducation_camp",
        **{"facility-registry": "jiafang_industrial_park", "facility-free_text": "a camp"},
    )
    page = post_step(station_interviewer, f"{base}/trajectory", data).get_data(as_text=True)
    assert "not both" in page


def test_the_lists_are_on_the_page_once_however_many_episodes(station_interviewer):
    # Given a trajectory of 30 episodes, each at a registry facility in a county
    base = start_draft(station_interviewer)
    data: dict[str, str] = {}
    for i in range(30):
        data.update(
            _row(
                i,
                "prison",
                **{
                    "facility-registry": "jiafang_industrial_park",
                    "place-area": "ili.yining_county",
                },
            )
        )
    assert post_step(station_interviewer, f"{base}/trajectory", data).status_code == 302
    # When the page is opened
    page = station_interviewer.get(f"{base}/trajectory").get_data(as_text=True)
    # Then each list of facilities and places is there once, not once per episode
    assert page.count("<datalist") == 2
    assert page.count('data-id="jiafang_industrial_park"') == 1
    assert page.count('data-id="ili.yining_county"') == 1
    # And no episode carries a select of the registry or the counties
    assert 'value="ili.yining_county"' not in page
    assert page.count("<option") < 30 * 160


def test_durations_knowledge_and_links_are_stored_on_their_episodes(
    station_interviewer, database, settings
):
    # Given a camp, a second camp known of by phone, and a prison with a sentence
    base = start_draft(station_interviewer)
    data = {
        **_row(0, "reeducation_camp", **{"known-basis": "saw_directly"}),
        **_row(
            1,
            "reeducation_camp",
            **{
                "duration-amount": "1",
                "duration-unit": "year",
                "duration-approximate": "y",
                "duration-as_said": "about a year",
                "known-basis": "through_relative",
                "known-through_relation": "sister",
                "known-known_on": "January 2019",
                "known-note": "she phoned in January 2019",
            },
        ),
        **_row(2, "assigned_factory_work", **{"system": "camp_linked"}),
        **_row(3, "prison"),
        "transfers-0-episode": "e2",
        "transfers-0-source": "e1",
        "transfers-0-mode": "escorted_individually",
        "camp_relations-0-episode": "e3",
        "camp_relations-0-relation": "next_to_camp",
        "camp_relations-0-camp": "e2",
        "actors-0-episode": "e1",
        "actors-0-kind": "police",
        "actors-0-name": "county police",
        "actors-1-episode": "e1",
        "actors-1-kind": "village_cadre",
        "sentences-0-episode": "e4",
        "sentences-0-charge": "extremism",
        "sentences-0-term-amount": "10",
        "sentences-0-term-unit": "year",
        "sentences-0-sentenced_on-precision": "year",
        "sentences-0-sentenced_on-year": "2019",
    }
    # When saved
    response = post_step(station_interviewer, f"{base}/trajectory", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    # Then every fact sits in its place on its episode
    e1, e2, e3, e4 = _saved(station_interviewer, base, database, settings)["episodes"]
    assert e1["actors"] == [
        {"kind": "police", "name": "county police"},
        {"kind": "village_cadre"},
    ]
    assert e2["duration"] == {
        "amount": 1,
        "unit": "year",
        "approximate": True,
        "text_as_said": "about a year",
    }
    assert e2["known"] == {
        "basis": "through_relative",
        "through_relation": "sister",
        "known_on": {"precision": "month", "value": "2019-01", "text_as_said": "January 2019"},
        "note": "she phoned in January 2019",
    }
    assert e2["transfer_from"] == {"episode_id": "e1", "mode": "escorted_individually"}
    assert e3["camp_relation"] == {"relation": "next_to_camp", "episode_id": "e2"}
    assert e3["system"] == "camp_linked"
    assert e4["sentence"] == {
        "charge": "extremism",
        "term": {"amount": 10, "unit": "year"},
        "sentenced_on": {"precision": "year", "value": "2019"},
    }
    # And the page shows them again as saved
    page = station_interviewer.get(f"{base}/trajectory").get_data(as_text=True)
    assert 'value="county police"' in page and "about a year" in page


@pytest.mark.parametrize(
    ("links", "message"),
    [
        (
            {"transfers-0-episode": "e1", "transfers-0-source": "e2"},
            "Choose an earlier episode.",
        ),
        (
            {"transfers-0-episode": "e2", "transfers-0-mode": "other"},
            "Choose the episode the victim came from.",
        ),
        (
            {
                "camp_relations-0-episode": "e2",
                "camp_relations-0-relation": "inside_camp",
                "camp_relations-0-camp": "e2",
            },
            "Choose a camp or other detention episode.",
        ),
        (
            {"actors-0-episode": "e1", "actors-0-kind": "police", "actors-1-episode": "e1"},
            "This field is required.",
        ),
        (
            {"transfers-0-episode": "e2", "transfers-0-source": "e1"}
            | {"transfers-1-episode": "e2", "transfers-1-source": "e1"},
            "This episode already has such a row.",
        ),
    ],
    ids=["from-later", "no-source", "camp-not-detention", "actor-without-kind", "two-moves"],
)
def test_links_that_cannot_be_true_are_refused(station_interviewer, links, message):
    base = start_draft(station_interviewer)
    data = {**_row(0, "reeducation_camp"), **_row(1, "assigned_factory_work"), **links}
    response = post_step(station_interviewer, f"{base}/trajectory", data)
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_links_naming_an_episode_not_on_the_page_are_dropped_never_stored(
    station_interviewer, database, settings
):
    # Given a post whose link rows name episode ids that are not on the page (a removed
    # episode, or a forged id)
    base = start_draft(station_interviewer)
    data = {
        **_row(0, "reeducation_camp"),
        "actors-0-episode": "e9",
        "actors-0-kind": "police",
        "transfers-0-episode": "e1",
        "transfers-0-source": "<script>",
    }
    # When saved / Then the episode is kept and nothing links to what is not there
    assert post_step(station_interviewer, f"{base}/trajectory", data).status_code == 302
    [episode] = _saved(station_interviewer, base, database, settings)["episodes"]
    assert episode == {"id": "e1", "kind": "reeducation_camp"}


def test_a_version_1_draft_opens_with_its_how_known_as_the_basis(
    station_interviewer, database, settings
):
    # Given a version-1 draft whose episode says how it is known the old way
    base = start_draft(station_interviewer)
    draft_id = uuid.UUID(base.rsplit("/", 1)[1])
    keys = unlock(database, settings)
    with database.session() as session:
        document = load_draft(session, keys, draft_id)
        document["episodes"] = [
            {
                "id": "e1",
                "kind": "reeducation_camp",
                "how_known": "call_from_victim",
                "how_known_note": "she called from the camp",
            }
        ]
        save_draft(session, keys, draft_id, document)
        session.commit()
    # When the trajectory step is opened and saved as it is shown
    page = station_interviewer.get(f"{base}/trajectory").get_data(as_text=True)
    assert '<option selected value="victim_phone_or_message">' in page
    data = {
        **_row(0, "reeducation_camp"),
        "episodes-0-known-basis": "victim_phone_or_message",
        "episodes-0-known-note": "she called from the camp",
    }
    assert post_step(station_interviewer, f"{base}/trajectory", data).status_code == 302
    # Then the episode holds the version-2 knowledge and no version-1 keys
    [episode] = _saved(station_interviewer, base, database, settings)["episodes"]
    assert episode["known"] == {
        "basis": "victim_phone_or_message",
        "note": "she called from the camp",
    }
    assert "how_known" not in episode


def test_a_relative_is_named_only_when_known_through_one(station_interviewer):
    base = start_draft(station_interviewer)
    data = _row(
        0, "reeducation_camp", **{"known-basis": "saw_directly", "known-through_relation": "son"}
    )
    page = post_step(station_interviewer, f"{base}/trajectory", data).get_data(as_text=True)
    assert "Name a relative only when it is known through a relative." in page


def test_names_resolve_in_every_interface_language(app):
    # Given the place list as the Kazakh and Chinese interfaces show it
    with app.test_request_context(), force_locale("zh"):
        shown = dict(pickers.options("place"))
    # Then every shown name leads back to its id, in any language
    for name, place_id in shown.items():
        assert pickers.resolve("place", name).id == place_id
    # And an unknown name is refused, never guessed
    with app.test_request_context(), pytest.raises(pickers.PickError):
        pickers.resolve("place", "Yining")


def test_typed_markup_is_shown_as_text_never_run(station_interviewer):
    # Given words with markup in every kind of box of an episode and a link row
    base = start_draft(station_interviewer)
    hostile = '"><script>alert(1)</script>'
    data = {
        **_row(
            0,
            "reeducation_camp",
            **{"facility-free_text": hostile, "note": hostile, "known-note": hostile}
            | {"known-basis": "other"},
        ),
        "actors-0-episode": "e1",
        "actors-0-kind": "police",
        "actors-0-name": hostile,
    }
    # When saved and shown again, and when refused with the words still in the boxes
    assert post_step(station_interviewer, f"{base}/trajectory", data).status_code == 302
    shown = station_interviewer.get(f"{base}/trajectory").get_data(as_text=True)
    refused = post_step(
        station_interviewer, f"{base}/trajectory", {**data, "episodes-0-place-area": hostile}
    ).get_data(as_text=True)
    # Then the markup is escaped everywhere
    for page in (shown, refused):
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
