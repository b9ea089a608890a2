"""Wage reference tables: the bundled ones with the case database's own layered over.

Every wage figure compares a stated wage with the local minimum wage and converts a
wage said in another currency (:mod:`intake.records.wages`). The tables it uses ship
with every station (schemas/reference/minimum_wage.json and exchange_rates.json); at
the case database coordinators add a table or a yearly rate, correct one (a row with
a bundled id or year replaces it) and withdraw one that proves wrong, each with a
cited source. :func:`wage_tables` gives the layered tables in the bundled files'
formats, for the record page, the statistics and the research export;
:func:`export_tables` writes them as new files for the stations' next release.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.audit.services import record_event
from intake.errors import N_, IntakeError
from intake.facilities.services import Source, place_ids
from intake.interview.wages import (
    WageTables,
    bundled_tables,
    day_of,
    exchange_rates,
    minimum_wage_table,
    tables_fingerprint,
)
from intake.records.wages import decimal_of
from intake.wagetables.models import ExchangeRateEntry, MinimumWageEntry
from intake.workspace.services import require_role
from intake.workspace.vault import UnlockedKeys

_ID = re.compile(r"^[a-z0-9_]{1,100}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
#: Tier names a table may use (Xinjiang's notices set four).
TIERS = ("1", "2", "3", "4")
#: Bounds of a monthly minimum wage in CNY and of a rate (CNY for one unit).
_MIN_AMOUNT, _MAX_AMOUNT = Decimal(1), Decimal(1_000_000)
_MIN_RATE, _MAX_RATE = Decimal("0.000001"), Decimal(100_000)
_RATE_DIGITS = 12
_FIRST_YEAR = 1990


class WageTableInvalidError(IntakeError):
    """A table or rate as entered is incomplete, out of range or unsourced."""


class WageTableExistsError(IntakeError):
    """A new table's id is already taken."""

    status = 409


class WageTableNotFoundError(IntakeError):
    """No such table or rate."""

    status = 404


@dataclass(frozen=True)
class MinimumTable:
    """One minimum-wage table, layered."""

    id: str
    applies_from: date
    applies_to: date | None
    #: Monthly CNY by tier.
    tiers: dict[str, Decimal]
    prefecture_tiers: dict[str, str] = field(default_factory=dict)
    county_tiers: dict[str, str] = field(default_factory=dict)
    basis: str | None = None
    sources: list[Source] = field(default_factory=list)
    #: "bundled", "edited" (a bundled table changed here), "added" (here only) or
    #: "withdrawn" (a bundled table taken out here).
    origin: str = "bundled"


@dataclass(frozen=True)
class Rate:
    """One yearly exchange rate, layered: CNY for one unit of ``currency``."""

    currency: str
    year: int
    rate: Decimal | None
    sources: list[Source] = field(default_factory=list)
    note: str | None = None
    #: As :attr:`MinimumTable.origin`.
    origin: str = "bundled"


def _today() -> date:
    return datetime.now(UTC).date()


# --- reading -------------------------------------------------------------------------


def _tiers(values: dict[str, Any]) -> dict[str, Decimal]:
    """A table's tiers as the bundled file or a row holds them, as decimals."""
    return {
        str(tier): amount
        for tier, value in values.items()
        if (amount := decimal_of(value)) is not None
    }


def _bundled_minimum() -> dict[str, MinimumTable]:
    reference = minimum_wage_table()
    sources = {source["id"]: source for source in reference.get("sources") or []}
    tables = {}
    for entry in reference.get("tables") or []:
        cited = [sources[i] for i in entry.get("source_ids") or [] if i in sources]
        start = day_of(entry.get("applies_from"))
        if start is None:
            continue
        tables[entry["id"]] = MinimumTable(
            id=entry["id"],
            applies_from=start,
            applies_to=day_of(entry.get("applies_to")),
            tiers=_tiers(entry.get("tiers") or {}),
            prefecture_tiers=dict(entry.get("prefecture_tiers") or {}),
            county_tiers=dict(entry.get("county_tiers") or {}),
            basis=entry.get("basis"),
            sources=[Source.from_data(item) for item in cited],
        )
    return tables


def _from_row(row: MinimumWageEntry, origin: str) -> MinimumTable:
    return MinimumTable(
        id=row.id,
        applies_from=row.applies_from,
        applies_to=row.applies_to,
        tiers=_tiers(row.tiers),
        prefecture_tiers=dict(row.prefecture_tiers),
        county_tiers=dict(row.county_tiers),
        basis=row.basis,
        sources=[Source.from_data(item) for item in row.sources],
        origin=origin,
    )


def minimum_tables(session: Session) -> list[MinimumTable]:
    """Every minimum-wage table, withdrawn ones too, by the day it applies from."""
    tables = _bundled_minimum()
    for row in session.scalars(select(MinimumWageEntry)):
        if row.withdrawn:
            if row.id in tables:
                tables[row.id] = replace(tables[row.id], origin="withdrawn")
            continue
        tables[row.id] = _from_row(row, "edited" if row.id in tables else "added")
    return sorted(tables.values(), key=lambda table: (table.applies_from, table.id))


def _bundled_rates() -> dict[tuple[str, int], Rate]:
    reference = exchange_rates()
    sources = {source["id"]: source for source in reference.get("sources") or []}
    cited = reference.get("rate_sources") or {}
    found = {}
    for currency, years in (reference.get("rates") or {}).items():
        listed = [Source.from_data(sources[i]) for i in cited.get(currency) or [] if i in sources]
        for year, value in years.items():
            rate = decimal_of(value)
            if rate is not None and str(year).isdigit():
                found[currency, int(year)] = Rate(currency, int(year), rate, listed)
    return found


def rates(session: Session) -> list[Rate]:
    """Every yearly exchange rate, withdrawn ones too, by currency and year."""
    found = _bundled_rates()
    for row in session.scalars(select(ExchangeRateEntry)):
        key = (row.currency, row.year)
        if row.rate is None:
            if key in found:
                found[key] = replace(found[key], origin="withdrawn")
            continue
        found[key] = Rate(
            row.currency,
            row.year,
            decimal_of(row.rate),
            [Source.from_data(item) for item in row.sources],
            row.note,
            "edited" if key in found else "added",
        )
    return [found[key] for key in sorted(found)]


def _cite(sources: list[dict[str, Any]], listed: list[Source], prefix: str) -> list[str]:
    """Ids of ``listed`` in ``sources`` (the file's list), each added once under a new
    id made from ``prefix`` (one no source there has) when no source there has the
    same citation."""
    by_citation = {source.get("citation"): source["id"] for source in sources}
    taken = {source["id"] for source in sources}
    ids = []
    for source in listed:
        if source.citation not in by_citation:
            number = 1
            while f"{prefix}-{number}" in taken:
                number += 1
            new_id = f"{prefix}-{number}"
            sources.append({"id": new_id, **source.data()})
            by_citation[source.citation] = new_id
            taken.add(new_id)
        ids.append(by_citation[source.citation])
    return ids


def rate_text(rate: Decimal) -> str:
    """A rate as the bundled file writes it: a decimal string with a point."""
    text = format(rate, "f")
    return text if "." in text else f"{text}.0"


def _minimum_json(session: Session) -> dict[str, Any]:
    reference = copy.deepcopy(minimum_wage_table())
    sources: list[dict[str, Any]] = reference.setdefault("sources", [])
    bundled = {entry["id"]: entry for entry in reference.get("tables") or []}
    out = []
    for table in minimum_tables(session):
        if table.origin == "withdrawn":
            continue
        if table.origin == "bundled":
            out.append(bundled[table.id])
            continue
        cited = _cite(sources, table.sources, f"casedb-{table.id}")
        mapped = bool(table.prefecture_tiers or table.county_tiers)
        item: dict[str, Any] = {
            "id": table.id,
            "region": "xinjiang",
            "applies_from": table.applies_from.isoformat(),
            "applies_to": table.applies_to.isoformat() if table.applies_to else None,
            "source_ids": cited,
            # Whole yuan, as the bundled file writes them (checked when saved).
            "tiers": {tier: int(amount) for tier, amount in sorted(table.tiers.items())},
            "prefecture_tiers": table.prefecture_tiers,
            "county_tiers": table.county_tiers,
            # The areas rest on the table's own sources (a basis is required with them).
            "tier_source_ids": cited if mapped else [],
            "basis": table.basis or "",
        }
        out.append(item)
    reference["tables"] = out
    return reference


def _rates_json(session: Session) -> dict[str, Any]:
    reference = copy.deepcopy(exchange_rates())
    sources: list[dict[str, Any]] = reference.setdefault("sources", [])
    cited: dict[str, list[str]] = reference.setdefault("rate_sources", {})
    # Which sources a rate set here rests on, by currency and year.
    by_year: dict[str, dict[str, list[str]]] = {}
    table: dict[str, dict[str, str]] = {}
    for rate in rates(session):
        if rate.origin == "withdrawn" or rate.rate is None:
            continue
        table.setdefault(rate.currency, {})[str(rate.year)] = rate_text(rate.rate)
        if rate.origin != "bundled":
            prefix = f"casedb-{rate.currency.lower()}-{rate.year}"
            ids = _cite(sources, rate.sources, prefix)
            by_year.setdefault(rate.currency, {})[str(rate.year)] = ids
            listed = cited.setdefault(rate.currency, [])
            listed += [i for i in ids if i not in listed]
    reference["rates"] = table
    # A currency whose every rate was withdrawn here names no sources.
    reference["rate_sources"] = {c: ids for c, ids in cited.items() if c in table}
    if by_year:
        reference["year_sources"] = by_year
    return reference


def wage_tables(session: Session) -> WageTables:
    """The layered tables every figure at the case database is derived with: the
    bundled ones themselves while nothing was changed here (always at a station,
    whose labour step and live figure ask on every request)."""
    changed = session.scalar(select(MinimumWageEntry.id).limit(1)) is not None
    if not changed and session.scalar(select(ExchangeRateEntry.currency).limit(1)) is None:
        return bundled_tables()
    minimum, rates_ = _minimum_json(session), _rates_json(session)
    return WageTables(minimum, rates_, tables_fingerprint(minimum, rates_))


def export_tables(session: Session) -> tuple[dict[str, Any], dict[str, Any]]:
    """The layered tables as new minimum_wage.json and exchange_rates.json (for the
    stations' next release)."""
    tables = wage_tables(session)
    return tables.minimum, tables.rates


# --- checking and writing ------------------------------------------------------------


def _check_sources(sources: list[Source]) -> None:
    # As the bundled files cite: each source by its address, at least one with the
    # day it was read.
    if (
        not sources
        or not all(
            source.citation and (source.url or "").startswith(("https://", "http://"))
            for source in sources
        )
        or not any(source.retrieved for source in sources)
    ):
        raise WageTableInvalidError(
            N_(
                "Cite at least one published source: each with its address (URL), and "
                "at least one with the day it was read."
            )
        )


def _whole_yuan(value: Decimal | None) -> bool:
    return (
        value is not None
        and value.is_finite()
        and _MIN_AMOUNT <= value <= _MAX_AMOUNT
        and value == value.to_integral_value()
    )


def _usable_rate(value: Decimal | None) -> bool:
    # Bounded in size and digits, so every figure made with it can be computed.
    return (
        value is not None
        and value.is_finite()
        and _MIN_RATE <= value <= _MAX_RATE
        # Counted as written (normalize() would round to the context's precision).
        and len("".join(map(str, value.as_tuple().digits)).strip("0")) <= _RATE_DIGITS
    )


def _overlapping(table: MinimumTable, others: list[MinimumTable]) -> MinimumTable | None:
    end = table.applies_to or date.max
    for other in others:
        if other.id == table.id or other.origin == "withdrawn":
            continue
        if table.applies_from <= (other.applies_to or date.max) and other.applies_from <= end:
            return other
    return None


def check_minimum(table: MinimumTable) -> None:
    """Refuse a table that is incomplete, out of range or unsourced."""
    if not _ID.match(table.id):
        raise WageTableInvalidError(
            N_("An id is lower-case letters, digits and '_' only, as in xinjiang_2021.")
        )
    if table.applies_to is not None and table.applies_to < table.applies_from:
        raise WageTableInvalidError(N_("The last day in force comes before the first."))
    if not table.tiers or set(table.tiers) - set(TIERS):
        raise WageTableInvalidError(N_("Give the monthly amount of at least one tier."))
    if not all(_whole_yuan(amount) for amount in table.tiers.values()):
        raise WageTableInvalidError(
            N_("A monthly amount is a whole number of yuan from 1 to 1,000,000.")
        )
    places = place_ids()
    for areas, level in ((table.prefecture_tiers, "prefecture"), (table.county_tiers, "county")):
        for place, tier in areas.items():
            if places.get(place) != level:
                raise WageTableInvalidError(
                    N_("A place is not in the list of places: %(id)s."), id=place
                )
            if tier not in table.tiers:
                raise WageTableInvalidError(
                    N_("%(place)s is put in tier %(tier)s, which has no amount."),
                    place=place,
                    tier=tier,
                )
    if (table.prefecture_tiers or table.county_tiers) and not (table.basis or "").strip():
        raise WageTableInvalidError(
            N_("Say what puts the areas in their tiers (which source names them).")
        )
    _check_sources(table.sources)


def check_rate(rate: Rate, *, this_year: int) -> None:
    """Refuse a rate that is not a positive number for a known currency and year."""
    if not _CURRENCY.match(rate.currency) or rate.currency == "CNY":
        raise WageTableInvalidError(
            N_("A currency is a three-letter code other than CNY, as in USD or KZT.")
        )
    if not _FIRST_YEAR <= rate.year <= this_year:
        raise WageTableInvalidError(
            N_("The year is between %(first)s and %(last)s."), first=_FIRST_YEAR, last=this_year
        )
    if not _usable_rate(rate.rate):
        raise WageTableInvalidError(
            N_(
                "A rate is the yuan paid for one unit: a number from 0.000001 to 100,000, "
                "with at most 12 significant digits."
            )
        )
    _check_sources(rate.sources)


def find_minimum(session: Session, table_id: str) -> MinimumTable:
    """The table ``table_id`` (withdrawn or not)."""
    for table in minimum_tables(session):
        if table.id == table_id:
            return table
    raise WageTableNotFoundError(N_("There is no minimum-wage table %(id)s."), id=table_id)


def find_rate(session: Session, currency: str, year: int) -> Rate:
    """The rate of ``currency`` in ``year`` (withdrawn or not)."""
    for rate in rates(session):
        if (rate.currency, rate.year) == (currency, year):
            return rate
    raise WageTableNotFoundError(
        N_("There is no exchange rate for %(currency)s in %(year)s."), currency=currency, year=year
    )


def _keeping_notes(table: MinimumTable, before: list[Source]) -> MinimumTable:
    """The table with the notes its sources had (the form has no note field), matched
    by citation."""
    notes = {source.citation: source.note for source in before if source.note}
    sources = [
        source
        if source.note or source.citation not in notes
        else replace(source, note=notes[source.citation])
        for source in table.sources
    ]
    return replace(table, sources=sources)


def _event(session: Session, keys: UnlockedKeys, actor: Any, **details: Any) -> None:
    record_event(session, keys, actor=actor, action="wage_table.write", details=details)


def save_minimum(
    session: Session, keys: UnlockedKeys, table: MinimumTable, *, new: bool, actor: Any
) -> None:
    """Add a table (``new``) or store a change to one; the caller commits."""
    require_role(session, "casedb")
    check_minimum(table)
    listed = minimum_tables(session)
    known = {entry.id: entry for entry in listed}
    if new and table.id in known:
        raise WageTableExistsError(N_("The id %(id)s is already taken."), id=table.id)
    if not new and table.id not in known:
        raise WageTableNotFoundError(N_("There is no minimum-wage table %(id)s."), id=table.id)
    overlap = _overlapping(table, listed)
    if overlap is not None:
        raise WageTableInvalidError(
            N_(
                "These days in force overlap those of the table %(id)s: correct or withdraw "
                "that table first."
            ),
            id=overlap.id,
        )
    if table.id in known:
        table = _keeping_notes(table, known[table.id].sources)
    row = session.get(MinimumWageEntry, table.id) or MinimumWageEntry(id=table.id)
    _fill(row, table, withdrawn=False)
    session.add(row)
    _event(session, keys, actor, table=table.id, change="add" if new else "edit")


def _fill(row: MinimumWageEntry, table: MinimumTable, *, withdrawn: bool) -> None:
    row.applies_from, row.applies_to = table.applies_from, table.applies_to
    row.tiers = {tier: str(int(amount)) for tier, amount in sorted(table.tiers.items())}
    row.prefecture_tiers = dict(sorted(table.prefecture_tiers.items()))
    row.county_tiers = dict(sorted(table.county_tiers.items()))
    row.basis = table.basis
    row.sources = [source.data() for source in table.sources]
    row.withdrawn, row.updated_on = withdrawn, _today()


def withdraw_minimum(session: Session, keys: UnlockedKeys, table_id: str, *, actor: Any) -> None:
    """Take a table out of every figure: one added here is deleted, a bundled one is
    marked withdrawn (undone by :func:`restore_minimum`)."""
    require_role(session, "casedb")
    table = find_minimum(session, table_id)
    row = session.get(MinimumWageEntry, table_id)
    if table.origin == "withdrawn":
        return
    if table.origin == "added":
        assert row is not None
        session.delete(row)
    elif row is not None:
        # Corrected here: the correction stays (undone with the withdrawal).
        row.withdrawn, row.updated_on = True, _today()
    else:
        row = MinimumWageEntry(id=table_id)
        _fill(row, table, withdrawn=True)
        session.add(row)
    _event(session, keys, actor, table=table_id, change="withdraw")


def restore_minimum(session: Session, keys: UnlockedKeys, table_id: str, *, actor: Any) -> None:
    """Undo what was done here to a bundled table: it applies as shipped again."""
    require_role(session, "casedb")
    table = find_minimum(session, table_id)
    row = session.get(MinimumWageEntry, table_id)
    if table.origin == "added":
        raise WageTableNotFoundError(
            N_("The table %(id)s was added here and has nothing to go back to; withdraw it."),
            id=table_id,
        )
    if table.origin == "bundled" or row is None:
        raise WageTableNotFoundError(
            N_("The table %(id)s is as shipped; there is nothing to undo."), id=table_id
        )
    session.delete(row)
    _event(session, keys, actor, table=table_id, change="restore")


def save_rate(session: Session, keys: UnlockedKeys, rate: Rate, *, actor: Any) -> None:
    """Add a rate, or replace the rate of its currency and year; the caller commits."""
    require_role(session, "casedb")
    check_rate(rate, this_year=_today().year)
    row = session.get(ExchangeRateEntry, (rate.currency, rate.year)) or ExchangeRateEntry(
        currency=rate.currency, year=rate.year
    )
    row.rate = rate_text(rate.rate)
    row.sources = [source.data() for source in rate.sources]
    row.note, row.updated_on = rate.note, _today()
    session.add(row)
    _event(session, keys, actor, currency=rate.currency, year=rate.year, change="set")


def withdraw_rate(
    session: Session, keys: UnlockedKeys, currency: str, year: int, *, actor: Any
) -> None:
    """Take a rate out of every figure (as :func:`withdraw_minimum`)."""
    require_role(session, "casedb")
    rate = find_rate(session, currency, year)
    row = session.get(ExchangeRateEntry, (currency, year))
    if rate.origin == "withdrawn":
        return
    if rate.origin == "added":
        assert row is not None
        session.delete(row)
    else:
        row = row or ExchangeRateEntry(currency=currency, year=year, sources=[])
        row.rate, row.updated_on = None, _today()
        session.add(row)
    _event(session, keys, actor, currency=currency, year=year, change="withdraw")


def restore_rate(
    session: Session, keys: UnlockedKeys, currency: str, year: int, *, actor: Any
) -> None:
    """Undo what was done here to a bundled rate."""
    require_role(session, "casedb")
    rate = find_rate(session, currency, year)
    row = session.get(ExchangeRateEntry, (currency, year))
    if rate.origin == "added":
        raise WageTableNotFoundError(
            N_(
                "The rate for %(currency)s in %(year)s was added here and has nothing to go "
                "back to; withdraw it."
            ),
            currency=currency,
            year=year,
        )
    if rate.origin == "bundled" or row is None:
        raise WageTableNotFoundError(
            N_("The rate for %(currency)s in %(year)s is as shipped; there is nothing to undo."),
            currency=currency,
            year=year,
        )
    session.delete(row)
    _event(session, keys, actor, currency=currency, year=year, change="restore")
