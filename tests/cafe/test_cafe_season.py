"""The ``stock`` season section and the demo stock."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from xts2_core import SeasonError
from xts2_core.testing import write_ini


def levels(app):
    with app.session() as s:
        return dict(s.execute(sa.text("SELECT name, level FROM cafe_stock")).all())


def test_loading_twice_changes_nothing(cafe):
    before = cafe.call("cafe/getstock", key=False)["stock"]
    assert cafe.load({"stock": cafe.stock}) == {"stock": 4}
    assert cafe.call("cafe/getstock", key=False)["stock"] == before


def test_update_by_name(cafe):
    coffee = cafe.ids()["Coffee"]
    cafe.load({"stock": [{"name": "Coffee", "price": "2.40", "category": "hot", "level": 5},
                         {"name": "Old cake", "price": "1.00", "category": "snacks",
                          "level": 10, "onsale": True},
                         {"name": "Tea", "price": "1.80", "category": "drinks", "level": 7}]})
    stock = {i["name"]: i for i in cafe.call("cafe/getstock", key=False)["stock"]}
    assert stock["Coffee"] == {"id": coffee, "name": "Coffee", "price": "2.40",
                               "category": "hot", "available": 5}
    assert stock["Old cake"]["available"] == 10           # back on sale
    assert stock["Tea"]["available"] == 7                 # now tracked
    cafe.load({"stock": [{"name": "Tea", "price": "1.80", "category": "drinks"}]})
    assert "available" not in next(i for i in cafe.call("cafe/getstock", key=False)["stock"]
                                   if i["name"] == "Tea")   # untracked again


def test_reloading_the_same_file_does_not_undo_sales(till):
    b = till.basket()
    till.add(b, "Coffee", 2)
    till.call("baskets/additem", {"basket": b, "type": "payment", "item.paymenttype": "cash",
                                  "item.amount": "4.40"})
    till.call("baskets/closebasket", {"basket": b})
    assert levels(till)["Coffee"] == 3
    till.load({"stock": till.stock})                      # same file: the sales stand
    assert levels(till)["Coffee"] == 3
    restock = [dict(e, level=40) if e["name"] == "Coffee" else e for e in till.stock]
    till.load({"stock": restock})                         # a new figure: a stock take
    assert levels(till)["Coffee"] == 40
    assert till.available()["Coffee"] == 40


def test_prices(cafe):
    cafe.load({"stock": [{"name": "Water", "price": 1, "category": "drinks"},
                         {"name": "Cake", "price": "3.5", "category": "snacks"},
                         {"name": "Glass", "price": "0", "category": "other"},
                         {"name": "Juice", "price": 2.2, "category": "drinks"},  # YAML 2.20
                         {"name": "Soup", "price": 4.35, "category": "food"}]})
    prices = {i["name"]: i["price"] for i in cafe.call("cafe/getstock", key=False)["stock"]}
    assert (prices["Water"], prices["Cake"], prices["Glass"]) == ("1.00", "3.50", "0.00")
    # unquoted decimals are read exactly as written (4.35 * 100 is 434.99999999999994 as floats)
    assert (prices["Juice"], prices["Soup"]) == ("2.20", "4.35")


def _xts2_load(tmp_path: Path, url: str, text: str) -> subprocess.CompletedProcess[str]:
    season = tmp_path / "season.yaml"
    season.write_text(text)
    ini = write_ini(tmp_path / "load.ini", url, plugins=["cafe"])
    xts2 = Path(sys.executable).with_name("xts2")
    return subprocess.run([str(xts2), "load", str(ini), str(season)], capture_output=True,
                          text=True, timeout=120)


def test_xts2_load_reads_unquoted_prices_exactly_and_names_line_and_field(
        cafe, xts2_database_url, tmp_path: Path):
    good = ("stock:\n"
            "  - {name: Water, price: 2.20, category: drinks}\n"
            "  - {name: Soup, price: 4.35, category: food}\n"
            "  - {name: Cake, price: 3, category: snacks}\n")
    run = _xts2_load(tmp_path, xts2_database_url, good)
    assert run.returncode == 0, run.stderr
    prices = {i["name"]: i["price"] for i in cafe.call("cafe/getstock", key=False)["stock"]}
    assert (prices["Water"], prices["Soup"], prices["Cake"]) == ("2.20", "4.35", "3.00")
    bad = ("stock:\n"
           "  - {name: Water, price: 2.50, category: drinks}\n"
           "  - name: Soup\n"
           "    price: 2.205\n"
           "    category: food\n")
    run = _xts2_load(tmp_path, xts2_database_url, bad)
    assert run.returncode == 1
    assert ("line 4: stock[1] field 'price': must be an amount with at most two decimal places"
            in run.stderr)
    assert "nothing changed" in run.stderr
    assert {i["name"]: i["price"] for i in cafe.call("cafe/getstock", key=False)["stock"]
            } == prices


@pytest.mark.parametrize(("entry", "words"), [
    ({"name": "Water", "price": 2.205, "category": "drinks"}, ["price", "two decimal"]),
    ({"name": "Water", "price": "2.205", "category": "drinks"}, ["price", "two decimal"]),
    ({"name": "Water", "price": float("nan"), "category": "drinks"}, ["price", "NaN"]),
    ({"name": "Water", "price": "-1", "category": "drinks"}, ["price"]),
    ({"name": "Water", "price": "1.00"}, ["category"]),
    ({"name": "", "price": "1.00", "category": "drinks"}, ["name"]),
    ({"name": "  ", "price": "1.00", "category": "drinks"}, ["name"]),
    ({"name": "Water", "price": "1.00", "category": " "}, ["category"]),
    ({"name": "Water", "price": True, "category": "drinks"}, ["price"]),
    ({"name": "Water", "price": "1.00", "category": "drinks", "level": -1}, ["level"]),
    ({"name": "Water", "price": "1.00", "category": "drinks", "colour": "blue"}, ["colour"]),
])
def test_bad_entries_name_the_field_and_change_nothing(cafe, entry, words):
    good = {"name": "Juice", "price": "1.90", "category": "drinks"}
    with pytest.raises(SeasonError) as exc:
        cafe.load({"stock": [good, entry]})
    for w in words:
        assert w in str(exc.value)
    assert "stock[1]" in str(exc.value)
    assert "Juice" not in cafe.ids()


def test_a_name_twice_is_an_error(cafe):
    with pytest.raises(SeasonError, match="Water is listed more than once"):
        cafe.load({"stock": [{"name": "Water", "price": "1", "category": "drinks"},
                             {"name": "Water", "price": "2", "category": "drinks"}]})


def test_stock_section_needs_the_plugin(xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    with pytest.raises(SeasonError, match="'stock' belongs to no installed plugin"):
        app.load({"stock": [{"name": "Water", "price": "1", "category": "drinks"}]})


def test_demo_stock(xts2_app_factory, tmp_path: Path):
    # A database of its own: the test database carries every installed plugin's schema, which
    # `xts2 demo` with the cafe alone would not recognise.
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    ini = write_ini(tmp_path / "demo.ini", url, plugins=["cafe"])
    xts2 = Path(sys.executable).with_name("xts2")
    run = subprocess.run([str(xts2), "demo", str(ini)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert re.search(r"demo terminal key: \S{16,}", run.stdout)
    app = xts2_app_factory(plugins=["cafe"], **{"sqlalchemy.url": url})
    stock = {i["name"]: i for i in app.call("cafe/getstock", key=False)["stock"]}
    assert stock["Coffee"]["price"] == "2.20" and stock["Coffee"]["available"] > 0
    assert "available" not in stock["Tea"]
    assert {i["category"] for i in stock.values()} == {"drinks", "snacks", "merchandise"}
    # the demo loads again without change
    subprocess.run([str(xts2), "demo", str(ini)], capture_output=True, check=True)
    assert {i["name"]: i for i in app.call("cafe/getstock", key=False)["stock"]} == stock
