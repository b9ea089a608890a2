"""Serving: locking ends the worker after its responses; workers cannot dump core."""

import subprocess
import sys

from werkzeug.test import Client
from werkzeug.wrappers import Response

from intake.serving import ExitAfterLock, settings_for_worker, settings_from_supervisor
from intake.workspace.vault import KeyVault

from .conftest import csrf_token


def _app(environ, start_response):  # type: ignore[no-untyped-def]
    if environ["PATH_INFO"] == "/lock":
        guard.request_exit()
    return Response("ok")(environ, start_response)


exits: list[str] = []
guard = ExitAfterLock(_app, exit=lambda: exits.append("exit"))


def test_a_lock_ends_the_process_only_after_the_response():
    # Given a worker serving requests / When a request locks
    exits.clear()
    response = Client(guard).get("/lock")
    # Then the response was complete and the process ends once it is closed
    assert response.get_data() == b"ok"
    response.close()
    assert exits == ["exit"]


def test_the_idle_lock_ends_an_idle_process_at_once():
    calls: list[str] = []
    idle = ExitAfterLock(_app, exit=lambda: calls.append("exit"))
    idle.request_exit()
    assert calls == ["exit"] and idle.is_exiting


def test_every_lock_of_the_vault_calls_the_hook():
    # Given a vault whose server ends the process on lock
    vault = KeyVault(idle_timeout_seconds=0.0)
    locked: list[str] = []
    vault.on_lock = lambda: locked.append("locked")
    # When locked now / Then the hook runs
    vault.clear()
    assert locked == ["locked"]


def test_the_web_lock_and_wipe_reach_the_hook(app, station_admin):
    locked: list[str] = []
    app.extensions["intake"].vault.on_lock = lambda: locked.append("locked")
    page = station_admin.get("/keys").get_data(as_text=True)
    station_admin.post("/lock", data={"csrf_token": csrf_token(page)})
    assert locked == ["locked"]


def test_workers_get_the_settings_but_never_the_session_key(settings):
    text = settings_for_worker(settings)
    assert settings.secret_key.hex() not in text and "secret_key" not in text
    again = settings_from_supervisor(text)
    assert again == settings


def test_core_dumps_are_off_in_a_worker():
    # Given a process that calls disable_core_dumps / Then RLIMIT_CORE is 0, not dumpable
    code = (
        "import ctypes, resource; from intake.serving import disable_core_dumps;"
        "disable_core_dumps(); libc = ctypes.CDLL(None);"
        "print(resource.getrlimit(resource.RLIMIT_CORE), libc.prctl(3, 0, 0, 0, 0))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "(0, 0) 0"


def test_a_busy_port_is_a_clear_error_not_a_traceback(cli_obj):
    import socket

    from click.testing import CliRunner

    from intake.cli import main

    # Given a port another program listens on
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = str(busy.getsockname()[1])
        # When the app is served there / Then one clear line and status 1
        result = CliRunner().invoke(main, ["serve", "--port", port], obj=cli_obj)
    assert result.exit_code == 1 and "Cannot listen on 127.0.0.1 port" in result.output
    assert "Traceback" not in result.output
