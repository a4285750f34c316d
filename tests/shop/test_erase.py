"""A customer asks to be forgotten: ``xts2 erase CONFIG EMAIL`` (the operator's command, run as a
process on the test's database) erases their name and address everywhere the shop and the box
office kept them, and keeps every amount, ticket and count."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from shopkit import ANN, BOB, Browser, counts, orders, outbox, payments, takings

from xts2_core.models import AuditEntry
from xts2_core.testing import write_ini

XTS2 = str(Path(sys.executable).with_name("xts2"))


def test_erase_keeps_the_takings_and_forgets_the_customer(shop, tmp_path):
    perf = shop.ids.perfs[("Hamlet", "2026-12-05T19:30")]
    adult = shop.ids.tickettypes[("Hamlet", "Adult")]
    ann_token, _ = Browser(shop).buy(perf, {adult: 2}, **ANN)
    Browser(shop, REMOTE_ADDR="192.0.2.11").buy(perf, {adult: 1}, **BOB)
    before = (takings(shop), counts(shop, perf))

    ini = write_ini(tmp_path / "erase.ini", shop.registry.settings["sqlalchemy.url"])
    out = subprocess.run([XTS2, "erase", str(ini), "ANN@example.org"], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert "erased ANN@example.org: baskets 1" in out and "shop 1" in out

    assert (takings(shop), counts(shop, perf)) == before  # every amount and ticket stays
    ann, bob = orders(shop)
    assert (ann.name, ann.email) == ("erased", "erased")
    assert (bob.name, bob.email) == (BOB["name"], BOB["email"])
    ann_basket = shop.call("baskets/getbasket", {"basket": ann.basket_id})["basket"]
    assert ann_basket["name"] == "erased" and len(ann_basket["item"]) == 2
    assert "email" not in shop.call("baskets/getmetadata", {"basket": ann.basket_id})["metadata"]
    assert [p.email for p in payments(shop)] == [None, BOB["email"]]
    assert all("ann@" not in m.to_addr.lower() for m in outbox(shop))
    with shop.session() as s:
        details = [d for d, in s.execute(sa.select(AuditEntry.detail).where(
            AuditEntry.basket_id == ann.basket_id))]
    assert "Ann" not in repr(details) and "ann@example.org" not in repr(details)
    # The order's link still shows what was bought, without the name.
    page = Browser(shop).get(f"/shop/order/{ann_token}")
    assert "Ann Example" not in page.text and "Hamlet" in page.text


def test_erase_refuses_what_is_not_an_address(shop, tmp_path):
    ini = write_ini(tmp_path / "erase.ini", shop.registry.settings["sqlalchemy.url"])
    proc = subprocess.run([XTS2, "erase", str(ini), "nobody"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode != 0 and "not an email address" in proc.stderr
