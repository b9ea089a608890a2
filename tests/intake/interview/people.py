"""Helpers for the tests of the people pages: reading and changing a draft directly."""

from __future__ import annotations

import uuid
from typing import Any

from intake.records.drafts import load_draft, save_draft
from tests.intake.conftest import unlock
from tests.intake.interview.journey import expected_record

#: Sections other pages than the people pages write (trajectory, labour, coding).
WORK_SECTIONS = ("episodes", "labour", "coding")


def draft_id_of(base: str) -> uuid.UUID:
    """The draft id at the end of a step URL prefix."""
    return uuid.UUID(base.rsplit("/", 1)[1])


def read_draft(database, settings, base: str) -> dict[str, Any]:
    """The decrypted draft behind ``base``."""
    with database.session() as session:
        return load_draft(session, unlock(database, settings), draft_id_of(base))


def change_draft(database, settings, base: str, **sections: Any) -> None:
    """Put ``sections`` into the draft as its pages would have written them."""
    keys = unlock(database, settings)
    with database.session() as session:
        document = load_draft(session, keys, draft_id_of(base))
        document.update(sections)
        save_draft(session, keys, draft_id_of(base), document)
        session.commit()


def worked_example_work_sections() -> dict[str, Any]:
    """The worked example's episodes, labour and coding, as version 2 holds them."""
    record = expected_record()
    return {name: record[name] for name in WORK_SECTIONS}
