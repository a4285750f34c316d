"""The two baselines, served by ``pserve`` exactly like XTS2 (same ini, same waitress).

``GET /floor/static``      a bare Pyramid view answering a fixed short XML body: the framework's
                           floor (routing, WebOb, waitress), with no database.
``GET /floor/db?id=N``     a bare Pyramid view that runs one indexed aggregate query (the items of
                           basket N: count and value) through XTS2's own engine, session and
                           transaction setup (``xts2_core.db.includeme``: pyramid_retry, pyramid_tm,
                           zope.sqlalchemy): the database floor.

The ini names it with ``use = call:bench.floor:main``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pyramid.config import Configurator
from pyramid.response import Response

from xts2_core.models import BasketItem

STATIC_BODY = (b"<?xml version='1.0' encoding='utf-8'?>\n"
               b'<xts2 version="2" servlet="floor" command="static" status="ok">\n'
               b'  <floor answer="42"/>\n</xts2>\n')

AGGREGATE = (sa.select(sa.func.count(), sa.func.coalesce(
    sa.func.sum(BasketItem.quantity * BasketItem.unit_price), 0))
    .where(BasketItem.basket_id == sa.bindparam("id")))


def static_view(request: Any) -> Response:
    return Response(body=STATIC_BODY, content_type="application/xml", charset="utf-8")


def db_view(request: Any) -> Response:
    try:
        ident = int(request.params.get("id", "1"))
    except ValueError:
        ident = 1
    count, value = request.dbsession.execute(AGGREGATE, {"id": ident}).one()
    body = (f"<?xml version='1.0' encoding='utf-8'?>\n"
            f'<xts2 version="2" servlet="floor" command="db" status="ok">\n'
            f'  <items basket="{ident}" count="{count}" value="{value}"/>\n</xts2>\n')
    return Response(body=body.encode("utf-8"), content_type="application/xml", charset="utf-8")


def make_floor_app(settings: dict[str, Any]) -> Any:
    """The WSGI app: both floors on XTS2's database wiring."""
    config = Configurator(settings=dict(settings))
    config.include("xts2_core.db")
    config.add_route("floor.static", "/floor/static")
    config.add_route("floor.db", "/floor/db")
    config.add_view(static_view, route_name="floor.static")
    config.add_view(db_view, route_name="floor.db")
    return config.make_wsgi_app()


def main(global_config: dict[str, Any], **settings: Any) -> Any:
    """PasteDeploy entry point (``use = call:bench.floor:main``)."""
    return make_floor_app(settings)
