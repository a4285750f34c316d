"""The ``tickets`` plugin's hook implementations: the ``tickets`` servlet (with the door's
commands), the ``ticket`` item type and its codes, the ``shows`` season section, the
``performance`` and ``show`` reports and its migrations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xts2_core import (
    Basket,
    BasketItem,
    Command,
    E,
    ItemType,
    NewItem,
    ReportType,
    SeasonSection,
    Servlet,
    hookimpl,
)

from . import codes, door, items, models  # noqa: F401  (models: the tables join Base.metadata)
from . import commands as c
from .eticket import GetTicketsParams, gettickets
from .reports import REPORT_TYPES, stats
from .season import SHOWS_SECTION


@hookimpl
def register_servlets() -> list[Servlet]:
    # Public reads answer no-store like everything else: they carry live ticket counts.
    P: dict[str, Any] = {"access": "public"}
    return [Servlet("tickets", [
        Command("getshows", c.getshows, params=c.GetShows, **P),
        Command("getshow", c.getshow, params=c.ShowParam, **P),
        Command("getperformances", c.getperformances, params=c.GetPerformances, **P),
        Command("getperformance", c.getperformance, params=c.PerformanceParam, **P),
        Command("getprogramme", c.getprogramme, params=c.GetProgramme, **P),
        Command("getnowandnext", c.getnowandnext, params=c.GetNowAndNext, **P),
        Command("getticketcounts", c.getticketcounts, params=c.GetTicketCounts, **P),
        Command("gettickettypes", c.gettickettypes, params=c.ShowParam, **P),
        Command("holdbacktickets", c.holdbacktickets, "admin", c.HoldBack,
                changes_state=True),
        # Tickets to show (docs/providers/tickets.md): the shop's and the client's.
        Command("gettickets", gettickets, "terminal", GetTicketsParams, formats=("pdf",)),
        # The door (docs/providers/tickets.md, "Check-in"): staff terminals.
        Command("checkin", door.checkin, "terminal", door.CheckinParams, changes_state=True),
        Command("uncheckin", door.uncheckin, "terminal", door.UncheckinParams,
                changes_state=True),
        Command("getdoorlist", door.getdoorlist, "terminal", door.DoorListParams),
    ])]


@hookimpl
def register_item_types() -> list[ItemType]:
    return [items.ITEM]


@hookimpl
def validate_add_item(request: Any, basket: Basket, item_type: str, item_params: Any
                      ) -> NewItem | None:
    return items.validate_add_item(request, basket, item_type, item_params)


@hookimpl
def item_added(request: Any, basket: Basket, item: BasketItem) -> None:
    items.item_added(request, basket, item)


@hookimpl
def describe_item(request: Any, item: BasketItem) -> E | None:
    return items.describe_item(request, item)


@hookimpl
def validate_open_basket(request: Any, basket: Basket) -> None:
    items.validate_open_basket(request, basket)


@hookimpl
def validate_revive_basket(request: Any, basket: Basket) -> None:
    items.validate_revive_basket(request, basket)


@hookimpl
def basket_closed(request: Any, basket: Basket) -> None:
    items.REFUNDS.basket_closed(request, basket)
    codes.basket_closed(request, basket)


@hookimpl
def register_season_sections() -> list[SeasonSection]:
    return [SHOWS_SECTION]


@hookimpl
def register_reports() -> list[ReportType]:
    return REPORT_TYPES


@hookimpl
def collect_stats(request: Any) -> dict[str, int]:
    return stats(request)


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations" / "versions")]
