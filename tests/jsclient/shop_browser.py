"""What the shop's browser tests share: a venue with an online terminal, a real server selling
through it, customers' browsers (phone or laptop, JavaScript on or off), and a look at each page
(screenshots at 320 px and 1280 px, axe-core, nothing wider than the screen, targets ≥ 44 px).

The ``shop`` fixture (a test module imports ``shop_fixture``, which pytest knows as ``shop``):
``shop(expiry=1800, **settings)`` → a :class:`Shop`: the season below loaded (its Website
terminal's baskets last ``expiry`` seconds), a real server with the test payment service on (its
notification ``before`` the customer's return unless a setting says otherwise), and
``shop.customer(…)`` opens a fresh browser of a customer's own. ``shop.till`` is the underlying
:class:`conftest.Till`, for the box office's own screen (``shop.till.page()``).

Every customer page fails its test on a script error, a dialog, or a Content-Security-Policy
refusal (an inline style or script the policy blocks: the page would look or work otherwise than
it was meant to).
"""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from browser_till import run_axe, season
from playwright.sync_api import expect

WEBSITE_KEY = "website-terminal-key-for-tests-0001"
#: The venue's logo (``shop.logo`` may be any URL; a data: URL needs no server of its own).
LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40">'
        '<circle cx="20" cy="20" r="19" fill="#7a1f5c"/><path d="M9 25 Q20 33 31 25 Q20 29 9 25Z '
        'M10 14 h7 v3 h-7z M23 14 h7 v3 h-7z" fill="#fff"/></svg>')
PHONE = {"width": 320, "height": 640}
LAPTOP = {"width": 1280, "height": 800}
SHOP_SETTINGS = {
    "shop.testpay": "true",
    "shop.testpay.notify": "before",
    "shop.secret": "browser-test-secret-not-secret",
    "shop.venue_name": "Riverside Theatre",
    "shop.venue_address": "1 Quay Street, Exeter EX1 1AA",
    "shop.venue_email": "boxoffice@riverside.example",
    "shop.colour": "#7a1f5c",
    "shop.logo": "data:image/svg+xml;base64," + base64.b64encode(LOGO.encode()).decode(),
    "shop.baskets_per_window": "100",
}


def shop_season(expiry: int = 1800, now: datetime | None = None) -> dict[str, Any]:
    """The till's season (Hamlet tonight and tomorrow, Adult 12.00, Concession 8.00, a late
    show; cash and card; two box offices), and for the shop: Macbeth with two seats (the last
    seats, and a sold-out page), a programme and donations offered online, and the Website
    terminal taking online payments."""
    data = season(now)
    hamlet = datetime.fromisoformat(data["shows"][0]["performances"][0]["start"])
    data["shows"].append(
        {"name": "Macbeth", "description": "A thane listens to witches.",
         "tickettypes": [{"name": "Standard", "price": "10.00"}],
         "performances": [{"start": (hamlet + timedelta(days=2)).isoformat(), "capacity": 2}]})
    # What the basket page offers besides tickets (the providers' shop_offers).
    data["stock"] = [{"name": "Programme", "price": "3.00", "category": "merch", "level": 40,
                      "online": True}]
    data["donations"] = [{"online": True}]
    data["paymenttypes"].append({"code": "online", "name": "Online payment"})
    data["terminals"].append({"name": "Website", "key": WEBSITE_KEY, "expiry": expiry,
                              "paymenttypes": ["online"]})
    return data


class Shop:
    """The shop on a real server, and its customers' browsers."""

    def __init__(self, till: Any) -> None:
        self.till = till
        self.url = till.url + "/shop/"
        self.problems = till.problems

    def customer(self, viewport: dict[str, int] | None = None, javascript: bool = True,
                 **options: Any) -> Any:
        """A page in a browser of its own (its own cookies), at ``viewport`` (a laptop)."""
        ctx = self.till.chromium.new_context(viewport=viewport or LAPTOP,
                                             java_script_enabled=javascript, **options)
        self.till.contexts.append(ctx)
        page = self.till.watch(ctx.new_page())
        page.on("console", self._console)
        page.javascript = javascript
        return page

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"the policy refused something: {message.text}")

    # -- the server's own answers ---------------------------------------------------------------

    def performance(self, show: str, index: int = 0) -> dict[str, Any]:
        return self.till.performance(show, index)

    def counts(self, performance: int) -> dict[str, Any]:
        return self.till.counts(performance)

    def sell_out(self, show: str, index: int = 0) -> None:
        """The box office sells every seat left of a performance (cash)."""
        perf = self.performance(show, index)
        left = self.counts(perf["id"])["available"]
        tickettype = self.till.call("tickets/getperformance", {"performance": perf["id"]},
                                    key=False)["performance"]["tickettypes"][0]["id"]
        basket = self.till.call("baskets/newbasket")["basket"]
        self.till.call("baskets/additem", {
            "basket": basket["id"], "type": "ticket", "item.performance": perf["id"],
            "item.tickettype": tickettype, "item.quantity": left})
        value = self.till.call("baskets/getbasket", {"basket": basket["id"]})["basket"]["value"]
        self.till.call("baskets/additem", {"basket": basket["id"], "type": "payment",
                                           "item.paymenttype": "cash", "item.amount": value})
        self.till.call("baskets/closebasket", {"basket": basket["id"]})


@pytest.fixture(name="shop")
def shop_fixture(till: Any) -> Any:
    def start(expiry: int = 1800, **settings: Any) -> Shop:
        return Shop(till(data=shop_season(expiry), **{**SHOP_SETTINGS, **settings}))

    return start


# -- what a customer does ----------------------------------------------------------------------

def choose_performance(page: Any, shop: Shop, show: str = "Hamlet", index: int = 0) -> None:
    """From the programme: the show's ``index``-th performance's Book button."""
    page.goto(shop.url)
    section = page.get_by_role("region", name=show)
    section.get_by_role("link", name=re.compile(r"^Book")).nth(index).click()
    expect(page.get_by_role("heading", level=1, name=show)).to_be_visible()


def add_tickets(page: Any, **quantities: int) -> None:
    """On a performance's page: the quantities by ticket type name, then Add to basket."""
    for name, n in quantities.items():
        page.get_by_label(re.compile(rf"^{name}\b")).fill(str(n))
    page.get_by_role("button", name="Add to basket").click()


def check_out(page: Any, name: str = "Ada Lovelace", email: str = "ada@example.org",
              method: str = "Pay online") -> None:
    """From the basket: Check out, the details, a way to pay, Continue."""
    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_role("heading", level=1, name="Check out")).to_be_visible()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Email address again").fill(email)
    page.get_by_label(re.compile(method)).check()
    page.get_by_role("button", name=re.compile("^Continue")).click()


def pay(page: Any, outcome: str = "Pay") -> None:
    """On the test payment service's page: Pay (or Decline)."""
    expect(page.get_by_role("heading", name="Test payment service")).to_be_visible()
    page.get_by_role("button", name=re.compile(rf"^{outcome}")).click()


def order_number(page: Any) -> int:
    return int(re.search(r"Order (\d+)", page.locator("main").inner_text())[1])


# -- looking at a page -------------------------------------------------------------------------

TARGETS = """() => [...document.querySelectorAll(
    'button, input:not([type=hidden]), select, textarea, a.button, nav a, .venue')]
  .filter((el) => el.offsetParent !== null)
  .map((el) => {
    const r = el.getBoundingClientRect();
    const box = (el.type === 'radio' || el.type === 'checkbox') && el.labels && el.labels[0]
      ? el.labels[0].closest('.method, .choice') || el.labels[0] : el;
    const b = box.getBoundingClientRect();
    return {what: el.outerHTML.slice(0, 80), h: Math.round(Math.max(r.height, b.height)),
            w: Math.round(Math.max(r.width, b.width))};
  })
  .filter((t) => t.h < 44 || t.w < 44)"""

WIDER = """() => {
  const wide = [...document.querySelectorAll('body *')].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && (r.right > document.documentElement.clientWidth + 1 || r.left < -1)
      && !el.closest('.visually-hidden, .skip');
  });
  return {scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
          wide: wide.slice(0, 5).map((el) => el.outerHTML.slice(0, 80))};
}"""

CONTROLS_NAMED = """() => [...document.querySelectorAll('button, input:not([type=hidden]), select, a')]
  .filter((el) => el.checkVisibility() && !(el.innerText || '').trim() && !(el.labels && el.labels.length)
     && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')
     && !el.querySelector('img[alt]:not([alt=""])'))
  .map((el) => el.outerHTML.slice(0, 100))"""


def look(page: Any, shoot: Any, name: str) -> None:
    """The page as it is now, at a phone's width and a laptop's: at each a screenshot of the whole
    page (``shop-{name}-320.png``, ``shop-{name}-1280.png``), axe-core (no serious or critical
    violations) and every control named; at the phone's, nothing wider than its screen and every
    target at least 44 px. The page ends at the width it had."""
    before = page.viewport_size
    for size in (PHONE, LAPTOP):
        page.set_viewport_size(size)
        # The whole page, as far as the customer would scroll (at least one screen).
        tall = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], tall)})
        shoot(page, f"shop-{name}-{size['width']}")
        page.set_viewport_size(size)
        if size is PHONE:
            wider = page.evaluate(WIDER)
            assert wider["scroll"] <= wider["client"], (name, "wider than 320 px", wider)
            small = page.evaluate(TARGETS)
            assert small == [], (name, "targets under 44 px at 320 px", small)
        if _javascript(page):
            violations = run_axe(page)
            assert violations == [], (name, size["width"], violations)
            nameless = page.evaluate(CONTROLS_NAMED)
            assert nameless == [], (name, size["width"], "controls without a name", nameless)
    page.set_viewport_size(before)


def _javascript(page: Any) -> bool:
    """Whether the page runs scripts. Without, axe cannot run (its timers never fire): the
    same page with scripts differs only in the basket's countdown, and is checked there."""
    return getattr(page, "javascript", True)
