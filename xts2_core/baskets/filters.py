"""``getbaskets`` filters: the core's own and those plugins add with ``register_basket_filters``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class BasketFilter:
    """A ``getbaskets`` parameter that narrows the list.

    :param name: the parameter name (``giftaid``).
    :param type: its parameter type (:data:`xts2_core.Bool`, :data:`xts2_core.Words`, …).
    :param apply: ``apply(request, select, value)`` returning the narrowed ``select`` of
        :class:`xts2_core.Basket` (add ``where`` clauses; ``EXISTS`` on your own tables).
    :param description: one line for client authors: what the parameter selects (published,
        as the parameter's description, in ``GET /v2/openapi.json``).
    """

    name: str
    type: Any
    apply: Callable[[Any, sa.Select[Any], Any], sa.Select[Any]]
    description: str = ""
