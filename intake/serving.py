"""Serving the app: a supervisor that holds no secret, and a worker that ends when it locks.

Python cannot reliably erase a passphrase, a key or a decrypted testimony from memory,
so locking ends the process that held them. ``intake serve`` runs :func:`supervise`: it
opens the listening socket and starts a worker process that serves the app on that
socket. When the worker locks ("Lock now", the idle lock, a panic wipe) it finishes
the responses under way and exits with :data:`LOCKED_EXIT`; the supervisor then starts
a fresh, locked worker on the same socket (connections wait in the socket's queue
meanwhile). The supervisor never reads a request, so it never sees a secret. Workers
cannot write core dumps and are not dumpable (PR_SET_DUMPABLE 0) on Linux.

Waitress spools request bodies over 512 KiB and responses over 1 MiB to temporary files
by default; for this app those would be photos and narratives in plaintext on disk. The
overflow limits are raised above the largest request the app accepts, and the request
size is capped by the same setting.
"""

from __future__ import annotations

import ctypes
import dataclasses
import gc
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import Flask

from intake.errors import N_, IntakeError
from intake.settings import Settings

#: Responses up to this size are buffered in memory (a long review page is well below).
OUTBUF_IN_MEMORY = 256 * 1024 * 1024
#: A worker's exit status after locking: the supervisor starts a fresh one.
LOCKED_EXIT = 75
#: Seconds a locking worker waits after its last response, so waitress can send it.
EXIT_GRACE_SECONDS = 0.5
#: Environment variable that carries the settings (never a secret) to a worker.
WORKER_SETTINGS = "INTAKE_WORKER_SETTINGS"
_PR_SET_DUMPABLE = 4
#: Settings a worker reads itself: the session key comes from its file, not from us.
_NOT_PASSED = ("secret_key",)


def server_options(settings: Settings) -> dict[str, Any]:
    """Waitress adjustments that keep bodies off the disk."""
    return {
        "inbuf_overflow": settings.max_request_bytes + 1,
        "outbuf_overflow": OUTBUF_IN_MEMORY,
        "max_request_body_size": settings.max_request_bytes,
        "threads": 8,
    }


def make_server(app: Any, settings: Settings, *, host: str, port: int) -> Any:
    """A waitress server for ``app`` (call ``.run()``; port 0 picks a free one)."""
    from waitress.server import create_server

    return create_server(app, host=host, port=port, **server_options(settings))


def disable_core_dumps() -> None:
    """No core file, and (Linux) no dumping or attaching by other processes of the user."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


class ExitAfterLock:
    """WSGI middleware: once the app locks, end the process after the last response.

    The vault's on-lock hook calls :meth:`request_exit`; the process exits when no
    request is left in flight. A browser's next request, on a connection that closed
    meanwhile, is retried on a new one, which the next worker accepts.
    """

    def __init__(self, app: Any, *, exit: Callable[[], None]) -> None:
        self.app = app
        self._exit = exit
        self._lock = threading.Lock()
        self._active = 0
        self.is_exiting = False

    def request_exit(self) -> None:
        """Exit as soon as no request is in flight (now, for the idle lock)."""
        with self._lock:
            self.is_exiting = True
            idle = self._active == 0
        if idle:
            self._exit()

    def _finished(self) -> None:
        with self._lock:
            self._active -= 1
            go = self.is_exiting and self._active == 0
        if go:
            self._exit()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        from werkzeug.wsgi import ClosingIterator

        with self._lock:
            self._active += 1
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._finished()
            raise
        return ClosingIterator(body, [self._finished])


def _exit_soon() -> None:
    # The response is queued in waitress's buffer when the body is closed; give the
    # I/O thread a moment to send it, then end the process without unwinding.
    def run() -> None:
        threading.Event().wait(EXIT_GRACE_SECONDS)
        sys.stdout.flush()
        os._exit(LOCKED_EXIT)

    threading.Thread(target=run, daemon=True).start()


def worker_app(settings: Settings, *, exit: Callable[[], None] = _exit_soon) -> ExitAfterLock:
    """The app of one worker, wrapped so that locking ends the process."""
    from intake import create_app
    from intake.db import Database

    app: Flask = create_app(
        settings, database=Database(settings.database_url, key_file=settings.key_file)
    )
    guarded = ExitAfterLock(app.wsgi_app, exit=exit)
    app.extensions["intake"].vault.on_lock = guarded.request_exit
    return guarded


def settings_for_worker(settings: Settings) -> str:
    """``settings`` as JSON for a worker's environment, without the session key."""
    fields = {
        field.name: getattr(settings, field.name)
        for field in dataclasses.fields(settings)
        if field.name not in _NOT_PASSED
    }
    fields["workspace_dir"] = str(settings.workspace_dir)
    fields["allowed_hosts"] = list(settings.allowed_hosts)
    return json.dumps(fields)


def settings_from_supervisor(text: str) -> Settings:
    """The settings :func:`settings_for_worker` wrote (the session key read from its file)."""
    fields = json.loads(text)
    workspace = Path(fields.pop("workspace_dir"))
    fields["allowed_hosts"] = tuple(fields["allowed_hosts"])
    return Settings.for_workspace(workspace, **fields)


def run_worker(fd: int) -> None:
    """The worker: serve the app on the inherited listening socket ``fd``."""
    from waitress.server import create_server

    disable_core_dumps()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: os._exit(0))
    settings = settings_from_supervisor(os.environ.pop(WORKER_SETTINGS))
    listener = socket.socket(fileno=fd)
    app = worker_app(settings)
    # What start-up made lives as long as the worker: freezing it out of the garbage
    # collector keeps full collections, and so the slowest requests, short (a long
    # interview page builds many form objects; see scripts/bench).
    gc.collect()
    gc.freeze()
    server = create_server(app, sockets=[listener], **server_options(settings))
    server.run()


class ListenError(IntakeError):
    """The address or port cannot be listened on."""


def open_listener(host: str, port: int) -> socket.socket:
    """The listening socket the workers share (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host, port), family=family, backlog=128)
    listener.set_inheritable(True)
    return listener


def supervise(
    settings: Settings, listener: socket.socket, *, on_start: Callable[[int], None] | None = None
) -> int:
    """Start a worker on ``listener``; start a fresh one each time one locks.

    Returns the exit status of a worker that ended for another reason, or 0 when
    stopped with Ctrl-C or SIGTERM. ``on_start`` gets each new worker's process id.
    """
    env = {**os.environ, WORKER_SETTINGS: settings_for_worker(settings)}
    fd = listener.fileno()
    command = [sys.executable, "-m", "intake.serving", str(fd)]

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    worker: subprocess.Popen[bytes] | None = None
    try:
        while True:
            worker = subprocess.Popen(command, pass_fds=(fd,), env=env)  # noqa: S603
            if on_start is not None:
                on_start(worker.pid)
            status = worker.wait()
            if status != LOCKED_EXIT:
                return status
    except KeyboardInterrupt:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            worker.wait()
        return 0


def serve_workspace(
    settings: Settings,
    host: str,
    port: int,
    allowed_hosts: Iterable[str],
    idle_timeout: int | None,
    echo: Callable[[str], None],
) -> int:
    """`intake serve`: listen on ``host``:``port`` and supervise workers until stopped."""
    extra = [name.lower() for name in allowed_hosts]
    if host not in ("0.0.0.0", "::", ""):  # noqa: S104 (recognised, not bound here)
        extra.append(host if ":" not in host else f"[{host}]")
    changes: dict[str, Any] = {
        "allowed_hosts": tuple(dict.fromkeys([*settings.allowed_hosts, *extra]))
    }
    if idle_timeout is not None:
        changes["idle_timeout_seconds"] = idle_timeout
    settings = dataclasses.replace(settings, **changes)
    try:
        listener = open_listener(host, port)
    except OSError as exc:
        raise ListenError(
            N_("Cannot listen on %(host)s port %(port)s: %(reason)s. Choose another --port."),
            host=host,
            port=port,
            reason=exc.strerror or type(exc).__name__,
        ) from None
    bound = listener.getsockname()[1]
    shown = host if ":" not in host else f"[{host}]"
    echo(f"Serving on http://{shown}:{bound}/  (workspace: {settings.workspace_dir})")
    return supervise(settings, listener)


if __name__ == "__main__":
    run_worker(int(sys.argv[1]))
