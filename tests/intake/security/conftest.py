"""Fixtures for the attack tests: a real ext4 file system, the `intake` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ...conftest import _missing

#: Size of the file system image: small, so scanning it whole takes a moment.
IMAGE_BYTES = 96 * 1024 * 1024
_MAIN = "from intake.cli import main; main()"


def intake_command(*args: str, workspace: Path, env: dict[str, str] | None = None) -> str:
    """Run `intake --workspace WORKSPACE ARGS...` in a new process; its output, or fail."""
    result = subprocess.run(
        [sys.executable, "-c", _MAIN, "--workspace", str(workspace), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, f"intake {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout


@pytest.fixture
def ext4_image(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A fresh ext4 image file mounted through a loop device: (image, mount point).

    Needs root (mount) and e2fsprogs; skips with the reason elsewhere, and fails
    under INTAKE_REQUIRE_EXTERNAL=1.
    """
    mkfs = shutil.which("mkfs.ext4") or shutil.which("mkfs.ext4", path="/usr/sbin:/sbin")
    if mkfs is None:
        _missing("mkfs.ext4 is not installed (apt-get install e2fsprogs)")
    if os.geteuid() != 0:
        _missing("mounting an ext4 image through a loop device needs root")
    image, mount_point = tmp_path / "disk.img", tmp_path / "mnt"
    with image.open("wb") as handle:
        handle.truncate(IMAGE_BYTES)
    mount_point.mkdir()
    subprocess.run([mkfs, "-q", "-F", str(image)], check=True)
    mounted = subprocess.run(
        ["mount", "-o", "loop", str(image), str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        _missing(f"cannot mount an ext4 image here: {mounted.stderr.strip()}")
    try:
        yield image, mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], capture_output=True)


def unmount(mount_point: Path) -> None:
    """Unmount, so every block is written to the image file."""
    os.sync()
    subprocess.run(["umount", str(mount_point)], check=True)
