"""What a provider hands back from ``validate_add_item``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class NewItem:
    """An item a provider agrees to add.

    :param quantity: how many (≥ 1).
    :param unit_price: minor units, signed: the item's value is ``quantity * unit_price``
        (an anti-ticket or a payment is negative).
    :param description: one line for people ("Hamlet, Tue 1 Dec 19:30, Adult").
    :param detail: the snapshot of what was sold, as sold (JSON-serialisable), which
        ``describe_item`` renders and reports read.
    """

    quantity: int
    unit_price: int
    description: str
    detail: dict[str, Any] = field(default_factory=dict)
