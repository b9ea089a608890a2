"""Facility registry tables: public reference data, stored in plain text on purpose."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from intake.db import Base


class FacilityEntry(Base):
    """A facility added or edited at the case database, or merged into another.

    A row whose id is also in the bundled registry replaces that entry; a row with
    ``merged_into`` set says the id names the same place as another entry.
    """

    __tablename__ = "facility_entry"

    #: Registry id (lower-case letters, digits and "_"), as records refer to it.
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    #: Facility kind from the codebook.
    kind: Mapped[str] = mapped_column(String(32))
    #: Names by UI language (en, kk, ru, ug, zh); at least one.
    names: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Place ids from schemas/reference/places.json; NULL when not known.
    province_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    prefecture_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    county_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: Coordinates, only where published.
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: Sources: citation, URL, published and retrieved days.
    sources: Mapped[list[Any]] = mapped_column(JSON)
    #: A note on the entry.
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The entry this id was merged into; NULL for a live entry.
    merged_into: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: Day of the last change.
    updated_on: Mapped[date] = mapped_column(Date)
