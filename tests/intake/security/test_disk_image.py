"""A disk image taken after a panic wipe holds no key material.

A real ext4 file system in an image file: the workspace lives in it through
init, create-identity, records add, change-passphrase and wipe; then the whole raw
image is scanned for the keyring's salts, wrapped root keys and the encrypted
organisation identity, in every form the app ever wrote them. And a journal left hot
by a crash leaves no copy of what it held once the app has opened the database again.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from sqlalchemy import text

from intake.db import Database
from intake.workspace.keyfile import KeyFile

from ..journal_helpers import leave_hot_journal
from ..records.helpers import WORKED_EXAMPLE
from .conftest import intake_command, unmount

PASSPHRASE = "ample sleet orchid tundra velvet"
NEW_PASSPHRASE = "quarry pylon mossy lantern ember"


def _needles(key_file: Path) -> dict[str, bytes]:
    """Every secret-bearing value in the key file, raw and as stored (base64, JSON)."""
    found: dict[str, bytes] = {}
    for name, value in KeyFile(key_file).read().items():
        if name == "station-verify-key":
            continue  # public
        found[f"{name} (stored)"] = base64.b64encode(value)
        if name != "keyring":
            found[f"{name} (raw)"] = value
        else:
            keyring = json.loads(value)
            salt = keyring["kdf"]["salt"]
            found["salt (base64)"] = salt.encode()
            found["salt (raw)"] = base64.b64decode(salt)
            for root in keyring["roots"]:
                found[f"wrapped root {root['key_id']} (base64)"] = root["wrapped"].encode()
                found[f"wrapped root {root['key_id']} (raw)"] = base64.b64decode(root["wrapped"])
    return found


def _present(image: Path, needles: dict[str, bytes]) -> list[str]:
    data = image.read_bytes()
    return [name for name, needle in needles.items() if needle in data]


def test_after_a_wipe_no_key_material_is_left_on_the_file_system(ext4_image, tmp_path):
    image, mount_point = ext4_image
    workspace = mount_point / "workspace"
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text(PASSPHRASE + "\n")
    new.write_text(NEW_PASSPHRASE + "\n")
    key_file = workspace / "intake.sqlite3.keys"
    # Given a case database set up, with an identity and a record, inside the image
    intake_command(
        "init", "--role", "casedb", "--organisation", "Example Rights Group",
        "--passphrase-file", str(old), workspace=workspace,
    )  # fmt: skip
    needles = _needles(key_file)
    intake_command("keys", "create-identity", "--passphrase-file", str(old), workspace=workspace)
    intake_command(
        "records", "add", str(WORKED_EXAMPLE), "--passphrase-file", str(old), workspace=workspace
    )
    needles |= _needles(key_file)
    # And its passphrase changed (the old wrapped keyring opened the identity)
    intake_command(
        "keys", "change-passphrase", "--passphrase-file", str(old),
        "--new-passphrase-file", str(new), workspace=workspace,
    )  # fmt: skip
    current = _needles(key_file)
    needles |= {f"{name}, after the change": value for name, value in current.items()}
    # The scan sees what is there: the current keyring is on the disk before the wipe
    os.sync()
    assert "salt (raw)" in _present(image, current) or "keyring (stored)" in _present(
        image, current
    )
    # And the old wrapped keyring was overwritten by the change, not left beside it
    before_change = {k: v for k, v in needles.items() if "after the change" not in k}
    assert not [n for n in _present(image, before_change) if n.startswith(("salt", "wrapped"))]
    # When the workspace is wiped and the file system unmounted
    intake_command("wipe", "--yes", workspace=workspace)
    unmount(mount_point)
    # Then none of the salts, wrapped roots or the identity is anywhere in the image
    assert _present(image, needles) == []


def test_a_journal_left_by_a_crash_leaves_no_copy_on_the_disk_once_reopened(ext4_image):
    image, mount_point = ext4_image
    path = mount_point / "intake.sqlite3"
    # Given a station that crashed mid-transaction: its journal, left hot, holds a page
    # as it was before an earlier change (a draft's previous version, say)
    marker = b"previous-draft-" + os.urandom(16)
    leave_hot_journal(path, marker)
    os.sync()
    assert marker in image.read_bytes()  # the scan sees it while the journal is there
    # When the app opens the database again (SQLite rolls the journal back and deletes it)
    database = Database(f"sqlite:///{path}")
    with database.session() as session:
        assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    database.dispose()
    unmount(mount_point)
    # Then the page is nowhere in the image, not even in the journal's free blocks
    assert marker not in image.read_bytes()
