"""Two workspaces for delivery tests: a case database on the chosen backend and a
station (SQLite) registered to it, enrolled and trusting its receipt key.
"""

from __future__ import annotations

import io
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crypto import seal
from intake import create_app
from intake.db import Database
from intake.delivery import services
from intake.delivery.models import ReceivedBundle
from intake.migrate import upgrade_database
from intake.records.attachments import Attachment, pack_payload
from intake.records.models import SealedRecord, Testimony
from intake.records.services import canonical_json, seal_testimony
from intake.serving import make_server
from intake.settings import Settings
from intake.workspace import services as workspace
from intake.workspace.vault import UnlockedKeys

from ..conftest import _signed_in_client, csrf_token, init, make_settings, unlock
from ..records.helpers import WORKED_EXAMPLE, load


@dataclass
class Side:
    """One workspace: its database, settings and unlocked keys."""

    database: Database
    settings: Settings
    keys: UnlockedKeys


@pytest.fixture
def casedb_side(database: Database, settings: Settings) -> Side:
    """An unlocked case database with an organisation identity and a receipt key."""
    init(database, settings, "casedb")
    keys = unlock(database, settings)
    with database.session() as session:
        workspace.create_organisation_identity(session, keys)
    keys = unlock(database, settings)
    with database.session() as session:
        services.casedb_signing_key(session, keys)
    return Side(database, settings, keys)


def make_station(tmp_path: Path, casedb: Side, name: str = "station") -> Side:
    """A station sealing to ``casedb``'s recipient and trusting its receipt key."""
    settings = make_settings(tmp_path / name, f"sqlite:///{tmp_path / (name + '.sqlite3')}")
    database = Database(settings.database_url, key_file=settings.key_file)
    upgrade_database(database.engine)
    init(database, settings, "station")
    keys = unlock(database, settings)
    assert casedb.keys.identity is not None
    with casedb.database.session() as session:
        key_text = services.receiving_key_text(session, casedb.keys)
    with database.session() as session:
        workspace.register_recipient(
            session, keys, casedb.keys.identity.recipient, label="case database"
        )
        services.trust_casedb_key(session, keys, key_text)
    return Side(database, settings, keys)


def enrol(casedb: Side, station: Side, label: str = "Laptop 1") -> uuid.UUID:
    """Enrol ``station`` at ``casedb``; the station's id there."""
    with station.database.session() as session:
        enrolment = services.enrolment_text(session)
    with casedb.database.session() as session:
        return services.enrol_station(session, casedb.keys, enrolment, label=label).id


@pytest.fixture
def station_side(tmp_path: Path, casedb_side: Side) -> Any:
    """An enrolled station; disposed after the test."""
    station = make_station(tmp_path, casedb_side)
    enrol(casedb_side, station)
    yield station
    station.database.dispose()


def seal_documents(station: Side, count: int) -> list[dict[str, Any]]:
    """Seal ``count`` valid records (fresh ids) at ``station``; the documents."""
    documents = [load(WORKED_EXAMPLE, fresh_id=True) for _ in range(count)]
    with station.database.session() as session:
        for document in documents:
            seal_testimony(session, station.keys, document)
    return documents


def seal_raw(station: Side, record_id: uuid.UUID, payload: bytes, recipient: str) -> None:
    """Put a sealed payload in the outbox as is, bypassing every check (hostile input)."""
    import hashlib
    from datetime import UTC, datetime

    sealed = seal(payload, [recipient])
    with station.database.session() as session:
        session.add(
            SealedRecord(
                id=record_id,
                sealed_on=datetime.now(UTC).date(),
                sha256=hashlib.sha256(sealed).hexdigest(),
                sealed=sealed,
                delivered_on=None,
            )
        )


def payload_of(document: dict[str, Any], attachments: list[Attachment] | None = None) -> bytes:
    """The archive a station seals for ``document``."""
    return pack_payload(canonical_json(document), attachments or [])


def make_bundle(station: Side) -> bytes:
    """A bundle of the station's whole outbox (its sequence committed)."""
    with station.database.session() as session:
        return services.build_bundle(session, station.keys).data


def import_data(casedb: Side, data: bytes) -> services.ImportResult:
    """Import ``data`` at ``casedb`` in one transaction."""
    with casedb.database.session() as session:
        return services.import_bundle(session, casedb.keys, data)


class PlainRanges:
    """An archive in memory, read by ranges as an opened bundle's stream is."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)
        #: Every range read, in order.
        self.reads: list[tuple[int, int]] = []

    def read(self, start: int, end: int) -> bytes:
        assert 0 <= start <= end <= self.size, (start, end)
        self.reads.append((start, end))
        return self.data[start:end]


def counts(casedb: Side) -> tuple[int, int]:
    """Stored testimonies and received bundles."""
    with casedb.database.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Testimony)) or 0,
            session.scalar(select(func.count()).select_from(ReceivedBundle)) or 0,
        )


@pytest.fixture
def casedb_app(casedb_side):
    """The case database's app, unlocked."""
    app = create_app(casedb_side.settings, database=casedb_side.database)
    app.config.update(TESTING=True)
    app.extensions["intake"].vault.put(casedb_side.keys)
    return app


@pytest.fixture
def casedb_url(casedb_app):
    """The case database served on a free port of 127.0.0.1."""
    server = make_server(
        casedb_app, casedb_app.extensions["intake"].settings, host="127.0.0.1", port=0
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.socket.getsockname()[1]}"
    server.close()


def web_casedb(app: Any, database: Database, settings: Settings) -> tuple[Any, Side]:
    """A test client signed in as an administrator at a new case database (its receipt
    key made), and the case database as a Side."""
    client = _signed_in_client(app, database, settings, "casedb", "admin")
    casedb = Side(database, settings, unlock(database, settings))
    with database.session() as session:
        services.casedb_signing_key(session, casedb.keys)
    return client, casedb


def upload(client: Any, data: bytes, name: str) -> str:
    """The page the Import page answers with for the file ``data`` called ``name``."""
    token = csrf_token(client.get("/delivery/import").get_data(as_text=True))
    return client.post(
        "/delivery/import",
        data={"csrf_token": token, "bundle": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
