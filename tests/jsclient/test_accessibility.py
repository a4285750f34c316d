"""axe-core on every screen of a sale (no serious or critical violations), and a name for every
control a screen reader or a voice user has to find."""

from __future__ import annotations

import re

from browser_till import run_axe
from playwright.sync_api import expect

NAMELESS = """() => [...document.querySelectorAll('button, input, select, textarea')]
  .filter((el) => {
    const label = el.labels && [...el.labels].map((l) => l.textContent.trim()).join(' ');
    const named = (el.getAttribute('aria-label') || '').trim() || label
      || (el.getAttribute('aria-labelledby') || '').trim()
      || (el.tagName === 'BUTTON' && el.textContent.trim()) || (el.getAttribute('title') || '').trim();
    return !named;
  })
  .map((el) => el.outerHTML.slice(0, 120))"""


def check(page, screen: str) -> None:
    violations = run_axe(page)
    assert violations == [], (screen, violations)
    assert page.evaluate(NAMELESS) == [], f"controls without a name on {screen}"


def test_every_screen_passes_axe(till, shoot):
    t = till()
    page = t.page(sign_in=False)
    key = page.get_by_label("Terminal key")
    expect(key).to_be_visible()
    check(page, "sign-in")
    # A wrong key: the error is announced and tied to the field.
    key.fill("not-a-key-of-this-box-office")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not a terminal key")
    expect(key).to_have_attribute("aria-describedby", "signin-error")
    shoot(page, "08-sign-in-refused")
    check(page, "sign-in, refused")

    page.get_by_label("Terminal key").fill(t.server.terminal_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#terminal-name")).to_have_text("Box office 1")
    expect(page.locator("#whatson .perf")).to_have_count(3)
    expect(page.locator("#cafe button.stock")).to_have_count(3)
    expect(page.locator(".nowandnext button.nn")).to_have_count(3)
    check(page, "selling screen, empty")

    page.locator("#whatson .perf", has_text="Hamlet").first.click()
    page.get_by_role("button", name=re.compile("Adult")).click()
    page.locator("#cafe button.stock", has_text="Coffee").click()
    expect(page.locator(".items .item")).to_have_count(2)
    page.get_by_role("button", name="6", exact=True).click()
    page.get_by_role("button", name=re.compile("Concession")).click()
    # Six are fine (and the amount field then follows what is owed); now a refusal:
    expect(page.locator(".items .item")).to_have_count(3)
    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_label("Amount tendered").fill("1000")
    page.get_by_role("button", name=re.compile("^Card")).click()
    expect(page.locator(".payment").get_by_role("alert")).to_be_visible()
    shoot(page, "08-basket-and-message")
    check(page, "selling screen, a basket and a message")

    page.get_by_role("button", name=re.compile(r"^Cash F")).click()  # 1000 tendered in cash
    expect(page.get_by_role("heading", name="Sale complete")).to_be_visible()
    shoot(page, "08-receipt")
    check(page, "receipt")
