"""Labels of the record's fields in the reader's language (review page, problem places).

Every property name of ``testimony.schema.json`` has a label here; the same name
means the same thing wherever it appears, so one label per name is enough. Where a
form asks for the same thing, the label is the form's, so it is translated once.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from intake.interview import vocab

#: Objects whose keys are codes of a codebook vocabulary (labelled by the codebook).
KEYED_BY_CODE = {"ilo_indicators": "ilo_indicator", "survey_phases": "survey_phase"}

LABELS: dict[str, Any] = {
    # the envelope and the sections, in the order of the conversation
    "schema_version": _l("Schema version"),
    "record_id": _l("Record id"),
    "interview": _l("Interview"),
    "testifier": _l("Testifier"),
    "victim": _l("Victim"),
    "episodes": _l("Episodes"),
    "labour": _l("Labour"),
    "coding": _l("Coding"),
    "consent": _l("Consent"),
    "narrative": _l("Narrative"),
    "sources": _l("Sources"),
    "links": _l("Links to other records"),
    # shared by several sections
    "id": _l("Id"),
    "note": _l("Note"),
    "text": _l("Text"),
    "kind": _l("Kind"),
    "language": _l("Language"),
    "names": _l("Name variants"),
    "name": _l("Name"),
    "relation": _l("Relation"),
    "how_known": _l("How the testifier knows"),
    "how_known_note": _l("How they know, in their words"),
    "codes": _l("Codes"),
    "description": _l("Description"),
    # dates and places
    "date": _l("Date"),
    "precision": _l("Precision"),
    "value": _l("Value"),
    "season": _l("Season"),
    "text_as_said": _l("As said (the testifier's words)"),
    "place": _l("Place"),
    "prefecture_id": _l("Prefecture"),
    "county_id": _l("County"),
    "township": _l("Township"),
    "village": _l("Village"),
    "free_text": _l("In other words"),
    "facility": _l("Facility"),
    "registry_id": _l("Facility from the registry"),
    # interview and testifier
    "interviewer": _l("Interviewer"),
    "pseudonym": _l("Pseudonym"),
    "interpreter_language": _l("Interpreter's language"),
    "contact": _l("Contact"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "messenger": _l("Messenger account"),
    "address": _l("Address"),
    "current_residence": _l("Current residence"),
    "country": _l("Country"),
    "locality": _l("Town or village of residence"),
    "relation_note": _l("Relation in the testifier's words"),
    "is_former_detainee": _l("Former detainee themselves?"),
    "interview_language": _l("Testifier's language"),
    "script": _l("Script"),
    # victim
    "gender": _l("Gender"),
    "ethnicity": _l("Ethnicity"),
    "birth_date": _l("Birth date"),
    "approximate_age": _l("Approximate age"),
    "years": _l("Years"),
    "as_of": _l("Age as of"),
    "resident_id_number": _l("Chinese resident identity number"),
    "citizenships": _l("Citizenships"),
    "kz_status": _l("Status in Kazakhstan"),
    "kz_status_note": _l("Status in the testifier's words"),
    "occupation": _l("Occupation"),
    "home_place": _l("Home place"),
    "family_links": _l("Relatives also affected"),
    "health_note": _l("Health"),
    # episodes
    "start": _l("From"),
    "end": _l("Until"),
    "reasons": _l("Stated or probable reasons"),
    # labour
    "episode_id": _l("Episode"),
    "employer": _l("Employer"),
    "factory": _l("Factory"),
    "industrial_park": _l("Industrial park"),
    "products": _l("Products"),
    "sector": _l("Sector"),
    "wage": _l("Wage"),
    "amount": _l("Amount"),
    "currency": _l("Currency"),
    "period": _l("Period"),
    "count": _l("Paid for how many"),
    "unit": _l("Unit"),
    "approximate": _l("Approximate"),
    "as_said": _l("Wage as said"),
    "hours_per_day": _l("Hours per day"),
    "days_per_week": _l("Days per week"),
    "housing": _l("Housing"),
    "housing_note": _l("Housing in the testifier's words"),
    "locked_at_night": _l("Locked in at night?"),
    "escorted": _l("Escorted to and from work?"),
    "surveillance": _l("Under surveillance?"),
    "evening_classes": _l("Compulsory evening classes?"),
    "could_leave": _l("Could the victim leave?"),
    "penalty_for_refusing": _l("What happened to those who refused"),
    "destination_note": _l("Where the goods went"),
    # coding
    "ilo_indicators": _l("ILO indicators of forced labour"),
    "survey_phases": _l("Survey guidelines: the three phases"),
    "status": _l("Status"),
    "evidence": _l("Evidence"),
    "involuntariness": _l("Involuntariness"),
    "menace_of_penalty": _l("Menace of penalty"),
    "system": _l("System of forced labour"),
    "pipeline_stage": _l("Pipeline stage"),
    "other_abuse": _l("Other abuse reported"),
    "verification_level": _l("Verification level"),
    "coded_by": _l("Coded by (pseudonym)"),
    "checked_by": _l("Checked by (pseudonym)"),
    # consent
    "to_record": _l("May we record this testimony?"),
    "share_with_partner_databases": _l("May it be shared with partner victim databases?"),
    "publish_victim_name": _l("May the victim's name be published?"),
    "publish_testifier_name": _l("May the testifier's name be published?"),
    "identity_level": _l("How much of the testifier's identity may be kept"),
    "photo_use": _l("Use of photos"),
    "items_withheld": _l("Items to withhold from any sharing"),
    "item": _l("Item"),
    "given_on": _l("Consent given on"),
    "withdrawal": _l("Withdrawal"),
    "withdrawn_at": _l("Withdrawn at"),
    "scope": _l("Scope"),
    # narrative and sources
    "original": _l("Original"),
    "translations": _l("Translations"),
    "translator": _l("Translator"),
    "sha256": _l("SHA-256"),
    "media_type": _l("Type"),
    "captured_at": _l("Captured at"),
}


def field_label(key: str, parent: str | None = None) -> str:
    """The label of ``key`` (inside ``parent``) in the UI language; the key if unknown."""
    if parent in KEYED_BY_CODE:
        return vocab.label(KEYED_BY_CODE[parent], key)
    label = LABELS.get(key)
    return str(label) if label is not None else key
