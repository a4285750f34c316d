"""What a closed basket's items have had returned: the bookkeeping every provider whose items can
be refunded with ``item.refundof`` needs to render ``refunded``/``refunding`` on them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .models import Basket


class ClosedBasketFacts:
    """What a provider shows on a closed basket's items, read with its own ``statement`` at most
    once per basket and request, whatever the number of items rendered (the rendering of a
    basket asks ``of`` for each item).

    :param statement: a select of the facts of the items of one basket; it is given ``basket``
        (the basket's id) and ``now``.
    :param collect: ``collect(rows)``: the rows as the provider reads them (by item id).
    """

    def __init__(self, statement: Any, collect: Callable[[Any], Any]) -> None:
        self.statement = statement
        self.collect = collect
        self._key = f"_xts2_facts_{id(self)}"

    def of(self, request: Any, basket_id: int) -> Any:
        """The facts of the basket's items (``None`` for a basket that is not closed)."""
        cache = request.__dict__.setdefault(self._key, {})
        if basket_id in cache:
            return cache[basket_id]
        basket = request.dbsession.get(Basket, basket_id)       # loaded already: no query
        found = None
        if basket is not None and basket.state == "closed":
            found = self.collect(request.dbsession.connection().execute(
                self.statement, {"now": request.now, "basket": basket_id}))
        cache[basket_id] = found
        return found

    def known(self, request: Any, basket_id: int, found: Any) -> None:
        """The facts of a basket this request knows already (it closed it): shown without a
        query."""
        request.__dict__.setdefault(self._key, {})[basket_id] = found


class BasketRefunds(ClosedBasketFacts):
    """``{item id: (refunded, refunding)}`` of one provider's items of a closed basket, read with
    the provider's own ``statement`` at most once per basket and request, whatever the number of
    items rendered.

    :param statement: a select of rows ``refundof, refunded, refunding`` (refunds in closed
        baskets, and in baskets still open) grouped by the original item, for the items of
        ``basket``; it is given ``basket`` (the basket's id) and ``now``.
    """

    def __init__(self, statement: Any) -> None:
        super().__init__(statement, lambda rows: {
            row.refundof: (int(row.refunded), int(row.refunding)) for row in rows})

    def basket_closed(self, request: Any, basket: Basket) -> None:
        """A basket this request closed has no refunds of its items (a refund names only an item
        of a closed basket, and a basket that refunds still name is never reopened): it renders
        without asking (one statement fewer per sale). Call it from ``basket_closed``."""
        self.known(request, basket.id, {})
