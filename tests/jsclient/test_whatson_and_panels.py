"""The public what's-on page, and panels that plugins ship (or a form built from an item type's
declared parameters when a plugin ships none)."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import UTC, datetime, timedelta

from browser_till import run_axe, season
from playwright.sync_api import expect


def _whatson_season():
    data = season()
    now = datetime.now(UTC)
    start = (now + timedelta(days=2)).replace(hour=19, minute=30, second=0, microsecond=0)
    data["shows"].append({
        "name": "<img src=x onerror=alert(1)>",
        "tickettypes": [{"name": "Adult", "price": "10.00"}],
        "performances": [{"start": start.strftime("%Y-%m-%dT%H:%M:%S+00:00"), "capacity": 3}]})
    return data


def test_whats_on_for_the_public(till, shoot):
    t = till(data=_whatson_season(),
             **{"jsclient.booking_url": "https://venue.example/book?p={performance}",
                "jsclient.embed_origins": "https://venue.example",
                "xts2.public_max_age": "5"})
    # The last seats of the late show sold, a few left of another: the words follow.
    markup = t.performance("<img src=x onerror=alert(1)>")
    jazz = t.performance("Late Night Jazz")
    basket = t.call("baskets/newbasket")["basket"]["id"]
    shows = {s["name"]: s["id"] for s in t.call("tickets/getshows", key=False)["shows"]}
    types = {s: t.call("tickets/gettickettypes", {"show": i}, key=False)["tickettypes"][0]["id"]
             for s, i in shows.items()}
    t.call("baskets/additem", {"basket": basket, "type": "ticket", "item.performance": markup["id"],
                               "item.tickettype": types["<img src=x onerror=alert(1)>"],
                               "item.quantity": 3})
    for quantity in (50, 2):  # at most 50 an item
        t.call("baskets/additem", {"basket": basket, "type": "ticket", "item.quantity": quantity,
                                   "item.performance": jazz["id"],
                                   "item.tickettype": types["Late Night Jazz"]})

    page = t.watch(t.context(390, 844).new_page())
    response = page.goto(t.url + "/client/whatson")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors https://venue.example" in csp and "'unsafe-inline'" not in csp
    expect(page.get_by_role("heading", name="What's on")).to_be_visible()
    # Markup in a show's name is text: the heading reads as the characters, no image is made.
    expect(page.get_by_role("heading", name="<img src=x onerror=alert(1)>")).to_be_visible()
    assert page.locator("#whatson img").count() == 0
    sold_out = page.get_by_role("region", name="<img src=x onerror=alert(1)>")
    expect(sold_out.locator(".avail")).to_have_text("Sold out")
    expect(sold_out.get_by_role("link")).to_have_count(0)  # nothing to book
    late = page.get_by_role("region", name="Late Night Jazz")
    expect(late.locator(".avail")).to_have_text("Few left")
    hamlet = page.get_by_role("region", name="Hamlet")
    expect(hamlet.locator(".avail").first).to_have_text("Available")
    tonight = t.performance("Hamlet")
    expect(hamlet.get_by_role("link").first).to_have_attribute(
        "href", f"https://venue.example/book?p={tonight['id']}")
    shoot(page, "71-whatson-phone")
    assert run_axe(page) == []
    # The staff client itself may not be framed by anyone.
    staff = urllib.request.urlopen(t.url + "/client/").headers["Content-Security-Policy"]
    assert staff.endswith("frame-ancestors 'none'")
    # Read without a credential, the programme may come from a shared cache for a few seconds.
    with urllib.request.urlopen(t.url + "/v2/tickets/getprogramme?format=json") as r:
        assert r.headers["Cache-Control"] == "public, max-age=5"
        assert json.loads(r.read())["status"] == "ok"


def test_a_plugins_panel_adds_a_gift_aid_donation(till, shoot):
    t = till()
    page = t.page()
    panel = page.get_by_role("region", name="Donation")
    panel.get_by_label("Another amount").fill("12.50")
    panel.get_by_label(re.compile("Gift Aid")).check()
    panel.get_by_label("Donor's full name").fill("Jane Smith")
    panel.get_by_label("Donor's postcode").fill("sw1a1aa")
    panel.get_by_role("button", name="Add donation").click()
    item = page.locator(".items .item-donation")
    expect(item).to_contain_text("Donation from Jane Smith (Gift Aid)")
    expect(item).to_contain_text("12.50")
    shoot(page, "72-donation-panel")
    basket_id = int(re.search(r"\d+", page.locator("#basket-h").inner_text())[0])
    (donation,) = t.call("baskets/getbasket", {"basket": basket_id})["basket"]["item"]
    assert donation["donation"] == {"giftaid": True, "donor": "Jane Smith",
                                    "postcode": "SW1A 1AA"}
    assert donation["value"] == "12.50"
    # Gift Aid without a postcode: the server's words, next to the panel; nothing added.
    panel.get_by_label("Another amount").fill("5")
    panel.get_by_label(re.compile("Gift Aid")).check()
    panel.get_by_label("Donor's full name").fill("John Doe")
    page.evaluate("document.getElementById('donation-postcode').required = false")
    panel.get_by_role("button", name="Add donation").click()
    expect(panel.get_by_role("alert")).to_contain_text("item.postcode")
    expect(page.locator(".items .item")).to_have_count(1)


def test_an_item_type_without_a_panel_gets_a_form_from_its_parameters(till, shoot):
    t = till()
    page = t.context().new_page()
    t.watch(page)

    # As if the donations plugin shipped no panel: GET /v2 without its folder.
    def without_panels(route):
        response = route.fetch()
        body = response.json()
        body["files"] = [f for f in body.get("files", []) if not f.get("panel")]
        route.fulfill(response=response, json=body)

    page.route(re.compile(r"/v2\?format=json$"), without_panels)
    page.goto(t.url + "/client/")
    page.get_by_label("Terminal key").fill(t.server.terminal_key)
    page.get_by_role("button", name="Sign in").click()
    form = page.get_by_role("form", name="Donation")
    expect(form).to_be_visible()
    form.get_by_label(re.compile("^Amount")).fill("7")
    form.get_by_label("Donor", exact=True).fill("Ann Other")
    form.get_by_role("button", name="Add donation").click()
    expect(page.locator(".items .item-donation")).to_contain_text("Donation from Ann Other")
    shoot(page, "73-generic-form")
    # A bad value is the server's bad_param, named, shown by the form.
    form.get_by_label(re.compile("^Amount")).fill("-3")
    form.get_by_role("button", name="Add donation").click()
    expect(form.get_by_role("alert")).to_contain_text("item.amount")
    expect(page.locator(".items .item")).to_have_count(1)
