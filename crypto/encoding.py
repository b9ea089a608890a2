"""Strict base64 helpers shared by the serialisers of this package."""

import base64
import binascii

from crypto.errors import KeyFormatError


def b64encode(data: bytes) -> str:
    """Standard base64 text of ``data``."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Decode standard base64, refusing anything that is not canonical base64."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, AttributeError) as exc:
        raise KeyFormatError("malformed base64") from exc
