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


def app_keys(app: Any) -> Any:
    """The unlocked keys of a running test app."""
    return app.extensions["intake"].vault.keys


def sign_in_as(app: Any, database: Any, settings: Any, username: str, role: str) -> Any:
    """A second browser signed in to the same (unlocked) app as a new account."""
    from intake.accounts.services import create_account

    from ..conftest import ADMIN_PASSWORD, csrf_token

    with database.session() as session:
        create_account(
            session,
            settings,
            app_keys(app),
            username=username,
            password=ADMIN_PASSWORD,
            role=role,
            language="en",
        )
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(page), "username": username, "password": ADMIN_PASSWORD},
    )
    assert response.status_code == 302
    return client
