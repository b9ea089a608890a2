"""Reading a record's JSON defensively: a part that should be an object (or a list of
objects) and is not is read as empty, so code that derives facts from a record (index,
search, pairing, statistics) never raises on a record of an odd shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: dict first: isinstance takes a dict (every object of a parsed record) at once, where
#: the Mapping check alone goes through the abstract class's hook, several times slower.
_MAPPINGS = (dict, Mapping)


def mapping(value: object) -> Mapping[str, Any]:
    """``value`` if it is an object, else an empty one."""
    return value if isinstance(value, _MAPPINGS) else {}


def mappings(value: object) -> list[Mapping[str, Any]]:
    """The objects in ``value`` if it is a list (others left out), else none."""
    return (
        [item for item in value if isinstance(item, _MAPPINGS)] if isinstance(value, list) else []
    )
