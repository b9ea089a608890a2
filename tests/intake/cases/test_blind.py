"""The blind index as an attacker with the database file sees it, and as erasure uses it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select, update

from intake.cases import blind
from intake.cases.models import BlindIndexRow
from intake.cases.search import open_name_sections, search
from intake.names import matching_keys
from intake.records.models import Testimony, TestimonySection
from tests.intake.cases.name_helpers import document, store

from ..journal_helpers import sqlite_files

NAMES = ("Гүлзира Әуелхан", "Gulzira Auelkhan", "古丽孜拉·阿吾勒汗", "گۈلزىرا ئاۋېلخان")
ID_NUMBER = "11010519491231002X"
GIVEN = ("Bakyt", "Marat", "Aigul", "Erzhan", "Saule", "Nurlan")
FAMILY = ("Toktarov", "Kurmanov", "Serikbaev", "Abenov", "Zhumabekov")


@pytest.mark.parametrize("backend", ["sqlite"])  # it reads the SQLite file
def test_the_database_file_holds_no_name_number_or_key(database, casedb, settings):
    store(database, casedb, document(*NAMES, id_number=ID_NUMBER, informant="Ержан Құрман"))
    database.dispose()
    raw = Path(settings.database_url.removeprefix("sqlite:///")).read_bytes()
    plain = [*NAMES, "Ержан", "Gulzira", ID_NUMBER, "110105", *matching_keys(NAMES[1])]
    for text in plain:
        assert text.encode() not in raw, text
    key = casedb.keyring.blind_index_key("cases/name", expected_rows=10)
    assert key.material not in raw


def test_values_are_truncated_so_that_different_names_collide(database, casedb):
    # Given an index planned for very few records (a few bits)
    names = [f"{given} {family}" for given in GIVEN for family in FAMILY]
    ids = store(database, casedb, *(document(name) for name in names))
    with database.session() as session:
        blind.reindex(
            session, casedb, lambda ids: open_name_sections(session, casedb, ids), planned_records=2
        )
    with database.session() as session:
        rows = session.scalars(select(BlindIndexRow).where(BlindIndexRow.kind == "name")).all()
        (bits,) = {row.bits for row in rows}
        # Then every value fits the planned bits and values are shared by several records
        assert bits == 2 and all(row.value < 2**bits for row in rows)
        assert len({row.value for row in rows}) < len(rows)
        # And a search still returns only the one real match
        hits = search(session, casedb, "Бақыт Тоқтаров")
    assert [hit.record_id for hit in hits] == [ids[names.index("Bakyt Toktarov")]]


def test_rows_moved_to_another_record_find_nothing_false(database, casedb):
    # Given an attacker who points Gulzira's index rows at another record
    gulzira, other = store(database, casedb, document(*NAMES[:2]), document("Марат Тоқтаров"))
    with database.session() as session:
        session.execute(
            update(BlindIndexRow).where(BlindIndexRow.record_id == gulzira).values(record_id=other)
        )
    with database.session() as session:
        hits = search(session, casedb, "Gulzira Auelkhan")
    # Then the decrypted candidate does not match, and nothing false is shown
    assert hits == []


def test_remove_blind_rows_makes_a_record_unfindable(database, casedb):
    gulzira, _ = store(database, casedb, document(*NAMES), document("Gulzira Auyelkhan"))
    with database.session() as session:
        assert blind.remove_blind_rows(session, gulzira) > 0
    with database.session() as session:
        left = session.scalars(select(BlindIndexRow).where(BlindIndexRow.record_id == gulzira))
        assert list(left) == []
        assert gulzira not in {hit.record_id for hit in search(session, casedb, NAMES[1])}


@pytest.mark.parametrize("typed", [ID_NUMBER, "110105 19491231 002x", "11010519491231002x"])
def test_an_id_number_finds_its_record_however_it_is_typed(database, casedb, typed):
    wanted, _ = store(
        database,
        casedb,
        document("Тест Бір", id_number=ID_NUMBER),
        document("Тест Екі", id_number="110105194912310038"),
    )
    with database.session() as session:
        hits = search(session, casedb, typed)
    assert [(hit.record_id, hit.found_as) for hit in hits] == [(wanted, "id")]


def test_a_rotated_keyring_asks_for_a_rebuild(database, casedb):
    store(database, casedb, document(*NAMES))
    rotated = replace(casedb, keyring=casedb.keyring.rotate())
    with database.session() as session, pytest.raises(blind.SearchIndexStaleError):
        search(session, rotated, NAMES[0])
    with database.session() as session:
        blind.reindex(session, rotated, lambda ids: open_name_sections(session, rotated, ids))
    with database.session() as session:
        assert len(search(session, rotated, NAMES[0])) == 1


def _as_stored(row: BlindIndexRow) -> bytes:
    """The bytes SQLite stores for a row's kind, value and record (its record format:
    the integer big-endian in the fewest of 1, 2, 3, 4, 6 or 8 bytes; 0 and 1 none)."""
    width = next(w for w in (1, 2, 3, 4, 6, 8) if row.value < 2 ** (8 * w - 1))
    value = b"" if row.value in (0, 1) else row.value.to_bytes(width, "big")
    return row.kind.encode() + value + row.record_id.hex.encode()


@pytest.mark.parametrize("backend", ["sqlite"])  # it reads the SQLite files
def test_a_rebuild_leaves_the_old_values_in_neither_the_database_nor_its_journal(database, casedb):
    # Given a record's index rows, made with the keyring before it was rotated
    store(database, casedb, document(*NAMES, id_number=ID_NUMBER, informant="Ержан Құрман"))
    with database.session() as session:
        old = {_as_stored(row) for row in session.scalars(select(BlindIndexRow))}
    path, journal = sqlite_files(database)
    assert old and all(value in path.read_bytes() for value in old)
    # When the index is rebuilt with the rotated keyring
    rotated = replace(casedb, keyring=casedb.keyring.rotate())
    with database.session() as session:
        blind.reindex(session, rotated, lambda ids: open_name_sections(session, rotated, ids))
    with database.session() as session:
        new = {_as_stored(row) for row in session.scalars(select(BlindIndexRow))}
    # Then the old values (those the new key did not happen to give again) are in neither
    # the database file nor its journal (which keeps changed pages as they were before)
    gone = old - new
    assert gone
    for file in (path, journal):
        content = file.read_bytes()
        assert not any(value in content for value in gone), file.name


def test_normalise_id_number_checks_the_check_digit():
    assert blind.normalise_id_number("110105 19491231 002x") == ID_NUMBER
    assert blind.normalise_id_number("110105194912310020") is None


@pytest.mark.parametrize(
    "change",
    [
        {"schema_version": "2.0.1"},  # the manifest no longer matches
        {"wrapped_key": None, "state": "erased"},  # erased, its index rows left behind
    ],
)
def test_a_tampered_or_erased_candidate_is_never_shown(database, casedb, change):
    gulzira, intact = store(database, casedb, document(NAMES[0]), document(NAMES[1]))
    with database.session() as session:
        session.execute(update(Testimony).where(Testimony.id == gulzira).values(**change))
    with database.session() as session:
        hits = search(session, casedb, "Gulzira Auyelkhan")
    assert [hit.record_id for hit in hits] == [intact]


def test_a_section_moved_from_another_record_does_not_open(database, casedb):
    # Given two records that are both candidates for the name
    gulzira, other = store(database, casedb, document(NAMES[0]), document("Gulzira Auyelkhan"))
    # When an attacker copies one record's victim section over the other's
    with database.session() as session:
        stolen = session.get(TestimonySection, (gulzira, "victim"))
        target = session.get(TestimonySection, (other, "victim"))
        assert stolen is not None and target is not None
        target.ciphertext = stolen.ciphertext
    with database.session() as session:
        hits = search(session, casedb, NAMES[1])
    # Then the altered record does not open and is not shown; the intact one is
    assert [hit.record_id for hit in hits] == [gulzira]
