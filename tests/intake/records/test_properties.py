"""Property tests: the sealed-payload parser and the record-file parser and validator.

Random and mutated inputs end in the documented error (PayloadError,
RecordFileError, or a list of problems), never in another exception.
"""

import copy
import io
import json
import zipfile
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.records.attachments import (
    PAYLOAD_ATTACHMENTS,
    PAYLOAD_RECORD,
    Attachment,
    PayloadError,
    pack_payload,
    unpack_payload,
)
from intake.records.validation import RecordFileError, parse_record_bytes, validate_record

from ...mutations import mutations
from .helpers import WORKED_EXAMPLE, load

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WORKED = load(WORKED_EXAMPLE)
RECORD_BYTES = json.dumps(WORKED, ensure_ascii=False, sort_keys=True).encode()
PHOTO = Attachment.of(
    b"\xff\xd8\xff\xe0 not really a photo " * 8, media_type="image/jpeg", filename="a.jpg"
)
PAYLOAD = pack_payload(RECORD_BYTES, [PHOTO])


# --- the sealed payload ---------------------------------------------------------


def _unpacked_or_refused(payload: bytes) -> tuple[dict[str, Any], dict[str, bytes]] | None:
    try:
        return unpack_payload(payload)
    except PayloadError:
        return None


@FAST
@given(st.binary(max_size=600))
def test_random_bytes_are_never_a_payload(payload: bytes) -> None:
    assert _unpacked_or_refused(payload) is None


def test_every_single_bit_flip_of_a_payload_is_refused_or_harmless() -> None:
    # Given a real payload / When each of its bits is flipped in turn
    changed = [
        at * 8 + bit
        for at in range(len(PAYLOAD))
        for bit in range(8)
        if _unpacked_or_refused(
            PAYLOAD[:at] + bytes([PAYLOAD[at] ^ (1 << bit)]) + PAYLOAD[at + 1 :]
        )
        not in (None, (WORKED, {PHOTO.sha256: PHOTO.content}))
    ]
    # Then none of them unpacks to anything but the original (a renamed entry included)
    assert changed == []


@FAST
@given(mutations(PAYLOAD))
def test_a_mutated_payload_is_refused_or_unchanged(payload: bytes) -> None:
    # Given a real payload with bytes changed / When unpacked
    result = _unpacked_or_refused(payload)
    # Then it is refused, or (a change in padding or unused fields) it is exactly the original
    assert result is None or result == (WORKED, {PHOTO.sha256: PHOTO.content})


def _zip(entries: list[tuple[str, bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content, method in entries:
            archive.writestr(name, content, compress_type=method)
    return buffer.getvalue()


NAMES = st.sampled_from(
    [PAYLOAD_RECORD, PAYLOAD_ATTACHMENTS + PHOTO.sha256, "padding", "x"]
) | st.text("abcxyz.019_-é", min_size=1, max_size=12)
METHODS = st.sampled_from(
    [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
)
CONTENTS = st.sampled_from([RECORD_BYTES, b"[]", b"null", b"\xff", b"[" * 5000]) | st.binary(
    max_size=64
)


@pytest.mark.filterwarnings("ignore:Duplicate name")
@FAST
@given(st.lists(st.tuples(NAMES, CONTENTS, METHODS), max_size=4))
def test_well_formed_zips_of_the_wrong_content_are_refused(
    entries: list[tuple[str, bytes, int]],
) -> None:
    # Given a valid ZIP with any names, contents and compression methods
    result = _unpacked_or_refused(_zip(entries))
    # Then it is refused unless it really holds a record object and matching attachments
    if result is not None:
        record, files = result
        assert isinstance(record, dict)
        assert all(
            name == PHOTO.sha256 and content == PHOTO.content for name, content in files.items()
        )


@pytest.mark.parametrize(
    "flag_offset",
    [6],  # general purpose flag of the first local header: "encrypted"
)
def test_an_encrypted_entry_is_refused(flag_offset: int) -> None:
    damaged = bytearray(PAYLOAD)
    damaged[flag_offset] |= 0x01
    central = damaged.find(b"PK\x01\x02")
    damaged[central + 8] |= 0x01
    assert _unpacked_or_refused(bytes(damaged)) is None


# --- the record file and the validator -------------------------------------------


def _parsed_or_refused(raw: bytes) -> object:
    try:
        return parse_record_bytes(raw)
    except RecordFileError:
        return None


@FAST
@given(st.binary(max_size=400))
def test_random_bytes_are_refused_or_parsed(raw: bytes) -> None:
    document = _parsed_or_refused(raw)
    assert document is None or isinstance(validate_record(document), list)


@FAST
@given(mutations(RECORD_BYTES))
def test_a_mutated_record_file_is_refused_or_gives_problems(raw: bytes) -> None:
    # Given a valid record file with bytes changed / When parsed and validated
    document = _parsed_or_refused(raw)
    # Then a RecordFileError, or a list of problems (perhaps empty: some changes stay valid)
    if document is not None:
        assert isinstance(document, dict)
        assert all(problem.path.startswith("$") for problem in validate_record(document))


HOSTILE_TEXT = st.text(
    st.characters(codec=None) | st.sampled_from(["\ud800", "\u202e", "\x00", "\ufeff", "\u0301"]),
    max_size=30,
)


def _string_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, str):
        return [prefix]
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    return [path for key, child in children for path in _string_paths(child, (*prefix, key))]


STRING_PATHS = _string_paths(WORKED)


@FAST
@given(st.lists(st.tuples(st.sampled_from(STRING_PATHS), HOSTILE_TEXT), min_size=1, max_size=3))
def test_hostile_text_anywhere_gives_problems_not_exceptions(
    changes: list[tuple[tuple[Any, ...], str]],
) -> None:
    # Given the worked example with strings replaced by text with surrogates, overrides, NUL
    document = copy.deepcopy(WORKED)
    for path, text in changes:
        target: Any = document
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = text
    # When validated, directly and after a round trip through the file parser
    assert isinstance(validate_record(document), list)
    raw = json.dumps(document, ensure_ascii=True).encode()
    parsed = _parsed_or_refused(raw)
    # Then problems come back, never another exception
    assert parsed is None or isinstance(validate_record(parsed), list)
