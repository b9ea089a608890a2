"""Writing rows as CSV, JSON or XLSX bytes, safely for spreadsheet programs."""

from __future__ import annotations

import csv
import io
import json
import operator
from collections.abc import Mapping, Sequence
from typing import Any

#: File formats for tabular exports.
FORMATS = ("csv", "json", "xlsx")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARACTERS = frozenset(_FORMULA_START)


def cell_text(value: Any) -> str:
    """A value as one cell: lists joined by " | ", testimonies one per line.

    Text that a spreadsheet would run as a formula is prefixed with an apostrophe.
    """
    if type(value) is str:
        return "'" + value if value[:1] in _FORMULA_CHARACTERS else value
    if value is None:
        text = ""
    elif isinstance(value, list):
        text = (
            "\n".join(json.dumps(item, ensure_ascii=False, sort_keys=True) for item in value)
            if value and isinstance(value[0], Mapping)
            else " | ".join(str(item) for item in value)
        )
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_json(document: Any) -> bytes:
    """UTF-8 JSON, keys sorted, original scripts kept."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> bytes:
    """UTF-8 CSV with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell_text(row.get(column)) for column in columns])
    return buffer.getvalue().encode("utf-8")


def codes_to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> bytes:
    """UTF-8 CSV of rows whose values are all codes, ids and numbers (research data):
    none can start a spreadsheet formula, so cells are written as they are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(operator.itemgetter(*columns)(row) for row in rows)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, title: str) -> bytes:
    """One worksheet with a header row."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title)
    sheet.append(list(columns))
    for row in rows:
        sheet.append([cell_text(row.get(column)) for column in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
