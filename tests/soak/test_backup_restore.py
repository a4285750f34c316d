"""Backup and restore as docs/operators.md tells the operator: make sales, back the database up
while the server is live, restore the backup into a fresh database, and find every sale there.

SQLite: ``sqlite3 FILE ".backup 'COPY'"`` (the sqlite3 command line; Python's ``sqlite3`` backup
API, which the guide gives as the alternative, where that tool is missing). PostgreSQL:
``pg_dump --format=custom`` and ``pg_restore --no-owner`` into a new database, which this test
then drops. On a PostgreSQL run the PostgreSQL client tools are required, not optional.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import uuid
from datetime import date, timedelta

import sqlalchemy as sa

ROOT_BIN = sys.executable.rsplit("/", 1)[0]


def season() -> dict:
    day = date.today() + timedelta(days=10)
    return {
        "shows": [{"name": "Backup", "tickettypes": [{"name": "Adult", "price": "10.00"}],
                   "performances": [{"start": f"{day}T19:30", "capacity": 50}]}],
        "stock": [{"name": "Tea", "price": "1.50", "category": "drinks", "level": 20}],
        "paymenttypes": [{"code": "cash", "name": "Cash"}, {"code": "card", "name": "Card"}],
        "terminals": [{"name": "Test terminal", "paymenttypes": ["cash", "card"]}],
    }


def sell(app) -> tuple[list[dict], int, int, int]:
    """Three sales (tickets, tea, card + cash) and a refund; → baskets, performance, tickettype,
    tea's stock id."""
    show = app.call("tickets/getshows")["shows"][0]
    perf = app.call("tickets/getperformances", {"show": show["id"]})["performances"][0]["id"]
    tt = app.call("tickets/gettickettypes", {"show": show["id"]})["tickettypes"][0]["id"]
    tea = app.call("cafe/getstock")["stock"][0]["id"]
    baskets = []
    for n in (1, 2, 3):
        b = app.call("baskets/newbasket")["basket"]["id"]
        app.call("baskets/additem", {"basket": b, "type": "ticket", "item.performance": perf,
                                     "item.tickettype": tt, "item.quantity": n})
        app.call("baskets/additem", {"basket": b, "type": "cafe", "item.stock": tea})
        app.call("baskets/additem", {"basket": b, "type": "payment", "item.paymenttype": "card",
                                     "item.amount": "5.00"})
        owed = app.call("baskets/getbasket", {"basket": b})["basket"]["value"]
        app.call("baskets/additem", {"basket": b, "type": "payment", "item.paymenttype": "cash",
                                     "item.amount": owed})
        baskets.append(app.call("baskets/closebasket", {"basket": b})["basket"])
    b = app.call("baskets/newbasket")["basket"]["id"]
    app.call("baskets/additem", {"basket": b, "type": "ticket", "item.performance": perf,
                                 "item.tickettype": tt, "item.refund": "true"})
    app.call("baskets/additem", {"basket": b, "type": "payment", "item.paymenttype": "cash",
                                 "item.amount": "10.00", "item.refund": "true"})
    baskets.append(app.call("baskets/closebasket", {"basket": b})["basket"])
    return [app.call("baskets/getbasket", {"basket": x["id"]})["basket"] for x in baskets], perf, tt, tea


def what_was_sold(app, baskets, perf) -> dict:
    return {
        "baskets": [app.call("baskets/getbasket", {"basket": b["id"]})["basket"] for b in baskets],
        "counts": app.call("tickets/getticketcounts", {"performance": perf})["ticketcounts"],
        "stock": app.call("cafe/getstock")["stock"],
        "takings": app.call("money/gettakings", {"since": "2000-01-01T00:00"})["takings"]["total"],
        "all": app.call("baskets/getbaskets", {"state": "closed"})["baskets"],
    }


def run(*args: str) -> str:
    proc = subprocess.run(args, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(args)}: {proc.stdout}{proc.stderr}"
    return proc.stdout


def libpq(url: sa.URL) -> str:
    """The URL as the PostgreSQL tools take it (no ``+psycopg``)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def test_backup_restore_finds_every_sale(xts2_app_factory, xts2_database_url, tmp_path):
    app = xts2_app_factory()
    app.load(season())
    baskets, perf, _tt, _tea = sell(app)
    assert [b["state"] for b in baskets] == ["closed"] * 4
    before = what_was_sold(app, baskets, perf)
    assert before["takings"] == "54.50"  # 6 tickets and 3 teas, less one 10.00 refund

    url = sa.make_url(xts2_database_url)
    drop = None
    if url.get_backend_name() == "sqlite":
        # Online, while the app (its engine and open connections) is live.
        copy = tmp_path / "backup.sqlite"
        if shutil.which("sqlite3"):
            run("sqlite3", url.database, f".backup '{copy}'")
        else:
            src, dst = sqlite3.connect(url.database), sqlite3.connect(copy)
            src.backup(dst)
            src.close()
            dst.close()
        restored = tmp_path / "restored.sqlite"
        shutil.copyfile(copy, restored)  # restore = put the copy where the ini points
        restored_url = f"sqlite:///{restored}"
    else:
        dump = tmp_path / "xts2.dump"
        run("pg_dump", "--format=custom", f"--file={dump}", libpq(url))
        name = f"xts2_restored_{uuid.uuid4().hex[:8]}"
        run("createdb", f"--maintenance-db={libpq(url)}", name)
        target = url.set(database=name)

        def drop() -> None:
            engine = sa.create_engine(url.set(drivername="postgresql+psycopg"),
                                      isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            engine.dispose()

        try:
            run("pg_restore", "--no-owner", f"--dbname={libpq(target)}", str(dump))
        except AssertionError:
            drop()
            raise
        restored_url = target.render_as_string(hide_password=False)
    try:
        # The restored database is at the newest schema already: initdb has nothing to do.
        ini = tmp_path / "restored.ini"
        ini.write_text(f"[app:main]\nuse = egg:xts2\nsqlalchemy.url = {restored_url}\n")
        out = run(f"{ROOT_BIN}/xts2", "initdb", str(ini))
        assert "is at" in out
        again = xts2_app_factory(**{"sqlalchemy.url": restored_url})
        after = what_was_sold(again, baskets, perf)
        assert after == before
        assert [b["id"] for b in after["all"]] == [b["id"] for b in reversed(baskets)]
        # …and the restored database takes new sales, numbered after the old ones.
        new = again.call("baskets/newbasket")["basket"]["id"]
        assert new > max(b["id"] for b in baskets)
    finally:
        if drop is not None:
            drop()
