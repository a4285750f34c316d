"""The basket lifecycle: load, lock and check baskets, change them, and write the audit log.

Every change locks the basket row first (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
writing transaction already holds the database), then checks state, then asks the providers.
Lock order is fixed — baskets by id, then whatever a provider locks — so two requests never wait
on each other in a cycle. An item changes only while its basket is locked, so whoever holds the
lock on an item's basket knows the item stays where it is.
"""

from __future__ import annotations

import functools
import time
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached

from ..db import for_update, locks_enabled
from ..errors import BadParam, Conflict, NotFound
from ..items import NewItem
from ..models import AuditEntry, Basket, BasketItem

#: newbasket/touchbasket ``expiry`` bounds, in seconds (API.md §8).
EXPIRY_MIN, EXPIRY_MAX = 30, 604800
#: The default expiry when neither the request nor the terminal gives one.
DEFAULT_EXPIRY = 900


#: Prebuilt (building a statement costs more CPU than running it); parameter ``id``.
_BASKET = sa.select(Basket).where(Basket.id == sa.bindparam("id"))
_BASKET_FRESH = _BASKET.execution_options(populate_existing=True)
_BASKET_LOCKED = _BASKET_FRESH.with_for_update()
_ITEMS = (sa.select(BasketItem).where(BasketItem.basket_id == sa.bindparam("basket"))
          .order_by(BasketItem.id).execution_options(populate_existing=True))


def get_basket(request: Any, basket_id: int, *, lock: bool = False,
               param: str = "basket", expired: bool = False) -> Basket:
    """The basket, or ``not_found`` naming ``param``; an expired basket is ``basket_expired``
    (unless ``expired``: ``revivebasket`` takes one back).

    ``lock`` takes the basket's row lock and reads the row afresh (never a stale copy from the
    session), as every command that changes the basket must before it checks anything.
    """
    q = _BASKET
    if lock:
        q = _BASKET_LOCKED if locks_enabled(request) else _BASKET_FRESH
    basket = request.dbsession.execute(q, {"id": basket_id}).scalar_one_or_none()
    if basket is None:
        raise NotFound(f"no basket {basket_id}", param=param)
    if not expired and basket.is_expired(request.now):
        raise Conflict(f"basket {basket_id} has expired", code="basket_expired")
    return basket


def lock_baskets(request: Any, ids: set[int]) -> None:
    """Lock several baskets in id order."""
    request.dbsession.execute(for_update(request, sa.select(Basket.id).where(
        Basket.id.in_(sorted(ids))).order_by(Basket.id))).all()


def lock_item_and_target(request: Any, item_id: int, target_id: int) -> BasketItem:
    """For ``moveitem``: lock the item's basket and the target, and return the item.

    The item may move between reading where it is and locking that basket (another terminal
    moved it first); then the basket it is in now is locked too and the item read again, until
    the basket it is in is one this request holds.
    """
    locked: set[int] = set()
    while True:
        basket_id = request.dbsession.execute(
            sa.select(BasketItem.basket_id).where(BasketItem.id == item_id)).scalar_one_or_none()
        if basket_id is None:
            raise NotFound(f"no item {item_id}", param="item")
        wanted = {basket_id, target_id}
        if wanted <= locked or not locks_enabled(request):
            break
        lock_baskets(request, wanted - locked)
        locked |= wanted
    item = request.dbsession.execute(
        sa.select(BasketItem).where(BasketItem.id == item_id)
        .execution_options(populate_existing=True)).scalar_one()
    return item


def require_open(basket: Basket) -> None:
    if basket.state != "open":
        raise Conflict(f"basket {basket.id} is closed", code="basket_closed")


def items_of(request: Any, basket_id: int) -> list[BasketItem]:
    return list(request.dbsession.execute(_ITEMS, {"basket": basket_id}).scalars())


@functools.cache
def _insert_statement(table: sa.Table) -> sa.Insert:
    return table.insert()  # its columns come from the parameters it is executed with


def insert_row(request: Any, model: type[Any], **values: Any) -> Any:
    """Write a new row of ``model`` at once and return it as a persistent object of the session.

    A Core insert (the new id comes back as the inserted primary key on every database), then the
    object is attached as if loaded: the same result as ``add`` and ``flush``, for a fraction of the
    CPU (the unit of work's flush was the dearest step of ``newbasket`` and ``additem``). Later
    changes to the object are flushed as usual; :meth:`Basket.write` is the same for an update.
    """
    db = request.dbsession
    table = model.__table__
    for column in table.columns:  # every column gets its value, so no attribute is left unloaded
        if column.key in values or column.primary_key:
            continue
        if column.default is not None and column.default.is_scalar:
            values[column.key] = column.default.arg
        elif column.nullable and column.server_default is None:
            values[column.key] = None
        else:
            raise TypeError(f"insert_row({model.__name__}) needs a value for {column.key}")
    row_id = db.execute(_insert_statement(table), values).inserted_primary_key[0]
    obj = model(id=row_id, **values)
    make_transient_to_detached(obj)
    db.add(obj)
    return obj


def value_of(items: list[BasketItem]) -> int:
    return sum((i.value for i in items), 0)


def item_value_sum() -> sa.ColumnElement[int]:
    """SQL: the value of a basket's items, an integer on every database (PostgreSQL's ``sum`` of
    a bigint is a numeric, which the cast turns back)."""
    return sa.cast(sa.func.coalesce(sa.func.sum(BasketItem.quantity * BasketItem.unit_price), 0),
                   sa.BigInteger)


def expiry_setting(settings: dict[str, Any]) -> int:
    """The setting ``xts2.basket_expiry`` (seconds), checked at start-up."""
    raw = settings.get("xts2.basket_expiry")
    if raw is None or str(raw).strip() == "":
        return DEFAULT_EXPIRY
    try:
        seconds = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"setting xts2.basket_expiry must be a whole number of seconds, "
                         f"not {raw!r}") from None
    if not EXPIRY_MIN <= seconds <= EXPIRY_MAX:
        raise ValueError(f"setting xts2.basket_expiry must be {EXPIRY_MIN} to {EXPIRY_MAX} "
                         f"seconds, not {seconds}")
    return seconds


def expiry_seconds(request: Any, given: int | None) -> int:
    """The request's ``expiry``, else the terminal's default, else ``xts2.basket_expiry``."""
    if given is not None:
        return given
    terminal = request.terminal
    if terminal is not None and terminal.expiry:
        return terminal.expiry
    return request.registry["xts2.basket_expiry"]


def expires_at(request: Any, seconds: int) -> datetime:
    return request.now + timedelta(seconds=seconds)


#: A Core insert: the entry is written at once, without the ORM's unit of work (which cost a
#: flush per request for a row nothing reads back).
_AUDIT = sa.insert(AuditEntry.__table__)


def audit(request: Any, command: str, basket_id: int | None, item_id: int | None = None,
          **detail: Any) -> None:
    """Append one entry to the audit log: when, which terminal, which command, what changed.

    The log is append-only: nothing in XTS2 updates or deletes an entry (a test checks).
    """
    terminal = request.terminal
    request.dbsession.execute(_AUDIT, {
        "at": request.now, "terminal_id": terminal.id if terminal is not None else None,
        "admin": request.environ.get("xts2.access") == "admin",
        "command": command, "basket_id": basket_id, "item_id": item_id, "detail": detail})


def check_item_types(request: Any, names: list[str], param: str) -> None:
    """``bad_param`` naming ``param`` and the installed types if a name is not an item type."""
    types: dict[str, str] = request.registry["xts2.item_types"]
    for name in names:
        if name not in types:
            installed = ", ".join(sorted(types)) or "none"
            raise BadParam(param, f"unknown item type {name!r}; installed types: {installed}")


def check_new_item(item_type: str, new: Any) -> NewItem:
    """What ``validate_add_item`` returned is a :class:`NewItem` of whole numbers (a provider
    bug otherwise: ``internal``, never a silently rounded price)."""
    if new is None:
        raise RuntimeError(f"no plugin answered validate_add_item for item type {item_type!r}")
    if not isinstance(new, NewItem):
        raise RuntimeError(f"validate_add_item for {item_type!r} returned {type(new).__name__}, "
                           "not NewItem")
    for field in ("quantity", "unit_price"):
        value = getattr(new, field)
        if not isinstance(value, int) or isinstance(value, bool):
            raise RuntimeError(f"validate_add_item for {item_type!r} returned {field} "
                               f"{value!r}; it must be an int (money is minor units)")
    if new.quantity < 1:
        raise RuntimeError(f"validate_add_item for {item_type!r} returned quantity {new.quantity}")
    if not isinstance(new.description, str) or not isinstance(new.detail, dict):
        raise RuntimeError(f"validate_add_item for {item_type!r} returned a description that "
                           "is not a str or a detail that is not a dict")
    return new


def get_item(request: Any, item_id: int, *, param: str = "item") -> BasketItem:
    item = request.dbsession.get(BasketItem, item_id)
    if item is None:
        raise NotFound(f"no item {item_id}", param=param)
    return item


def race_window(request: Any) -> None:
    """Test-only: with ``xts2.testing.skip_locks`` on, sleep ``xts2.testing.race_sleep`` seconds
    between a command's checks and its write, so negative-control tests see the race that the
    locks otherwise prevent. Does nothing unless both settings are given."""
    if locks_enabled(request):
        return
    seconds = float(request.registry.settings.get("xts2.testing.race_sleep") or 0)
    if seconds > 0:
        time.sleep(seconds)


def delete_expired(dbsession: Any, now: datetime, batch: int = 500) -> int:
    """Delete expired baskets; their items and metadata go with them, their audit stays, and one
    more entry per basket (command ``expire``) records what was deleted."""
    expired = sa.and_(Basket.state == "open", Basket.expires.is_not(None), Basket.expires <= now)
    # The row lock re-checks the condition: a basket that a request touched (and committed)
    # meanwhile is no longer expired and stays. SQLite: the writing transaction holds the file.
    rows = dbsession.execute(sa.select(Basket.id, Basket.expires).where(expired)
                             .order_by(Basket.id).with_for_update()).all()
    for start in range(0, len(rows), batch):
        chunk = dict(rows[start:start + batch])
        totals = dict.fromkeys(chunk, (0, 0))
        totals.update({basket_id: (int(n), int(v)) for basket_id, n, v in dbsession.execute(
            sa.select(BasketItem.basket_id, sa.func.count(), item_value_sum())
            .where(BasketItem.basket_id.in_(chunk)).group_by(BasketItem.basket_id))})
        for basket_id, expires in chunk.items():
            items, value = totals[basket_id]
            dbsession.add(AuditEntry(
                at=now, terminal_id=None, admin=False, command="expire", basket_id=basket_id,
                detail={"expired": expires.isoformat(), "items": items, "value": value}))
        dbsession.execute(sa.delete(Basket).where(Basket.id.in_(chunk)))
    return len(rows)
