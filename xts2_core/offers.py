"""What a provider sells in a shop beside tickets: :class:`ShopOffer` (``shop_offers``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class ShopOffer:
    """An item a customer may add to their basket in the shop (a coffee, a donation).

    The shop shows it on the basket page and, when the customer chooses it, adds it with
    ``additem`` (``type`` and ``params``, plus the customer's quantity or amount) as the online
    terminal: the owner's ``validate_add_item`` decides, as at the counter.

    :param key: unique among the page's offers (``cafe.3``): a-z, 0-9, ``_.-``.
    :param type: the item type (``cafe``, ``donation``).
    :param label: what the customer reads (``Coffee``, ``Add a donation``).
    :param params: the fixed ``item.*`` parameters (``{"item.stock": "3"}``).
    :param price: the unit price in minor units, shown beside the label; ``None`` when the
        customer gives the amount.
    :param quantity_param: the parameter the customer's quantity goes in (``item.quantity``),
        from 1 to ``max_quantity``; ``None``: one at a time.
    :param amount_param: the parameter the customer's amount goes in (``item.amount``), for an
        offer without a ``price``.
    :param max_quantity: the most a customer may choose at once.
    :param description: a sentence under the label.
    """

    key: str
    type: str
    label: str
    params: dict[str, str] = field(default_factory=dict)
    price: int | None = None
    quantity_param: str | None = None
    amount_param: str | None = None
    max_quantity: int = 10
    description: str = ""

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise ValueError(f"shop offer {self.key!r}: a key is 1-64 of a-z, 0-9, _ . -")
        if self.price is None and self.amount_param is None:
            raise ValueError(f"shop offer {self.key!r}: give a price, or the amount_param the "
                             "customer's amount goes in")
        if not all(k.startswith("item.") for k in self.params):
            raise ValueError(f"shop offer {self.key!r}: params are item.* parameters")
