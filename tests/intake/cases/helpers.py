"""Shared helpers for the coding, versions and erasure tests."""

from __future__ import annotations

import uuid
from typing import Any

from intake.records import services

from ..records.helpers import WORKED_EXAMPLE, load


def stored_record(database: Any, keys: Any) -> uuid.UUID:
    """Store the worked example under a fresh id and return the id."""
    document = load(WORKED_EXAMPLE, fresh_id=True)
    with database.session() as session:
        services.store_testimony(session, keys, document)
    return uuid.UUID(document["record_id"])


def coded(document: dict[str, Any], status: str = "present") -> dict[str, Any]:
    """The record's coding section with withholding of wages set to ``status``."""
    coding = dict(document["coding"])
    coding["ilo_indicators"] = {
        "withholding_of_wages": {"status": status, "evidence": "Paid 320 yuan for two months."}
    }
    return coding
