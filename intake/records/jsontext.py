"""JSON as the record store writes and reads it: canonical bytes, fast parsing."""

from __future__ import annotations

import json
from typing import Any

import orjson

#: The encoder for what orjson does not take (integers beyond 64 bits, keys that are
#: not text): the same JSON as json.dumps(value, sort_keys=True, ensure_ascii=False,
#: separators=(",", ":")), built once.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_json(value: Any) -> bytes:
    """Deterministic UTF-8 JSON: sorted keys, no spaces, non-ASCII kept as written.

    Made by orjson (about a tenth of the standard library's time on a record's
    sections), which writes the same bytes for text, integers, lists and objects;
    numbers that are not whole may be spelled differently (1e+16 and 1e16), with the
    same value. A value is finite: orjson writes NaN and infinities as null, and a
    validated record holds none (the record rules refuse them).
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return _CANONICAL.encode(value).encode()


#: Every digit to b"1", every other byte to b"0" (bytes.translate), and the run of 19
#: ones that marks 19 digits in a row: an integer orjson may have read as a float (it
#: keeps integers exactly only within 64 bits), or, far more often, digits inside a
#: text such as a key in hex. (A regular expression finds it too, at about fifteen
#: times the cost on a record.)
_DIGITS = bytes(0x31 if 0x30 <= byte <= 0x39 else 0x30 for byte in range(256))
_LONG_RUN = b"1" * 19


def _holds_float(value: Any) -> bool:
    """Whether a parsed value holds a float anywhere (walked without recursion, so a
    deeply nested value does not exhaust the stack)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, float):
            return True
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def parse_json(raw: bytes) -> Any:
    """JSON text as Python values, read by orjson (about a third of the standard
    library's time). Text orjson refuses (NaN, an escaped lone surrogate) is read by
    the standard library, and so is text with a long run of digits whose reading holds
    a float (orjson reads an integer beyond 64 bits as a float): every value is what
    it was and what was accepted still is, to be judged by validation.

    Nesting deeper than either reader follows raises :class:`ValueError` (a
    :class:`json.JSONDecodeError`), whichever reader met it, never
    :class:`RecursionError`.
    """
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    else:
        if _LONG_RUN not in raw.translate(_DIGITS) or not _holds_float(value):
            return value
    try:
        return json.loads(raw)
    except RecursionError:
        # No copy of the text in the error: it may be a testimony's plaintext.
        raise json.JSONDecodeError("JSON nested too deeply to read", "", 0) from None
