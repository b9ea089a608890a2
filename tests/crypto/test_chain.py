"""Keyed hash chain: every change to history breaks the links after it."""

import pytest

from crypto import GENESIS, KeyFormatError, SymmetricKey, chain_link, link_matches


def _chain(key: SymmetricKey, entries: list[bytes]) -> list[bytes]:
    links, previous = [], GENESIS
    for entry in entries:
        previous = chain_link(key, previous, entry)
        links.append(previous)
    return links


def _first_bad(key: SymmetricKey, entries: list[bytes], links: list[bytes]) -> int | None:
    previous = GENESIS
    for index, (entry, link) in enumerate(zip(entries, links, strict=True)):
        if not link_matches(key, previous, entry, link):
            return index
        previous = link
    return None


ENTRIES = [b"read record A", b"search", b"export research", b"read record B"]


def test_an_untouched_chain_verifies() -> None:
    key = SymmetricKey.generate()
    assert _first_bad(key, ENTRIES, _chain(key, ENTRIES)) is None
    assert len(_chain(key, ENTRIES)[0]) == 32


def test_an_edited_entry_is_the_first_bad_one() -> None:
    # Given a chain / When the third entry is edited / Then verification names it
    key = SymmetricKey.generate()
    links = _chain(key, ENTRIES)
    edited = [*ENTRIES[:2], b"export nothing", ENTRIES[3]]
    assert _first_bad(key, edited, links) == 2


def test_a_removed_entry_breaks_the_next_link() -> None:
    key = SymmetricKey.generate()
    links = _chain(key, ENTRIES)
    assert _first_bad(key, ENTRIES[:1] + ENTRIES[2:], links[:1] + links[2:]) == 1


def test_reordered_entries_are_found() -> None:
    key = SymmetricKey.generate()
    links = _chain(key, ENTRIES)
    swapped = [ENTRIES[0], ENTRIES[2], ENTRIES[1], ENTRIES[3]]
    swapped_links = [links[0], links[2], links[1], links[3]]
    assert _first_bad(key, swapped, swapped_links) == 1


def test_a_chain_recomputed_without_the_key_does_not_verify() -> None:
    # Given an intruder who edits an entry and recomputes links with a key of their own
    key, other = SymmetricKey.generate(), SymmetricKey.generate()
    forged = _chain(other, ENTRIES)
    # Then the first link already fails under the real key
    assert _first_bad(key, ENTRIES, forged) == 0


def test_entries_are_length_prefixed_so_boundaries_cannot_shift() -> None:
    key = SymmetricKey.generate()
    assert chain_link(key, GENESIS, b"ab") != chain_link(key, GENESIS, b"a" + b"b" * 0 + b"b ")
    assert chain_link(key, GENESIS, b"") != chain_link(key, GENESIS, b"\x00")


@pytest.mark.parametrize("previous", [b"", b"\x00" * 31, "not bytes"])
def test_a_malformed_previous_link_is_refused(previous: object) -> None:
    with pytest.raises(KeyFormatError):
        chain_link(SymmetricKey.generate(), previous, b"x")  # type: ignore[arg-type]


def test_an_entry_must_be_bytes() -> None:
    with pytest.raises(TypeError):
        chain_link(SymmetricKey.generate(), GENESIS, "text")  # type: ignore[arg-type]
