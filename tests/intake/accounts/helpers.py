"""Shared helpers for the account tests: make accounts and sign them in."""

from __future__ import annotations

import re

from intake.accounts.services import create_account

from ..conftest import csrf_token

PASSWORD = "a password of twelve"


def add_account(database, settings, keys, username: str, role: str):  # type: ignore[no-untyped-def]
    """Create ``username`` with PASSWORD and return its id."""
    with database.session() as session:
        account = create_account(
            session, settings, keys, username=username, password=PASSWORD, role=role
        )
        return account.id


def sign_in(app, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """A new browser signed in as ``username`` (the workspace is already unlocked)."""
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    response = browser.post(
        "/login",
        data={"csrf_token": csrf_token(page), "username": username, "password": password},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def try_sign_in(app, username: str, password: str) -> int:  # type: ignore[no-untyped-def]
    """The status of one sign-in attempt from a new browser (302 means signed in)."""
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    return int(
        browser.post(
            "/login",
            data={"csrf_token": csrf_token(page), "username": username, "password": password},
        ).status_code
    )


def is_signed_in(browser) -> bool:  # type: ignore[no-untyped-def]
    """Whether ``browser`` still reaches a page for signed-in people."""
    response = browser.get("/interview/")
    return response.status_code == 200


def post_action(admin, path: str, **fields: str):  # type: ignore[no-untyped-def]
    """POST ``path`` as the signed-in administrator, with a fresh CSRF token and
    ``fields`` (confirmed="yes", for an action that asks first)."""
    token = csrf_token(admin.get("/accounts").get_data(as_text=True))
    if path.endswith("/reset") and fields.get("confirmed") == "yes" and "stamp" not in fields:
        # The confirmation page carries the password's stamp (a second send is refused)
        found = re.search(
            r'name="stamp" value="([0-9a-f]+)"', admin.get(path).get_data(as_text=True)
        )
        if found:
            fields = {**fields, "stamp": found.group(1)}
    return admin.post(path, data={"csrf_token": token, **fields})
