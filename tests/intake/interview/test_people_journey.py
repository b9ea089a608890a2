"""The people pages through the web: the worked example, confirmations, linked victims."""

from __future__ import annotations

import re
import uuid

from intake.records.services import load_testimony
from tests.intake.conftest import csrf_token, unlock
from tests.intake.interview.journey import expected_record, post_step, start_draft
from tests.intake.interview.journey import worked_example_steps as steps
from tests.intake.interview.people import (
    change_draft,
    draft_id_of,
    read_draft,
    worked_example_work_sections,
)

PEOPLE_STEPS = ("testifier", "victim", "links", "consent", "narrative")


def _people_pages(client) -> str:
    base = start_draft(client)
    for name in PEOPLE_STEPS:
        response = post_step(client, f"{base}/{name}", steps()[name])
        assert response.status_code == 302, (name, response.get_data(as_text=True))
    return base


def _confirm(client, base: str, verb: str):
    page = client.get(f"{base}/{verb}").get_data(as_text=True)
    return client.post(f"{base}/{verb}", data={"csrf_token": csrf_token(page), "confirmed": "yes"})


def test_people_pages_record_the_worked_example_exactly(casedb_coordinator, database, settings):
    # Given the worked example typed on the people pages (interview, informants, victim,
    # interventions, consent, narrative) and the work sections as version 2 holds them
    client = casedb_coordinator
    base = _people_pages(client)
    change_draft(database, settings, base, **worked_example_work_sections())
    # When it is finalised after confirming
    review = client.get(f"{base}/review").get_data(as_text=True)
    assert "The record is complete and valid." in review, review
    response = _confirm(client, base, "finalise")
    assert response.status_code == 302
    # Then the stored record is the worked example, section for section
    keys = unlock(database, settings)
    with database.session() as session:
        stored = load_testimony(session, keys, draft_id_of(base))
    expected = expected_record()
    expected["record_id"] = str(draft_id_of(base))
    for section in ("interview", "informants", "victim", "interventions", "consent", "links"):
        assert stored[section] == expected[section], section


def test_finalise_and_discard_ask_to_confirm(station_interviewer, database, settings):
    client = station_interviewer
    base = _people_pages(client)
    change_draft(database, settings, base, **worked_example_work_sections())
    # Given a complete draft / When Finalise is posted without the confirmation
    token = csrf_token(client.get(f"{base}/review").get_data(as_text=True))
    page = client.post(f"{base}/finalise", data={"csrf_token": token}).get_data(as_text=True)
    # Then a confirmation page asks first, and nothing is sealed
    assert "Yes, finalise" in page and "addendum" in page
    assert client.get(f"{base}/review").status_code == 200
    # When Discard is posted without the confirmation / Then it asks too, and the draft stays
    page = client.post(f"{base}/discard", data={"csrf_token": token}).get_data(as_text=True)
    assert "Yes, discard the draft" in page
    assert client.get(f"{base}/review").status_code == 200
    # When discarding is confirmed / Then the draft is gone
    assert _confirm(client, base, "discard").status_code == 302
    assert client.get(f"{base}/review").status_code == 404


def test_another_victim_starts_a_linked_draft_with_the_informants(
    station_interviewer, database, settings
):
    # Given a draft with the testifier and victim saved
    client = station_interviewer
    base = start_draft(client)
    for name in ("testifier", "victim"):
        assert post_step(client, f"{base}/{name}", steps()[name]).status_code == 302
    # When "report another victim from this testifier" is pressed, as a cellmate
    page = client.get(f"{base}/links").get_data(as_text=True)
    assert "Report another victim from this testifier" in page
    response = client.post(
        f"{base}/another", data={"csrf_token": csrf_token(page), "relation": "held_together"}
    )
    # Then a new draft opens on its victim step
    assert response.status_code == 302 and response.headers["Location"].endswith("/victim")
    other = response.headers["Location"].rsplit("/", 1)[0]
    first, second = read_draft(database, settings, base), read_draft(database, settings, other)
    # And it holds the same interview, and the informants without the victim: the
    # testifier, who was the first victim, is now a fellow detainee with her names
    assert second["interview"] == first["interview"]
    assert "victim" not in second
    (witness,) = second["informants"]
    assert "is_victim" not in witness and witness["relation"] == "fellow_detainee"
    assert witness["names"] == first["victim"]["names"]
    assert first["informants"][0]["is_victim"] is True
    # And the two drafts are linked both ways
    assert second["links"] == [{"record_id": str(draft_id_of(base)), "relation": "held_together"}]
    assert first["links"] == [{"record_id": str(draft_id_of(other)), "relation": "held_together"}]
    # And the link shows on the links page of the first, where it can be removed
    links = client.get(f"{base}/links").get_data(as_text=True)
    assert str(draft_id_of(other)) in links
    post_step(client, f"{base}/links", {"links-0-record_id": "", "links-0-note": ""})
    assert read_draft(database, settings, base)["links"] == []


def test_another_victim_refuses_other_relations(station_interviewer):
    # Given a draft / When a relation not offered is forged / Then it is refused
    client = station_interviewer
    base = start_draft(client)
    page = client.get(f"{base}/links").get_data(as_text=True)
    response = client.post(
        f"{base}/another",
        data={"csrf_token": csrf_token(page), "relation": "same_person_confirmed"},
    )
    assert response.status_code == 400


def test_links_are_added_with_a_record_id_and_checked(station_interviewer, database, settings):
    client = station_interviewer
    base = start_draft(client)
    other = str(uuid.uuid4())
    # Given a link typed with a record id in capitals / When saved / Then kept in lower case
    data = {"links-0-record_id": other.upper(), "links-0-relation": "family_member"}
    assert post_step(client, f"{base}/links", data).status_code == 302
    assert read_draft(database, settings, base)["links"] == [
        {"record_id": other, "relation": "family_member"}
    ]
    # When a record id is not one / Then it is refused beside the field
    bad = {"links-0-record_id": "../../etc", "links-0-relation": "family_member"}
    page = post_step(client, f"{base}/links", bad).get_data(as_text=True)
    assert "36 characters" in page


def test_after_sealing_a_correction_is_sealed_as_an_addendum(
    station_interviewer, database, settings
):
    # Given a record finalised (sealed) at a station
    client = station_interviewer
    base = _people_pages(client)
    change_draft(database, settings, base, **worked_example_work_sections())
    receipt_url = _confirm(client, base, "finalise").headers["Location"]
    receipt = client.get(receipt_url).get_data(as_text=True)
    # When the receipt's "record a correction" is followed and a correction written
    assert "Record a correction (addendum)" in receipt
    page = client.get(f"{receipt_url}/addendum").get_data(as_text=True)
    text = "Born in 1979, not 1980: the informant corrected herself."

    def correct(paths: str, author: str = "interviewer-07"):
        fields = {"csrf_token": csrf_token(page), "correction": text, "corrected_paths": paths}
        return client.post(f"{receipt_url}/addendum", data={**fields, "author": author})

    response = correct("$.victim.birth_date\n")
    # Then a sealed file is handed over, holding none of the words
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition and re.search(
        r"filename=\"?[0-9a-f]{12}\.age\"?$", disposition
    )
    assert response.data.startswith(b"age-encryption.org/v1")
    assert text.encode() not in response.data
    # And a field a record does not have is refused with a message
    bad = correct("$.nothing")
    assert bad.status_code == 422 and "is not a field of a record" in bad.get_data(as_text=True)
    # And so is one of a section a record has, beside the list of fields, not the text
    wrong = correct("$.victim.nonexistent").get_data(as_text=True)
    assert "“$.victim.nonexistent” is not a field of a record" in wrong
    start = wrong.index('name="corrected_paths"')
    paths_field = wrong[start : wrong.index("</form>", start)]
    assert "is not a field of a record" in paths_field
    # And a correction without its author's pseudonym is not sealed
    unsigned = correct("", author="")
    assert unsigned.status_code == 200 and not unsigned.data.startswith(b"age-encryption")
    assert 'class="field has-error"' in unsigned.get_data(as_text=True)
    # And the sealed correction handed over also waits in the outbox, the one sealed
    # (none of the refused ones), for the next bundle
    from sqlalchemy import select

    from intake.delivery.models import OutboxAddendum

    with database.session() as session:
        (waiting,) = session.scalars(select(OutboxAddendum)).all()
        assert waiting.sealed == response.data
    outbox = client.get("/delivery/outbox").get_data(as_text=True)
    assert "Corrections waiting to go with the next bundle, by network or by file: 1." in outbox


def test_no_addendum_for_an_unknown_record(station_interviewer):
    unknown = uuid.uuid4()
    assert station_interviewer.get(f"/interview/receipt/{unknown}/addendum").status_code == 404


def test_a_record_sealed_here_can_be_corrected_after_the_person_who_sealed_it_left(
    app, station_interviewer, database, settings
):
    from sqlalchemy import update

    from intake.records.models import SealedRecord
    from tests.intake.accounts.helpers import add_account, sign_in

    # Given a record finalised by one interviewer
    base = _people_pages(station_interviewer)
    change_draft(database, settings, base, **worked_example_work_sections())
    receipt_url = _confirm(station_interviewer, base, "finalise").headers["Location"]
    record_id = receipt_url.rsplit("/", 1)[-1]
    # When another person of the station signs in (or the first one after a lock,
    # when the app no longer remembers who sealed what)
    keys = app.extensions["intake"].vault.keys
    add_account(database, settings, keys, "dana", "interviewer")
    other = sign_in(app, "dana")
    # Then the record's receipt and its correction page open, and the Delivery page
    # offers a correction for it, and finds it by its id
    assert "waits in the outbox" in other.get(receipt_url).get_data(as_text=True)
    assert other.get(f"{receipt_url}/addendum").status_code == 200
    outbox = other.get("/delivery/outbox").get_data(as_text=True)
    assert f"{receipt_url}/addendum" in outbox
    found = other.get(f"/delivery/outbox/correct?record_id=%20{record_id.upper()}%20")
    assert found.status_code == 302 and found.headers["Location"].endswith(f"{record_id}/addendum")
    for wrong in (str(uuid.uuid4()), "../etc", ""):
        refused = other.get(f"/delivery/outbox/correct?record_id={wrong}", follow_redirects=True)
        assert "No record with this id was sealed at this station" in refused.get_data(as_text=True)
    # And once delivered, the receipt says so rather than "waits in the outbox"
    with database.session() as session:
        session.execute(
            update(SealedRecord)
            .where(SealedRecord.id == uuid.UUID(record_id))
            .values(delivered_on=SealedRecord.sealed_on, sealed=None)
        )
    delivered = other.get(receipt_url).get_data(as_text=True)
    assert "was delivered to the case database" in delivered
    assert "waits in the outbox" not in delivered
    assert other.get(f"{receipt_url}/addendum").status_code == 200
