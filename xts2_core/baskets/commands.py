"""The ``baskets`` servlet (API.md §8).

Each command that changes a basket follows one order: lock the basket row(s) (``get_basket(lock=
True)``), check its state, ask the providers (``validate_*`` hooks), change it, tell the providers
(notification hooks), write the audit entry, render. A basket's value is never stored: it is the
sum of its items' ``quantity * unit_price``, computed when it is shown.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from pydantic import ConfigDict, Field
from sqlalchemy.orm.attributes import set_committed_value

from ..answers import Answer, Count, DateTimeText, MoneyText
from ..errors import Conflict, NotFound
from ..items import ItemType
from ..models import Basket, BasketItem, BasketMetadata
from ..params import (
    Bool,
    Id,
    Int,
    ItemTypeName,
    ItemTypeNames,
    Key,
    Name,
    Params,
    Text,
    parse_params,
    request_params,
)
from ..render import E, elist, emap
from ..values import MAX_ID, format_money
from .element import basket_element, item_element
from .service import (
    EXPIRY_MAX,
    EXPIRY_MIN,
    audit,
    check_item_types,
    check_new_item,
    expires_at,
    expiry_seconds,
    get_basket,
    get_item,
    insert_row,
    item_value_sum,
    items_of,
    lock_item_and_target,
    race_window,
    require_open,
    value_of,
)

EXPIRY = dict(ge=EXPIRY_MIN, le=EXPIRY_MAX)


# -- answers (their JSON schemas, published in GET /v2/openapi.json) ---------------------------

class ItemOut(Answer):
    """``<item>``; the owner's detail element (``describe_item``) is a key named by its tag
    (an object, or the element's text when it has no attributes)."""

    model_config = ConfigDict(extra="allow")
    id: int
    type: str
    quantity: int
    unitprice: MoneyText
    value: MoneyText
    added: DateTimeText
    description: str


class BasketOut(Answer):
    """``<basket>``; ``item`` only on a basket shown with its items, and only when it has some."""

    id: int
    name: str | None = None
    state: Literal["open", "closed"]
    persistent: bool
    created: DateTimeText
    expires: DateTimeText | None = None
    closed: DateTimeText | None = None
    value: MoneyText
    terminal: int | None = None
    item: list[ItemOut] | None = None


class BasketAnswer(Answer):
    basket: BasketOut


class BasketsAnswer(Answer):
    baskets: list[BasketOut]
    total: Count


class AddItemAnswer(Answer):
    item: ItemOut
    basket: BasketOut


class MoveItemAnswer(Answer):
    from_: BasketAnswer = Field(alias="from")
    to: BasketAnswer


class MetadataAnswer(Answer):
    metadata: dict[str, str]
    basket: int


class ParamOut(Answer):
    """A ``<param>`` of ``getitemtypes``: JSON Schema keywords of one ``item.*`` parameter."""

    name: str
    required: bool
    text: str | None = None
    type: str | None = None
    format: str | None = None
    pattern: str | None = None
    default: Any = None
    minimum: int | str | None = None
    maximum: int | str | None = None
    exclusiveminimum: int | str | None = None
    exclusivemaximum: int | str | None = None
    minlength: int | None = None
    maxlength: int | None = None
    minitems: int | None = None
    maxitems: int | None = None
    enum: str | None = None
    items: str | None = None


class ItemTypeOut(Answer):
    name: str
    title: str
    description: str | None = None
    plugin: str
    declared: bool
    param: list[ParamOut]


class ItemTypesAnswer(Answer):
    itemtypes: list[ItemTypeOut]


def _full(request: Any, basket: Basket) -> E:
    """The basket with its items (one query for the items)."""
    items = items_of(request, basket.id)
    return basket_element(request, basket, value_of(items), items)


# -- reading ---------------------------------------------------------------------------------

class GetBaskets(Params):
    name: Text | None = Field(None, description="A case-insensitive part of the saved name.")
    email: Text | None = Field(None, max_length=320, description="A case-insensitive part of "
                               "the email address kept in the basket's metadata (key email: "
                               "a booking's, or an online order's).")
    state: Literal["open", "closed"] | None = Field(None, description="Only open or only closed "
                                                    "baskets.")
    persistent: Bool | None = Field(None, description="Only saved (true) or only unsaved (false) "
                                    "baskets.")
    contains: ItemTypeNames | None = Field(None, min_length=1, description="Item types "
                                           "(comma-separated): baskets holding an item of any of them.")
    excludes: ItemTypeNames | None = Field(None, min_length=1, description="Item types "
                                           "(comma-separated): baskets holding none of them.")
    limit: Int = Field(100, ge=1, le=1000, description="At most this many baskets.")
    offset: Int = Field(0, ge=0, le=MAX_ID, description="Skip this many first.")


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def getbaskets(request: Any, p: GetBaskets) -> E:
    now = request.now
    q = sa.select(Basket).where(Basket.not_expired(now))
    if p.name:
        q = q.where(Basket.name_folded.like(_like_pattern(p.name.casefold()), escape="\\"))
    if p.email:
        q = q.where(sa.exists().where(
            BasketMetadata.basket_id == Basket.id, BasketMetadata.key == "email",
            sa.func.lower(BasketMetadata.value).like(_like_pattern(p.email.lower()),
                                                     escape="\\")))
    if p.state:
        q = q.where(Basket.state == p.state)
    if p.persistent is not None:
        q = q.where(Basket.persistent.is_(p.persistent))
    for param, words, present in (("contains", p.contains, True), ("excludes", p.excludes, False)):
        if words:
            check_item_types(request, words, param)
            exists = sa.exists().where(BasketItem.basket_id == Basket.id,
                                       BasketItem.type.in_(words))
            q = q.where(exists if present else ~exists)
    filters = request.registry["xts2.basket_filters"]
    if filters:
        extra = parse_params(request.registry["xts2.basket_filter_params"], request_params(request),
                             context={"tz": request.tz, "now": now})
        for name, flt in filters.items():
            value = getattr(extra, name)
            if value is not None:
                q = flt.apply(request, q, value)
    total = request.dbsession.execute(
        sa.select(sa.func.count()).select_from(q.order_by(None).subquery())).scalar_one()
    value = (sa.select(item_value_sum()).where(BasketItem.basket_id == Basket.id)
             .correlate(Basket).scalar_subquery())
    page = (q.add_columns(value).order_by(Basket.created.desc(), Basket.id.desc())
            .limit(p.limit).offset(p.offset))
    rows = request.dbsession.execute(page).all()
    return elist("baskets", [basket_element(request, b, v) for b, v in rows], {"total": total})


class BasketParam(Params):
    basket: Id = Field(description="The basket (its id).")


def getbasket(request: Any, p: BasketParam) -> E:
    return _full(request, get_basket(request, p.basket))


# -- the basket itself -----------------------------------------------------------------------

EXPIRY_TEXT = ("Seconds until it expires; default the terminal's, else the setting "
               "xts2.basket_expiry.")


class NewBasket(Params):
    expiry: Int | None = Field(None, **EXPIRY, description=EXPIRY_TEXT)


def newbasket(request: Any, p: NewBasket) -> E:
    seconds = expiry_seconds(request, p.expiry)
    basket = insert_row(request, Basket, state="open", persistent=False, created=request.now,
                        expires=expires_at(request, seconds),
                        terminal_id=request.terminal.id if request.terminal else None)
    audit(request, "newbasket", basket.id, expiry=seconds, expires=basket.expires.isoformat())
    return basket_element(request, basket, 0, [])


class TouchBasket(Params):
    basket: Id = Field(description="The basket (its id).")
    expiry: Int | None = Field(None, **EXPIRY, description=EXPIRY_TEXT)


def touchbasket(request: Any, p: TouchBasket) -> E:
    """``expires = now + expiry`` on an open basket that expires; a basket that never expires
    (persistent, or holding a payment) is answered unchanged."""
    basket = get_basket(request, p.basket, lock=True)
    require_open(basket)
    if not basket.persistent and basket.expires is not None:
        seconds = expiry_seconds(request, p.expiry)
        before = basket.expires
        basket.expires = expires_at(request, seconds)
        audit(request, "touchbasket", basket.id, expiry=seconds, before=before.isoformat(),
              expires=basket.expires.isoformat())
    return _full(request, basket)


def revivebasket(request: Any, p: TouchBasket) -> E:
    """``touchbasket`` that also takes an expired basket back, if what it holds is still there.

    The expired basket is made live again (``expires = now + expiry``) and every provider is
    asked (``validate_revive_basket``) whether its items can still be had; the first refusal
    undoes it (the basket stays expired) and is the answer. A basket that has not expired is
    touched; one that ``xts2 expire`` deleted is ``not_found``.
    """
    basket = get_basket(request, p.basket, lock=True, expired=True)
    require_open(basket)
    if not basket.is_expired(request.now):
        return touchbasket(request, p)
    seconds = expiry_seconds(request, p.expiry)
    before = basket.expires
    basket.write(expires=expires_at(request, seconds))
    try:
        request.registry["xts2.pm"].hook.validate_revive_basket(request=request, basket=basket)
    except Exception:
        # The transaction (or call_command's savepoint) undoes the write; the session's copy
        # of the basket, set as loaded, is put back by hand.
        set_committed_value(basket, "expires", before)
        raise
    audit(request, "revivebasket", basket.id, expiry=seconds, before=before.isoformat(),
          expires=basket.expires.isoformat())
    return _full(request, basket)


class SaveBasket(Params):
    basket: Id = Field(description="The basket (its id).")
    name: Name = Field(min_length=1, max_length=100, description="The name to save it under "
                       "(trimmed).")


def savebasket(request: Any, p: SaveBasket) -> E:
    """Name an open basket and keep it until it is closed (persistent, no expiry)."""
    basket = get_basket(request, p.basket, lock=True)
    require_open(basket)
    before = {"name": basket.name, "persistent": basket.persistent,
              "expires": basket.expires.isoformat() if basket.expires else None}
    basket.name = p.name
    basket.persistent = True
    basket.expires = None
    audit(request, "savebasket", basket.id, name=p.name, before=before)
    return _full(request, basket)


class CloseBasket(Params):
    basket: Id = Field(description="The basket (its id).")


def closebasket(request: Any, p: CloseBasket) -> E:
    basket = get_basket(request, p.basket, lock=True)
    require_open(basket)
    items = items_of(request, basket.id)
    if not items:
        raise Conflict(f"basket {basket.id} is empty; only a basket with items closes",
                       code="basket_empty")
    value = value_of(items)
    if value != 0:
        raise Conflict(f"basket {basket.id} has a value of {format_money(value)}; it closes at "
                       "0.00", code="basket_not_balanced")
    # The hooks may read basket.items without a query (the items are loaded already).
    set_committed_value(basket, "items", items)
    hook = request.registry["xts2.pm"].hook
    hook.validate_close_basket(request=request, basket=basket)
    race_window(request)
    basket.write(state="closed", closed=request.now, expires=None)
    hook.basket_closed(request=request, basket=basket)
    audit(request, "closebasket", basket.id, items=len(items), value=value)
    return basket_element(request, basket, value, items)


def openbasket(request: Any, p: BasketParam) -> E:
    """Reopen a closed basket (admin). It stays open until closed again: no expiry."""
    basket = get_basket(request, p.basket, lock=True)
    if basket.state == "open":
        raise Conflict(f"basket {basket.id} is open", code="basket_open")
    hook = request.registry["xts2.pm"].hook
    hook.validate_open_basket(request=request, basket=basket)
    closed = basket.closed
    basket.state = "open"
    basket.closed = None
    basket.expires = None
    request.dbsession.flush()
    hook.basket_reopened(request=request, basket=basket)
    audit(request, "openbasket", basket.id, closed=closed.isoformat() if closed else None)
    return _full(request, basket)


# -- items -----------------------------------------------------------------------------------

#: JSON Schema keywords of a parameter that ``getitemtypes`` gives as attributes, by their name
#: there (money's bounds are decimal strings under ``x-xts2-…``).
_PARAM_KEYS = {"type": "type", "format": "format", "pattern": "pattern", "default": "default",
               "minimum": "minimum", "maximum": "maximum", "exclusiveMinimum": "exclusiveminimum",
               "exclusiveMaximum": "exclusivemaximum", "x-xts2-minimum": "minimum",
               "x-xts2-maximum": "maximum", "x-xts2-exclusiveMinimum": "exclusiveminimum",
               "x-xts2-exclusiveMaximum": "exclusivemaximum", "minLength": "minlength",
               "maxLength": "maxlength", "minItems": "minitems", "maxItems": "maxitems"}


def _param_element(name: str, prop: dict[str, Any], required: bool) -> E:
    attrs: dict[str, Any] = {"name": name, "required": required}
    for key, attr in _PARAM_KEYS.items():
        if key in prop:
            attrs[attr] = prop[key]
    if "enum" in prop:
        attrs["enum"] = ",".join(str(v) for v in prop["enum"])
    if isinstance(prop.get("items"), dict) and "type" in prop["items"]:
        attrs["items"] = prop["items"]["type"]
    return E("param", attrs, text=prop.get("description"), many=True)


def getitemtypes(request: Any, p: Params) -> E:
    """The installed item types, each with its ``item.*`` parameters: what ``additem`` takes.

    Each ``<param>`` is one parameter, with its JSON Schema (the one ``GET /v2/openapi.json``
    publishes under ``x-xts2-item-types``) as attributes and its description as text.
    """
    from ..openapi import item_type_schema

    owners = request.registry["xts2.item_types"]
    out = []
    for name, itype in sorted(request.registry["xts2.item_type_specs"].items()):
        schema = item_type_schema(itype)
        needed = set(schema.get("required", ()))
        params = [_param_element(f"item.{field}", prop, field in needed)
                  for field, prop in schema.get("properties", {}).items()]
        out.append(E("itemtype", {"name": name, "title": itype.title,
                                  "description": itype.description or None,
                                  "plugin": owners[name], "declared": itype.declared},
                     params, many=True, lists=("param",)))
    return elist("itemtypes", out)


class AddItem(Params):
    basket: Id = Field(description="The basket (its id).")
    type: ItemTypeName = Field(description="The item type; its parameters are the item.* ones "
                               "its schema lists (x-xts2-item-types).")


def additem(request: Any, p: AddItem) -> list[E]:
    check_item_types(request, [p.type], "type")
    item_type: ItemType = request.registry["xts2.item_type_specs"][p.type]
    # The item type's schema parses item.* once, here, before any lock is taken: a bad value is
    # bad_param naming item.<field> for every provider alike, and the provider gets the model.
    item_params = (parse_params(item_type.params, request_params(request), prefix="item.",
                                context={"tz": request.tz, "now": request.now})
                   if item_type.declared else None)
    basket = get_basket(request, p.basket, lock=True)
    require_open(basket)
    hook = request.registry["xts2.pm"].hook
    new = check_new_item(p.type, hook.validate_add_item(
        request=request, basket=basket, item_type=p.type, params=request_params(request),
        item_params=item_params))
    race_window(request)
    item = insert_row(request, BasketItem, basket_id=basket.id, type=p.type,
                      quantity=new.quantity, unit_price=new.unit_price,
                      description=new.description[:500], detail=new.detail, added=request.now,
                      terminal_id=request.terminal.id if request.terminal else None)
    hook.item_added(request=request, basket=basket, item=item)
    audit(request, "additem", basket.id, item.id, type=item.type, quantity=item.quantity,
          unit_price=item.unit_price, value=item.value, description=item.description)
    return [item_element(request, item, many=False), _full(request, basket)]


class RemoveItem(Params):
    basket: Id = Field(description="The basket (its id).")
    item: Id = Field(description="The item (its id), in that basket.")


def removeitem(request: Any, p: RemoveItem) -> E:
    basket = get_basket(request, p.basket, lock=True)
    item = get_item(request, p.item)
    if item.basket_id != basket.id:
        raise NotFound(f"item {p.item} is not in basket {basket.id}", param="item")
    require_open(basket)
    request.registry["xts2.pm"].hook.validate_remove_item(request=request, basket=basket,
                                                          item=item)
    audit(request, "removeitem", basket.id, item.id, type=item.type, quantity=item.quantity,
          unit_price=item.unit_price, value=item.value, description=item.description)
    request.dbsession.delete(item)
    request.dbsession.flush()
    return _full(request, basket)


class MoveItem(Params):
    item: Id = Field(description="The item (its id).")
    to: Id = Field(description="The basket it goes to (its id).")


def moveitem(request: Any, p: MoveItem) -> list[E]:
    item = lock_item_and_target(request, p.item, p.to)
    source = get_basket(request, item.basket_id, param="item")
    target = get_basket(request, p.to, param="to")
    if source.id == target.id:
        raise Conflict(f"item {item.id} is already in basket {target.id}")
    require_open(source)
    require_open(target)
    request.registry["xts2.pm"].hook.validate_move_item(request=request, item=item,
                                                        source=source, target=target)
    race_window(request)
    item.basket_id = target.id
    request.dbsession.flush()
    detail = {"from": source.id, "to": target.id, "value": item.value}
    audit(request, "moveitem", source.id, item.id, **detail)
    audit(request, "moveitem", target.id, item.id, **detail)
    return [E("from", children=[_full(request, source)]), E("to", children=[_full(request, target)])]


# -- metadata --------------------------------------------------------------------------------

class SetMetadata(Params):
    basket: Id = Field(description="The basket (its id).")
    key: Key = Field(description="The metadata key.")
    value: Text | None = Field(None, max_length=4096, description="The value; left out: the key "
                               "is deleted.")


def _metadata(request: Any, basket_id: int) -> E:
    rows = request.dbsession.execute(
        sa.select(BasketMetadata.key, BasketMetadata.value)
        .where(BasketMetadata.basket_id == basket_id).order_by(BasketMetadata.key)).all()
    return emap("metadata", dict(rows), {"basket": basket_id})


def setmetadata(request: Any, p: SetMetadata) -> E:
    """Set ``key`` to ``value``, or delete it when ``value`` is omitted; open or closed baskets."""
    basket = get_basket(request, p.basket, lock=True)
    row = request.dbsession.get(BasketMetadata, (basket.id, p.key))
    before = row.value if row is not None else None
    if p.value is None:
        if row is not None:
            request.dbsession.delete(row)
    elif row is None:
        request.dbsession.add(BasketMetadata(basket_id=basket.id, key=p.key, value=p.value))
    else:
        row.value = p.value
    request.dbsession.flush()
    if before != p.value:
        audit(request, "setmetadata", basket.id, key=p.key, before=before, value=p.value)
    return _metadata(request, basket.id)


def getmetadata(request: Any, p: BasketParam) -> E:
    basket = get_basket(request, p.basket)
    return _metadata(request, basket.id)
