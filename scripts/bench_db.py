"""A throwaway PostgreSQL database for a benchmark: made on the given server, dropped after."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from intake.settings import normalise_database_url


@contextmanager
def fresh_postgres(server_url: str, prefix: str = "intake_bench") -> Iterator[str]:
    """The URL of a new database of its own on ``server_url``, dropped afterwards, so a
    benchmark never touches anyone else's data."""
    server = make_url(normalise_database_url(server_url))
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
