"""What else the shop sells: the providers' offers on the basket page (the ``shop_offers`` hook).

The shop knows tickets. Anything else — a coffee the cafe marks ``online``, a donation — comes
from the plugins: :func:`offers_for` asks every plugin's ``shop_offers`` for the customer's
basket, and the basket page lists the offers under its lines (``_offers.jinja2``), each a small
form with the customer's quantity or amount. Offers are made only on a basket that exists: the
basket page of a customer who has chosen tickets. The shop never starts a basket for a coffee or
a donation alone.

``POST /shop/basket/offer`` (:func:`offer_view`) takes the offer's ``key`` and the customer's
``quantity`` or ``amount``, and nothing else: the offer is found again among the offers the
providers make now (its type, ``item.*`` parameters and price are theirs; a price, a stock id or
any ``item.*`` sent with the form is ignored), the number is checked (a quantity from 1 to the
offer's ``max_quantity``; an amount of money above 0.00, pounds and pence), and the item is added
with ``baskets/additem`` as the online terminal, so the provider's ``validate_add_item`` decides
as at the counter. The form's one-time id is the command's ``opid``: the same form sent twice adds
one item. A refusal — the shop's or the provider's, in its words — shows the basket page with the
offer's field marked, with status 400 (what the customer typed) or the API's (409 for a
provider's refusal); nothing is added.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther

from xts2_core import ShopOffer, XTSError, call_command, parse_money
from xts2_core.models import Operation

log = logging.getLogger(__name__)

#: Where :func:`offer_view` leaves what went wrong with an offer for ``_offers.jinja2``: a dict
#: with the offer's ``key``, the ``field`` to mark (``quantity``, ``amount`` or ``None``) and the
#: ``value`` the customer typed.
PROBLEM = "xts2_shop.offer_problem"
#: What an offer's key looks like (:class:`~xts2_core.ShopOffer`); the form's is checked first.
_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def offers_for(request: Any, basket: dict[str, Any] | None) -> list[ShopOffer]:
    """The offers of every plugin for ``basket`` (as ``getbasket`` describes it), in the order
    pluggy calls them; none without a basket (the shop offers only on a basket that exists).

    A key offered twice keeps its first offer, and anything that is not a
    :class:`~xts2_core.ShopOffer` is left out; both are logged (a plugin's mistake should not
    take the basket page down)."""
    if basket is None:
        return []
    offers: list[ShopOffer] = []
    keys: set[str] = set()
    for result in request.registry["xts2.pm"].hook.shop_offers(request=request, basket=basket):
        for offer in result or ():
            if not isinstance(offer, ShopOffer):
                log.error("shop_offers returned %r, not a ShopOffer: left out", offer)
            elif offer.key in keys:
                log.error("shop_offers: the key %r is offered twice; the first is kept", offer.key)
            else:
                keys.add(offer.key)
                offers.append(offer)
    return offers


def _opid(formid: str, key: str) -> str:
    """The additem's opid: the form's one-time id and the offer (one page's forms share an id)."""
    opid = f"shop-{formid}-o.{key}"
    if len(opid) <= 64:
        return opid
    return f"shop-{formid}-o.{hashlib.sha256(key.encode()).hexdigest()[:36]}"


def _sent_before(request: Any, opid: str) -> bool:
    """Whether this form's additem ran already (its opid is recorded)."""
    return request.dbsession.get(Operation, (request.shop_terminal.id, opid)) is not None


def _quantity(text: str, offer: ShopOffer, error: Any) -> int:
    text = text.strip()
    most = offer.max_quantity
    if not text.isascii() or not text.isdigit() or len(text) > 6 or int(text) < 1:
        raise error(f"Quantity of {offer.label}: '{text[:20]}' is not a number you can add; give "
                    f"a whole number from 1 to {most}", field="quantity")
    if int(text) > most:
        raise error(f"Quantity of {offer.label}: at most {most} can be added at once",
                    field="quantity")
    return int(text)


def _amount(text: str, error: Any) -> str:
    """The customer's amount as the API's money text (``12.50``): pounds and pence, more than
    0.00; a leading ``£`` is allowed, exponents, thousands separators and fractions of a penny
    are not."""
    text = text.strip()
    if not text:
        raise error("Amount: please give an amount, such as 5 or 12.50", field="amount")
    try:
        minor = parse_money(text.removeprefix("£").strip())
    except ValueError:
        raise error(f"Amount: '{text[:20]}' is not an amount of money; write pounds and pence, "
                    "such as 5 or 12.50", field="amount") from None
    if minor <= 0:
        raise error("Amount: give more than £0.00", field="amount")
    return f"{minor // 100}.{minor % 100:02d}"


def offer_view(request: Any) -> Any:
    """POST: add an offer (``offer`` = its key, ``quantity`` or ``amount``, ``formid``) to the
    session's basket, and back to the basket page."""
    from . import views  # views imports this module (offers_for); import it when it is there

    views._check_post(request)
    basket = views._current_basket(request)
    if basket is None:  # none yet, or gone: the basket page says which
        return HTTPSeeOther(request.route_path("shop.basket"))
    key = request.POST.get("offer", "")
    offer: ShopOffer | None = None
    typed = ""
    try:
        formid = views._formid(request)
        opid = _opid(formid, key) if _KEY.match(key) else None
        if opid is not None and _sent_before(request, opid):
            # The same form again (a double click, a second tab): it was done the first time,
            # even if the offer has gone since (the last one was this customer's).
            return HTTPSeeOther(request.route_path("shop.basket"))
        offer = next((o for o in offers_for(request, basket) if o.key == key), None)
        if offer is None:
            raise views.PageError("That is not on offer (any more); choose from what your "
                                  "basket page offers now", field="offer")
        params: dict[str, Any] = {"basket": basket["id"], "type": offer.type, **offer.params}
        if offer.price is None:
            typed = request.POST.get("amount", "")
            params[offer.amount_param] = _amount(typed, views.PageError)
        elif offer.quantity_param is not None:
            typed = request.POST.get("quantity", "")
            params[offer.quantity_param] = _quantity(typed, offer, views.PageError)
        if views._pending(request, basket["id"]):
            raise views.PageError("A payment for this basket is under way; finish it or wait "
                                  "for it to end before changing the basket", status=409)
        call_command(request, "baskets/additem", params, terminal=request.shop_terminal,
                     opid=opid)
    except (views.PageError, XTSError) as exc:
        problem = views._page_error(exc)
        field = problem.field
        if offer is not None and field is not None:  # the provider names its item.* parameter
            field = {offer.quantity_param: "quantity", offer.amount_param: "amount"}.get(
                field, field)
        request.environ[PROBLEM] = {"key": key, "field": field, "value": typed[:40]}
        return views.basket_view(request, error=problem)
    return HTTPSeeOther(request.route_path("shop.basket"))


def includeme(config: Any) -> None:
    """The offer form's route and view (the basket page lists the offers)."""
    config.add_route("shop.offer", "/shop/basket/offer")
    config.add_view(offer_view, route_name="shop.offer", request_method="POST")
