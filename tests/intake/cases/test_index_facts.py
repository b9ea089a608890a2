"""Index facts: each record carries an encrypted part with the codes the case index
needs, so the index is built at unlock without decrypting any section."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, update

from intake.cases import live as live_module
from intake.cases import versions
from intake.cases.index import Filters
from intake.cases.live import LiveIndex, add_index_facts, build_index
from intake.records.models import Testimony

from ..conftest import unlock
from .conftest import prison_in_kashgar, store, worked


def _no_sections(monkeypatch: pytest.MonkeyPatch) -> list[list[uuid.UUID]]:
    """Record the ids the index reads the slow way (sections decrypted)."""
    slow: list[list[uuid.UUID]] = []
    real = live_module.open_testimonies

    def counted(session, keys, ids, **kwargs):  # type: ignore[no-untyped-def]
        slow.append(list(ids))
        return real(session, keys, ids, **kwargs)

    monkeypatch.setattr(live_module, "open_testimonies", counted)
    return slow


def _built(database, keys) -> LiveIndex:  # type: ignore[no-untyped-def]
    live = LiveIndex()
    build_index(database, keys, live)
    return live


def test_the_index_is_built_from_facts_alone(monkeypatch, database, settings, casedb):
    # Given records stored now (they carry index facts)
    ids = store(database, settings, worked(), prison_in_kashgar())
    slow = _no_sections(monkeypatch)
    # When the index is built
    live = _built(database, unlock(database, settings))
    # Then no record was read the slow way, and filters answer as from the documents
    assert slow == []
    assert sorted(live.index.ids()) == sorted(ids)
    assert live.index.query(Filters(episode_kind="prison", year_from=2017)).ids == [ids[1]]
    assert live.index.query(Filters(gender="male", prefecture="kashgar")).ids == [ids[1]]


def test_the_facts_hold_what_the_documents_give(database, settings, casedb):
    # Given the same records indexed from their facts and from their documents
    documents = [worked(), prison_in_kashgar()]
    ids = store(database, settings, *documents)
    from_facts = _built(database, unlock(database, settings)).index
    from_documents = LiveIndex().index
    from_documents.put_many((rid, doc, None, None) for rid, doc in zip(ids, documents, strict=True))
    # Then both know the same codes (numbered in the order each build met them)
    assert _known(from_facts) == _known(from_documents)
    for filters in (Filters(episode_kind="prison"), Filters(gender="female"), Filters()):
        assert sorted(from_facts.query(filters).ids) == sorted(from_documents.query(filters).ids)


def _known(index) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {name: sorted(map(repr, values)) for name, values in index.codes().items()}


def test_records_without_facts_are_read_the_slow_way_then_given_facts(
    monkeypatch, database, settings, casedb
):
    # Given records stored before they carried facts
    ids = store(database, settings, worked(), prison_in_kashgar())
    with database.session() as session:
        session.execute(update(Testimony).values(index_facts=None))
    slow = _no_sections(monkeypatch)
    keys = unlock(database, settings)
    # When the index is built, they are still indexed (from their sections)
    live = _built(database, keys)
    assert sorted(live.index.ids()) == sorted(ids)
    assert sorted(str(i) for i in slow[0]) == sorted(ids)
    # And once the upgrade has given them facts, the build reads no section
    with database.session() as session:
        assert add_index_facts(session, keys) == (2, 0)
    slow.clear()
    live = _built(database, keys)
    assert slow == [] and sorted(live.index.ids()) == sorted(ids)
    with database.session() as session:
        assert add_index_facts(session, keys) == (0, 0)


def test_a_changed_section_makes_the_facts_again(monkeypatch, database, settings, casedb):
    # Given a stored record in a prison in Kashgar
    (record_id,) = store(database, settings, prison_in_kashgar())
    keys = unlock(database, settings)
    with database.session() as session:
        before = session.scalar(select(Testimony.index_facts))
        document = versions.open_for_edit(session, keys, uuid.UUID(record_id)).document
    # When a coordinator corrects the episode to a camp
    episodes = [{**document["episodes"][0], "kind": "reeducation_camp"}]
    with database.session() as session:
        versions.change_section(
            session,
            keys,
            uuid.UUID(record_id),
            "episodes",
            episodes,
            loaded_revision=0,
            reason="Corrected",
            actor=uuid.uuid4(),
            actor_name="coordinator-1",
        )
    # Then the build finds the camp from new facts, reading no section
    slow = _no_sections(monkeypatch)
    live = _built(database, keys)
    with database.session() as session:
        assert session.scalar(select(Testimony.index_facts)) != before
    assert slow == []
    assert live.index.query(Filters(episode_kind="reeducation_camp")).ids == [record_id]
    assert live.index.query(Filters(episode_kind="prison")).ids == []
