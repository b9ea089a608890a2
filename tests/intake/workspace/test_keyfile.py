"""The key file: fixed size, owner-only, rewritten in place, damage detected."""

import os
import stat

import pytest

from intake.workspace.keyfile import (
    FILE_SIZE,
    SLOT_SIZE,
    KeyFile,
    KeyFileDamagedError,
    KeyFileFullError,
)


def test_a_new_key_file_is_owner_only_and_of_fixed_size(tmp_path):
    # Given no key file / When an entry is stored
    store = KeyFile(tmp_path / "keys")
    assert store.read() == {}
    store.put("keyring", b"wrapped")
    # Then the file is 0600, of the fixed size, and gives the entry back
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o600
    assert (tmp_path / "keys").stat().st_size == FILE_SIZE
    assert store.read() == {"keyring": b"wrapped"}


def test_a_rewrite_leaves_no_old_copy_and_keeps_the_same_blocks(tmp_path):
    # Given a key file with an old wrapped keyring
    store = KeyFile(tmp_path / "keys")
    store.write({"keyring": b"OLD-WRAPPED-KEYRING" * 10})
    inode = (tmp_path / "keys").stat().st_ino
    # When it is replaced
    store.write({"keyring": b"new"})
    # Then the old bytes are nowhere in the file, which is the same file of the same size
    raw = (tmp_path / "keys").read_bytes()
    assert b"OLD-WRAPPED" not in raw and b"T0xELVdSQVBQRU" not in raw
    assert (tmp_path / "keys").stat().st_ino == inode and len(raw) == FILE_SIZE
    assert store.get("keyring") == b"new"


@pytest.mark.parametrize("offset", [0, SLOT_SIZE])
def test_one_damaged_copy_still_opens(tmp_path, offset):
    # Given a key file whose one slot is damaged (a crash in the middle of a write)
    store = KeyFile(tmp_path / "keys")
    store.write({"keyring": b"kept"})
    with (tmp_path / "keys").open("r+b") as handle:
        handle.seek(offset + 60)
        handle.write(b"\xff")
    # Then the other copy is used, and the next write repairs both
    assert store.read() == {"keyring": b"kept"}
    store.put("identity", b"x")
    assert KeyFile(tmp_path / "keys").read() == {"keyring": b"kept", "identity": b"x"}


def test_a_file_with_no_intact_copy_is_refused(tmp_path):
    (tmp_path / "keys").write_bytes(os.urandom(FILE_SIZE))
    with pytest.raises(KeyFileDamagedError):
        KeyFile(tmp_path / "keys").read()


def test_too_much_key_material_is_refused_and_nothing_is_lost(tmp_path):
    store = KeyFile(tmp_path / "keys")
    store.put("keyring", b"kept")
    with pytest.raises(KeyFileFullError):
        store.put("huge", b"x" * SLOT_SIZE)
    assert store.read() == {"keyring": b"kept"}


def test_shred_overwrites_and_removes(tmp_path):
    store = KeyFile(tmp_path / "keys")
    store.shred()  # nothing to do
    store.put("keyring", b"secret")
    store.shred()
    assert not (tmp_path / "keys").exists()
    assert store.read() == {}
