"""What search reads: few statements, and still only records that open whole.

The search path reads the plan, the candidates and the candidates' rows and parts in
one statement each; a candidate whose parts do not match its manifest, or that was
erased, is left out while the other records are still found.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import delete, event, insert, select, update

from intake.cases.search import open_name_sections, search
from intake.cases.versions import change_section
from intake.records.models import TestimonyAttachment, TestimonySection
from intake.records.services import RecordTamperedError, load_testimony, open_testimonies
from intake.workspace.services import WrongRoleError
from tests.intake.cases.name_helpers import document, store

GULZIRA = ("Гүлзира Әуелхан", "Gulzira Auelkhan")


@contextmanager
def statements(database) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The SQL statements run on ``database`` inside the block."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, _parameters, _context, _many):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", note)


def _victims(session, keys, query: str) -> set[uuid.UUID]:  # type: ignore[no-untyped-def]
    return {hit.record_id for hit in search(session, keys, query) if hit.found_as == "victim"}


def test_a_station_is_refused_every_time_in_one_session(database, station):
    # Given an interviewer's station (its keyring has no blind-index plans to use)
    keys, _ = station
    with database.session() as session:
        # When a search is tried twice in the same session (the role is remembered)
        for _ in range(2):
            # Then both are refused
            with pytest.raises(WrongRoleError):
                search(session, keys, "Gulzira Auelkhan")


def test_a_search_reads_the_workspace_once_and_four_statements_each(database, casedb):
    # Given two records of Gulzira
    store(database, casedb, document(GULZIRA[0]), document(GULZIRA[1]))
    with database.session() as session, statements(database) as seen:
        first = _victims(session, casedb, "Gulzira Auelkhan")
        before = len(seen)
        # When she is searched again in the same session
        second = _victims(session, casedb, "Гүлзира Әуелхан")
        again = seen[before:]
    # Then both searches find both records
    assert len(first) == len(second) == 2
    # And the workspace row was read once, and the second search ran the plan, the
    # candidates of each kind of index (victims' and testifiers' names) and the
    # records' parts: four statements
    assert sum("FROM workspace" in statement for statement in seen) == 1
    assert len(again) == 4, again


def _flip_victim_byte(database, record_id: uuid.UUID, _other: uuid.UUID) -> None:
    with database.session() as session:
        where = (TestimonySection.testimony_id == record_id, TestimonySection.name == "victim")
        blob = bytearray(session.scalars(select(TestimonySection.ciphertext).where(*where)).one())
        blob[-5] ^= 0x01
        session.execute(update(TestimonySection).where(*where).values(ciphertext=bytes(blob)))
        session.commit()


def _section_from_another_record(name: str):  # type: ignore[no-untyped-def]
    """A tampering: the record's section ``name`` replaced by another record's."""

    def tamper(database, record_id: uuid.UUID, other: uuid.UUID) -> None:  # type: ignore[no-untyped-def]
        of = TestimonySection.name == name
        with database.session() as session:
            theirs = session.scalars(
                select(TestimonySection.ciphertext).where(
                    TestimonySection.testimony_id == other, of
                )
            ).one()
            session.execute(
                update(TestimonySection)
                .where(TestimonySection.testimony_id == record_id, of)
                .values(ciphertext=theirs)
            )
            session.commit()

    tamper.__name__ = f"_{name}_from_another_record"
    return tamper


_victim_from_another_record = _section_from_another_record("victim")
# Search does not read the narrative: the record is still found, its page refuses it.
_narrative_from_another_record = _section_from_another_record("narrative")


def _added_attachment(database, record_id: uuid.UUID, _other: uuid.UUID) -> None:
    with database.session() as session:
        session.execute(
            insert(TestimonyAttachment).values(
                id=uuid.uuid4(), testimony_id=record_id, meta=b"\x00" * 48, content=b"\x00" * 48
            )
        )
        session.commit()


def _erased(database, record_id: uuid.UUID, _other: uuid.UUID) -> None:
    from datetime import date

    from intake.records.models import Testimony

    with database.session() as session:
        session.execute(
            update(Testimony)
            .where(Testimony.id == record_id)
            .values(wrapped_key=None, erased_on=date(2024, 1, 1), state="erased")
        )
        session.commit()


def _victim_row_deleted(database, record_id: uuid.UUID, _other: uuid.UUID) -> None:
    with database.session() as session:
        session.execute(
            delete(TestimonySection).where(
                TestimonySection.testimony_id == record_id, TestimonySection.name == "victim"
            )
        )
        session.commit()


@pytest.mark.parametrize(
    "tamper", [_flip_victim_byte, _victim_from_another_record, _victim_row_deleted, _erased]
)
def test_a_candidate_whose_name_sections_do_not_open_is_left_out(database, casedb, tamper):
    # Given Gulzira's two records and someone else's
    tampered, intact, other = store(
        database, casedb, document(GULZIRA[0]), document(GULZIRA[1]), document("Марат Тоқтаров")
    )
    # When one of her records is tampered with in the database (or was erased)
    tamper(database, tampered, other)
    with database.session() as session:
        found = _victims(session, casedb, "Gulzira Auelkhan")
        opened = open_name_sections(session, casedb, [tampered, intact])
    # Then her search finds only the intact record, and the bulk read leaves it out
    assert found == {intact}
    assert list(opened) == [intact]


@pytest.mark.parametrize("tamper", [_narrative_from_another_record, _added_attachment])
def test_a_candidate_tampered_with_elsewhere_is_found_and_refused_on_its_page(
    database, casedb, tamper
):
    # Given Gulzira's two records, one tampered with in a part search does not read
    tampered, intact, other = store(
        database, casedb, document(GULZIRA[0]), document(GULZIRA[1]), document("Марат Тоқтаров")
    )
    tamper(database, tampered, other)
    # When she is searched, then both records are found: the names read are intact
    with database.session() as session:
        assert _victims(session, casedb, "Gulzira Auelkhan") == {tampered, intact}
        # But the tampered record does not open whole: its page refuses it
        with pytest.raises(RecordTamperedError):
            load_testimony(session, casedb, tampered)


def _rename(database, keys, record_id: uuid.UUID, name: str) -> None:  # type: ignore[no-untyped-def]
    """A coordinator corrects the victim's name (an earlier version is kept)."""
    with database.session() as session:
        victim = dict(load_testimony(session, keys, record_id)["victim"])
        victim["names"] = [{"text": name, "script": "Cyrl", "kind": "full"}]
        change_section(
            session, keys, record_id, "victim", victim, loaded_revision=0,
            reason="misheard", actor=uuid.uuid4(), actor_name="coordinator",
        )  # fmt: skip
        session.commit()


def test_a_record_whose_names_were_corrected_is_found_by_the_new_name(database, casedb):
    # Given a record whose victim section was corrected (an earlier version is kept)
    (record_id,) = store(database, casedb, document("Марат Тоқтаров"))
    _rename(database, casedb, record_id, GULZIRA[0])
    # When the new name is searched
    with database.session() as session:
        found = _victims(session, casedb, "Gulzira Auelkhan")
    # Then the record is found: its manifest lists the earlier version, which is read
    assert found == {record_id}


def test_a_name_section_rolled_back_to_before_a_correction_is_left_out(database, casedb):
    # Given a record whose victim's name was corrected, and an attacker who puts the
    # section's earlier ciphertext back (it opens under the record's key)
    (record_id,) = store(database, casedb, document("Марат Тоқтаров"))
    where = (TestimonySection.testimony_id == record_id, TestimonySection.name == "victim")
    with database.session() as session:
        earlier = session.scalars(select(TestimonySection.ciphertext).where(*where)).one()
    _rename(database, casedb, record_id, GULZIRA[0])
    with database.session() as session:
        session.execute(update(TestimonySection).where(*where).values(ciphertext=earlier))
        session.commit()
    # Then neither the old nor the new name finds it: the section is not the current one
    with database.session() as session:
        assert _victims(session, casedb, "Марат Тоқтаров") == set()
        assert _victims(session, casedb, "Gulzira Auelkhan") == set()
        assert open_name_sections(session, casedb, [record_id]) == {}


def test_the_lean_read_gives_what_the_full_read_gives(database, casedb):
    # Given three records, one with a testifier
    ids = store(
        database,
        casedb,
        document(GULZIRA[0], born="1980"),
        document("Марат Тоқтаров", informant="Ержан Құрман"),
        document(GULZIRA[1], id_number="11010519491231002X"),
    )
    wanted = [ids[2], uuid.uuid4(), ids[0], ids[1]]  # an unknown id among them
    with database.session() as session:
        # When they are read the lean way and the full way
        lean = open_name_sections(session, casedb, wanted)
        full = open_testimonies(session, casedb, wanted, sections=("victim", "informants"))
    # Then the lean read has the same sections, in the order asked, unknown ids left out
    assert list(lean) == [ids[2], ids[0], ids[1]]
    assert lean == {
        item.testimony.id: {
            name: item.document[name] for name in ("victim", "informants") if item.document
        }
        for item in full
    }
