"""Correct a field: a field the record does not hold (or no longer holds) is added, and
an item is added to a list of simple groups, checked against the record schema."""

from __future__ import annotations

import json
import re
import uuid

from intake.cases import versions
from intake.interview.addenda import new_addendum, seal_addendum
from intake.records import services
from tests.intake.interview.test_typing import browser_post

from ..delivery.conftest import (
    enrol,
    import_data,
    make_bundle,
    make_station,
    seal_documents,
    upload,
    web_casedb,
)
from .helpers import app_keys, stored_record


def _saving_form(page: str) -> str:
    start = page.index('<form method="post" class="stacked"')
    return page[start : page.index("</form>", start)]


def _post(client, url: str, **changes: str):
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data=browser_post(_saving_form(page), **changes))


def _victim(app, database, record_id) -> dict:
    with database.session() as session:
        return services.load_testimony(session, app_keys(app), record_id)["victim"]


def _history(app, database, record_id):
    with database.session() as session:
        return versions.history(session, app_keys(app), record_id)


def test_a_birth_date_the_record_lacks_is_offered_and_added(casedb_coordinator, app, database):
    # Given a record without a birth date
    record_id = stored_record(database, app_keys(app))
    assert "birth_date" not in _victim(app, database, record_id)
    # Then the picker offers it, as not in this record
    url = f"/records/{record_id}/correct/victim"
    page = casedb_coordinator.get(url).get_data(as_text=True)
    assert '<option value="birth_date">Birth date: not in this record, add it</option>' in page
    # When it is chosen and given a value with a reason
    chosen = casedb_coordinator.get(f"{url}?path=birth_date").get_data(as_text=True)
    assert "Not in this record" in chosen
    value = '{"precision": "year", "value": "1979"}'
    response = _post(casedb_coordinator, f"{url}?path=birth_date", value=value, reason="Station")
    # Then it is saved as a new version, with its history
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _victim(app, database, record_id)["birth_date"] == {"precision": "year", "value": "1979"}
    (change,) = _history(app, database, record_id)
    assert change.reason == "Station" and change.section == "victim"


def test_a_scalar_field_the_record_lacks_is_added_as_text(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim?path=occupation"
    response = _post(casedb_coordinator, url, value="Teacher", reason="Said later")
    assert response.status_code == 302
    assert _victim(app, database, record_id)["occupation"] == "Teacher"


def test_an_added_value_that_fails_the_record_schema_is_refused(casedb_coordinator, app, database):
    # Given a birth date typed wrongly
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim?path=birth_date"
    response = _post(
        casedb_coordinator, url, value='{"precision": "year", "value": "79"}', reason="r"
    )
    # Then it is refused with the problem, the typing kept, and nothing saved
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="problems"' in page and "birth_date" in page
    assert "&#34;79&#34;" in page or '"79"' in page
    assert "birth_date" not in _victim(app, database, record_id)
    assert _history(app, database, record_id) == []


def test_a_removed_field_is_offered_again_and_put_back(casedb_coordinator, app, database):
    # Given the field removed with "remove this field"
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim?path=kz_status"
    before = _victim(app, database, record_id)["kz_status"]
    assert _post(casedb_coordinator, url, choice="", reason="Not known").status_code == 302
    assert "kz_status" not in _victim(app, database, record_id)
    # Then it is still offered, its codes to pick from (and no removal of what is absent)
    page = casedb_coordinator.get(url).get_data(as_text=True)
    assert re.search(r'<option[^>]* value="kz_status">[^<]*not in this record', page)
    assert "remove this field" not in page[page.index('name="choice"') :]
    # When it is put back
    response = _post(casedb_coordinator, url, choice=before, reason="Known after all")
    assert response.status_code == 302
    assert _victim(app, database, record_id)["kz_status"] == before


def test_a_name_is_added_as_a_new_item_of_the_names(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    names = _victim(app, database, record_id)["names"]
    url = f"/records/{record_id}/correct/victim"
    page = casedb_coordinator.get(url).get_data(as_text=True)
    new = f"names[{len(names)}]"
    assert f'<option value="{new}">' in page and "add an item" in page
    value = json.dumps({"text": "Synaq Aiel", "script": "Latn", "kind": "full"})
    response = _post(casedb_coordinator, f"{url}?path={new}", value=value, reason="Spelling")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _victim(app, database, record_id)["names"] == [*names, json.loads(value)]


def test_an_item_beyond_the_next_is_refused(casedb_coordinator, app, database):
    # Given the form of a real field, posted by hand with an item far past the list
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim"
    real = casedb_coordinator.get(f"{url}?path=occupation").get_data(as_text=True)
    data = browser_post(_saving_form(real), value='{"text": "x"}', reason="r")
    data["path"] = ["names[7]"]
    response = casedb_coordinator.post(url, data=data)
    # Then it is refused as not a field of the section, and nothing saved
    assert response.status_code == 200 and "Not a valid choice." in response.get_data(as_text=True)
    assert _history(app, database, record_id) == []


def test_a_part_of_a_field_the_record_lacks_chooses_the_field(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim?path=birth_date.value"
    page = casedb_coordinator.get(url).get_data(as_text=True)
    assert '<input type="hidden" name="path" value="birth_date">' in page


def test_a_station_correction_links_to_correct_its_field(app, database, settings, tmp_path):
    # Given a delivered record, without a birth date, and a station's correction of it
    client, casedb = web_casedb(app, database, settings)
    station = make_station(tmp_path, casedb, "laptop")
    try:
        enrol(casedb, station, "Almaty laptop")
        (document,) = seal_documents(station, 1)
        import_data(casedb, make_bundle(station))
        record_id = uuid.UUID(document["record_id"])
        addendum = new_addendum(
            record_id, "Born 1979.", ["$.victim.birth_date"], document_day(), author=None
        )
        with station.database.session() as session:
            data = seal_addendum(session, station.keys, addendum).sealed
    finally:
        station.database.dispose()
    upload(client, data, f"addendum-{record_id}.age")
    # When the coordinator follows the link beside the field it names
    record = client.get(f"/records/{record_id}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" class="correct-field">Correct this field</a>', record)
    assert link is not None
    page = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    # Then Correct a field opens with that field chosen, though the record lacks it
    assert '<input type="hidden" name="path" value="birth_date">' in page
    assert "<h2>Birth date</h2>" in page


def document_day():
    from datetime import date

    return date(2026, 11, 20)


def test_a_list_s_next_group_comes_with_the_keys_it_needs(casedb_coordinator, app, database):
    # Given a record with some names / When the next name is chosen
    record_id = stored_record(database, app_keys(app))
    names = _victim(app, database, record_id)["names"]
    url = f"/records/{record_id}/correct/victim?path=names%5B{len(names)}%5D"
    page = casedb_coordinator.get(url).get_data(as_text=True)
    # Then the box holds the keys a name needs, to fill in, not an empty box
    skeleton = '{"text": "", "script": "", "kind": ""}'
    (box,) = re.findall(r'<textarea[^>]*name="value"[^>]*>([^<]*)</textarea>', page)
    assert box.strip().replace("&#34;", '"') == skeleton
    # When it is saved unfilled / Then it is refused and nothing is added
    response = _post(casedb_coordinator, url, value=skeleton, reason="Station")
    assert response.status_code in (400, 422), response.status_code
    assert len(_victim(app, database, record_id)["names"]) == len(names)
    # When it is filled in / Then the name is added
    filled = '{"text": "Gulnar Tursun", "script": "Latn", "kind": "full"}'
    response = _post(casedb_coordinator, url, value=filled, reason="Station")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _victim(app, database, record_id)["names"][-1]["text"] == "Gulnar Tursun"


def test_a_reason_with_a_control_character_is_refused_and_nothing_saved(
    casedb_coordinator, app, database
):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim?path=occupation"
    response = _post(casedb_coordinator, url, value="Teacher", reason="Said \x01 later")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "U+0001" in page
    assert "Teacher" in page  # the typed value is kept
    assert "occupation" not in _victim(app, database, record_id)
    assert _history(app, database, record_id) == []
    # A reason of several lines, as a browser sends it (CR LF), is no control character
    response = _post(casedb_coordinator, url, value="Teacher", reason="Said later\r\nby phone")
    assert response.status_code == 302
    ((change,),) = [_history(app, database, record_id)]
    assert change.reason == "Said later\nby phone"
