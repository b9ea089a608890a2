"""The workspace's key file: wrapped keyring and encrypted secret keys, kept out of the database.

A database keeps old copies of what it changes (SQLite's rollback journal, free pages,
PostgreSQL's WAL and backups), and a panic wipe cannot reach all of them. Key material
therefore lives in one small file of fixed size in the workspace folder, mode 0600,
that is always overwritten in place: a passphrase change writes the new wrapped
keyring over the bytes of the old one, and the wipe overwrites the whole file before
removing it. On a file system that rewrites blocks in place (ext4, XFS) no old copy
remains; on SSDs and copy-on-write file systems the README says what to do instead.

The file has two slots of equal size, each holding the whole content with a sequence
number and a SHA-256 checksum. A write fills the older slot first and then the other,
both with the same new content, so a crash midway leaves one complete copy and a
finished write leaves no old one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from pathlib import Path

from intake.errors import N_, IntakeError

#: Size of one slot; the whole file is two slots and never changes size.
SLOT_SIZE = 16 * 1024
FILE_SIZE = 2 * SLOT_SIZE
_MAGIC = b"IKEYS001"
_HEADER = struct.Struct(">8sQI32s")  # magic, sequence, payload length, SHA-256


class KeyFileDamagedError(IntakeError):
    """The key file exists but neither of its copies is intact."""

    status = 500


class KeyFileFullError(IntakeError):
    """The key material no longer fits in the key file."""

    status = 500


def _checksum(sequence: int, payload: bytes) -> bytes:
    return hashlib.sha256(_MAGIC + struct.pack(">QI", sequence, len(payload)) + payload).digest()


def _encode(sequence: int, entries: dict[str, bytes]) -> bytes:
    payload = json.dumps(
        {name: base64.b64encode(value).decode() for name, value in sorted(entries.items())},
        separators=(",", ":"),
    ).encode()
    if _HEADER.size + len(payload) > SLOT_SIZE:
        raise KeyFileFullError(N_("The key material is too large for the key file."))
    header = _HEADER.pack(_MAGIC, sequence, len(payload), _checksum(sequence, payload))
    return (header + payload).ljust(SLOT_SIZE, b"\0")


def _decode(slot: bytes) -> tuple[int, dict[str, bytes]] | None:
    if len(slot) < _HEADER.size:
        return None
    magic, sequence, length, digest = _HEADER.unpack_from(slot)
    payload = slot[_HEADER.size : _HEADER.size + length]
    if magic != _MAGIC or len(payload) != length or _checksum(sequence, payload) != digest:
        return None
    try:
        data = json.loads(payload)
        return sequence, {name: base64.b64decode(value) for name, value in data.items()}
    except (ValueError, TypeError, AttributeError):
        return None


class KeyFile:
    """The key file at ``path``: a small map of names to bytes, rewritten in place."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _slots(self) -> list[tuple[int, int, dict[str, bytes]]]:
        """Intact slots as (sequence, offset, entries)."""
        data = self.path.read_bytes()
        found = []
        for offset in (0, SLOT_SIZE):
            decoded = _decode(data[offset : offset + SLOT_SIZE])
            if decoded is not None:
                found.append((decoded[0], offset, decoded[1]))
        if not found and data.strip(b"\0"):
            raise KeyFileDamagedError(
                N_("The workspace key file is damaged; restore the workspace from a backup.")
            )
        return found

    def read(self) -> dict[str, bytes]:
        """Every entry (empty if there is no file yet)."""
        if not self.path.exists():
            return {}
        slots = self._slots()
        return max(slots, key=lambda slot: slot[0])[2] if slots else {}

    def write(self, entries: dict[str, bytes]) -> None:
        """Replace the content with ``entries``, overwriting both slots in place."""
        slots = self._slots() if self.path.exists() else []
        newest = max(slots, key=lambda slot: slot[0]) if slots else (0, 0, {})
        blob = _encode(newest[0] + 1, entries)
        # The older slot first: until it is on disk the newest one stays intact.
        first = SLOT_SIZE - newest[1] if slots else 0
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.fchmod(fd, 0o600)
            for offset in (first, SLOT_SIZE - first):
                os.pwrite(fd, blob, offset)
                os.fsync(fd)
        finally:
            os.close(fd)

    def get(self, name: str) -> bytes | None:
        """One entry, or None."""
        return self.read().get(name)

    def put(self, name: str, value: bytes) -> None:
        """Set one entry, keeping the others."""
        entries = self.read()
        entries[name] = value
        self.write(entries)

    def shred(self) -> None:
        """Overwrite the whole file with random bytes, flush it to disk and remove it."""
        if not self.path.exists():
            return
        size = max(self.path.stat().st_size, FILE_SIZE)
        fd = os.open(self.path, os.O_RDWR)
        try:
            os.pwrite(fd, os.urandom(size), 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        self.path.unlink()
