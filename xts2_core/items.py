"""Basket item types as providers declare them, and what a provider hands back from
``validate_add_item``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .params import NoParams, Params

#: Item type names: lower case, 1–32 of ``a-z0-9_``.
ITEM_TYPE_RE = re.compile(r"^[a-z0-9_]{1,32}$")


@dataclass(frozen=True)
class ItemType:
    """A basket item type a provider owns (``register_item_types``), with its ``item.*``
    parameters.

    :param name: the ``type`` of ``additem`` (``ticket``): lower case, 1–32 of ``a-z0-9_``.
    :param params: the :class:`~xts2_core.Params` schema of the ``item.*`` parameters, without
        the prefix (a field ``quantity`` is the parameter ``item.quantity``); describe each field
        with ``Field(description=…)``. The core parses the request's ``item.*`` parameters with
        it before ``validate_add_item`` (a bad value is ``bad_param`` naming ``item.quantity``)
        and hands the provider the parsed model as ``item_params``; ``GET /v2/openapi.json`` and
        ``baskets/getitemtypes`` publish it.
    :param title: a short name for people ("Ticket").
    :param description: one or two sentences for client authors.
    """

    name: str
    params: type[Params] = NoParams
    title: str = ""
    description: str = ""
    #: False only for a type registered as a bare name (deprecated): its ``item.*`` parameters
    #: are not parsed by the core, and its provider gets ``item_params=None``.
    declared: bool = field(default=True, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not ITEM_TYPE_RE.match(self.name):
            raise ValueError(f"item type {self.name!r}: a name is 1 to 32 of a-z, 0-9 and _")
        if not (isinstance(self.params, type) and issubclass(self.params, Params)):
            raise TypeError(f"item type {self.name!r}: params must be a Params subclass, "
                            f"not {self.params!r}")
        if not self.title:
            object.__setattr__(self, "title", self.name.replace("_", " ").capitalize())


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
