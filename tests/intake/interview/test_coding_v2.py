"""The coding step: the record as a whole (verification, other abuse, coders, and an
optional summary); the indicators of each work episode are on the labour step."""

from __future__ import annotations

import uuid

from intake.records.drafts import load_draft, save_draft
from tests.intake.conftest import unlock
from tests.intake.interview.journey import post_step, start_draft


def _coding(database, settings, base: str) -> dict:
    with database.session() as session:
        draft = load_draft(session, unlock(database, settings), uuid.UUID(base.rsplit("/", 1)[1]))
    return draft.get("coding") or {}


def test_the_record_level_coding_is_kept_with_only_what_was_coded(
    station_interviewer, database, settings
):
    base = start_draft(station_interviewer)
    data = {
        "verification_level": "corroborated",
        "other_abuse": ["electric_batons", "denial_of_medical_care"],
        "other_abuse_note": "no doctor for weeks",
        "coded_by": "interviewer-07",
        "checked_by": "coordinator-02",
        "system": "prison_labour",
        "isolation-status": "present",
        "isolation-evidence": "no visits",
    }
    assert post_step(station_interviewer, f"{base}/coding", data).status_code == 302
    assert _coding(database, settings, base) == {
        "verification_level": "corroborated",
        "other_abuse": {
            "codes": ["electric_batons", "denial_of_medical_care"],
            "note": "no doctor for weeks",
        },
        "coded_by": "interviewer-07",
        "checked_by": "coordinator-02",
        "system": "prison_labour",
        "ilo_indicators": {"isolation": {"status": "present", "evidence": "no visits"}},
    }


def test_evidence_without_a_status_is_refused(station_interviewer):
    base = start_draft(station_interviewer)
    data = {"verification_level": "reported", "deception-evidence": "told it was a job"}
    response = post_step(station_interviewer, f"{base}/coding", data)
    assert response.status_code == 200
    assert "Choose present, absent or unknown" in response.get_data(as_text=True)


def test_a_record_level_survey_table_of_an_older_record_is_kept(
    station_interviewer, database, settings
):
    # Given a draft with a record-level survey table (several work episodes, version 1)
    base = start_draft(station_interviewer)
    draft_id = uuid.UUID(base.rsplit("/", 1)[1])
    keys = unlock(database, settings)
    survey = {"unfree_recruitment": {"involuntariness": {"status": "present"}}}
    with database.session() as session:
        document = load_draft(session, keys, draft_id)
        document["coding"] = {"verification_level": "reported", "survey_phases": survey}
        save_draft(session, keys, draft_id, document)
        session.commit()
    # When the coding step is saved / Then the table is still there
    data = {"verification_level": "partially_verified"}
    assert post_step(station_interviewer, f"{base}/coding", data).status_code == 302
    coding = _coding(database, settings, base)
    assert coding["survey_phases"] == survey
    assert coding["verification_level"] == "partially_verified"
