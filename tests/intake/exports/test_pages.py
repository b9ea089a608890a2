"""The Export page: coordinators and administrators only; preview first, then the file."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from crypto import Identity, open_sealed
from intake.exports.anonymity import QUASI_IDENTIFIERS
from intake.exports.synthetic import synthetic_corpus
from tests.intake.conftest import _signed_in_client, csrf_token, unlock
from tests.intake.exports.conftest import store


@pytest.fixture
def coordinator(app, database, settings):  # type: ignore[no-untyped-def]
    client = _signed_in_client(app, database, settings, "casedb", "coordinator")
    store(database, unlock(database, settings), list(synthetic_corpus(12, uniform=True)))
    return client


@pytest.mark.parametrize(("role", "account"), [("casedb", "interviewer"), ("station", "admin")])
def test_other_roles_and_stations_are_refused(app, database, settings, role, account):
    # Given an interviewer at a case database, or an administrator at a station
    client = _signed_in_client(app, database, settings, role, account)
    # When they open the Export page or post an export directly
    page = client.get("/exports/")
    written = client.post("/exports/write", data={"kind": "research", "recipient": "X"})
    # Then both are refused
    assert page.status_code == 403 if role == "casedb" else page.status_code >= 400
    assert written.status_code in (400, 403)
    assert "attachment" not in written.headers.get("Content-Disposition", "")


def _fields(client, **values):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/exports/").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "kind": "research",
        "recipient": "Team A",
        "partner": "",
        "format": "",
        "quasi_identifiers": list(QUASI_IDENTIFIERS),
        "sensitive": "victim_status",
        "age_band": "10",
        "period": "year",
        "place": "prefecture",
        "merge_ethnicity": "5",
    }
    data.update(values)
    return data


def _written(client, data):  # type: ignore[no-untyped-def]
    """Write through the page, then take the download it offers."""
    page = client.post("/exports/write", data=data).get_data(as_text=True)
    assert "<h1>Writing the export</h1>" in page
    assert "Records read: 12 of 12" in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    download = client.post(
        "/exports/download", data={"csrf_token": csrf_token(page), "token": token}
    )
    assert download.status_code == 200
    again = client.post("/exports/download", data={"csrf_token": csrf_token(page), "token": token})
    assert again.status_code == 410  # once only, and said so
    assert "can be downloaded once" in again.get_data(as_text=True)
    return download


def test_the_preview_shows_counts_measure_and_progress(coordinator):
    page = coordinator.post("/exports/preview", data=_fields(coordinator)).get_data(as_text=True)
    assert "<h1>Export preview</h1>" in page
    assert "Records read: 12 of 12" in page
    assert '<dd class="people">12</dd>' in page
    assert "Measured k = 12 and l = 2" in page
    assert "Write and download" in page


def test_a_plain_file_needs_the_confirmation(coordinator):
    refused = coordinator.post("/exports/write", data=_fields(coordinator, recipient="Team Q"))
    assert refused.status_code == 409
    assert b"PK" not in refused.data[:2]
    # The Export page comes back with the reason on top and what was chosen kept
    page = refused.get_data(as_text=True)
    assert "<h1>Export</h1>" in page and 'role="alert"' in page
    assert "confirm that you want a plain file" in page
    assert 'value="Team Q"' in page
    written = _written(coordinator, _fields(coordinator, allow_plain="y"))
    assert "attachment" in written.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(written.data)) as archive:
        assert json.loads(archive.read("datapackage.json"))["anonymity"]["k"] == 12


def test_a_partner_added_on_the_page_receives_files_sealed_to_its_key(coordinator):
    partner = Identity.generate()
    token = csrf_token(coordinator.get("/exports/").get_data(as_text=True))
    added = coordinator.post(
        "/exports/partners",
        data={"csrf_token": token, "label": "Victims DB", "keys": partner.recipient},
    )
    assert added.status_code == 302
    page = coordinator.get("/exports/").get_data(as_text=True)
    assert partner.recipient in page
    partner_id = re.search(r'<option value="([0-9a-f-]{36})">Victims DB</option>', page).group(1)
    written = _written(
        coordinator,
        _fields(coordinator, kind="victims", format="json", partner=partner_id, recipient=""),
    )
    assert written.headers["Content-Disposition"].endswith('.json.age"')
    entries = json.loads(open_sealed(written.data, [partner]))["entries"]
    assert len(entries) == 12


def test_a_partner_with_a_bad_key_is_refused_on_the_page_with_what_was_typed(coordinator):
    token = csrf_token(coordinator.get("/exports/").get_data(as_text=True))
    refused = coordinator.post(
        "/exports/partners",
        data={"csrf_token": token, "label": "Victims DB", "keys": "age1notakey"},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code >= 400 and "<h1>Export</h1>" in page
    assert 'class="error partner-error" role="alert"' in page
    assert 'value="Victims DB"' in page and "age1notakey" in page
    assert "No partner yet." in page


def test_a_secret_key_pasted_as_a_partner_key_is_neither_kept_nor_shown(coordinator):
    from crypto import Identity

    # Given the secret key of an age identity, pasted where the partner's public key goes
    secret = Identity.generate().secret_string()
    assert secret.startswith("AGE-SECRET-KEY-")
    for field, path in (("keys", "/exports/partners"), ("recipient_keys", "/exports/preview")):
        page = coordinator.get("/exports/").get_data(as_text=True)
        data = {**_fields(coordinator), "label": "Victims DB", field: secret}
        data["csrf_token"] = csrf_token(page)
        # When it is submitted / Then it is refused, and the page does not show it again
        answer = coordinator.post(path, data=data).get_data(as_text=True)
        assert "A secret key (AGE-SECRET-KEY-...) was given" in answer
        assert secret not in answer and secret.lower() not in answer
        assert secret[15:40] not in answer
    assert "No partner yet." in coordinator.get("/exports/").get_data(as_text=True)


def test_removing_a_partner_asks_first(coordinator):
    partner = Identity.generate()
    token = csrf_token(coordinator.get("/exports/").get_data(as_text=True))
    coordinator.post(
        "/exports/partners",
        data={"csrf_token": token, "label": "Victims DB", "keys": partner.recipient},
    )
    page = coordinator.get("/exports/").get_data(as_text=True)
    remove = re.search(r'href="(/exports/partners/[0-9a-f-]{36}/remove)"', page).group(1)
    # When Remove is clicked, or its form posted without the confirmation
    asked = coordinator.get(remove).get_data(as_text=True)
    unconfirmed = coordinator.post(remove, data={"csrf_token": csrf_token(asked)})
    # Then the page asks, naming the partner, and the partner stays
    for answer in (asked, unconfirmed.get_data(as_text=True)):
        assert "Victims DB" in answer and 'name="confirmed" value="yes"' in answer
    assert partner.recipient in coordinator.get("/exports/").get_data(as_text=True)
    # When it is confirmed / Then the partner and its key are gone
    done = coordinator.post(remove, data={"csrf_token": csrf_token(asked), "confirmed": "yes"})
    assert done.status_code == 302
    assert partner.recipient not in coordinator.get("/exports/").get_data(as_text=True)


def test_a_partner_label_with_a_direction_override_is_refused(coordinator):
    # A right-to-left override would show "Partner \u202eevil" as "Partner live"
    token = csrf_token(coordinator.get("/exports/").get_data(as_text=True))
    refused = coordinator.post(
        "/exports/partners",
        data={
            "csrf_token": token,
            "label": "Partner \u202eevil",
            "keys": Identity.generate().recipient,
        },
    ).get_data(as_text=True)
    assert "U+202E" in refused
    assert "No partner yet." in refused


def test_the_streamed_preview_has_the_menu_lock_and_languages(coordinator):
    page = coordinator.post("/exports/preview", data=_fields(coordinator)).get_data(as_text=True)
    # The page's top and bottom, as on every other page
    assert page.index('<header class="top">') < page.index("<h1>Export preview</h1>")
    assert "Lock now" in page and 'class="languages inline"' in page
    # The language switcher comes back to the Export page (the preview was a post)
    assert 'name="next" value="/exports/"' in page


def test_the_research_options_name_their_columns_in_words(coordinator):
    page = coordinator.get("/exports/?lang=ru").get_data(as_text=True)
    # The meaning in the reader's language, with the column's name the data package has
    assert "Пол (gender)" in page
    assert '<option selected value="gender">gender</option>' not in page


def test_the_export_page_uses_each_id_once(coordinator):
    page = coordinator.get("/exports/").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert ids and len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize(
    ("path", "data"),
    [("/exports/write", {}), ("/exports/partners", {"label": "", "keys": ""})],
)
def test_a_refused_post_offers_languages_that_lead_back_to_a_page(coordinator, path, data):
    fields = _fields(coordinator) if path == "/exports/write" else {}
    token = csrf_token(coordinator.get("/exports/").get_data(as_text=True))
    page = coordinator.post(path, data={"csrf_token": token, **fields, **data})
    assert "<h1>Export</h1>" in page.get_data(as_text=True)  # the page again, refused
    back = re.search(r'name="next" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    # The switcher comes back to a page that can be asked for, not to the post's address
    switched = coordinator.post("/language", data={"csrf_token": token, "lang": "kk", "next": back})
    assert coordinator.get(switched.headers["Location"]).status_code == 200
