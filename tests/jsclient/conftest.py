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

Every page a test opens fails the test if a dialog opens or a script error happens. The season,
the keys and the accessibility check that tests import are in ``browser_till.py`` (``from
conftest import`` would find whichever conftest was imported last).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from browser_till import FIRST_KEY, season

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"
REQUIRED = os.environ.get("XTS2_BROWSER_TESTS") == "1"
INSTALL = ("the browser tests need Debian's Chromium and Playwright: apt-get install chromium "
           "(and python3 dev.py test installs Playwright)")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(why: str) -> None:
    if REQUIRED:
        pytest.fail(f"XTS2_BROWSER_TESTS=1 but {why}; {INSTALL}", pytrace=False)
    pytest.skip(f"{why}; {INSTALL}")


# One Playwright (and one browser) a module: the sync API allows one Playwright at a time in the
# process, and other folders' browser tests (plugins/xts2_stripe) start their own after these.
@pytest.fixture(scope="module")
def chromium() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed")
    executable = os.environ.get("XTS2_CHROMIUM") or shutil.which("chromium")
    if not executable:
        _unavailable("Chromium is not installed")
    from playwright.sync_api import expect

    # A shared machine with the suite's servers on its two cores: a screen may take longer than
    # Playwright's 5 s default to show what it will show. Waiting longer never passes a test
    # that should fail; it only stops a slow moment from failing one that should pass.
    expect.set_options(timeout=15_000)
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

    def context(self, width: int = 1280, height: int = 800) -> Any:
        ctx = self.chromium.new_context(viewport={"width": width, "height": height})
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
