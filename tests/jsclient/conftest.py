"""Browser tests of the box-office client: Debian's Chromium driven by Playwright, against a real
``pserve`` on this test's database (SQLite, or PostgreSQL with ``XTS2_TEST_DATABASE_URL``).

Chromium is found at ``XTS2_CHROMIUM`` or as ``chromium`` on the PATH (``apt-get install
chromium``); nothing downloads a browser. Without it these tests are skipped with the install
line, unless ``XTS2_BROWSER_TESTS=1`` (CI sets it): then they fail, as the PostgreSQL tests do.

Fixtures:

``chromium``        the browser (one per test session).
``till``            ``till(plugins=None, data=season(), **settings)`` → a :class:`Till`: the season
                    loaded, a real server started, and ``till.page()`` opens a selling screen at
                    1280×800 in a fresh browser context, signed in as Box office 1 (``key=
                    SECOND_KEY``: Box office 2); ``till.call(…)`` asks the server as Box office 1.
``shoot``           ``shoot(page, name)`` writes ``build/screenshots/{name}.png``.

Every page a test opens fails the test if a dialog opens or a script error happens.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"
AXE = Path(__file__).with_name("axe.min.js")
REQUIRED = os.environ.get("XTS2_BROWSER_TESTS") == "1"
INSTALL = ("the browser tests need Debian's Chromium and Playwright: apt-get install chromium "
           "(and python3 dev.py test installs Playwright)")
FIRST_KEY = "box-office-one-key-0001"
SECOND_KEY = "box-office-two-key-0002"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(why: str) -> None:
    if REQUIRED:
        pytest.fail(f"XTS2_BROWSER_TESTS=1 but {why}; {INSTALL}", pytrace=False)
    pytest.skip(f"{why}; {INSTALL}")


def season(now: datetime | None = None) -> dict[str, Any]:
    """A small venue: Hamlet tonight (and tomorrow), a late show, coffee and cake, cash and card,
    and two terminals."""
    now = now or datetime.now(UTC)
    tonight = (now + timedelta(hours=3)).replace(minute=30, second=0, microsecond=0)
    fmt = "%Y-%m-%dT%H:%M:%S+00:00"
    return {
        "shows": [
            {"name": "Hamlet", "description": "A prince hesitates.",
             "tickettypes": [{"name": "Adult", "price": "12.00"},
                             {"name": "Concession", "price": "8.00"}],
             "performances": [{"start": tonight.strftime(fmt), "capacity": 50},
                              {"start": (tonight + timedelta(days=1)).strftime(fmt),
                               "capacity": 50}]},
            {"name": "Late Night Jazz",
             "tickettypes": [{"name": "Standard", "price": "15.00"}],
             "performances": [{"start": (tonight + timedelta(hours=2)).strftime(fmt),
                               "capacity": 60}]},
        ],
        "stock": [{"name": "Coffee", "price": "2.20", "category": "drinks", "level": 40},
                  {"name": "Tea", "price": "1.80", "category": "drinks"},
                  {"name": "Flapjack", "price": "2.50", "category": "food", "level": 10}],
        "paymenttypes": [{"code": "card", "name": "Card"}, {"code": "cash", "name": "Cash"}],
        "terminals": [{"name": "Box office 1", "key": FIRST_KEY, "paymenttypes": ["card", "cash"]},
                      {"name": "Box office 2", "key": SECOND_KEY,
                       "paymenttypes": ["card", "cash"]}],
    }


@pytest.fixture(scope="session")
def chromium() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed")
    executable = os.environ.get("XTS2_CHROMIUM") or shutil.which("chromium")
    if not executable:
        _unavailable("Chromium is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def shoot() -> Any:
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return take


class Till:
    """A real server with a season loaded, and signed-in selling screens on it."""

    def __init__(self, server: Any, app: Any, chromium: Any, problems: list[str]) -> None:
        self.server, self.app, self.chromium = server, app, chromium
        self.url = server.url
        self.problems = problems
        self.contexts: list[Any] = []

    def context(self) -> Any:
        ctx = self.chromium.new_context(viewport={"width": 1280, "height": 800})
        self.contexts.append(ctx)
        return ctx

    def watch(self, page: Any) -> Any:
        page.on("dialog", lambda d: (self.problems.append(f"a dialog opened: {d.message}"),
                                     d.dismiss()))
        page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))
        return page

    def page(self, key: str = FIRST_KEY, context: Any = None, sign_in: bool = True) -> Any:
        """A page on /client/, signed in with ``key`` (typed into the sign-in form)."""
        page = self.watch((context or self.context()).new_page())
        page.goto(self.url + "/client/")
        if sign_in:
            page.get_by_label("Terminal key").fill(key)
            page.get_by_role("button", name="Sign in").click()
            page.locator("#terminal-name").wait_for()
        return page

    def call(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """The server's own answer (JSON), asserting it is ok."""
        status, body = self.server.call(path, params, **kw)
        assert status == 200, body
        return body

    def performance(self, show: str = "Hamlet", index: int = 0) -> dict[str, Any]:
        shows = {s["name"]: s for s in self.call("tickets/getshows", key=False)["shows"]}
        perfs = self.call("tickets/getperformances", {"show": shows[show]["id"]},
                          key=False)["performances"]
        return perfs[index]

    def counts(self, performance: int) -> dict[str, Any]:
        return self.call("tickets/getticketcounts", {"performance": performance},
                         key=False)["ticketcounts"][0]


@pytest.fixture
def till(xts2_app_factory: Any, xts2_live_server: Any, chromium: Any) -> Any:
    problems: list[str] = []
    made: list[Till] = []

    def start(plugins: list[str] | None = None, data: dict[str, Any] | None = None,
              **settings: Any) -> Till:
        app = xts2_app_factory(plugins=plugins)
        app.load(data if data is not None else season())
        server = xts2_live_server(plugins=plugins, **settings)
        server.terminal_key = FIRST_KEY  # the server's own answers are asked as Box office 1
        made.append(Till(server, app, chromium, problems))
        return made[-1]

    yield start
    for t in made:
        for ctx in t.contexts:
            ctx.close()
    assert problems == [], problems


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now.

    axe is evaluated through the DevTools protocol (Playwright's ``evaluate``), which the page's
    Content-Security-Policy does not govern: the policy stays as it is served.
    """
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']}))"
                           ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
                           "nodes: v.nodes.map(n => n.target.join(' '))}))")
    return [v for v in result if v["impact"] in ("serious", "critical")]
