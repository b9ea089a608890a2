"""Property tests: the bundle and sealed-archive parsers meet random and mutated input
with their documented errors, never another exception.
"""

from __future__ import annotations

import contextlib
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto import SigningKey
from intake.delivery import bundles
from intake.records.attachments import PayloadError, pack_payload, unpack_payload
from intake.records.services import canonical_json

from ..records.helpers import WORKED_EXAMPLE, load
from .conftest import PlainRanges

_KEY = SigningKey.generate()
_RECORD_ID = uuid.uuid4()
_ADDENDUM_ID = uuid.uuid4()


def _manifest(**changes: object) -> bundles.Manifest:
    """A well-formed manifest of one record and one correction, with ``changes``."""
    fields: dict[str, object] = {
        "station_key": _KEY.verify_key.to_bytes(),
        "bundle_id": uuid.uuid4(),
        "sequence": 1,
        "made_at": "2026-01-01T00:00:00+00:00",
        "records": [bundles.ManifestEntry(_RECORD_ID, "0" * 64, 3)],
        "addenda": [bundles.ManifestEntry(_ADDENDUM_ID, "1" * 64, 2)],
    }
    return bundles.Manifest(**{**fields, **changes})  # type: ignore[arg-type]


def _archive() -> bytes:
    manifest = _manifest()
    raw = bundles.manifest_bytes(manifest)
    return bundles.write_archive(
        [
            (bundles.MANIFEST, raw),
            (bundles.SIGNATURE, _KEY.sign(raw, context=bundles.MANIFEST_CONTEXT)),
            (f"records/{_RECORD_ID}.age", b"abc"),
            (f"addenda/{_ADDENDUM_ID}.age", b"de"),
        ]
    )


ARCHIVE = _archive()
PAYLOAD = pack_payload(canonical_json(load(WORKED_EXAMPLE)), [])
EXPECTED = (bundles.BundleUnreadableError, bundles.SingleRecordError)


def _mutations(blob: bytes):
    return st.lists(
        st.tuples(st.integers(0, len(blob) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ).map(lambda changes: _apply(blob, changes))


def _apply(blob: bytes, changes: list[tuple[int, int]]) -> bytes:
    out = bytearray(blob)
    for position, value in changes:
        out[position] = value
    return bytes(out)


def _parse_bundle(blob: bytes) -> None:
    ranges = PlainRanges(blob)
    try:
        raw, _signature, places, addenda = bundles.read_bundle_archive(ranges)
        for place in [*places.values(), *addenda.values()]:
            bundles.read_entry(ranges, place)
        bundles.parse_manifest(raw)
    except EXPECTED:
        pass


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes_never_escape_the_bundle_errors(blob):
    _parse_bundle(blob)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations(ARCHIVE) | st.integers(0, len(ARCHIVE)).map(lambda n: ARCHIVE[:n]))
def test_mutated_or_cut_archives_never_escape_the_bundle_errors(blob):
    _parse_bundle(blob)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.hex()))
def test_manifests_of_any_text_are_refused_cleanly(text):
    with contextlib.suppress(bundles.BundleUnreadableError):
        bundles.parse_manifest(text.encode())


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations(PAYLOAD) | st.integers(0, len(PAYLOAD)).map(lambda n: PAYLOAD[:n]))
def test_mutated_sealed_archives_never_escape_the_payload_error(blob):
    with contextlib.suppress(PayloadError):
        unpack_payload(blob)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_deeply_nested_manifest_is_refused_cleanly(depth):
    # Given a manifest of nothing but nested lists (or objects), deeper than the reader goes
    for opening in (b"[", b'{"a":'):
        # Then it is refused as an unreadable bundle, not with a crash
        with pytest.raises(bundles.BundleUnreadableError):
            bundles.parse_manifest(opening * depth)


@pytest.mark.parametrize("sequence", [0, -1, bundles.MAX_SEQUENCE + 1, 10**30])
def test_a_sequence_number_no_column_holds_is_refused(sequence):
    # Given a well-formed manifest with a sequence number below 1, or beyond what the
    # column that keeps it holds (a 32-bit integer on PostgreSQL)
    manifest = _manifest(sequence=sequence)
    # Then it is refused as unreadable, before anything is looked up or stored
    with pytest.raises(bundles.BundleUnreadableError):
        bundles.parse_manifest(bundles.manifest_bytes(manifest))
    # And the largest it holds is read
    highest = bundles.manifest_bytes(
        bundles.Manifest(**{**manifest.__dict__, "sequence": bundles.MAX_SEQUENCE})
    )
    assert bundles.parse_manifest(highest).sequence == bundles.MAX_SEQUENCE


@pytest.mark.parametrize("length", [0, 32, 39, 41])
def test_a_receipt_key_of_the_wrong_length_is_refused(length):
    manifest = _manifest(receipt_key=bytes(length))
    with pytest.raises(bundles.BundleUnreadableError):
        bundles.parse_manifest(bundles.manifest_bytes(manifest))
    # And one of the right length is read back as written
    right = bundles.Manifest(**{**manifest.__dict__, "receipt_key": bytes(range(40))})
    assert bundles.parse_manifest(bundles.manifest_bytes(right)) == right
