"""Case database clients of each role, with records stored through the record store."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest

from intake.db import Database
from intake.records.services import Incoming, store_testimonies
from intake.settings import Settings

from ..conftest import _signed_in_client, unlock
from ..records.helpers import WORKED_EXAMPLE, load


def store(database: Database, settings: Settings, *documents: dict[str, Any]) -> list[str]:
    """Store ``documents`` at the case database (one transaction); their ids."""
    keys = unlock(database, settings)
    with database.session() as session:
        ids = store_testimonies(session, keys, [Incoming(d) for d in documents])
    return [str(record_id) for record_id in ids]


def worked(**victim: Any) -> dict[str, Any]:
    """The worked example with a fresh id and ``victim`` fields changed."""
    document = load(WORKED_EXAMPLE, fresh_id=True)
    document["victim"].update(victim)
    return document


def prison_in_kashgar() -> dict[str, Any]:
    """A man held in a prison in Kashgar from 2017 (year only), end not known."""
    document = copy.deepcopy(worked(gender="male", ethnicity="uyghur"))
    document["victim"]["names"] = [{"text": "Ablikim Tursun", "script": "Latn", "kind": "full"}]
    document["episodes"] = [
        {
            "id": "e1",
            "kind": "prison",
            "place": {"prefecture_id": "kashgar"},
            "start": {"precision": "year", "value": "2017"},
            "known": {"basis": "saw_directly"},
        }
    ]
    document["labour"] = []
    return document


@pytest.fixture
def coordinator(app, database, settings):  # type: ignore[no-untyped-def]
    """A coordinator signed in at an unlocked case database."""
    return _signed_in_client(app, database, settings, "casedb", "coordinator")


@pytest.fixture
def role_client(app, database, settings, request):  # type: ignore[no-untyped-def]
    """A client of the case database signed in with the parametrised account role."""
    return _signed_in_client(app, database, settings, "casedb", request.param)


def new_id() -> str:
    """A fresh record id."""
    return str(uuid.uuid4())
