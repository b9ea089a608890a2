"""What one record's consent allows an export to carry.

Pure: a record's ``consent`` section in, an :class:`Allowance` out. Every decision fails
closed: a decision that was not recorded is read as "no" (or as the most restrictive
level), never as "yes".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from intake.errors import N_
from intake.records.derived import withdrawn_from

#: The kinds of export and the consent decision each needs.
EXPORT_KINDS = ("victims", "esf", "research")

#: Why a record is left out of an export (code -> words for the preview).
LEFT_OUT_REASONS: dict[str, str] = {
    "no_consent_to_record": N_("No consent to record the testimony"),
    "withdrawn": N_("Consent was withdrawn"),
    "no_partner_sharing": N_("No consent to share with partner databases"),
    "partner_not_named": N_("The recipient is not among the partners the consent names"),
    "no_research_use": N_("No consent to research use"),
    "unreadable": N_("The record does not open (altered or erased)"),
    "less_identified_than_linked": N_(
        "Another testimony about the same person allows more identification: this one's "
        "details would stand beside a name or identity its own consent does not allow"
    ),
}

#: Place precision, most precise first (codebook ``location_level``).
LOCATION_LEVELS = ("full", "county", "prefecture", "region", "none")
#: Used when a record's consent names no location level.
DEFAULT_LOCATION_LEVEL = "region"


@dataclass(frozen=True)
class Allowance:
    """What may leave for one record in one export; ``left_out`` names why not at all."""

    left_out: str | None = None
    #: Victim's names (identity level full, name publication consented, not withheld).
    names: bool = False
    #: "full", "partial" or "anonymous".
    identity_level: str = "anonymous"
    #: How precisely places may be given (one of LOCATION_LEVELS).
    location_level: str = "none"
    #: Village and township of the victim's home (also needs location level "full").
    address: bool = False
    #: Family links and the testifier's relation details.
    family: bool = False
    #: The testifier's own names.
    testifier_named: bool = False
    #: Whether the entry may say that photos exist (files never leave).
    photos: bool = False

    @property
    def included(self) -> bool:
        """Whether the record goes into the export at all."""
        return self.left_out is None


def _withheld(consent: Mapping[str, Any]) -> set[str]:
    items = consent.get("items_withheld") or []
    return {str(item.get("item")) for item in items if isinstance(item, dict)}


def _left_out(consent: Mapping[str, Any], kind: str, recipient: str) -> str | None:
    if consent.get("to_record") is not True:
        return "no_consent_to_record"
    if withdrawn_from(consent, kind):
        return "withdrawn"
    if kind == "research":
        return None if consent.get("research_use") is True else "no_research_use"
    if consent.get("share_with_partner_databases") is not True:
        return "no_partner_sharing"
    partners = [str(name).casefold().strip() for name in consent.get("partners") or []]
    if partners and recipient.casefold().strip() not in partners:
        return "partner_not_named"
    return None


def allowance(consent: object, *, kind: str, recipient: str) -> Allowance:
    """What a record whose consent section is ``consent`` allows in export ``kind``.

    Partner exports (victims, esf) need consent to share with partner databases; when
    the consent names partners, ``recipient`` must be one of them. Research needs
    research-use consent. Names need identity level "full", consent to publish the
    victim's name and no "victim_names" withheld.
    """
    if kind not in EXPORT_KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    if not isinstance(consent, Mapping):
        return Allowance(left_out="no_consent_to_record")
    reason = _left_out(consent, kind, recipient)
    if reason is not None:
        return Allowance(left_out=reason)
    withheld = _withheld(consent)
    identity = consent.get("identity_level")
    if identity not in ("full", "partial", "anonymous"):
        identity = "anonymous"
    level = consent.get("location_level")
    if level not in LOCATION_LEVELS:
        level = DEFAULT_LOCATION_LEVEL
    if kind == "research":
        # Research data never carries identities, and places at most by prefecture.
        deepest = max(LOCATION_LEVELS.index(level), LOCATION_LEVELS.index("prefecture"))
        return Allowance(identity_level="anonymous", location_level=LOCATION_LEVELS[deepest])
    return Allowance(
        names=identity == "full"
        and consent.get("publish_victim_name") is True
        and "victim_names" not in withheld,
        identity_level=identity,
        location_level=level,
        address=level == "full" and identity == "full" and "victim_address" not in withheld,
        family=identity != "anonymous" and "family_details" not in withheld,
        testifier_named=consent.get("publish_testifier_name") is True
        and not withheld & {"testifier_identity"},
        photos=consent.get("photo_use") in ("share_with_partners", "publish")
        and "photos" not in withheld,
    )


def identification(allowed: Allowance) -> int:
    """How far a record's consent lets an entry identify the person: 0 anonymous,
    1 partial, 2 full, 3 full with the victim's names. An entry made from several
    testimonies shows the most any of them allows, so it takes only the testimonies
    that allow that much (:func:`intake.exports.services`' gathering)."""
    level = ("anonymous", "partial", "full").index(allowed.identity_level)
    return level + (1 if allowed.names else 0)


def cut_place(place: object, level: str) -> dict[str, str] | None:
    """``place`` reduced to what ``level`` allows; None when nothing is left.

    Free text (villages, addresses) only survives at level "full"; "region" keeps
    only "Xinjiang", another province or a country.
    """
    if not isinstance(place, Mapping) or level == "none":
        return None
    keep: dict[str, str] = {}
    if place.get("country"):
        keep["country"] = str(place["country"])
    if place.get("province_id"):
        keep["province_id"] = str(place["province_id"])
    in_xinjiang = bool(place.get("prefecture_id") or place.get("county_id"))
    if in_xinjiang:
        if level == "region":
            keep["region"] = "Xinjiang"
        else:
            if place.get("prefecture_id"):
                keep["prefecture_id"] = str(place["prefecture_id"])
            if level in ("full", "county") and place.get("county_id"):
                keep["county_id"] = str(place["county_id"])
    if level == "full":
        for key in ("township", "village", "free_text"):
            if place.get(key):
                keep[key] = str(place[key])
    return keep or None
