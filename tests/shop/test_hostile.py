"""Bad input and hostile customers: each gets a clear page (or an HTTP status), and nothing
changes — no basket, no item, no payment, no order, no mail."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from shopkit import (
    COOKIE,
    SECRET,
    all_baskets,
    basket,
    counts,
    expire,
    items,
    latest_payment,
    message,
    notify,
    orders,
    outbox,
    parts,
    payments,
    session_of,
    settle,
    signer,
    snapshot,
    token_of,
    words,
)

from xts2_tickets.models import Performance


@pytest.fixture
def hamlet(shop: Any) -> dict[str, int]:
    ids = shop.ids
    return {"perf": ids.perfs[("Hamlet", "2026-12-05T19:30")],
            "past": ids.perfs[("Hamlet", "2026-11-29T19:30")],
            "adult": ids.tickettypes[("Hamlet", "Adult")],
            "concession": ids.tickettypes[("Hamlet", "Concession")],
            "macbeth": ids.tickettypes[("Macbeth", "Standard")]}


def form(c: Any, perf: int, **quantities: str) -> dict[str, str]:
    fields = c.add_form(perf)
    fields.update({f"q.{k[1:]}": v for k, v in quantities.items()})
    return fields


# -- quantities and ticket types --------------------------------------------------------------

# (Each test below tries its many cases on one app, one after the other: the app is the slow
# part, and each case starts from nothing changed.)

QUANTITIES = [
    ("0", "0", "Choose how many tickets you would like"),
    ("", "", "Choose how many tickets you would like"),
    ("-1", "0", "'-1' is not a number of tickets"),
    ("10000", "0", "At most 10 tickets"),
    ("9" * 5000, "0", "At most 10 tickets"),
    ("1e3", "0", "'1e3' is not a number of tickets"),
    ("two", "0", "'two' is not a number of tickets"),
    ("1.5", "0", "'1.5' is not a number of tickets"),
    ("²", "0", "'²' is not a number of tickets"),
    ("٣", "0", "'٣' is not a number of tickets"),
    ("0x2", "0", "'0x2' is not a number of tickets"),
]


def test_a_quantity_that_is_not_a_number_of_tickets(shop, customer, hamlet):
    c = customer()
    for adult, concession, said in QUANTITIES:
        fields = form(c, hamlet["perf"])
        fields[f"q.{hamlet['adult']}"] = adult
        fields[f"q.{hamlet['concession']}"] = concession
        page = c.post_add(hamlet["perf"], fields, status=400)
        assert said in words(page), adult[:20]
        assert "tickets" in page.forms  # the form again, to correct
        assert all_baskets(shop) == []
        assert "basket" not in session_of(c)


def test_a_field_that_names_no_ticket_type(shop, customer, hamlet):
    c = customer()
    for key in ["q.abc", "q.²", "q.", "q.1.5", "q." + "9" * 30]:
        fields = form(c, hamlet["perf"])
        fields[key] = "2"
        page = c.post_add(hamlet["perf"], fields, status=400)
        assert "unknown ticket type" in words(page), key
        assert all_baskets(shop) == []


def test_a_ticket_type_of_another_show_or_none(shop, customer, hamlet):
    c = customer()
    page = c.post_add(hamlet["perf"], form(c, hamlet["perf"], **{f"q{hamlet['macbeth']}": "2"}),
                      status=409)
    assert "is for Macbeth, not for Hamlet" in words(page)
    page = c.post_add(hamlet["perf"], form(c, hamlet["perf"], q987654="2"), status=404)
    assert "no ticket type 987654" in words(page)
    assert all_baskets(shop) == []


def test_a_page_that_is_not_there(customer):
    c = customer()
    for path in ["/shop/performance/0", "/shop/performance/-1", "/shop/performance/%C2%B2",
                 "/shop/performance/1e3", "/shop/performance/987654",
                 "/shop/performance/" + "9" * 30, "/shop/show/%C2%B2", "/shop/show/987654",
                 "/shop/pay/%C2%B2/return", "/shop/pay/987654/return", "/shop/nothing",
                 "/shop/order/", "/shop/testpay/nothing"]:
        page = c.get(path, status=404)
        assert "Not found" in page.text, path
        assert page.content_type == "text/html", path


def test_a_past_performance_is_not_sold(shop, customer, hamlet):
    c = customer()
    page = c.get(f"/shop/performance/{hamlet['past']}")
    assert "tickets" not in page.forms
    assert "has started" in words(page)
    forged = c.post_add(hamlet["past"], {"csrf_token": c.csrf(), "formid": "0123456789abcdef",
                                         f"q.{hamlet['adult']}": "1"}, status=409)
    assert "no longer sold" in words(forged)
    assert all_baskets(shop) == []


def test_a_performance_not_on_sale_is_not_sold(shop, customer, hamlet):
    """Every seat held back by the venue: nothing is for sale."""
    with shop.session() as s:
        s.execute(sa.update(Performance).where(Performance.id == hamlet["perf"])
                  .values(heldback=Performance.capacity))
    c = customer()
    page = c.get(f"/shop/performance/{hamlet['perf']}")
    assert "tickets" not in page.forms
    forged = c.post_add(hamlet["perf"], {"csrf_token": c.csrf(), "formid": "0123456789abcdef",
                                         f"q.{hamlet['adult']}": "1"}, status=409)
    assert "tickets" not in forged.forms
    assert all_baskets(shop) == []
    assert counts(shop, hamlet["perf"]) == {"sold": 0, "reserved": 0, "available": 0}


def test_a_price_sent_with_the_form_is_ignored(shop, customer, hamlet):
    c = customer()
    fields = form(c, hamlet["perf"], **{f"q{hamlet['adult']}": "2"})
    fields.update({"price": "0.01", "item.unitprice": "0.01", "item.price": "0.01",
                   "amount": "0.01", f"p.{hamlet['adult']}": "0.01", "value": "0.01",
                   "item.amount": "0.01", "unitprice": "0.01"})
    c.post_add(hamlet["perf"], fields, status=303)
    (b,) = all_baskets(shop)
    assert basket(shop, b["id"])["value"] == "24.00"
    # ... and at the checkout: what is paid is the basket's value.
    service = c.post("/shop/checkout", {"csrf_token": c.csrf(), "name": "Ann", "email":
                                        "ann@example.org", "email2": "ann@example.org",
                                        "method": "testpay", "amount": "0.01",
                                        "value": "0.01"}, status=303).follow()
    assert "£24.00" in words(service)
    assert latest_payment(shop).amount == 2400


# -- the session and its forms ----------------------------------------------------------------

def test_a_form_without_its_csrf_token_changes_nothing(shop, customer, hamlet):
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 1})
    (item,) = items(shop, all_baskets(shop)[0]["id"], "ticket")
    before = snapshot(shop)
    checkout = {"name": "Ann", "email": "ann@example.org", "email2": "ann@example.org",
                "method": "testpay"}
    for token in (None, "", "0" * 40, "not a token"):
        extra = {} if token is None else {"csrf_token": token}
        for path, fields in [
                (f"/shop/performance/{hamlet['perf']}/add",
                 {**form(c, hamlet["perf"], **{f"q{hamlet['adult']}": "1"}), **extra}),
                ("/shop/basket/remove", {"item": str(item["id"]), **extra}),
                ("/shop/basket/restart", extra),
                ("/shop/checkout", {**checkout, **extra})]:
            if token is None:
                fields.pop("csrf_token", None)
            else:
                fields["csrf_token"] = token
            page = c.post(path, fields, status=400)
            assert "Please try again" in words(page), path
            assert "nothing was changed" in words(page), path
    assert snapshot(shop) == before
    assert "basket" in session_of(c)  # restart did not forget it
    # The customer's own token in another customer's form does not work either.
    other = customer(REMOTE_ADDR="192.0.2.99")
    fields = form(other, hamlet["perf"], **{f"q{hamlet['adult']}": "1"})
    fields["csrf_token"] = c.csrf()
    other.post_add(hamlet["perf"], fields, status=400)
    assert snapshot(shop) == before


def test_the_test_payment_service_checks_its_token_too(shop, customer, hamlet):
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 1})
    c.checkout()
    reference = latest_payment(shop).reference
    c.post(f"/shop/testpay/{reference}/choose", {"outcome": "paid"}, status=400)
    c.post(f"/shop/testpay/{reference}/choose", {"outcome": "paid", "csrf_token": "x" * 40},
           status=400)
    assert latest_payment(shop).detail.get("service") == "open"


def test_a_form_without_its_form_id(shop, customer, hamlet):
    c = customer()
    for formid in (None, "", "x" * 16, "0123", "'; drop table"):
        fields = form(c, hamlet["perf"], **{f"q{hamlet['adult']}": "1"})
        if formid is None:
            del fields["formid"]
        else:
            fields["formid"] = formid
        page = c.post_add(hamlet["perf"], fields, status=400)
        assert "the form is out of date" in words(page)
    assert all_baskets(shop) == []


def test_a_tampered_cookie_is_ignored(shop, customer, hamlet):
    ann = customer()
    ann.add(hamlet["perf"], {hamlet["adult"]: 2})
    ann_basket = session_of(ann)["basket"]
    accessed, created, state = signer().loads(ann.cookies[COOKIE].strip('"'))

    # A byte changed: the signature fails, the session is a new, empty one.
    mallory = customer(REMOTE_ADDR="203.0.113.5")
    value = ann.cookies[COOKIE].strip('"')
    mallory.set_cookie(COOKIE, value[:-3] + ("A" if value[-3] != "A" else "B") + value[-2:])
    assert "Your basket is empty" in words(mallory.get("/shop/basket", status=200))

    # Mallory's own cookie, rewritten to name Ann's basket, signed with a guessed secret.
    mallory = customer(REMOTE_ADDR="203.0.113.5")
    mallory.get("/shop/")
    _, _, mine = signer().loads(mallory.cookies[COOKIE].strip('"'))
    forged = {**mine, "basket": ann_basket, "basket_created": state.get("basket_created"),
              "tickets": 2}
    for secret in ("guessed", SECRET + "x", ""):
        mallory.set_cookie(COOKIE, signer(secret).dumps((accessed, created, forged)).decode())
        page = mallory.get("/shop/basket", status=200)
        assert "Your basket is empty" in words(page)
        assert "Adult" not in words(page)
        mallory.get("/shop/checkout", status=303)
    # (The control: signed with the shop's secret, the same cookie would be Ann's basket.)
    mallory.set_cookie(COOKIE, signer().dumps((accessed, created, forged)).decode())
    assert "Adult" in words(mallory.get("/shop/basket", status=200))


def test_another_sessions_return_page_is_not_found(shop, customer, hamlet):
    ann = customer()
    token, _ = ann.buy(hamlet["perf"], {hamlet["adult"]: 1})
    payment = latest_payment(shop)
    mallory = customer(REMOTE_ADDR="203.0.113.5")
    mallory.get("/shop/")
    before = snapshot(shop)
    page = mallory.get(f"/shop/pay/{payment.id}/return", status=404)
    assert "no such payment in this browser's session" in words(page)
    # One still under way, of another customer: not found, and nothing confirmed.
    bob = customer(REMOTE_ADDR="192.0.2.20")
    bob.add(hamlet["perf"], {hamlet["adult"]: 1})
    bob.checkout(name="Bob", email="bob@example.org").follow()
    bob.pay()
    bobs = latest_payment(shop)
    mallory.get(f"/shop/pay/{bobs.id}/return", status=404)
    ann.get(f"/shop/pay/{bobs.id}/return", status=404)
    assert latest_payment(shop).state == "pending"
    assert snapshot(shop)[1][:1] == before[1]
    # The order's own link is the customer's (it is in their mail): it opens in any browser.
    assert "your order is confirmed" in words(mallory.get(f"/shop/order/{token}"))


def test_a_guessed_or_cut_order_link_is_not_found(shop, customer, hamlet):
    ann = customer()
    token, _ = ann.buy(hamlet["perf"], {hamlet["adult"]: 1})
    for wrong in (token[:-1], token[:20], token[:10], token + "A", token.swapcase(),
                  "A" * len(token), "0" * 32, "x", "%00" + token, token[::-1]):
        page = ann.get(f"/shop/order/{wrong}", status=404)
        assert "no order at this address" in words(page)


# -- the checkout's details -------------------------------------------------------------------

DETAILS = [
    ("Ann", "ann@example.org\nBcc: all@example.org", None, "email", "line breaks"),
    ("Ann", "ann@example.org\r\nBcc: all@example.org", "ann@example.org", "email",
     "line breaks"),
    ("Ann", "a" * 290 + "@example.org", None, "email", "at most 254 characters"),
    ("Ann", "ann", None, "email", "does not look like an email address"),
    ("Ann", "ann@localhost", None, "email", "does not look like an email address"),
    ("Ann", "ann@example.org", "anne@example.org", "email2", "differ"),
    ("Ann", "a..b@example.org", None, "email", "We cannot send mail to that address"),
    ("Ann", ".ann@example.org", None, "email", "We cannot send mail to that address"),
    ("Ann", "jöhn@example.org", None, "email", "We cannot send mail to that address"),
    ("", "ann@example.org", None, "name", "Please give your name"),
    ("   ", "ann@example.org", None, "name", "Please give your name"),
    ("Ann\nBcc: all@example.org", "ann@example.org", None, "name", "line breaks"),
    ("Ann\u2028Example", "ann@example.org", None, "name", "line breaks"),
    ("Ann\x85Example", "ann@example.org", None, "name", "line breaks"),
    ("A" * 101, "ann@example.org", None, "name", "at most 100 characters"),
]


def test_details_that_cannot_be_used(shop, customer, hamlet):
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 1})
    before = snapshot(shop)
    for name, email, email2, field, said in DETAILS:
        page = c.post("/shop/checkout", {"csrf_token": c.csrf(), "name": name, "email": email,
                                         "email2": email if email2 is None else email2,
                                         "method": "testpay"}, status=400)
        assert said in words(page), (name, email)
        assert page.forms["details"][field].attrs.get("aria-invalid") == "true", (name, email)
        assert snapshot(shop) == before
        assert payments(shop) == [] and orders(shop) == []


def test_a_name_with_markup_is_text_everywhere(shop, customer, hamlet):
    name = "<script>alert(1)</script> & <b>Ann</b>"
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 1})
    c.checkout(name=name).follow()
    back = c.pay()
    order = back.follow(status=303).follow()
    assert "<script>alert(1)</script>" not in order.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in order.text
    assert name in words(order)  # shown as the text it is
    # The box office: the name as text, in JSON and in XML.
    (b,) = shop.call("baskets/getbaskets", {"name": "<script>"})["baskets"]
    assert b["name"] == name
    root = shop.xml("baskets/getbasket", {"basket": b["id"]})
    assert root.find("basket").get("name") == name
    # The mail: the HTML part escapes it, the plain part has it as it is, the header is safe.
    (mail,) = outbox(shop)
    msg = message(mail.message)
    text, html = parts(msg)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert name in text
    assert msg["To"].addresses[0].display_name == name
    assert msg["To"].addresses[0].addr_spec == "ann@example.org"
    assert len(msg["To"].addresses) == 1
    # ... and the checkout page shows it escaped when it comes back with an error.
    c.add(hamlet["perf"], {hamlet["adult"]: 1})
    page = c.post("/shop/checkout", {"csrf_token": c.csrf(), "name": name,
                                     "email": "ann@example.org", "email2": "x@example.org",
                                     "method": "testpay"}, status=400)
    assert "<script>alert(1)</script>" not in page.text


def test_a_name_like_an_address_list_is_one_header_name(shop, customer, hamlet):
    name = 'Ann" <evil@example.com>, Bob <bob@example.org>; x'
    c = customer()
    c.buy(hamlet["perf"], {hamlet["adult"]: 1}, name=name)
    (mail,) = outbox(shop)
    msg = message(mail.message)
    (to,) = msg["To"].addresses
    assert (to.display_name, to.addr_spec) == (name, "ann@example.org")
    assert mail.to_addr == "ann@example.org"


# -- pressing twice, going back, two tabs -----------------------------------------------------

def test_pay_pressed_twice_pays_once(shop, customer, hamlet):
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 2})
    details = {"csrf_token": c.csrf(), "name": "Ann", "email": "ann@example.org",
               "email2": "ann@example.org", "method": "testpay"}
    first = c.post("/shop/checkout", details, status=303)
    second = c.post("/shop/checkout", details, status=303)  # "Continue to payment" twice
    assert first.location == second.location  # the same payment at the service
    (payment,) = payments(shop)
    page = c.get(f"/shop/testpay/{payment.reference}")
    back1 = page.forms["pay"].submit("outcome", value="paid", status=303)
    back2 = page.forms["pay"].submit("outcome", value="paid", status=303)  # "Pay" twice
    notify(shop, payment.reference, "paid")
    notify(shop, payment.reference, "paid")
    o1, o2 = back1.follow(status=303), back2.follow(status=303)
    assert token_of(o1.location) == token_of(o2.location)
    (paid,) = payments(shop)
    assert paid.state == "paid"
    assert len(items(shop, paid.basket_id, "payment")) == 1
    assert len(outbox(shop)) == 1
    assert counts(shop, hamlet["perf"])["sold"] == 2


def test_the_back_button_after_paying_changes_nothing(shop, customer, hamlet):
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 2})
    c.checkout().follow()
    back = c.pay()
    return_url = back.location
    order = back.follow(status=303)
    before = snapshot(shop)
    # Back to the return page, and reloads of it: the order again.
    for _ in range(2):
        again = c.get(return_url, status=303)
        assert again.location == order.location
    # Back to the checkout page: nothing to pay; the basket is empty.
    assert c.get("/shop/checkout", status=303).location.endswith("/shop/basket")
    assert "Your basket is empty" in words(c.get("/shop/basket"))
    # The checkout form sent again from the browser's history: nothing happens.
    c.post("/shop/checkout", {"csrf_token": c.csrf(), "name": "Ann", "email": "ann@example.org",
                              "email2": "ann@example.org", "method": "testpay"}, status=303)
    # The service's page again, and its Pay again: still one payment.
    payment = latest_payment(shop)
    page = c.get(f"/shop/testpay/{payment.reference}")
    assert "pay" not in page.forms
    assert snapshot(shop) == before
    assert len(items(shop, payment.basket_id, "payment")) == 1
    # A new purchase afterwards is a new basket, and its own return page works.
    c.add(hamlet["perf"], {hamlet["concession"]: 1})
    assert len(all_baskets(shop)) == 2
    c.get(return_url, status=303)  # the old return page still leads to the old order
    assert "Concession" in words(c.get("/shop/basket"))  # without forgetting the new basket


def test_the_same_form_sent_twice_adds_once(shop, customer, hamlet):
    """A double click, or the same page open in two tabs: the form's id makes it one add."""
    c = customer()
    fields = form(c, hamlet["perf"], **{f"q{hamlet['adult']}": "6"})
    c.post_add(hamlet["perf"], fields, status=303)
    again = c.post_add(hamlet["perf"], fields, status=303)  # 6 + 6 would be over the limit
    assert again.location.endswith("/shop/basket")
    (b,) = all_baskets(shop)
    assert [i["quantity"] for i in items(shop, b["id"], "ticket")] == [6]
    assert counts(shop, hamlet["perf"])["reserved"] == 6
    assert session_of(c)["tickets"] == 6
    # A new form (a new id) is a new add.
    c.post_add(hamlet["perf"], form(c, hamlet["perf"], **{f"q{hamlet['concession']}": "2"}),
               status=303)
    assert counts(shop, hamlet["perf"])["reserved"] == 8


def test_changing_the_basket_while_a_payment_is_under_way_is_refused(shop, customer, hamlet):
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 2})
    tab1 = c.get("/shop/basket")  # a tab with the basket, before paying
    c.checkout().follow()  # the other tab went on to pay
    before = snapshot(shop)
    page = c.add(hamlet["perf"], {hamlet["concession"]: 1}, status=409)
    assert "A payment for this basket is under way" in words(page)
    remove = next(f for f in tab1.forms.values() if "item" in f.fields)
    page = remove.submit(status=409)
    assert "A payment for this basket is under way" in words(page)
    assert snapshot(shop) == before
    # The payment goes through for what was in the basket when it started.
    back = c.pay()
    back.follow(status=303)
    assert counts(shop, hamlet["perf"]) == {"sold": 2, "reserved": 0, "available": 98}
    assert json.dumps(items(shop, latest_payment(shop).basket_id, "payment"))


def test_an_order_of_a_basket_long_gone_is_not_the_next_customers(shop, customer, hamlet):
    """Ann leaves at the payment service; her basket expires and ``xts2 expire`` deletes it.
    SQLite gives a deleted row's id again (the highest one's), so Bob's new basket may get her
    basket's id: his order must not become hers, nor hers show his."""
    ann = customer()
    ann.add(hamlet["perf"], {hamlet["adult"]: 1})
    ann.checkout().follow()
    ann_basket, ann_token = session_of(ann)["order_basket"], session_of(ann)["order"]
    shop.clock.advance(minutes=31)
    assert (settle(shop), expire(shop)) == (1, 1)

    bob = customer(REMOTE_ADDR="192.0.2.20")
    token, page = bob.buy(hamlet["perf"], {hamlet["adult"]: 2}, name="Bob Example",
                          email="bob@example.org")
    bob_basket = session_of(bob)["order_basket"]
    if shop.registry["dbengine"].dialect.name == "sqlite":
        assert bob_basket == ann_basket  # the case this test is about
    assert f"Order {bob_basket} for Bob Example" in words(page)
    assert [(o.basket_id, o.name, o.state) for o in orders(shop) if o.basket_id == bob_basket
            ] == [(bob_basket, "Bob Example", "paid")]
    # Ann's link (her cookie holds it) does not show Bob's order.
    page = ann.get(f"/shop/order/{ann_token}", status="*")
    assert "Bob" not in page.text and "bob@example.org" not in page.text
    # Nor does Bob's payment's return page, in her browser.
    page = ann.get(f"/shop/pay/{latest_payment(shop).id}/return", status="*")
    if page.status_int == 303:
        page = page.follow(status="*")
    assert "Bob" not in page.text and "bob@example.org" not in page.text
