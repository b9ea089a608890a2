"""A record encrypted in an import worker crosses to the importing process as plain values."""

from __future__ import annotations

import io
import pickle

import pytest

from intake.records.attachments import Attachment
from intake.records.services import EncryptedTestimony, Incoming, encrypt_testimony

from .helpers import WORKED_EXAMPLE, load


class _BuiltinsOnly(pickle.Unpickler):
    """Refuses to rebuild any object that is not a plain value."""

    def find_class(self, module: str, name: str) -> type:
        raise pickle.UnpicklingError(f"{module}.{name} is not a plain value")


def _encrypted() -> EncryptedTestimony:
    document = load(WORKED_EXAMPLE, fresh_id=True)
    photo = Attachment.of(b"photo bytes", media_type="image/jpeg", filename="p.jpg")
    document["sources"] = [
        *document.get("sources", []),
        {"kind": "photo", "sha256": photo.sha256, "media_type": "image/jpeg"},
    ]
    provenance = {"station_id": "s", "bundle_id": "b", "sequence": 1, "sealed_sha256": "ab"}
    return encrypt_testimony(
        Incoming(document, [photo], provenance=provenance, sealed_sha256="ab" * 32)
    )


def test_the_plain_form_rebuilds_the_same_record():
    # Given a record encrypted with an attachment and provenance
    encrypted = _encrypted()
    # When it is made plain, pickled and rebuilt
    plain = pickle.loads(pickle.dumps(encrypted.to_plain()))
    rebuilt = EncryptedTestimony.from_plain(plain)
    # Then every part is the same, key included
    assert rebuilt == encrypted
    assert rebuilt.data_key.material == encrypted.data_key.material
    assert rebuilt.attachments[0]["testimony_id"] == encrypted.record_id


def test_the_plain_form_pickles_no_class():
    # Given a record's plain form, pickled as a worker sends it
    encrypted = _encrypted()
    plain = encrypted.to_plain()
    blob = pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL)
    # When it is read back by an unpickler that rebuilds no object of any class
    # Then it reads whole (only bytes, text, tuples, dicts and sets in it)
    assert _BuiltinsOnly(io.BytesIO(blob)).load() == plain
    # While any object of a class (the record's id, say) is refused by that unpickler
    with pytest.raises(pickle.UnpicklingError):
        _BuiltinsOnly(io.BytesIO(pickle.dumps(encrypted.record_id))).load()
