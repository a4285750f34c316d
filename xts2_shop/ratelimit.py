"""The limit on new shop baskets per client address: ``shop.baskets_per_window`` per
``shop.rate_window`` seconds, counted in the database so that every server process shares it.

The count is one row per address (a fixed window): it is raised in the same transaction as the
new basket, so a basket that was not made is not counted, and two processes counting the same
address at once queue on the row (PostgreSQL's row lock; SQLite has one writer). The client
address is the one the WSGI server gives: behind a proxy, waitress takes it from
``X-Forwarded-For`` only when the proxy is listed in ``trusted_proxy`` (production.ini), so a
customer cannot choose their own address by sending the header. (That is ``REMOTE_ADDR``, not
WebOb's ``client_addr``, which believes the first address of any ``X-Forwarded-For``.)
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from xts2_core import for_update, is_sqlite

from .models import ShopRate


class Limited(Exception):
    """Too many new baskets from this address: ``retry_after`` seconds until the next window."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def count_new_basket(request: Any) -> None:
    """Count a new basket for the request's client address, or raise :class:`Limited`."""
    shop = request.registry["shop.settings"]
    if shop.baskets_per_window == 0:
        return
    address = (request.remote_addr or "unknown")[:100]
    now, window = request.now, timedelta(seconds=shop.rate_window)
    db = request.dbsession
    insert = (sqlite_insert if is_sqlite(db) else postgresql_insert)(ShopRate.__table__)
    # Whether the row was made is what RETURNING says: psycopg's rowcount of an INSERT ... ON
    # CONFLICT DO NOTHING is -1 here, which counted every basket as an address's first.
    if db.execute(insert.values(address=address, window_start=now, count=1)
                  .on_conflict_do_nothing(index_elements=["address"])
                  .returning(ShopRate.__table__.c.address)).first() is not None:
        # A new address: old windows of others are swept now and then, here.
        db.execute(sa.delete(ShopRate).where(ShopRate.window_start <= now - window))
        return
    row = db.execute(for_update(request, sa.select(ShopRate).where(ShopRate.address == address))
                     .execution_options(populate_existing=True)).scalar_one()
    if row.window_start <= now - window:
        row.window_start, row.count = now, 1
    elif row.count >= shop.baskets_per_window:
        left = (row.window_start + window - now).total_seconds()
        raise Limited(max(1, int(left + 0.999)))
    else:
        row.count += 1
    db.flush()
