"""Export tables: partners and the age keys their files are sealed to (ciphertext only)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, LargeBinary, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from intake.db import Base


class ExportPartner(Base):
    """A partner database or research team that receives exports."""

    __tablename__ = "export_partner"

    #: Random id, made before insert (it is the encryption context).
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: JSON {label, recipients} encrypted under the keyring, bound to the id: a partner
    #: added or edited without the passphrase does not open and is never sealed to.
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    #: The day it was added.
    added_on: Mapped[date] = mapped_column(Date)
