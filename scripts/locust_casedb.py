"""Locust users for scripts/load_casedb.py: coordinators at a case database.

Each user signs in with an account of its own, then searches names (POST with the
page's CSRF token), opens record pages and lists records with and without filters.
The work list (accounts, names to search, record ids) comes from the JSON file named
by $INTAKE_LOAD_PLAN; every request's time, outcome and end is written to the JSON file
named by $INTAKE_LOAD_SAMPLES when the run ends (exact percentiles are computed from it,
not locust's rounded ones). Not meant to be run by hand: scripts/load_casedb.py starts
the server, writes the plan and runs locust with this file.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["INTAKE_LOAD_PLAN"]).read_text(encoding="utf-8"))
_accounts = itertools.count()
_lock = threading.Lock()
_samples: list[tuple[str, float, bool, float]] = []
_found = {"searches": 0, "with_results": 0}
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
THINK = PLAN.get("think", [1.0, 3.0])


@events.request.add_listener
def _record(name: str, response_time: float, exception: Any, **_: Any) -> None:
    with _lock:
        _samples.append((name, response_time, exception is None, time.time()))


@events.quitting.add_listener
def _dump(**_: Any) -> None:
    result = {"samples": _samples, **_found}
    Path(os.environ["INTAKE_LOAD_SAMPLES"]).write_text(json.dumps(result), encoding="utf-8")


class Coordinator(HttpUser):
    """One coordinator: sign in once, then search and read."""

    wait_time = between(THINK[0], THINK[1])

    def on_start(self) -> None:
        username, password = PLAN["accounts"][next(_accounts) % len(PLAN["accounts"])]
        self.rng = random.Random(username)  # noqa: S311 (choice of work, not a secret)
        page = self.client.get("/login", name="sign-in page")
        token = self._token(page.text)
        with self.client.post(
            "/login",
            data={"csrf_token": token, "username": username, "password": password},
            name="sign in (POST)",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "/login" in response.url:
                response.failure(f"sign-in failed: {response.status_code} {response.url}")
                return
            self.token = self._token(response.text)

    def _token(self, page: str) -> str:
        match = _TOKEN.search(page)
        return match.group(1) if match else ""

    def _checked(self, response: Any) -> None:
        """A page that answered, but with the sign-in or unlock page, is an error too."""
        if response.status_code != 200:
            response.failure(f"status {response.status_code}")
        elif "/login" in response.url or "/unlock" in response.url:
            response.failure(f"sent to {response.url}")

    @task(3)
    def search(self) -> None:
        query = self.rng.choice(PLAN["queries"])
        with self.client.post(
            "/search/",
            data={"csrf_token": self.token, "q": query},
            name="search a name (POST)",
            catch_response=True,
        ) as response:
            self._checked(response)
            if response.ok and "Records found:" not in response.text:
                response.failure("no search results section (the form was refused)")
            with _lock:
                _found["searches"] += 1
                _found["with_results"] += 'class="list results"' in response.text

    @task(3)
    def record(self) -> None:
        record_id = self.rng.choice(PLAN["records"])
        with self.client.get(
            f"/records/{record_id}", name="record page", catch_response=True
        ) as response:
            self._checked(response)

    @task(1)
    def records(self) -> None:
        page = self.rng.randint(1, 5)
        with self.client.get(
            f"/records/?page={page}", name="records list", catch_response=True
        ) as response:
            self._checked(response)

    @task(2)
    def filtered(self) -> None:
        kind, prefecture = self.rng.choice(PLAN["filters"])
        url = f"/records/?kind={kind}&prefecture={prefecture}&year_from=2018"
        with self.client.get(url, name="records list, filtered", catch_response=True) as response:
            self._checked(response)
