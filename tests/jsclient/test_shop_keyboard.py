"""A whole purchase with the keyboard alone: Tab to move, Enter and Space to act, typing to fill
in; at every stop the focus is visible (a ring of at least 2 px), and nothing is skipped or
trapped."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from shop_browser import order_number, shop_fixture  # noqa: F401

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const name = (el.labels && el.labels[0] ? el.labels[0].innerText : '')
    || el.innerText || el.value || el.getAttribute('aria-label') || '';
  return {tag: el.tagName, name: name.trim().replace(/\\s+/g, ' '),
          visible: el.matches(':focus-visible') && s.outlineStyle !== 'none'
                   && parseFloat(s.outlineWidth) >= 2};
}"""


def tab_to(page, name: str | re.Pattern, most: int = 40) -> None:
    """Tab forward until the focused element's name matches (each stop's focus visible)."""
    pattern = re.compile(re.escape(name)) if isinstance(name, str) else name
    seen = []
    for _ in range(most):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused is not None, f"Tab left the page after {seen}"
        assert focused["visible"], f"no visible focus on {focused}"
        seen.append(focused["name"])
        if pattern.search(focused["name"]):
            return
    raise AssertionError(f"never reached {name!r} by Tab: {seen}")


def test_a_purchase_by_keyboard_alone(shop, shoot):
    s = shop()
    page = s.customer()
    kb = page.keyboard
    page.goto(s.url)

    # The first stop skips to the content.
    tab_to(page, "Skip to the content", most=1)
    kb.press("Enter")
    tab_to(page, re.compile(r"^Book Hamlet, \w+day"))
    kb.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Hamlet")).to_be_visible()

    # How many: typed over the 0; Enter sends the form.
    tab_to(page, re.compile("^Adult"))
    kb.press("Control+A")
    kb.type("2")
    shoot(page, "shop-30-keyboard-quantity")
    kb.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Your basket")).to_be_visible()

    tab_to(page, "Check out")
    kb.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Check out")).to_be_visible()
    # The order's summary opens with Enter; its lines are there.
    tab_to(page, re.compile("^Your 2 tickets"))
    kb.press("Enter")
    expect(page.locator("details.summary")).to_contain_text("2 × Adult")
    tab_to(page, "Your name")
    kb.type("Katherine Johnson")
    tab_to(page, re.compile("^Email address$"), most=1)
    kb.type("katherine@example.org")
    tab_to(page, "Email address again", most=1)
    kb.type("katherine@example.org")
    # The ways to pay are one stop; Space chooses the focused one, the arrows the others.
    tab_to(page, re.compile("^Pay online"), most=1)
    kb.press("Space")
    expect(page.get_by_label(re.compile("^Pay online"))).to_be_checked()
    kb.press("ArrowDown")
    expect(page.get_by_label(re.compile("box office"))).to_be_checked()
    kb.press("ArrowUp")
    expect(page.get_by_label(re.compile("^Pay online"))).to_be_checked()
    shoot(page, "shop-31-keyboard-method")
    tab_to(page, "Continue", most=1)
    kb.press("Enter")

    # The payment service: Pay is the first button.
    expect(page.get_by_role("heading", name="Test payment service")).to_be_visible()
    tab_to(page, "Pay £24.00")
    shoot(page, "shop-32-keyboard-pay")
    kb.press("Enter")
    expect(page.get_by_role("heading", level=1, name=re.compile("your order is confirmed"))
           ).to_be_visible()
    basket = s.till.call("baskets/getbasket", {"basket": order_number(page)})["basket"]
    assert basket["state"] == "closed"
