"""Every coding, history, erasure and registry page renders in all five languages,
and the history names fields with their labels.
"""

from __future__ import annotations

import pytest

from tests.intake.interview.test_typing import browser_post

from .helpers import app_keys, stored_record


@pytest.mark.parametrize("lang", ["en", "kk", "ru", "ug", "zh"])
def test_every_page_renders_in_each_language(casedb_coordinator, app, database, lang):
    record_id = stored_record(database, app_keys(app))
    pages = [
        f"/records/{record_id}/{page}"
        for page in ("coding", "coding/e4", "correct/victim", "withdrawal", "history", "erase")
    ] + ["/facilities/", "/facilities/new", "/facilities/merge",
         "/facilities/jiafang_industrial_park/edit"]  # fmt: skip
    for page in pages:
        response = casedb_coordinator.get(f"{page}?lang={lang}")
        assert response.status_code == 200, page
    # The correction page with a field chosen, for each kind of input
    chosen = [
        ("victim", "status.code"),
        ("victim", "names%5B1%5D.text"),
        ("informants", "%5B0%5D.is_main"),
        ("coding", "other_abuse.codes"),
    ]
    for section, path in chosen:
        url = f"/records/{record_id}/correct/{section}?path={path}&lang={lang}"
        page = casedb_coordinator.get(url).get_data(as_text=True)
        assert 'name="reason"' in page, url


def test_the_history_labels_the_fields_changed(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/coding"
    page = casedb_coordinator.get(url).get_data(as_text=True)
    data = browser_post(page, **{"withholding_of_wages-status": "present", "reason": "r"})
    assert casedb_coordinator.post(url, data=data).status_code == 302
    history = casedb_coordinator.get(f"/records/{record_id}/history").get_data(as_text=True)
    assert "Withholding of wages" in history
    # And the value in the reader's language (the codebook's label)
    history = casedb_coordinator.get(f"/records/{record_id}/history?lang=ru")
    assert "→ <ins><bdi>присутствует</bdi></ins>" in history.get_data(as_text=True)


@pytest.mark.parametrize(("lang", "yes", "no"), [("en", "Yes", "No"), ("ru", "Да", "Нет")])
def test_a_difference_shows_yes_no_and_empty_in_words_not_json(app, lang, yes, no):
    from intake.cases.coding_routes import coding_value_label
    from intake.cases.versions import ABSENT, MISSING, shown

    assert shown(None) == shown(MISSING) == ABSENT  # not "null"
    with app.test_request_context(f"/?lang={lang}"):
        assert coding_value_label("informants", "[0].is_main", shown(True)) == yes
        assert coding_value_label("informants", "[0].is_main", shown(False)) == no
        assert coding_value_label("informants", "[0].is_main", shown(None)) == ABSENT
