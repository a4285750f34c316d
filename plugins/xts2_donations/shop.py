"""What the donations plugin offers in the venue's online shop (``shop_offers``): "Add a donation",
of an amount the customer gives, when the season file says ``donations: [{online: true}]``.

The shop adds it with ``additem?type=donation&item.amount=…`` as its online terminal, so
:func:`~xts2_donations.donation.new_donation` decides as at the counter (more than 0.00, at most
the season's maximum, refused in its words). Online donations carry no Gift Aid declaration: the
shop asks for the amount only.
"""

from __future__ import annotations

from typing import Any

from xts2_core import ShopOffer, format_money

from .donation import ITEM_TYPE
from .settings import shop_settings

#: The parameter the customer's amount goes in: the ``amount`` field of the donation's ``item.*``
#: schema (:class:`~xts2_donations.donation.DonationParams`), with its prefix.
AMOUNT_PARAM = "item.amount"


def offers(request: Any) -> list[ShopOffer]:
    """``[Add a donation]`` when the season offers donations online, else nothing: one query."""
    online, top = shop_settings(request.dbsession)
    if not online:
        return []
    return [ShopOffer(key="donation", type=ITEM_TYPE, label="Add a donation",
                      amount_param=AMOUNT_PARAM,
                      description=f"Any amount you choose, up to £{format_money(top)}. "
                                  "Thank you for supporting the theatre.")]
