"""Bulk inserts of plain rows in a session's transaction, the fastest way each
database driver offers (used where many rows are written at once: imports, indexes)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import LargeBinary, Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def bulk_insert(
    session: Session, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (each the values of ``columns``, in that order) into ``table`` in
    the session's transaction, as one statement run on the session's own connection: a
    binary COPY on PostgreSQL with psycopg (several times faster than INSERT with many
    VALUES), one executemany of the driver on SQLite (values converted by the columns'
    own types), SQLAlchemy's executemany elsewhere. Driver errors are raised as
    SQLAlchemy raises them (a duplicate id is an IntegrityError).
    """
    connection = session.connection()
    dialect = connection.dialect
    columns = list(columns)
    # The fast paths apply only the database's defaults: not used if a Python-side
    # default would be missed for a column not given.
    python_defaults = any(
        column.default is not None and column.name not in columns for column in table.columns
    )
    copy = dialect.name == "postgresql" and dialect.driver == "psycopg"
    if python_defaults or not (copy or (dialect.name, dialect.driver) == ("sqlite", "pysqlite")):
        session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    dbapi = dialect.loaded_dbapi
    if copy:
        quote = dialect.identifier_preparer.quote
        statement = (
            f"COPY {dialect.identifier_preparer.format_table(table)} "
            f"({', '.join(quote(name) for name in columns)}) FROM STDIN (FORMAT BINARY)"
        )
        # Binary rows need each column's type: its name as PostgreSQL spells it.
        types = [
            table.columns[name].type.compile(dialect).split("(")[0].lower() for name in columns
        ]
    else:
        compiled = insert(table).compile(dialect=dialect, column_keys=columns)
        statement = str(compiled)
        order = [columns.index(name) for name in compiled.positiontup or ()]
        # sqlite3 binds bytes as a BLOB itself: the Binary wrapper is skipped. Only the
        # columns with a converter (UUIDs to text, dates) are touched value by value.
        converters = [
            (position, process)
            for position, index in enumerate(order)
            for kind in [table.columns[columns[index]].type.dialect_impl(dialect)]
            if not isinstance(kind, LargeBinary)
            for process in [kind.bind_processor(dialect)]
            if process is not None
        ]
    try:
        if copy:
            with driver.cursor() as cursor, cursor.copy(statement) as writer:
                writer.set_types(types)
                for row in rows:
                    writer.write_row(row)
        else:
            driver.executemany(statement, _bound_rows(rows, order, converters))
    except dbapi.Error as error:
        raise DBAPIError.instance(statement, None, error, dbapi.Error) from error


def _bound_rows(
    rows: list[tuple[Any, ...]],
    order: list[int],
    converters: Sequence[tuple[int, Callable[[Any], Any]]],
) -> list[list[Any]]:
    """Each row's values in the statement's ``order`` (positions in the row), converted
    where a column says."""
    bound = []
    same_order = order == list(range(len(order)))
    for row in rows:
        values = list(row) if same_order else [row[index] for index in order]
        for position, process in converters:
            values[position] = process(values[position])
        bound.append(values)
    return bound
