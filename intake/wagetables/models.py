"""Wage reference tables: public reference data, stored in plain text on purpose."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from intake.db import Base


class MinimumWageEntry(Base):
    """A minimum-wage table added or edited at the case database, or a bundled one
    withdrawn here.

    A row whose id is also a table of schemas/reference/minimum_wage.json replaces
    that table (or, ``withdrawn``, takes it out of every figure).
    """

    __tablename__ = "minimum_wage_entry"

    #: Table id (lower-case letters, digits and "_"), as figures name their tables.
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    applies_from: Mapped[date] = mapped_column(Date)
    #: Last day the table is known to be in force; NULL while it still is.
    applies_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Monthly amount in CNY by tier ("1" to "4"), as decimal text.
    tiers: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Tier of each prefecture and county id a source names.
    prefecture_tiers: Mapped[dict[str, Any]] = mapped_column(JSON)
    county_tiers: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: What the tiers and areas rest on.
    basis: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Sources: citation, URL, published and retrieved days.
    sources: Mapped[list[Any]] = mapped_column(JSON)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Day of the last change.
    updated_on: Mapped[date] = mapped_column(Date)


class ExchangeRateEntry(Base):
    """A yearly exchange rate added or corrected at the case database, or a bundled
    one withdrawn here (``rate`` NULL)."""

    __tablename__ = "exchange_rate_entry"

    #: ISO 4217 code of the currency converted from.
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: CNY for one unit, the year's average, as decimal text; NULL when withdrawn.
    rate: Mapped[str | None] = mapped_column(String(40), nullable=True)
    sources: Mapped[list[Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_on: Mapped[date] = mapped_column(Date)
