"""The cafe's reads cost a constant number of SQL statements, and a sale locks before counting."""

from __future__ import annotations

import sqlalchemy as sa


class Statements:
    """The SQL statements an app's engine runs inside ``with``."""

    def __init__(self, app):
        self.engine = app.registry["dbengine"]
        self.seen: list[str] = []

    def _record(self, conn, cursor, statement, *args):
        self.seen.append(statement)

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._record)


def count_getstock(cafe) -> int:
    with Statements(cafe) as s:
        cafe.call("cafe/getstock", key=False)
    return len([q for q in s.seen if q.lstrip().upper().startswith("SELECT")])


def test_getstock_is_one_query_whatever_the_stock(cafe):
    b = cafe.basket()
    cafe.add(b, "Coffee", 2)
    small = count_getstock(cafe)
    cafe.load({"stock": [{"name": f"Cake {n}", "price": "1.50", "category": "snacks",
                          "level": 10} for n in range(60)]})
    for n in range(0, 60, 6):
        cafe.add(b, f"Cake {n}", 1)
    assert len(cafe.call("cafe/getstock", key=False)["stock"]) == 63
    assert count_getstock(cafe) == small == 1


def test_a_sale_locks_the_stock_row_before_counting(cafe):
    b, coffee = cafe.basket(), cafe.ids()["Coffee"]
    with Statements(cafe) as s:
        cafe.call("baskets/additem", {"basket": b, "type": "cafe", "item.stock": coffee})
    stock_reads = [i for i, q in enumerate(s.seen) if "FROM cafe_stock" in q]
    counts = [i for i, q in enumerate(s.seen) if "FROM cafe_line" in q]
    assert len(stock_reads) == len(counts) == 1 and stock_reads[0] < counts[0]
    if cafe.registry["dbengine"].dialect.name == "postgresql":
        assert "FOR UPDATE" in s.seen[stock_reads[0]]
