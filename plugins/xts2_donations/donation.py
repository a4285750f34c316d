"""The ``donation`` item type: what ``additem`` takes, checks and keeps, and how it is shown.

``additem?type=donation&item.amount=10&item.giftaid=1&item.donor=Jane%20Smith&item.postcode=SW1A1AA``

* ``item.amount`` (money, more than 0.00, at most the season's maximum) is the item's value;
* ``item.giftaid`` (bool, default false): the donor made a Gift Aid declaration, which needs
  ``item.donor`` (their name) and ``item.postcode`` (a UK postcode, kept as ``SW1A 1AA``);
* the donor and postcode are kept in the item's snapshot (``detail``), from which ``describe_item``
  renders ``<donation giftaid donor postcode/>`` and the report reads.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

from xts2_core import (
    BadParam,
    Basket,
    BasketItem,
    Bool,
    E,
    Field,
    ItemRejected,
    ItemType,
    MoneyParam,
    Name,
    NewItem,
    Params,
    format_money,
)

from .settings import maximum

ITEM_TYPE = "donation"
_POSTCODE_RE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")


def _postcode(value: Any) -> Any:
    """``sw1a1aa``, ``SW1A 1AA`` → ``SW1A 1AA``; anything not shaped like a UK postcode fails."""
    if not isinstance(value, str):
        return value
    m = _POSTCODE_RE.fullmatch(re.sub(r"[ \t]+", "", value).upper())
    if m is None:
        raise ValueError("must be a UK postcode such as SW1A 1AA")
    return f"{m[1]} {m[2]}"


#: A UK postcode, normalised to upper case with one space before the inward code.
Postcode = Annotated[str, BeforeValidator(_postcode)]


class DonationParams(Params):
    """The ``item.*`` parameters of a donation."""

    amount: MoneyParam = Field(gt=0, description="The amount given, more than 0.00 and at most "
                               "the season's maximum.")
    giftaid: Bool = Field(False, description="The donor made a Gift Aid declaration (needs "
                          "item.donor and item.postcode).")
    donor: Name | None = Field(None, min_length=1, max_length=100,
                               description="The donor's name (required with Gift Aid).")
    postcode: Postcode | None = Field(None, description="The donor's UK postcode, such as "
                                      "SW1A 1AA (required with Gift Aid).")


ITEM = ItemType(ITEM_TYPE, DonationParams, "Donation",
                "Money given to the venue, with or without a Gift Aid declaration.")


def new_donation(request: Any, basket: Basket, p: DonationParams) -> NewItem:
    """Check a donation (``p``: its parsed ``item.*``); the :class:`NewItem` to add, or
    ``ItemRejected``."""
    if p.giftaid:
        for name in ("donor", "postcode"):
            if getattr(p, name) is None:
                raise BadParam(f"item.{name}",
                               f"parameter 'item.{name}' is required for a Gift Aid donation")
    top = maximum(request.dbsession)
    if p.amount > top:
        raise ItemRejected(f"A single donation may be at most {format_money(top)}; "
                           f"{format_money(p.amount)} is more", param="item.amount")
    description = "Donation"
    if p.donor:
        description += f" from {p.donor}"
    if p.giftaid:
        description += " (Gift Aid)"
    return NewItem(quantity=1, unit_price=p.amount, description=description,
                   detail={"giftaid": p.giftaid, "donor": p.donor, "postcode": p.postcode})


def donation_element(item: BasketItem) -> E:
    """``<donation giftaid donor postcode/>`` from the item's snapshot alone (no query)."""
    d = item.detail or {}
    return E("donation", {"giftaid": bool(d.get("giftaid")), "donor": d.get("donor"),
                          "postcode": d.get("postcode")})
