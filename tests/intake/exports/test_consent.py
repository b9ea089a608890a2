"""What a record's consent lets out: left out with a reason, or cut to what it allows."""

from __future__ import annotations

import pytest

from intake.exports.consent import allowance, cut_place

FULL = {
    "to_record": True,
    "share_with_partner_databases": True,
    "publish_victim_name": True,
    "publish_testifier_name": True,
    "identity_level": "full",
    "photo_use": "share_with_partners",
    "research_use": True,
    "location_level": "full",
}


@pytest.mark.parametrize(
    ("change", "kind", "reason"),
    [
        ({"to_record": False}, "victims", "no_consent_to_record"),
        ({"share_with_partner_databases": False}, "victims", "no_partner_sharing"),
        ({"share_with_partner_databases": False}, "esf", "no_partner_sharing"),
        ({"partners": ["Other Database"]}, "victims", "partner_not_named"),
        ({"research_use": False}, "research", "no_research_use"),
        ({"research_use": None}, "research", "no_research_use"),
        (
            {"withdrawal": {"withdrawn_at": "2024-01-01T00:00Z", "scope": "publication"}},
            "victims",
            "withdrawn",
        ),
        (
            {"withdrawal": {"withdrawn_at": "2024-01-01T00:00Z", "scope": "research_use"}},
            "research",
            "withdrawn",
        ),
        (
            {"withdrawal": {"withdrawn_at": "2024-01-01T00:00Z", "scope": "entire_record"}},
            "esf",
            "withdrawn",
        ),
    ],
)
def test_a_record_without_the_needed_consent_is_left_out_with_its_reason(change, kind, reason):
    # Given a consent lacking the decision an export needs
    consent = FULL | change
    # When the allowance is read
    allowed = allowance(consent, kind=kind, recipient="Victims DB")
    # Then the record is left out, and why is named
    assert not allowed.included
    assert allowed.left_out == reason


def test_a_withdrawal_of_research_use_does_not_stop_partner_sharing():
    consent = FULL | {"withdrawal": {"withdrawn_at": "2024-01-01T00:00Z", "scope": "research_use"}}
    assert allowance(consent, kind="victims", recipient="X").included


def test_a_named_partner_is_matched_regardless_of_case_and_spaces():
    consent = FULL | {"partners": ["Xinjiang Victims Database"]}
    assert allowance(consent, kind="victims", recipient="  xinjiang victims database ").included


def test_missing_consent_or_unknown_levels_fail_closed():
    # Given no consent section, and one with no levels recorded
    assert allowance(None, kind="research", recipient="X").left_out == "no_consent_to_record"
    bare = {"to_record": True, "share_with_partner_databases": True, "publish_victim_name": True}
    allowed = allowance(bare, kind="victims", recipient="X")
    # Then the most restrictive reading applies
    assert allowed.identity_level == "anonymous"
    assert not allowed.names and not allowed.photos and not allowed.testifier_named
    assert allowed.location_level == "region"


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({}, True),
        ({"identity_level": "partial"}, False),
        ({"publish_victim_name": False}, False),
        ({"items_withheld": [{"item": "victim_names"}]}, False),
    ],
)
def test_names_need_full_identity_publication_and_nothing_withheld(change, names):
    assert allowance(FULL | change, kind="victims", recipient="X").names is names


def test_research_never_carries_identity_and_places_at_most_by_prefecture():
    allowed = allowance(FULL, kind="research", recipient="X")
    assert not allowed.names and allowed.identity_level == "anonymous"
    assert allowed.location_level == "prefecture"


PLACE = {
    "prefecture_id": "ili",
    "county_id": "ili.yining_county",
    "village": "Qyzylqaragai",
    "free_text": "by the orchard",
}


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("full", PLACE),
        ("county", {"prefecture_id": "ili", "county_id": "ili.yining_county"}),
        ("prefecture", {"prefecture_id": "ili"}),
        ("region", {"region": "Xinjiang"}),
        ("none", None),
    ],
)
def test_a_place_is_cut_to_the_level_consent_allows(level, expected):
    assert cut_place(PLACE, level) == expected
