"""The plugin's settings: the ``donations_setting`` table and the season section that fills it.

A season file sets them with one entry::

    donations:
      - maximum: "500.00"     # the largest single donation a terminal may take

Unset (no section, or ``maximum`` left out) means :data:`DEFAULT_MAXIMUM`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from xts2_core import (
    Base,
    Entry,
    Field,
    LoadContext,
    SeasonError,
    SeasonMoney,
    SeasonSection,
    format_money,
    parse_money,
)

#: The largest single donation when the season file sets none: 1000.00.
DEFAULT_MAXIMUM = 100000
MAXIMUM = "maximum"


class DonationsSetting(Base):
    """One setting of the plugin (``key`` → ``value``); money is kept as ``"500.00"``."""

    __tablename__ = "donations_setting"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class DonationsEntry(Entry):
    """The one entry of the ``donations`` section."""

    maximum: SeasonMoney | None = Field(None, gt=0)


def maximum(dbsession: Any) -> int:
    """The largest single donation, in minor units."""
    row = dbsession.get(DonationsSetting, MAXIMUM)
    return parse_money(row.value) if row is not None else DEFAULT_MAXIMUM


def _load(ctx: LoadContext, entries: list[DonationsEntry]) -> None:
    if len(entries) > 1:
        raise SeasonError("takes one entry (the settings), not a list of them")
    value = entries[0].maximum if entries else None
    row = ctx.dbsession.get(DonationsSetting, MAXIMUM)
    if value is None:
        if row is not None:
            ctx.dbsession.delete(row)
    elif row is None:
        ctx.dbsession.add(DonationsSetting(key=MAXIMUM, value=format_money(value)))
    else:
        row.value = format_money(value)
    ctx.dbsession.flush()


def _demo(today: date) -> list[dict[str, Any]]:
    return [{"maximum": format_money(DEFAULT_MAXIMUM)}]


SECTION = SeasonSection("donations", DonationsEntry, _load, demo=_demo)
