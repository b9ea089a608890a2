"""Unfinished interviews are wiped a set number of days after their last save.

DESIGN.md: drafts are "finalised or wiped quickly". Tried as it would go wrong: a draft
left for weeks on a station that is then seized and unlocked under coercion, a station
left unlocked past a draft's last day, a hostile or mistyped number of days, and a
colleague who is not an administrator trying to change it.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from intake.records import drafts
from intake.records.attachments import Attachment, add_draft_attachment
from intake.records.models import Draft, DraftAttachment
from intake.workspace.models import DEFAULT_DRAFT_DAYS, SecurityEvent, Workspace

from ..conftest import csrf_token, unlock
from ..journal_helpers import sqlite_files


def _today():
    return datetime.now(UTC).date()


def _saved_days_ago(database, draft_id, days):
    with database.session() as session:
        session.execute(
            update(Draft).where(Draft.id == draft_id).values(updated_on=_today() - timedelta(days))
        )


def _draft(database, keys, note, *, days_ago=0, attachment=False):
    draft_id = uuid.uuid4()
    with database.session() as session:
        drafts.save_draft(session, keys, draft_id, {"victim": {"note": note}})
        session.flush()
        if attachment:
            item = Attachment.of(
                b"photo of a work permit", media_type="image/png", filename="permit.png"
            )
            add_draft_attachment(session, keys, draft_id, item)
    _saved_days_ago(database, draft_id, days_ago)
    return draft_id


def _draft_ids(database):
    with database.session() as session:
        return set(session.scalars(select(Draft.id)))


def _events(database, kind):
    with database.session() as session:
        return session.scalar(select(func.count()).where(SecurityEvent.kind == kind))


def test_an_unlock_wipes_drafts_past_their_days_and_keeps_the_rest(database, settings, station):
    keys, _identity = station
    # Kept 14 full days after the day of the last save: gone on the 15th
    old = _draft(database, keys, "Ablikim", days_ago=DEFAULT_DRAFT_DAYS + 1, attachment=True)
    young = _draft(database, keys, "Gulnar", days_ago=DEFAULT_DRAFT_DAYS)
    assert _draft_ids(database) == {old, young}
    # A coerced unlock finds the old draft already gone, with its attachment
    unlock(database, settings)
    assert _draft_ids(database) == {young}
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(DraftAttachment)) == 0
        assert drafts.load_draft(session, keys, young) == {"victim": {"note": "Gulnar"}}
    assert _events(database, "drafts-expired") == 1
    # Nothing more to wipe: no further event
    unlock(database, settings)
    assert _events(database, "drafts-expired") == 1


def test_a_draft_saved_again_starts_its_days_again(database, settings, station):
    keys, _identity = station
    draft_id = _draft(database, keys, "first sitting", days_ago=DEFAULT_DRAFT_DAYS + 3)
    with database.session() as session:
        drafts.save_draft(session, keys, draft_id, {"victim": {"note": "second sitting"}})
    unlock(database, settings)
    assert _draft_ids(database) == {draft_id}


@pytest.mark.parametrize("backend", ["sqlite"])  # it reads the SQLite files
def test_a_wiped_draft_is_in_neither_the_database_file_nor_its_journal(database, settings, station):
    keys, _identity = station
    draft_id = _draft(database, keys, "Ablikim Tursun", days_ago=30)
    with database.session() as session:
        ciphertext = session.get(Draft, draft_id).ciphertext
    path, journal = sqlite_files(database)
    assert ciphertext in path.read_bytes()
    unlock(database, settings)
    for file in (path, journal):
        assert ciphertext not in file.read_bytes(), file.name


@pytest.mark.parametrize("days", [0, -1, 91, 10**9])
def test_days_out_of_range_are_refused_and_nothing_is_wiped(database, station, days):
    keys, _identity = station
    draft_id = _draft(database, keys, "kept", days_ago=5)
    with pytest.raises(drafts.DraftDaysError, match="between 1 and 90"):
        with database.session() as session:
            drafts.set_draft_days(session, days)
    with database.session() as session:
        assert session.scalars(select(Workspace.draft_days)).one() == DEFAULT_DRAFT_DAYS
    assert _draft_ids(database) == {draft_id}


def test_the_database_refuses_days_out_of_range_written_past_the_service(database, station):
    with pytest.raises(IntegrityError), database.session() as session:
        session.execute(update(Workspace).values(draft_days=0))


def test_fewer_days_wipe_older_drafts_at_once(database, station):
    keys, _identity = station
    old = _draft(database, keys, "old", days_ago=4)
    new = _draft(database, keys, "new", days_ago=3)
    with database.session() as session:
        assert drafts.count_stale(session, 3) == 1
        assert drafts.set_draft_days(session, 3) == 1
    assert _draft_ids(database) == {new}
    assert _events(database, "draft-days-changed") == 1
    assert old not in _draft_ids(database)
    # The same number again changes nothing and is not an event
    with database.session() as session:
        assert drafts.set_draft_days(session, 3) == 0
    assert _events(database, "draft-days-changed") == 1


# The Interviews page


def _interviews(client, lang="en"):
    response = client.get(f"/interview/?lang={lang}")
    return response, response.get_data(as_text=True)


def test_the_interviews_page_says_when_each_draft_is_wiped(station_interviewer, database):
    client = station_interviewer
    client.post("/interview/start", data={"csrf_token": csrf_token(_interviews(client)[1])})
    (draft_id,) = _draft_ids(database)
    _saved_days_ago(database, draft_id, 4)
    response, page = _interviews(client)
    assert response.status_code == 200
    assert (
        "An unfinished interview is wiped once 14 full days have passed since its last save."
        in page
    )
    wiped = (_today() + timedelta(days=11)).isoformat()  # saved 4 days ago, kept 14 full days
    assert re.search(rf"<td class=\"day\">{wiped}</td>", page), "the wipe day is not shown"
    # Only an administrator sees the setting, and only an administrator may change it
    assert "/interview/draft-days" not in page
    token = csrf_token(page)
    assert (
        client.post("/interview/draft-days", data={"csrf_token": token, "days": "1"}).status_code
        == 403
    )
    assert _draft_ids(database) == {draft_id}


def test_a_station_left_unlocked_wipes_a_draft_when_the_page_is_next_shown(
    station_interviewer, database
):
    client = station_interviewer
    client.post("/interview/start", data={"csrf_token": csrf_token(_interviews(client)[1])})
    (draft_id,) = _draft_ids(database)
    _saved_days_ago(database, draft_id, DEFAULT_DRAFT_DAYS + 1)
    response, page = _interviews(client)
    assert response.status_code == 200
    assert _draft_ids(database) == set()
    assert "No draft." in page


@pytest.mark.parametrize(
    "typed", ["", "0", "91", "-3", "abc", "1e3", "9" * 400, "3; DROP TABLE draft"]
)
def test_an_administrator_s_bad_number_is_refused_on_the_page(station_admin, database, typed):
    client = station_admin
    page = _interviews(client)[1]
    assert 'name="days"' in page
    response = client.post(
        "/interview/draft-days", data={"csrf_token": csrf_token(page), "days": typed}
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)
    with database.session() as session:
        assert session.scalars(select(Workspace.draft_days)).one() == DEFAULT_DRAFT_DAYS


def test_an_administrator_shortens_the_days_after_being_told_what_will_go(station_admin, database):
    client = station_admin
    for _ in range(2):
        client.post("/interview/start", data={"csrf_token": csrf_token(_interviews(client)[1])})
    first, second = sorted(_draft_ids(database))
    _saved_days_ago(database, first, 5)
    _saved_days_ago(database, second, 1)
    token = csrf_token(_interviews(client)[1])
    # First the question, with nothing wiped or changed yet
    asked = client.post("/interview/draft-days", data={"csrf_token": token, "days": "3"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    kept_from = (_today() - timedelta(days=3)).isoformat()
    assert f"1 unfinished interview, whoever started it, was last saved before {kept_from}" in page
    assert _draft_ids(database) == {first, second}
    with database.session() as session:
        assert session.scalars(select(Workspace.draft_days)).one() == DEFAULT_DRAFT_DAYS
    # Then the confirmation wipes it and saves the days
    (action,) = re.findall(r'<form method="post" action="([^"]+)" class="confirm"', page)
    response = client.post(
        action.replace("&amp;", "&"),
        data={"csrf_token": csrf_token(page), "confirmed": "yes"},
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "Drafts are now wiped once 3 full days have passed since their last save. "
        "1 draft was wiped." in text
    )
    assert _draft_ids(database) == {second}
    # Without the token the change is refused
    assert client.post("/interview/draft-days", data={"days": "1"}).status_code == 400
    assert _draft_ids(database) == {second}


def test_a_change_that_wipes_nothing_is_not_asked_and_says_one_day_in_the_singular(
    station_admin, database
):
    token = csrf_token(_interviews(station_admin)[1])
    response = station_admin.post(
        "/interview/draft-days", data={"csrf_token": token, "days": "1"}, follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert "Drafts are now wiped once 1 full day has passed since their last save." in text
    assert "wiped." not in text.split("since their last save.")[1].split("</p>")[0]
    with database.session() as session:
        assert session.scalars(select(Workspace.draft_days)).one() == 1


#: A piece of the page's sentence on how long drafts are kept, in each language.
KEPT_SENTENCE = {
    "en": "An unfinished interview is wiped once 14 full days",
    "kk": "Аяқталмаған сұхбат",
    "ru": "Незавершённое интервью стирается",
    "ug": "تاماملانمىغان سۆھبەت",
    "zh": "未完成的访谈",
}


@pytest.mark.parametrize("lang", sorted(KEPT_SENTENCE))
def test_the_interviews_page_with_the_setting_renders_in_each_language(station_admin, lang):
    response, page = _interviews(station_admin, lang)
    assert response.status_code == 200
    assert 'name="days"' in page
    assert KEPT_SENTENCE[lang] in page
    assert "%(num)s" not in page and "14" in page
    if lang != "en":
        assert "An unfinished interview is wiped" not in page
        assert "Wipe every unfinished interview" not in page
