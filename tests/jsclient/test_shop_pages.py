"""Every page of the shop, looked at as a customer would: at a phone's 320 px and a laptop's
1280 px (screenshots ``build/screenshots/shop-*.png``), with axe-core, every control named,
nothing wider than the phone's screen, and every target at least 44 px there.

The tour is one customer's evening: the programme, a show, a performance, a basket, a form sent
wrong, the checkout, the test payment service, a payment not yet known (waiting), the order
paid; then a sold-out performance, the ticket limit, a reservation, a page that is not there
and a form that had expired. The expired basket and the 429 page are looked at where they
happen (test_shop_limits.py).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect
from shop_browser import (
    PHONE,
    SHOP_SETTINGS,
    Shop,
    add_tickets,
    choose_performance,
    look,
    pay,
    shop_fixture,  # noqa: F401
    shop_season,
)

COLOUR = "rgb(122, 31, 92)"  # shop.colour #7a1f5c


def test_every_page_looked_at(shop, shoot):
    s = shop()
    page = s.customer()

    # The programme: every show, its performances, the availability words.
    page.goto(s.url)
    expect(page.get_by_role("heading", level=1, name="What's on")).to_be_visible()
    macbeth = page.get_by_role("region", name="Macbeth")
    expect(macbeth).to_contain_text("Few left")
    # The venue's colour reaches the page through the stylesheet (no inline style).
    expect(page.locator("header.top")).to_have_css("border-bottom-color", COLOUR)
    look(page, shoot, "01-programme")

    # A show, and its performances.
    page.get_by_role("link", name="Hamlet", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Hamlet")).to_be_visible()
    expect(page.get_by_text("A prince hesitates.")).to_be_visible()
    look(page, shoot, "02-show")

    # A performance: how many of each.
    choose_performance(page, s, "Hamlet")
    expect(page.get_by_label(re.compile("^Adult"))).to_be_visible()
    look(page, shoot, "03-performance")

    # The basket: two Adults and a Concession, held for a while.
    add_tickets(page, Adult=2, Concession=1)
    expect(page.get_by_role("heading", level=1, name="Your basket")).to_be_visible()
    expect(page.locator(".total strong").first).to_have_text("£32.00")
    expect(page.locator(".hold")).to_contain_text(re.compile(r"held for you"))
    look(page, shoot, "04-basket")

    # The checkout; then the form sent wrong: the error next to the field, tied to it.
    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_role("heading", level=1, name="Check out")).to_be_visible()
    look(page, shoot, "05-checkout")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email address", exact=True).fill("ada at example")
    page.get_by_label("Email address again").fill("ada at example")
    page.get_by_role("button", name=re.compile("^Continue")).click()
    email = page.get_by_label("Email address", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    described = email.get_attribute("aria-describedby")
    assert described, "the email field is not tied to its error"
    expect(page.locator(f"#{described.split()[0]}")).to_contain_text("email address")
    expect(page.get_by_label("Your name")).to_have_value("Ada Lovelace")
    look(page, shoot, "06-checkout-bad-form")

    # The test payment service.
    email.fill("ada@example.org")
    page.get_by_label("Email address again").fill("ada@example.org")
    page.get_by_label(re.compile("Pay online")).check()
    page.get_by_role("button", name=re.compile("^Continue")).click()
    expect(page.get_by_role("heading", name="Test payment service")).to_be_visible()
    expect(page.get_by_role("button", name="Pay £32.00")).to_be_visible()
    look(page, shoot, "07-testpay")

    # Back in the shop before the service has said anything: waiting.
    payment = re.search(r"/testpay/tp_(\d+)_", page.url)[1]
    service = page.url
    page.goto(f"{s.till.url}/shop/pay/{payment}/return")
    expect(page.get_by_role("heading", level=1, name="Waiting for your payment")).to_be_visible()
    look(page, shoot, "08-waiting")

    # Paid: the order.
    page.goto(service)
    pay(page)
    expect(page.get_by_role("heading", level=1, name=re.compile("confirmed"))).to_be_visible()
    expect(page.get_by_text("ada@example.org")).to_be_visible()
    look(page, shoot, "09-order-paid")

    # An empty basket now.
    page.get_by_role("navigation", name="Shop").get_by_role("link", name=re.compile("Basket")
                                                             ).click()
    expect(page.get_by_text("Your basket is empty")).to_be_visible()
    look(page, shoot, "10-basket-empty")

    # Sold out: the box office sold Macbeth's last seats.
    s.sell_out("Macbeth")
    page.goto(s.url)
    expect(page.get_by_role("region", name="Macbeth")).to_contain_text("Sold out")
    expect(page.get_by_role("region", name="Macbeth").get_by_role("link", name=re.compile(
        "^Book"))).to_have_count(0)
    look(page, shoot, "11-programme-sold-out")
    page.goto(f"{s.till.url}/shop/performance/{s.performance('Macbeth')['id']}")
    expect(page.get_by_role("heading", level=1, name="Macbeth")).to_be_visible()
    expect(page.locator(".notice")).to_contain_text("Every ticket for this performance has been sold")
    expect(page.get_by_role("button", name="Add to basket")).to_have_count(0)
    look(page, shoot, "12-performance-sold-out")

    # The limit: ten in the basket, and one more is refused in plain words.
    choose_performance(page, s, "Hamlet", 1)
    add_tickets(page, Adult=10)
    expect(page.locator(".total strong").first).to_have_text("£120.00")
    choose_performance(page, s, "Late Night Jazz")
    add_tickets(page, Standard=1)
    expect(page.get_by_role("alert")).to_contain_text("at most 10 tickets")
    look(page, shoot, "13-limit")

    # A reservation, paid at the box office later.
    page.goto(f"{s.till.url}/shop/basket")
    page.get_by_role("button", name=re.compile("^Remove")).first.click()
    choose_performance(page, s, "Late Night Jazz")
    add_tickets(page, Standard=2)
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("Email address", exact=True).fill("grace@example.org")
    page.get_by_label("Email address again").fill("grace@example.org")
    page.get_by_label(re.compile("box office")).check()
    page.get_by_role("button", name=re.compile("^Continue|^Reserve")).click()
    expect(page.get_by_role("heading", level=1, name=re.compile("reserved"))).to_be_visible()
    look(page, shoot, "14-order-reserved")

    # A page that is not there, and a form that had expired.
    page.goto(s.url + "performance/999")
    expect(page.get_by_role("heading", level=1, name="Not found")).to_be_visible()
    look(page, shoot, "15-not-found")
    choose_performance(page, s, "Hamlet")
    page.locator("input[name=csrf_token]").evaluate("(el) => { el.value = 'stale'; }")
    add_tickets(page, Adult=1)
    expect(page.get_by_role("heading", level=1, name="Please try again")).to_be_visible()
    look(page, shoot, "16-form-expired")


def test_the_shop_closed_without_its_online_terminal(till, shoot):
    """A season with no terminal named as ``shop.terminal``: the programme can be read, but
    buying says the shop is closed (503)."""
    t = till(data=shop_season_without_website(), **SHOP_SETTINGS)
    s = Shop(t)
    page = s.customer(PHONE)
    choose_performance(page, s, "Hamlet")
    with page.expect_response(re.compile(r"/add$")) as sent:
        add_tickets(page, Adult=1)
    assert sent.value.status == 503
    expect(page.get_by_role("heading", level=1, name="The shop is closed")).to_be_visible()
    look(page, shoot, "21-closed")


def shop_season_without_website() -> dict:
    data = shop_season()
    data["terminals"] = [t for t in data["terminals"] if t["name"] != "Website"]
    return data


def test_a_pale_venue_colour_stays_readable(shop, shoot):
    """A colour too pale for white text (#ffcc00): dark text on its buttons, dark links, and
    axe-core finds nothing (the contrast of every text is checked)."""
    s = shop(**{"shop.colour": "#ffcc00"})
    page = s.customer(PHONE)
    choose_performance(page, s, "Hamlet")
    add_tickets(page, Adult=1)
    check_out = page.get_by_role("link", name="Check out")
    expect(check_out).to_have_css("background-color", "rgb(255, 204, 0)")
    expect(check_out).to_have_css("color", "rgb(26, 26, 26)")
    look(page, shoot, "22-pale-colour-basket")
