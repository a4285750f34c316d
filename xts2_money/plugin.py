"""The ``money`` plugin's hook implementations: the ``money`` servlet, ``payment`` basket items,
the ``takings`` report, the ``paymenttypes`` season section and terminal key, and money's stats.
It depends on the core only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from xts2_core import (
    Basket,
    BasketItem,
    Command,
    E,
    ItemType,
    NewItem,
    NoParams,
    ReportType,
    SeasonSection,
    Servlet,
    TerminalField,
    hookimpl,
)

from . import commands, items, report, season
from .models import Payment, PaymentType


@hookimpl
def register_servlets() -> list[Servlet]:
    return [Servlet("money", [
        Command("getpaymenttypes", commands.getpaymenttypes, "terminal", NoParams),
        Command("gettakings", commands.gettakings, "terminal", commands.GetTakings),
    ])]


@hookimpl
def register_item_types() -> list[ItemType]:
    return [items.ITEM]


@hookimpl
def register_reports() -> list[ReportType]:
    return report.report_types()


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations" / "versions")]


@hookimpl
def register_season_sections() -> list[SeasonSection]:
    return season.sections()


@hookimpl
def register_terminal_fields() -> list[TerminalField]:
    return season.terminal_fields()


@hookimpl
def validate_add_item(request: Any, basket: Basket, item_type: str, item_params: Any
                      ) -> NewItem | None:
    if item_type != items.ITEM_TYPE:
        return None
    return items.new_item(request, basket, item_params)


@hookimpl
def item_added(request: Any, basket: Basket, item: BasketItem) -> None:
    if item.type == items.ITEM_TYPE:
        items.record(request, basket, item)


@hookimpl
def validate_remove_item(item: BasketItem) -> None:
    items.refuse_change(item)


@hookimpl
def validate_move_item(item: BasketItem) -> None:
    items.refuse_change(item)


@hookimpl
def describe_item(item: BasketItem) -> E | None:
    return items.describe(item) if item.type == items.ITEM_TYPE else None


@hookimpl
def describe_terminal(request: Any, terminal: Any) -> list[E]:
    return [commands.paymenttypes_element(request, terminal.id)]


@hookimpl
def collect_stats(request: Any) -> dict[str, int]:
    row = request.dbsession.execute(sa.select(
        sa.select(sa.func.count()).select_from(PaymentType).scalar_subquery(),
        sa.select(sa.func.count()).select_from(Payment).scalar_subquery())).one()
    return {"paymenttypes": int(row[0]), "payments": int(row[1])}
