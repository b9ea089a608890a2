"""Problems found in a testimony record: where, a stable code, and plain words.

Message templates are kept together by code, so the web layer can translate them,
and every rule module reports through :func:`problem`. Messages may quote short
values from the record (at most 40 characters, never an identity number).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from intake.errors import N_

#: Longest value quoted back in a message.
QUOTE_LIMIT = 40

#: Plain-English message templates by problem code; ``params`` fill the braces.
#: Kept in one mapping so the web layer can translate them by code.
MESSAGES: dict[str, str] = {
    "not_an_object": (
        N_(
            "A testimony record must be a JSON object (a group of named sections), "
            "but this is {actual}."
        )
    ),
    "too_deeply_nested": (
        N_(
            "The record is nested more than {limit} levels deep, which no testimony is. "
            "It may be damaged or may not be a testimony."
        )
    ),
    "missing_field": N_("The required field '{field}' is missing."),
    "unexpected_field": N_("The field '{field}' does not belong here. Allowed fields: {allowed}."),
    "unknown_code": (
        N_(
            "'{value}' is not a known code for '{field}' (list '{vocabulary}'). "
            "Allowed codes: {allowed}."
        )
    ),
    "wrong_value": N_("'{field}' must be {expected}."),
    "wrong_type": N_("'{field}' should be {expected}, but it is {actual}."),
    "too_long": N_(
        "'{field}' is too long: {length} characters, where at most {limit} are allowed."
    ),
    "empty_text": N_("'{field}' must not be empty."),
    "too_many": N_("'{field}' has {count} entries, where at most {limit} are allowed."),
    "too_few": N_("'{field}' has {count} entries; it needs at least {limit}."),
    "too_small": N_("'{field}' is {value}; it must be {bound}."),
    "too_large": N_("'{field}' is {value}; it must be {bound}."),
    "bad_format": N_("'{field}' is not in the expected form: {hint}."),
    "duplicate_items": N_("'{field}' lists the same entry more than once."),
    "empty_group": N_("'{field}' is empty: fill in at least one of its fields, or leave it out."),
    "facility_choice": (
        N_(
            "Give the facility either as a registry id or as a free-text description "
            "(one of the two, not both)."
        )
    ),
    "invalid_value": N_("'{field}' is not valid here."),
    "ric_wrong_length": (
        N_("The Chinese resident identity number must have 18 characters; this one has {length}.")
    ),
    "ric_bad_format": (
        N_("The Chinese resident identity number must be 17 digits followed by a digit or X.")
    ),
    "ric_bad_check_digit": (
        N_(
            "The Chinese resident identity number's check digit (the last character) does not "
            "match the first 17 digits, so at least one character was copied wrongly. "
            "Check it against the document."
        )
    ),
    "ric_bad_birth_date": (
        N_(
            "The Chinese resident identity number contains an impossible birth date "
            "(characters 7 to 14)."
        )
    ),
    "ric_birth_date_mismatch": (
        N_(
            "The birth date inside the identity number ({ric_date}) differs from the victim's "
            "recorded birth date ({birth_date}). One of them is probably wrong."
        )
    ),
    "impossible_date": N_("'{value}' is not a real calendar date."),
    "precision_mismatch": (
        N_("The date '{value}' does not fit its precision '{precision}': expected {expected}.")
    ),
    "value_with_unknown_precision": (
        N_("The precision is 'unknown', so leave the date value out, or choose a precision.")
    ),
    "season_unexpected": (
        N_(
            "A season is given but the precision is '{precision}': set the precision to "
            "'season' or remove the season."
        )
    ),
    "end_before_start": N_("Episode '{episode}' ends ({end}) before it starts ({start})."),
    "wage_without_period": (
        N_(
            "A wage amount is given without the period it was paid for (for example "
            "2 months); add the period."
        )
    ),
    "wage_without_amount": N_("A wage period is given without an amount; add the amount."),
    "wage_without_currency": N_("A wage amount is given without its currency."),
    "labour_episode_not_found": (
        N_("These labour details refer to episode '{episode_id}', but no episode has that id.")
    ),
    "labour_episode_not_work": (
        N_(
            "These labour details refer to episode '{episode_id}' of kind '{kind}'; labour "
            "details belong to work or detention episodes ({allowed})."
        )
    ),
    "duplicate_episode_id": (
        N_("Episode id '{episode_id}' is used by more than one episode; each needs its own id.")
    ),
    "self_link": N_("A record cannot be linked to itself."),
    "invisible_character": N_(
        "'{field}' contains an invisible control or formatting character (U+{char}), such as "
        "a text-direction override, that can make it read differently from what is stored. "
        "Retype it as plain text."
    ),
    "invalid_text": N_(
        "'{field}' contains a broken character (an unpaired UTF-16 surrogate, U+{char}) that "
        "cannot be stored. The file was probably damaged by a conversion; retype the text."
    ),
    "no_main_informant": N_(
        "Several informants are listed but none is marked as the main testifier: mark one."
    ),
    "several_main_informants": N_(
        "{count} informants are marked as the main testifier; only one can be."
    ),
    "several_victim_informants": N_(
        "{count} informants are marked as the victim; only one person can be the victim."
    ),
    "victim_informant_relation": N_(
        "An informant who is the victim must have the relation 'self', not '{relation}'."
    ),
    "victim_informant_named": N_(
        "An informant who is the victim is named in the victim section only, so the identity "
        "is not typed twice: remove the names here."
    ),
    "duplicate_local_id": N_(
        "Id '{id}' is used by more than one entry of '{field}'; each needs its own id."
    ),
    "unknown_informant": N_("'{id}' is not the id of an informant of this record."),
    "unknown_episode": N_("'{id}' is not the id of an episode of this record."),
    "relation_without_relative": N_(
        "'through_relation' says which relative the information came through; give it only "
        "with the basis 'through_relative'."
    ),
    "unnamed_victim": N_(
        "Give at least one name of the victim, or a description of the person when the name "
        "is not known."
    ),
    "transfer_from_itself": N_("An episode cannot be a transfer from itself."),
    "transfer_from_later": N_(
        "Episode '{id}' comes later in the trajectory; a transfer comes from an earlier episode."
    ),
    "camp_relation_not_detention": N_(
        "Episode '{id}' is of kind '{kind}'; a workplace's relation to a camp names a camp or "
        "other detention episode ({allowed})."
    ),
    "range_reversed": N_("'{field}' ends below where it starts: {high} is less than {low}."),
    "piece_rate_without_currency": N_("A piece rate is given without its currency."),
    "source_choice": N_(
        "A source is either a file (with its SHA-256) or a publication (with at least its "
        "title); give one of the two."
    ),
    "unknown_place": N_("'{value}' is not in the places list (schemas/reference/places.json)."),
    "county_not_in_prefecture": N_("County '{county}' is not part of prefecture '{prefecture}'."),
    "unknown_facility": (
        N_(
            "'{value}' is not in the facility registry (schemas/reference/facilities.json); "
            "choose a registry entry or describe the facility in free text."
        )
    ),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a record: where, what (stable code), and in plain words."""

    #: JSON path of the offending value, e.g. "$.episodes[2].end".
    path: str
    #: Stable code, a key of ``MESSAGES``.
    code: str
    #: English message for a case coordinator.
    message: str
    #: Values the message was built from, for translation.
    params: dict[str, Any] = field(default_factory=dict)


def problem(path: str, code: str, **params: Any) -> Problem:
    return Problem(path=path, code=code, message=MESSAGES[code].format(**params), params=params)


def quote(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"
