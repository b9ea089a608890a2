"""Every export and preview is in the audit: who, which export, recipient, file hash;
never a name or any other content."""

from __future__ import annotations

import hashlib

from intake.audit.services import list_events
from intake.exports.services import ExportRequest, preview_export, write_export


def test_an_export_is_audited_with_its_hash_and_no_content(database, stored_corpus):
    actor = "5f4b9a8e-0000-4000-8000-000000000001"
    with database.session() as session:
        preview_export(
            session,
            stored_corpus,
            ExportRequest(kind="victims", recipient="Partner DB"),
            actor=actor,
        )
        exported = write_export(
            session,
            stored_corpus,
            ExportRequest(kind="victims", recipient="Partner DB", format="json"),
            actor=actor,
            recipients=[],
            allow_plain=True,
        )
    with database.session() as session:
        events = [e for e in list_events(session, stored_corpus) if e.action.startswith("export")]
    assert [event.action for event in events][:2] == ["export", "export.preview"]  # newest first
    written = events[0]
    assert written.actor == actor
    assert written.details["kind"] == "victims"
    assert written.details["recipient"] == "Partner DB"
    assert written.details["sha256"] == hashlib.sha256(exported.data).hexdigest()
    assert written.details["people"] == 12 and written.details["sealed"] is False
    assert "Seitqazyuly" not in repr([event.details for event in events])
