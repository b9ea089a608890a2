"""A locked server holds no secret in memory.

`intake serve` runs for real; a case database is set up through HTTP, a draft with
distinctive names is saved, and the workspace is locked ("Lock now", or the idle
lock). Then the memory of every process of the app is read through /proc (as a
memory dump would) and searched for the passphrase, the password, the names, the
root key, a purpose key and the organisation's age secret key.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crypto import Keyring, LockedKeyring, Purpose, decrypt_field
from crypto.keyring import derive_subkey
from intake.workspace import services
from intake.workspace.keyfile import KeyFile

from ...conftest import _missing
from ..conftest import csrf_token

PASSPHRASE = "saffron glacier piano umbrella kettle"
PASSWORD = "marigold ferry ostrich lantern"
_MAIN = "from intake.cli import main; main()"
NAMES = ("Zhanargul Qorqytbekqyzy", "Жанаргүл Қорқытбекқызы")


class Browser:
    """Just enough of a browser: one cookie jar, no proxy, no redirects followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        from urllib.parse import urlencode

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        connection.close()
        return response.status, response.headers.get("Location", ""), text

    def form(self, path: str, fields: dict[str, str], page: str | None = None) -> tuple[int, str]:
        """GET ``page`` (or ``path``) for its CSRF token, then POST ``fields`` to ``path``."""
        _status, _location, html = self.request("GET", page or path)
        status, location, _text = self.request(
            "POST", path, {"csrf_token": csrf_token(html), **fields}
        )
        return status, location


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _memory(pid: int) -> bytes:
    """Every readable mapping of process ``pid``, concatenated."""
    chunks = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            if "r" not in fields[1] or (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]")):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            try:
                mem.seek(start)
                chunks.append(mem.read(end - start))
            except (OSError, ValueError, OverflowError):
                continue
    return b"".join(chunks)


def _encodings(text: str) -> list[bytes]:
    # Python keeps strings as Latin-1, UCS-2 or UCS-4 internally, and as UTF-8 in buffers.
    return [text.encode(e) for e in ("utf-8", "utf-16-le", "utf-32-le") if text]


class App:
    """A running `intake serve`: its supervisor and its current worker."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port

    def worker(self, *, other_than: int | None = None, timeout: float = 60) -> int:
        """The worker's pid, once one (other than ``other_than``) answers requests."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            workers = [pid for pid in _children(self.process.pid) if pid != other_than]
            if workers and other_than not in _children(self.process.pid):
                try:
                    if Browser(self.port).request("GET", "/unlock")[0] in (200, 302):
                        return workers[0]
                except OSError:
                    pass
            time.sleep(0.2)
        raise AssertionError("no new worker started")

    def pids(self) -> list[int]:
        return [self.process.pid, *_children(self.process.pid)]


@pytest.fixture
def served(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[App]:
    """`intake serve` on a free port with an empty workspace (idle lock: the param)."""
    idle = str(getattr(request, "param", 900))
    if os.geteuid() != 0 or not Path("/proc/self/mem").exists():
        _missing("reading another process's memory needs root and Linux /proc")
    serve = ["serve", "--port", "0", "--idle-timeout", idle]
    process = subprocess.Popen(
        [sys.executable, "-c", _MAIN, "--workspace", str(tmp_path / "ws"), *serve],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        match = re.search(r":(\d+)/", line)
        assert match, line
        app = App(process, int(match.group(1)))
        app.worker()
        yield app
    finally:
        process.terminate()
        process.wait(timeout=30)


def _set_up_with_a_draft(app: App) -> Browser:
    browser = Browser(app.port)
    status, location = browser.form(
        "/setup",
        {
            "role": "casedb",
            "organisation_name": "Example Rights Group",
            "language": "en",
            "admin_username": "aigerim",
            "admin_password": PASSWORD,
            "passphrase": PASSPHRASE,
            "passphrase_confirm": PASSPHRASE,
            "recipients": "",
        },
    )
    assert (status, location) == (302, "/keys"), status
    _status, _location, page = browser.request("GET", "/interview/")
    status, location, _ = browser.request(
        "POST", "/interview/start", {"csrf_token": csrf_token(page)}
    )
    victim = location.rsplit("/", 1)[0] + "/victim"
    status, _location = browser.form(
        victim,
        {
            "action": "save",
            "names-0-text": NAMES[0],
            "names-0-script": "Latn",
            "names-0-kind": "full",
            "names-1-text": NAMES[1],
            "names-1-script": "Cyrl",
            "names-1-kind": "full",
        },
    )
    assert status in (200, 302)
    _status, _location, page = browser.request("GET", victim)
    assert NAMES[1] in page, "the draft kept the names"
    return browser


def _secrets(workspace: Path) -> dict[str, list[bytes]]:
    key_file = KeyFile(workspace / "intake.sqlite3.keys")
    locked = LockedKeyring.from_json(key_file.get(services.KEYRING).decode())
    keyring: Keyring = locked.unlock(PASSPHRASE)
    root = keyring._roots[0].material  # the root key itself, read for this test only
    sealed = key_file.get(services.IDENTITY)
    identity = decrypt_field(
        keyring.chain(Purpose.IDENTITY), sealed, context=services._key_context(services.IDENTITY)
    )
    return {
        "passphrase": _encodings(PASSPHRASE),
        "password": _encodings(PASSWORD),
        **{f"name {i}": _encodings(name) for i, name in enumerate(NAMES)},
        "root key": [root],
        "draft key": [derive_subkey(root, Purpose.DRAFT.value)],
        "age secret key": [identity],
    }


def _found(pids: list[int], secrets: dict[str, list[bytes]]) -> list[str]:
    dumps = {pid: _memory(pid) for pid in pids}
    return [
        f"{what} in process {pid}"
        for pid, dump in dumps.items()
        for what, forms in secrets.items()
        if any(form in dump for form in forms)
    ]


def test_lock_now_ends_the_process_that_held_the_secrets(served, tmp_path):
    # Given a case database unlocked through the web, with a draft holding names
    browser = _set_up_with_a_draft(served)
    before = served.worker()
    secrets = _secrets(tmp_path / "ws")
    # (the scan finds them in the worker while it is unlocked)
    assert any(f.endswith(f"process {before}") for f in _found([before], secrets))
    # When "Lock now" is pressed
    status, location = browser.form("/lock", {}, page="/keys")
    assert (status, location) == (302, "/unlock")
    after = served.worker(other_than=before)
    # Then a fresh worker asks for the passphrase, and no process of the app holds
    # the passphrase, the password, the names, the keys or the age secret key
    assert Browser(served.port).request("GET", "/unlock")[0] == 200
    assert _found(served.pids(), secrets) == []
    assert after in served.pids() and before not in served.pids()


@pytest.mark.parametrize("served", [5], indirect=True)
def test_the_idle_lock_ends_the_process_that_held_the_secrets(served, tmp_path):
    # Given an unlocked case database with a draft
    _set_up_with_a_draft(served)
    before = served.worker()
    secrets = _secrets(tmp_path / "ws")
    # When nobody uses it for longer than the idle time
    served.worker(other_than=before, timeout=60)
    # Then the worker that held the keys is gone and nothing secret is left in memory
    assert before not in served.pids()
    assert _found(served.pids(), secrets) == []


def test_workers_cannot_dump_core(served):
    # Given a running worker / Then its core size limit is 0
    worker = served.worker()
    limits = Path(f"/proc/{worker}/limits").read_text()
    assert re.search(r"Max core file size\s+0\s+0", limits)
