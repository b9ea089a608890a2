"""The people pages one by one: informants, victim, consent, publications, drafts."""

from __future__ import annotations

import uuid

import pytest

from intake.interview import services
from intake.interview.labels import KEYED_BY_CODE, LABELS
from intake.records.derived import load_codebook, load_schema
from intake.records.drafts import save_draft
from tests.intake.conftest import csrf_token, unlock
from tests.intake.interview.journey import post_step, start_draft
from tests.intake.interview.journey import worked_example_steps as steps
from tests.intake.interview.people import (
    change_draft,
    draft_id_of,
    read_draft,
    worked_example_work_sections,
)

GUL = "Гүлзира Әуелхан"


def _property_names(node, keyed: set[str], parent: str = "") -> set[str]:
    names: set[str] = set()
    if isinstance(node, dict):
        for key, sub in (node.get("properties") or {}).items():
            if parent not in keyed:
                names.add(key)
            names |= _property_names(sub, keyed, key)
        for key, sub in node.items():
            if key != "properties":
                names |= _property_names(sub, keyed, parent)
    elif isinstance(node, list):
        for sub in node:
            names |= _property_names(sub, keyed, parent)
    return names


def test_every_property_of_the_schema_has_a_label():
    # Given every property name of the record schema (codes used as keys are labelled
    # by the codebook) / Then each has a label of its own
    schema = load_schema()
    defs = {f"#/$defs/{k}": v for k, v in schema["$defs"].items()}
    keyed_defs = {"ilo_coding", "survey_coding"}
    names = _property_names({k: v for k, v in schema.items() if k != "$defs"}, set())
    for name, node in schema["$defs"].items():
        names |= _property_names(node, set()) if name not in keyed_defs else set()
    assert sorted(names - set(LABELS)) == []
    vocabularies = load_codebook()["vocabularies"]
    assert all(vocab in vocabularies for vocab in KEYED_BY_CODE.values())
    assert defs  # the $defs were read


def test_several_informants_one_main_and_the_victim_speaking(
    station_interviewer, database, settings
):
    client = station_interviewer
    base = start_draft(client)
    # Given the victim speaking for herself (second row) and her sister (first row),
    # the sister ticked as the main testifier
    data = {
        **{k: v for k, v in steps()["testifier"].items() if not k.startswith("informants-")},
        "informants-0-is_main": "y",
        "informants-0-names-0-text": GUL,
        "informants-0-names-0-script": "Cyrl",
        "informants-0-names-0-kind": "full",
        "informants-0-relation": "sister",
        "informants-0-age_years": "45",
        "informants-0-how_contacted": "video_call",
        "informants-0-how_known-basis": "through_relative",
        "informants-0-how_known-through_relation": "mother",
        "informants-1-is_victim": "y",
        "informants-1-relation": "",
        "informants-1-how_known-basis": "saw_directly",
    }
    # When it is saved
    assert post_step(client, f"{base}/testifier", data).status_code == 302
    informants = read_draft(database, settings, base)["informants"]
    # Then both are kept, the sister as main, the victim as "self" with no names
    assert informants[0]["is_main"] is True and informants[1]["is_main"] is False
    assert informants[0]["names"][0]["text"] == GUL
    assert informants[0]["age"] == {
        "years": 45,
        "as_of": {"precision": "month", "value": "2019-12"},
    }
    assert informants[0]["how_known"] == {"basis": "through_relative", "through_relation": "mother"}
    assert informants[1]["relation"] == "self" and informants[1]["is_victim"] is True
    assert "names" not in informants[1]
    # And ids are i1 and i2, kept when the rows are swapped
    assert [i["id"] for i in informants] == ["i1", "i2"]
    page = client.get(f"{base}/testifier").get_data(as_text=True)
    post = {**data, "informants-0-id": "i1", "informants-1-id": "i2"}
    post_step(client, f"{base}/testifier", post, action="down:informants:0")
    post_step(client, f"{base}/testifier", {**post}, action="save")
    assert 'value="i1"' in page


def test_the_victim_speaking_types_no_names_twice(station_interviewer):
    # Given an informant ticked as the victim with a name typed anyway
    base = start_draft(station_interviewer)
    data = {
        **steps()["testifier"],
        "informants-0-names-0-text": GUL,
        "informants-0-names-0-script": "Cyrl",
        "informants-0-names-0-kind": "full",
    }
    # When saved / Then refused: the names belong on the victim step
    page = post_step(station_interviewer, f"{base}/testifier", data).get_data(as_text=True)
    assert "write the names on the victim step" in page


def test_informant_rows_refuse_two_main_testifiers_and_a_victim_related_otherwise(
    station_interviewer,
):
    base = start_draft(station_interviewer)
    testifier = {k: v for k, v in steps()["testifier"].items() if not k.startswith("informants-")}
    two_main = {
        **testifier,
        "informants-0-is_main": "y",
        "informants-0-relation": "sister",
        "informants-1-is_main": "y",
        "informants-1-relation": "brother",
    }
    page = post_step(station_interviewer, f"{base}/testifier", two_main).get_data(as_text=True)
    assert "Tick only one main testifier." in page
    sister_victim = {**testifier, "informants-0-is_victim": "y", "informants-0-relation": "sister"}
    page = post_step(station_interviewer, f"{base}/testifier", sister_victim).get_data(as_text=True)
    assert "“self”" in page


def test_a_name_row_can_be_added_inside_an_informant(station_interviewer):
    base = start_draft(station_interviewer)
    data = {
        **{k: v for k, v in steps()["testifier"].items() if not k.startswith("informants-")},
        "informants-0-relation": "sister",
        "informants-0-names-0-text": GUL,
        "informants-0-names-0-script": "Cyrl",
        "informants-0-names-0-kind": "full",
    }
    # When "add another name" of the first informant is pressed / Then a second name row shows
    action = "add:informants-0-names"
    page = post_step(station_interviewer, f"{base}/testifier", data, action=action)
    assert 'name="informants-0-names-1-text"' in page.get_data(as_text=True)


def test_a_victim_without_a_name_is_described_and_pseudonyms_are_marked(
    station_interviewer, database, settings
):
    base = start_draft(station_interviewer)
    # Given no name at all / When saved / Then refused: a name or a description is needed
    page = post_step(station_interviewer, f"{base}/victim", {"gender": "male"})
    assert "describe a victim whose name is not known" in page.get_data(as_text=True)
    # Given a description only / Then it is saved without names
    described = {"description": "cellmate, Kashgar, two small children", "gender": "male"}
    assert post_step(station_interviewer, f"{base}/victim", described).status_code == 302
    victim = read_draft(database, settings, base)["victim"]
    assert victim == {"description": described["description"], "gender": "male"}
    # Given a pseudonym in Latin script with its romanisation / Then both are kept
    named = {
        "names-0-text": "Aigerim",
        "names-0-script": "Latn",
        "names-0-kind": "given",
        "names-0-romanisation": "kazakh_latin_2021",
        "names-0-is_pseudonym": "y",
    }
    assert post_step(station_interviewer, f"{base}/victim", named).status_code == 302
    assert read_draft(database, settings, base)["victim"]["names"] == [
        {
            "text": "Aigerim",
            "script": "Latn",
            "kind": "given",
            "romanisation": "kazakh_latin_2021",
            "is_pseudonym": True,
        }
    ]


def test_victim_external_ids_status_and_health(station_interviewer, database, settings):
    base = start_draft(station_interviewer)
    data = {
        "names-0-text": GUL,
        "names-0-script": "Cyrl",
        "names-0-kind": "full",
        "external_ids-0-system": "xinjiang_victims_database",
        "external_ids-0-number": "1234",
        "external_ids-0-url": "https://shahit.biz/eng/viewentry.php?entryno=1234",
        "status-code": "detained_camp",
        "status-as_of-precision": "year",
        "status-as_of-year": "2019",
        "status-place-prefecture_id": "ili",
        "status-facility-registry_id": "jiafang_industrial_park",
        "status-known-basis": "victim_phone_or_message",
        "health-code": "poor",
        "health-note": "Lost weight, by her own account.",
    }
    assert post_step(station_interviewer, f"{base}/victim", data).status_code == 302
    victim = read_draft(database, settings, base)["victim"]
    assert victim["external_ids"] == [
        {"system": "xinjiang_victims_database", "id": "1234", "url": data["external_ids-0-url"]}
    ]
    assert victim["status"] == {
        "code": "detained_camp",
        "as_of": {"precision": "year", "value": "2019"},
        "likely_location": {
            "place": {"prefecture_id": "ili"},
            "facility": {"registry_id": "jiafang_industrial_park"},
        },
        "known": {"basis": "victim_phone_or_message"},
    }
    assert victim["health"] == {"code": "poor", "note": "Lost weight, by her own account."}
    # Given a location without saying the situation / Then refused beside the situation
    bad = {**data, "status-code": ""}
    assert "Choose the situation." in post_step(
        station_interviewer, f"{base}/victim", bad
    ).get_data(as_text=True)
    # Given an address that is no web address / Then refused
    bad = {**data, "external_ids-0-url": "javascript:alert(1)"}
    assert "https://" in post_step(station_interviewer, f"{base}/victim", bad).get_data(
        as_text=True
    )


def test_an_id_number_typed_in_groups_is_kept_as_one_number(
    station_interviewer, database, settings
):
    # Given the victim's ID number typed as it is written on the document, in groups
    base = start_draft(station_interviewer)
    data = {
        "names-0-text": GUL,
        "names-0-script": "Cyrl",
        "names-0-kind": "full",
        "resident_id_number": "110105 19491231 002x",
    }
    # When the step is saved / Then the draft keeps the number without its spaces
    assert post_step(station_interviewer, f"{base}/victim", data).status_code == 302
    victim = read_draft(database, settings, base)["victim"]
    assert victim["resident_id_number"] == "11010519491231002X"


def test_consent_new_decisions_and_the_date_in_boxes(station_interviewer, database, settings):
    base = start_draft(station_interviewer)
    data = {
        **steps()["consent"],
        "partners": "Atajurt\n\nAtajurt\nXinjiang Victims Database",
        "given_on-year": "2019",
        "given_on-month": "12",
        "given_on-day": "20",
    }
    assert post_step(station_interviewer, f"{base}/consent", data).status_code == 302
    consent = read_draft(database, settings, base)["consent"]
    assert consent["research_use"] is True and consent["location_level"] == "prefecture"
    assert consent["partners"] == ["Atajurt", "Xinjiang Victims Database"]
    assert consent["given_on"] == "2019-12-20"
    # Given a day that does not exist / Then refused, the draft unchanged
    bad = {**data, "given_on-month": "2", "given_on-day": "30"}
    page = post_step(station_interviewer, f"{base}/consent", bad).get_data(as_text=True)
    assert "Give a real day" in page
    assert read_draft(database, settings, base)["consent"]["given_on"] == "2019-12-20"


def test_a_publication_is_a_source_without_a_file(station_interviewer, database, settings):
    base = start_draft(station_interviewer)
    page = station_interviewer.get(f"{base}/attachments").get_data(as_text=True)
    assert "Add a publication (no file)" in page
    data = {
        "publication-csrf_token": csrf_token(page),
        "action": "add_publication",
        "publication-kind": "news_article",
        "publication-title": "Kazakh woman tells of camp and glove factory",
        "publication-publisher": "A news agency",
        "publication-published_on-year": "2019",
        "publication-published_on-month": "12",
        "publication-url": "https://example.org/news/1",
        "publication-archived_url": "https://web.archive.org/web/2020/https://example.org/news/1",
    }
    # When it is added / Then the record lists it with an id, no file and no SHA-256
    assert station_interviewer.post(f"{base}/attachments", data=data).status_code == 302
    sources = read_draft(database, settings, base)["sources"]
    assert sources == [
        {
            "id": "s1",
            "kind": "news_article",
            "publication": {
                "title": data["publication-title"],
                "publisher": "A news agency",
                "published_on": {"precision": "month", "value": "2019-12"},
                "url": "https://example.org/news/1",
                "archived_url": data["publication-archived_url"],
            },
        }
    ]
    page = station_interviewer.get(f"{base}/attachments").get_data(as_text=True)
    assert data["publication-title"] in page
    # When a publication has no title or a bad address / Then it is refused
    bad = {**data, "publication-title": "", "publication-url": "ftp://x"}
    page = station_interviewer.post(f"{base}/attachments", data=bad).get_data(as_text=True)
    assert "This field is required." in page and "https://" in page
    # When it is removed / Then the record lists no source
    token = csrf_token(page)
    station_interviewer.post(
        f"{base}/attachments", data={"csrf_token": token, "remove_publication": "s1"}
    )
    assert read_draft(database, settings, base)["sources"] == []


def test_review_names_places_facilities_and_episodes(station_interviewer, database, settings):
    # Given a draft holding the worked example's episodes (registry facility, Ili county)
    base = start_draft(station_interviewer)
    change_draft(database, settings, base, **worked_example_work_sections())
    page = station_interviewer.get(f"{base}/review?lang=ru").get_data(as_text=True)
    # Then review shows names, never ids or episode references
    for code in (
        "ili.yining_county",
        "jiafang_industrial_park",
        ">e3<",
        ">e4<",
        "assigned_factory",
    ):
        assert code not in page, code
    assert "4. " in page


@pytest.mark.parametrize(
    ("lang", "required", "range_"),
    [
        ("kk", "Бұл өрісті толтыру міндетті.", "Сан 1 мен 12 аралығында болуы керек."),
        ("ru", "Это поле обязательно.", "Число должно быть между 1 и 12."),
    ],
)
def test_built_in_messages_follow_the_interface_language(
    station_interviewer, lang, required, range_
):
    # Given the victim step in Kazakh or Russian with a name row missing its script
    # and a birth month of 13
    base = start_draft(station_interviewer)
    station_interviewer.get(f"/interview/?lang={lang}")
    data = {"names-0-text": GUL, "names-0-kind": "full", "birth_date-year": "1980"}
    data["birth_date-month"] = "13"
    page = post_step(station_interviewer, f"{base}/victim", data).get_data(as_text=True)
    # Then both messages are in that language, none in English
    assert required in page and range_ in page
    assert "This field is required." not in page and "Number must be" not in page


def test_a_version_1_draft_is_upgraded_once_when_opened(station_interviewer, database, settings):
    # Given a draft saved by the previous version: a single testifier, a how_known code
    base = start_draft(station_interviewer)
    document = read_draft(database, settings, base)
    document.update(
        schema_version="1.0.0",
        testifier={
            "relation": "sister",
            "how_known": "call_from_victim",
            "names": [{"text": GUL, "script": "Cyrl", "kind": "full"}],
        },
        victim={"names": [{"text": "Synaq", "script": "Latn", "kind": "full"}]},
    )
    document.pop("informants", None)
    keys = unlock(database, settings)
    with database.session() as session:
        save_draft(session, keys, draft_id_of(base), document)
        session.commit()
    # When it is opened
    page = station_interviewer.get(f"{base}/testifier").get_data(as_text=True)
    # Then the page shows the testifier as the main informant
    assert GUL in page
    stored = read_draft(database, settings, base)
    assert stored["schema_version"] == "2.0.0" and "testifier" not in stored
    assert stored["informants"][0]["how_known"] == {"basis": "victim_phone_or_message"}
    # And its owner and interface state were kept (it is still in the owner's list)
    assert stored["_ui"] == document["_ui"]
    assert str(draft_id_of(base)) in station_interviewer.get("/interview/").get_data(as_text=True)


def test_the_drafts_list_tells_drafts_apart(station_interviewer, database, settings):
    # Given two drafts: one with the victim described, one with two steps saved
    first = start_draft(station_interviewer)
    described = {"description": "cellmate, Kashgar"}
    post_step(station_interviewer, f"{first}/victim", described)
    second = start_draft(station_interviewer)
    post_step(station_interviewer, f"{second}/testifier", steps()["testifier"])
    post_step(station_interviewer, f"{second}/victim", steps()["victim"])
    # When the list is shown
    page = station_interviewer.get("/interview/").get_data(as_text=True)
    # Then it shows the name or description, the last step saved and how complete
    assert "cellmate, Kashgar" in page and "Сынақ Әйел" in page
    total = len(services.FORM_STEPS)
    assert f"1 of {total}" in page and f"2 of {total}" in page
    owner = uuid.UUID(read_draft(database, settings, first)["_ui"]["owner"])
    with database.session() as session:
        summaries = services.own_drafts(session, unlock(database, settings), owner)
    by_id = {s.id: s for s in summaries}
    assert by_id[draft_id_of(second)].last_step == "victim"
    assert by_id[draft_id_of(first)].started_on is not None


def test_built_in_messages_are_uyghur_too(station_interviewer):
    # Given the Uyghur interface, for which WTForms ships no messages of its own
    base = start_draft(station_interviewer)
    station_interviewer.get("/interview/?lang=ug")
    # When a word is typed for a year and an unknown code is forged
    data = {**steps()["testifier"], "interview_date-year": "twenty"}
    data["informants-0-how_contacted"] = "pigeon"
    page = post_step(station_interviewer, f"{base}/testifier", data).get_data(as_text=True)
    # Then both messages are in Uyghur
    assert "Not a valid" not in page
    assert "پۈتۈن سان ئەمەس" in page and "ئىناۋەتلىك تاللاش ئەمەس" in page


def test_when_the_victims_situation_became_known_is_kept_from_the_words_said(
    station_interviewer, database, settings
):
    # Given the victim step with a situation learnt "January 2019" by phone
    base = start_draft(station_interviewer)
    data = {
        "names-0-text": GUL,
        "names-0-script": "Cyrl",
        "names-0-kind": "full",
        "status-code": "released",
        "status-known-basis": "victim_phone_or_message",
        "status-known-known_on": "January 2019",
    }
    # When it is saved
    assert post_step(station_interviewer, f"{base}/victim", data).status_code == 302
    # Then the record says when it became known, read into its precision, words kept
    known = read_draft(database, settings, base)["victim"]["status"]["known"]
    assert known["known_on"] == {
        "precision": "month",
        "value": "2019-01",
        "text_as_said": "January 2019",
    }
    # And the page shows the words again
    assert "January 2019" in station_interviewer.get(f"{base}/victim").get_data(as_text=True)
