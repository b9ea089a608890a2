"""A live server and a headless Chromium (Debian's /usr/bin/chromium) driven by Playwright.

Every request the browser makes is recorded, so tests can prove that it never
contacted another host. Screenshots of each step go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from intake import create_app
from intake.db import Database
from intake.migrate import upgrade_database

from ..intake.conftest import make_settings

CHROMIUM = os.environ.get("INTAKE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("INTAKE_REQUIRE_EXTERNAL") == "1":
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_browser() -> Iterator[object]:
    """One headless Chromium for the whole session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright)")
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[dict[str, object]]:
    """The app on a free port of 127.0.0.1, on a fresh SQLite workspace."""
    from intake.serving import make_server

    settings = make_settings(tmp_path / "workspace", f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    database = Database(settings.database_url, key_file=settings.key_file)
    upgrade_database(database.engine)
    app = create_app(settings, database=database)
    server = make_server(app, settings, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    port = server.socket.getsockname()[1]
    yield {
        "url": f"http://127.0.0.1:{port}",
        "settings": settings,
        "database": database,
        "tmp_path": tmp_path,
    }
    server.close()
    database.dispose()


class Journey:
    """A browser page that records requests and saves a screenshot per step."""

    def __init__(self, page, base_url: str, name: str) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.base_url = base_url
        self.requests: list[str] = []
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.step = 0
        #: What happened in the page, with seconds since the start, for a failure's
        #: report: requests, their answers or failures, and console messages.
        self.timeline: list[str] = []
        self._started = time.monotonic()
        page.on("request", self._requested)
        page.on("response", lambda r: self._note(f"{r.status} {r.request.method} {r.url}"))
        page.on("requestfailed", lambda r: self._note(f"failed {r.url}: {r.failure}"))
        page.on("console", lambda message: self._note(f"console {message.type}: {message.text}"))

    def _note(self, what: str) -> None:
        self.timeline.append(f"{time.monotonic() - self._started:8.2f}s  {what}")

    def _requested(self, request) -> None:  # type: ignore[no-untyped-def]
        self.requests.append(request.url)
        self._note(f"sent {request.method} {request.url}")

    def report_failure(self) -> None:
        """Print what the page last did (shown with a failed test's output), and save
        a last screenshot."""
        print(f"page at {self.page.url}", *self.timeline[-40:], sep="\n  ")
        try:
            print("last screenshot:", self.shot("at-failure"))
        except Exception as error:  # the page may be gone; the timeline is what counts
            print("no last screenshot:", error)

    def go(self, path: str) -> None:
        """Open a path of the app."""
        self.page.goto(self.base_url + path)

    def shot(self, label: str) -> Path:
        """Save a full-page screenshot for this step."""
        self.step += 1
        path = self.folder / f"{self.step:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def foreign_requests(self) -> list[str]:
        """Requests to anything but the app itself (data: URLs count as local)."""
        origin = urlsplit(self.base_url).netloc
        return [
            url
            for url in self.requests
            if not url.startswith("data:") and urlsplit(url).netloc != origin
        ]


def open_journey(playwright_browser, base_url: str, request, suffix: str = "") -> Iterator[Journey]:  # type: ignore[no-untyped-def]
    """A fresh browser context on ``base_url``, named after the test (and ``suffix``);
    if the test fails, what its page last did is printed."""
    context = playwright_browser.new_context(locale="en-GB")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-") + suffix
    trip = Journey(context.new_page(), base_url, name)
    yield trip
    outcome = getattr(request.node, "outcome_of_call", None)
    if outcome is not None and outcome.failed:
        trip.report_failure()
    context.close()


@pytest.fixture
def journey(playwright_browser, live_server, request) -> Iterator[Journey]:  # type: ignore[no-untyped-def]
    """A fresh browser context on the live server, named after the test."""
    yield from open_journey(playwright_browser, str(live_server["url"]), request)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """Keep the test's own outcome on it, for the journey fixture's teardown."""
    report = yield
    if report.when == "call":
        item.outcome_of_call = report
    return report
