"""The cafe's reads cost a constant number of SQL statements, and a sale locks before counting."""

from __future__ import annotations


def count_getstock(cafe) -> int:
    with cafe.statements() as seen:
        cafe.call("cafe/getstock", key=False)
    return len([q for q in seen if q.lstrip().upper().startswith("SELECT")])


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
    with cafe.statements() as seen:
        cafe.call("baskets/additem", {"basket": b, "type": "cafe", "item.stock": coffee})
    stock_reads = [i for i, q in enumerate(seen) if "FROM cafe_stock" in q]
    counts = [i for i, q in enumerate(seen) if "FROM cafe_line" in q]
    assert len(stock_reads) == len(counts) == 1 and stock_reads[0] < counts[0]
    if cafe.registry["dbengine"].dialect.name == "postgresql":
        assert "FOR UPDATE" in seen[stock_reads[0]]
