"""The basket lifecycle: load, lock and check baskets, change them, and write the audit log.

Every change locks the basket row first (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
writing transaction already holds the database), then checks state, then asks the providers.
Lock order is fixed — baskets by id, then whatever a provider locks — so two requests never wait
on each other in a cycle.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from ..db import for_update
from ..errors import BadParam, Conflict, NotFound
from ..models import AuditEntry, Basket, BasketItem


def get_basket(request: Any, basket_id: int, *, lock: bool = False,
               param: str = "basket") -> Basket:
    """The basket, or ``not_found`` naming ``param``; an expired basket is ``basket_expired``."""
    q = sa.select(Basket).where(Basket.id == basket_id)
    if lock:
        q = for_update(request, q)
    basket = request.dbsession.execute(q).scalar_one_or_none()
    if basket is None:
        raise NotFound(f"no basket {basket_id}", param=param)
    if basket.is_expired(request.now):
        raise Conflict(f"basket {basket_id} has expired", code="basket_expired")
    return basket


def lock_baskets(request: Any, *ids: int) -> None:
    """Lock several baskets in id order (moveitem)."""
    request.dbsession.execute(for_update(request, sa.select(Basket.id).where(
        Basket.id.in_(sorted(set(ids)))).order_by(Basket.id))).all()


def require_open(basket: Basket) -> None:
    if basket.state != "open":
        raise Conflict(f"basket {basket.id} is closed", code="basket_closed")


def items_of(request: Any, basket_id: int) -> list[BasketItem]:
    return list(request.dbsession.execute(
        sa.select(BasketItem).where(BasketItem.basket_id == basket_id).order_by(BasketItem.id)
    ).scalars())


def value_of(items: list[BasketItem]) -> int:
    return sum(i.value for i in items)


def item_value_sum() -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(BasketItem.quantity * BasketItem.unit_price), 0)


def basket_value(request: Any, basket_id: int) -> int:
    return int(request.dbsession.execute(
        sa.select(item_value_sum()).where(BasketItem.basket_id == basket_id)).scalar_one())


def expiry_seconds(request: Any, given: int | None) -> int:
    if given is not None:
        return given
    terminal = request.terminal
    if terminal is not None and terminal.expiry:
        return terminal.expiry
    return int(request.registry.settings.get("xts2.basket_expiry", 900))


def expires_at(request: Any, seconds: int) -> Any:
    return request.now + timedelta(seconds=seconds)


def audit(request: Any, command: str, basket_id: int | None, item_id: int | None = None,
          **detail: Any) -> None:
    """Append one entry to the audit log (never updated, never deleted)."""
    terminal = request.terminal
    request.dbsession.add(AuditEntry(
        at=request.now, terminal_id=terminal.id if terminal is not None else None,
        admin=request.environ.get("xts2.access") == "admin",
        command=command, basket_id=basket_id, item_id=item_id, detail=detail))


def check_item_type(request: Any, item_type: str) -> None:
    types: dict[str, str] = request.registry["xts2.item_types"]
    if item_type not in types:
        installed = ", ".join(sorted(types)) or "none"
        raise BadParam("type", f"unknown item type {item_type!r}; installed types: {installed}")


def get_item(request: Any, item_id: int, *, param: str = "item") -> BasketItem:
    item = request.dbsession.get(BasketItem, item_id)
    if item is None:
        raise NotFound(f"no item {item_id}", param=param)
    return item


def delete_expired(dbsession: Any, now: Any) -> int:
    """Delete expired baskets (items and metadata go with them; the audit stays)."""
    expired = sa.and_(Basket.state == "open", Basket.expires.is_not(None), Basket.expires <= now)
    result = dbsession.execute(sa.delete(Basket).where(expired))
    return result.rowcount or 0
