"""Bring records stored by earlier versions up to date: version 2, with a manifest.

Records stored before authenticated manifests existed (and before record version 2)
have section rows named after version 1 and no manifest, so the store refuses to read
them: without a manifest a deleted or swapped row could not be told apart. This
upgrade, run once by an administrator with the keys (``intake records upgrade``),
opens each such record, upgrades it to version 2, writes its sections anew under
the same data key and records its manifest. From then on it reads like any other.

What it cannot do: tell whether rows were removed from such a record before the
upgrade (nothing authenticated the list then). Run it straight after updating.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crypto import OpenError, decrypt_field, encrypt_field
from intake.db import scrub_after_commit
from intake.records import services
from intake.records.models import SECTIONS, Testimony, TestimonyAttachment, TestimonySection
from intake.records.upgrade import upgrade_record
from intake.workspace.services import require_role
from intake.workspace.vault import UnlockedKeys


@dataclass(frozen=True)
class UpgradeReport:
    """What the upgrade did."""

    upgraded: list[uuid.UUID]
    #: Records that could not be upgraded, each with the reason (no record content).
    refused: list[tuple[uuid.UUID, str]]


#: The only version stored before manifests existed. A newer record found without a
#: manifest had it removed: it stays refused as tampered and is never re-listed here.
LEGACY_VERSION = "1.0.0"


def legacy_record_ids(session: Session) -> list[uuid.UUID]:
    """Stored, not erased version-1 records without a manifest."""
    query = select(Testimony.id).where(
        Testimony.manifest.is_(None),
        Testimony.wrapped_key.is_not(None),
        Testimony.schema_version == LEGACY_VERSION,
    )
    return list(session.scalars(query))


def upgrade_stored_records(
    session: Session,
    keys: UnlockedKeys,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> UpgradeReport:
    """Upgrade every record without a manifest (the caller commits)."""
    require_role(session, "casedb")
    ids = legacy_record_ids(session)
    upgraded, refused = [], []
    for done, record_id in enumerate(ids, start=1):
        try:
            _upgrade_one(session, keys, record_id)
        except (OpenError, services.RecordInvalidError, ValueError) as error:
            refused.append((record_id, type(error).__name__))
        else:
            upgraded.append(record_id)
        if progress is not None:
            progress(done, len(ids))
    return UpgradeReport(upgraded, refused)


def _upgrade_one(session: Session, keys: UnlockedKeys, record_id: uuid.UUID) -> None:
    testimony = session.get(Testimony, record_id)
    assert testimony is not None
    data_key = services._data_key(keys, testimony)
    document: dict[str, object] = {
        "schema_version": testimony.schema_version,
        "record_id": str(record_id),
    }
    for section in testimony.sections:
        value = json.loads(
            decrypt_field(
                data_key,
                section.ciphertext,
                context=services._section_context(record_id, section.name),
            )
        )
        if value is not None:
            document[section.name] = value
    document = upgrade_record(document)
    services.check_record(document)
    ciphertexts = {
        name: encrypt_field(
            data_key,
            services.canonical_json(document.get(name)),
            context=services._section_context(record_id, name),
        )
        for name in SECTIONS
    }
    session.execute(delete(TestimonySection).where(TestimonySection.testimony_id == record_id))
    scrub_after_commit(session)  # the journal's copy of the old sections goes too
    session.expire(testimony, ["sections"])
    session.add_all(
        TestimonySection(testimony_id=record_id, name=name, ciphertext=blob)
        for name, blob in ciphertexts.items()
    )
    metas = session.execute(
        select(TestimonyAttachment.id, TestimonyAttachment.meta).where(
            TestimonyAttachment.testimony_id == record_id
        )
    )
    version = str(document["schema_version"])
    manifest = services._manifest(
        version,
        ciphertexts,
        {str(row.id): row.meta for row in metas},
        testimony.provenance,
        testimony.sealed_sha256,
    )
    testimony.schema_version = version
    testimony.manifest = encrypt_field(
        data_key, manifest, context=services._manifest_context(record_id)
    )
