"""Serving the app with waitress, configured so request and response bodies stay in memory.

Waitress spools request bodies over 512 KiB and responses over 1 MiB to temporary files
by default; for this app those would be photos and narratives in plaintext on disk. The
overflow limits are raised above the largest request the app accepts, and the request
size is capped by the same setting.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from intake.settings import Settings

#: Responses up to this size are buffered in memory (a long review page is well below).
OUTBUF_IN_MEMORY = 256 * 1024 * 1024


def server_options(settings: Settings) -> dict[str, Any]:
    """Waitress adjustments that keep bodies off the disk."""
    return {
        "inbuf_overflow": settings.max_request_bytes + 1,
        "outbuf_overflow": OUTBUF_IN_MEMORY,
        "max_request_body_size": settings.max_request_bytes,
        "threads": 8,
    }


def make_server(app: Flask, settings: Settings, *, host: str, port: int) -> Any:
    """A waitress server for ``app`` (call ``.run()``; port 0 picks a free one)."""
    from waitress.server import create_server

    return create_server(app, host=host, port=port, **server_options(settings))
