"""The case index kept between unlocks as one encrypted snapshot, so that unlocking a
large case database does not have to open every record's index facts again.

The snapshot is the index's own columns (codes, years, days: never a name or free
text), the ids of the records it holds and, for each, the SHA-256 of the encrypted
manifest it was indexed from. It is encrypted under the keyring's case-index key and
bound to its row, like any other field.

At unlock it counts only as far as the store agrees with it: a record is taken from
the snapshot only while it is stored and its manifest is still the one the snapshot
names. A record stored or changed since (coded, corrected, imported by another
process), and a record the snapshot lacks, is read from its own index facts; one no
longer stored is dropped. A snapshot that does not open (altered, another
workspace's, an older format) is ignored and the index is built record by record.
An older snapshot put back in place of the newest one therefore shows nothing stale.

Erasing a record deletes the snapshot in the same transaction (on SQLite the freed
pages are overwritten), so no copy of the erased record's codes outlives its key
there. The running server then writes a new one from its index, which has just left
the record out; a snapshot is only ever written with the records stored at that
moment (one erased by another process leaves the index then). Otherwise the next
unlock builds record by record and writes a new one.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crypto import Context, OpenError, Purpose, decrypt_field, encrypt_field
from intake.cases.index import IndexState
from intake.cases.models import CaseIndexSnapshot
from intake.workspace.models import Workspace
from intake.workspace.vault import UnlockedKeys

#: The format of the snapshot's plaintext (an uncompressed NumPy .npz archive).
FORMAT = "intake-case-index-v1"
_INT32 = np.iinfo(np.int32)


@dataclass(frozen=True)
class Snapshot:
    """An opened snapshot: the index state and each record's manifest digest."""

    state: IndexState
    #: SHA-256 of each record's encrypted manifest, in the order of ``state.ids``.
    manifests: list[bytes]


def manifest_digest(manifest: bytes) -> bytes:
    """The digest a snapshot keeps of a record's encrypted manifest."""
    return hashlib.sha256(manifest).digest()


def _context(snapshot_id: uuid.UUID) -> Context:
    return Context(namespace="case-index-snapshot", record_id=str(snapshot_id), field="index")


def _pack(state: IndexState, manifests: Sequence[bytes]) -> bytes:
    meta = json.dumps(
        {"format": FORMAT, "ids": state.ids, "codes": state.codes},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    arrays: dict[str, NDArray[np.generic]] = {}
    for name, values in state.arrays.items():
        # Every value is a small number, a year or a day: int32 halves the size.
        if len(values) and (values.min() < _INT32.min or values.max() > _INT32.max):
            raise ValueError(f"column {name} does not fit the snapshot")
        arrays[f"a.{name}"] = values.astype(np.int32)
    arrays["manifests"] = np.frombuffer(b"".join(manifests), dtype=np.uint8).reshape(-1, 32)
    arrays["meta"] = np.frombuffer(meta, dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    return buffer.getvalue()


def _unpack(payload: bytes) -> Snapshot:
    with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
        meta = json.loads(bytes(archive["meta"]).decode("utf-8"))
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError("not a case index snapshot of this format")
        arrays = {
            name[2:]: archive[name].astype(np.int64) for name in archive.files if name[:2] == "a."
        }
        digests = archive["manifests"]
    ids, codes = meta.get("ids"), meta.get("codes")
    if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
        raise ValueError("the snapshot's ids are malformed")
    if not isinstance(codes, dict) or not all(isinstance(v, list) for v in codes.values()):
        raise ValueError("the snapshot's codes are malformed")
    if digests.dtype != np.uint8 or digests.shape != (len(ids), 32):
        raise ValueError("the snapshot's manifest digests do not line up")
    manifests = [row.tobytes() for row in digests]
    return Snapshot(IndexState(ids=ids, codes=codes, arrays=arrays), manifests)


def save_snapshot(
    session: Session, keys: UnlockedKeys, state: IndexState, manifests: Sequence[bytes]
) -> None:
    """Replace the stored snapshot with ``state`` (in the caller's transaction, which
    holds the snapshot's turn: :func:`hold_snapshot`)."""
    snapshot_id = uuid.uuid4()
    ciphertext = encrypt_field(
        keys.keyring.chain(Purpose.CASE_INDEX).current,
        _pack(state, manifests),
        context=_context(snapshot_id),
    )
    session.execute(delete(CaseIndexSnapshot))
    session.add(CaseIndexSnapshot(id=snapshot_id, records=len(state.ids), ciphertext=ciphertext))
    session.flush()


def load_snapshot(session: Session, keys: UnlockedKeys) -> Snapshot | None:
    """The stored snapshot, or None: there is none, or it does not open or parse."""
    row = session.execute(select(CaseIndexSnapshot.id, CaseIndexSnapshot.ciphertext)).first()
    if row is None:
        return None
    try:
        payload = decrypt_field(
            keys.keyring.chain(Purpose.CASE_INDEX), row.ciphertext, context=_context(row.id)
        )
        return _unpack(payload)
    except (OpenError, ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile):
        return None


def hold_snapshot(session: Session) -> None:
    """Take the snapshot's turn until the caller's transaction ends: a snapshot is
    written and an erasure drops it one after the other, never interleaved, so a
    snapshot cannot be written with a record whose erasure commits meanwhile.

    PostgreSQL: a row lock on the workspace row. SQLite: no transaction commits while
    another that has read is open, so the two cannot interleave there either (one
    waits, or fails and changes nothing).
    """
    session.execute(select(Workspace.id).with_for_update())


def drop_snapshot(session: Session) -> None:
    """Delete the stored snapshot (an erasure; a format change)."""
    hold_snapshot(session)
    session.execute(delete(CaseIndexSnapshot))
