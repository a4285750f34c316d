"""The ``baskets`` servlet (API.md §8)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import Field

from ..errors import Conflict, NotFound
from ..items import NewItem
from ..models import Basket, BasketItem, BasketMetadata
from ..params import Bool, Id, Int, Key, Name, Params, Text, Words, parse_params
from ..render import E, elist, emap
from .element import basket_element, item_element
from .service import (
    audit,
    check_item_type,
    expires_at,
    expiry_seconds,
    get_basket,
    get_item,
    item_value_sum,
    items_of,
    lock_baskets,
    require_open,
    value_of,
)

EXPIRY = dict(ge=30, le=604800)


def _full(request: Any, basket: Basket) -> E:
    items = items_of(request, basket.id)
    return basket_element(request, basket, value_of(items), items)


# -- reading ---------------------------------------------------------------------------------

class GetBaskets(Params):
    name: Text | None = None
    state: str | None = Field(None, pattern="^(open|closed)$")
    persistent: Bool | None = None
    contains: Words | None = None
    excludes: Words | None = None
    limit: Int = Field(100, ge=1, le=1000)
    offset: Int = Field(0, ge=0)


def getbaskets(request: Any, p: GetBaskets) -> E:
    now = request.now
    q = sa.select(Basket).where(Basket.not_expired(now))
    if p.name:
        pattern = p.name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        q = q.where(sa.func.lower(Basket.name).like(f"%{pattern}%", escape="\\"))
    if p.state:
        q = q.where(Basket.state == p.state)
    if p.persistent is not None:
        q = q.where(Basket.persistent.is_(p.persistent))
    for words, present in ((p.contains, True), (p.excludes, False)):
        if words:
            exists = sa.exists().where(BasketItem.basket_id == Basket.id,
                                       BasketItem.type.in_(words))
            q = q.where(exists if present else ~exists)
    filters = request.registry["xts2.basket_filters"]
    if filters:
        extra = parse_params(request.registry["xts2.basket_filter_params"], request.params,
                             context={"tz": request.tz, "now": now})
        for name, flt in filters.items():
            value = getattr(extra, name)
            if value is not None:
                q = flt.apply(request, q, value)
    total = request.dbsession.execute(
        sa.select(sa.func.count()).select_from(q.order_by(None).subquery())).scalar_one()
    page = q.order_by(Basket.created.desc(), Basket.id.desc()).limit(p.limit).offset(p.offset)
    value = (sa.select(item_value_sum()).where(BasketItem.basket_id == Basket.id)
             .correlate(Basket).scalar_subquery())
    rows = request.dbsession.execute(page.add_columns(value)).all()
    return elist("baskets", [basket_element(request, b, v) for b, v in rows], {"total": total})


class BasketParam(Params):
    basket: Id


def getbasket(request: Any, p: BasketParam) -> E:
    return _full(request, get_basket(request, p.basket))


# -- the basket itself -----------------------------------------------------------------------

class NewBasket(Params):
    expiry: Int | None = Field(None, **EXPIRY)


def newbasket(request: Any, p: NewBasket) -> E:
    seconds = expiry_seconds(request, p.expiry)
    basket = Basket(state="open", persistent=False, created=request.now,
                    expires=expires_at(request, seconds),
                    terminal_id=request.terminal.id if request.terminal else None)
    request.dbsession.add(basket)
    request.dbsession.flush()
    audit(request, "newbasket", basket.id, expiry=seconds)
    return basket_element(request, basket, 0, [])


class TouchBasket(Params):
    basket: Id
    expiry: Int | None = Field(None, **EXPIRY)


def touchbasket(request: Any, p: TouchBasket) -> E:
    basket = get_basket(request, p.basket, lock=True)
    require_open(basket)
    if not basket.persistent and basket.expires is not None:
        seconds = expiry_seconds(request, p.expiry)
        basket.expires = expires_at(request, seconds)
        audit(request, "touchbasket", basket.id, expires=basket.expires.isoformat())
    return _full(request, basket)


class SaveBasket(Params):
    basket: Id
    name: Name = Field(min_length=1, max_length=100)


def savebasket(request: Any, p: SaveBasket) -> E:
    basket = get_basket(request, p.basket, lock=True)
    basket.name = p.name
    basket.persistent = True
    basket.expires = None
    audit(request, "savebasket", basket.id, name=p.name)
    return _full(request, basket)


class CloseBasket(Params):
    basket: Id


def closebasket(request: Any, p: CloseBasket) -> E:
    basket = get_basket(request, p.basket, lock=True)
    require_open(basket)
    items = items_of(request, basket.id)
    if not items:
        raise Conflict(f"basket {basket.id} is empty", code="basket_empty")
    value = value_of(items)
    if value != 0:
        from ..values import format_money

        raise Conflict(f"basket {basket.id} has a value of {format_money(value)}; it closes at "
                       "0.00", code="basket_not_balanced")
    hook = request.registry["xts2.pm"].hook
    hook.validate_close_basket(request=request, basket=basket)
    basket.state = "closed"
    basket.closed = request.now
    basket.expires = None
    request.dbsession.flush()
    hook.basket_closed(request=request, basket=basket)
    audit(request, "closebasket", basket.id)
    return basket_element(request, basket, value, items)


def openbasket(request: Any, p: BasketParam) -> E:
    basket = get_basket(request, p.basket, lock=True)
    if basket.state == "open":
        raise Conflict(f"basket {basket.id} is open", code="basket_open")
    hook = request.registry["xts2.pm"].hook
    hook.validate_open_basket(request=request, basket=basket)
    basket.state = "open"
    basket.closed = None
    basket.expires = None
    request.dbsession.flush()
    hook.basket_reopened(request=request, basket=basket)
    audit(request, "openbasket", basket.id)
    return _full(request, basket)


# -- items -----------------------------------------------------------------------------------

class AddItem(Params):
    basket: Id
    type: Key


def additem(request: Any, p: AddItem) -> list[E]:
    check_item_type(request, p.type)
    basket = get_basket(request, p.basket, lock=True)
    require_open(basket)
    hook = request.registry["xts2.pm"].hook
    new: NewItem | None = hook.validate_add_item(
        request=request, basket=basket, item_type=p.type, params=request.params)
    if new is None:
        raise RuntimeError(f"no plugin answered validate_add_item for type {p.type!r}")
    if new.quantity < 1:
        raise RuntimeError(f"validate_add_item for {p.type!r} returned quantity {new.quantity}")
    item = BasketItem(basket_id=basket.id, type=p.type, quantity=new.quantity,
                      unit_price=int(new.unit_price), description=new.description[:500],
                      detail=new.detail, added=request.now,
                      terminal_id=request.terminal.id if request.terminal else None)
    request.dbsession.add(item)
    request.dbsession.flush()
    hook.item_added(request=request, basket=basket, item=item)
    audit(request, "additem", basket.id, item.id, type=item.type, quantity=item.quantity,
          unit_price=item.unit_price, description=item.description)
    return [item_element(request, item), _full(request, basket)]


class RemoveItem(Params):
    basket: Id
    item: Id


def removeitem(request: Any, p: RemoveItem) -> E:
    basket = get_basket(request, p.basket, lock=True)
    item = get_item(request, p.item)
    if item.basket_id != basket.id:
        raise NotFound(f"item {p.item} is not in basket {basket.id}", param="item")
    require_open(basket)
    request.registry["xts2.pm"].hook.validate_remove_item(request=request, basket=basket,
                                                          item=item)
    audit(request, "removeitem", basket.id, item.id, type=item.type, quantity=item.quantity,
          unit_price=item.unit_price, description=item.description)
    request.dbsession.delete(item)
    request.dbsession.flush()
    return _full(request, basket)


class MoveItem(Params):
    item: Id
    to: Id


def moveitem(request: Any, p: MoveItem) -> E | list[E]:
    item = get_item(request, p.item)
    lock_baskets(request, item.basket_id, p.to)
    request.dbsession.refresh(item)
    source = get_basket(request, item.basket_id, param="item")
    target = get_basket(request, p.to, param="to")
    if source.id == target.id:
        raise Conflict(f"item {item.id} is already in basket {target.id}")
    require_open(source)
    require_open(target)
    request.registry["xts2.pm"].hook.validate_move_item(request=request, item=item,
                                                        source=source, target=target)
    item.basket_id = target.id
    request.dbsession.flush()
    audit(request, "moveitem", source.id, item.id, to=target.id)
    audit(request, "moveitem", target.id, item.id, **{"from": source.id})
    return [E("from", children=[_full(request, source)]), E("to", children=[_full(request, target)])]


# -- metadata --------------------------------------------------------------------------------

class SetMetadata(Params):
    basket: Id
    key: Key
    value: Text | None = Field(None, max_length=4096)


def _metadata(request: Any, basket_id: int) -> E:
    rows = request.dbsession.execute(
        sa.select(BasketMetadata.key, BasketMetadata.value)
        .where(BasketMetadata.basket_id == basket_id).order_by(BasketMetadata.key)).all()
    return emap("metadata", dict(rows), {"basket": basket_id})


def setmetadata(request: Any, p: SetMetadata) -> E:
    basket = get_basket(request, p.basket, lock=True)
    row = request.dbsession.get(BasketMetadata, (basket.id, p.key))
    if p.value is None:
        if row is not None:
            request.dbsession.delete(row)
    elif row is None:
        request.dbsession.add(BasketMetadata(basket_id=basket.id, key=p.key, value=p.value))
    else:
        row.value = p.value
    request.dbsession.flush()
    audit(request, "setmetadata", basket.id, key=p.key, value=p.value)
    return _metadata(request, basket.id)


def getmetadata(request: Any, p: BasketParam) -> E:
    basket = get_basket(request, p.basket)
    return _metadata(request, basket.id)
