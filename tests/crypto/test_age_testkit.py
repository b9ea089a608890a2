"""The C2SP CCTV age test vectors that apply to X25519 identities (tests/fixtures/age-testkit).

Every vector runs: ``success`` must open to the payload whose SHA-256 is given; every
kind of failure (header, HMAC, no match, payload, armor) must raise OpenError. The
testkit also checks plaintext released before a payload failure; open_sealed releases
none, so there is nothing to compare for those.
"""

import hashlib
import zlib
from pathlib import Path

import pytest

from crypto import Identity, OpenError, open_sealed

TESTKIT = Path(__file__).parents[1] / "fixtures" / "age-testkit"
VECTORS = sorted(p for p in TESTKIT.iterdir() if p.name != "README.md" and p.name[0] != ".")


def read_vector(path: Path) -> tuple[dict[str, list[str]], bytes]:
    """The vector's ``key: value`` fields and its age file (decompressed)."""
    head, _, body = path.read_bytes().partition(b"\n\n")
    fields: dict[str, list[str]] = {}
    for line in head.decode().splitlines():
        key, _, value = line.partition(": ")
        fields.setdefault(key, []).append(value)
    if fields.get("compressed") == ["zlib"]:
        body = zlib.decompress(body)
    return fields, body


def test_the_vendored_subset_is_complete():
    # 99 vectors at the recorded commit; a partial copy would pass silently otherwise
    assert len(VECTORS) == 99
    expectations = {read_vector(path)[0]["expect"][0] for path in VECTORS}
    assert expectations == {
        "success",
        "no match",
        "HMAC failure",
        "header failure",
        "payload failure",
        "armor failure",
    }


@pytest.mark.parametrize("path", VECTORS, ids=[p.name for p in VECTORS])
def test_vector(path):
    # Given a vector and its X25519 identities (a fresh one if it names none)
    fields, blob = read_vector(path)
    identities = [Identity.from_secret_string(text) for text in fields.get("identity", [])]
    identities = identities or [Identity.generate()]
    # When it is opened, Then the outcome is the one the testkit expects
    if fields["expect"] == ["success"]:
        opened = open_sealed(blob, identities)
        assert hashlib.sha256(opened).hexdigest() == fields["payload"][0]
    else:
        with pytest.raises(OpenError):
            open_sealed(blob, identities)
