"""Fixtures of the Stripe plugin's tests: localstripe (once per session), and a venue whose shop
takes cards through it, on a frozen clock (Mon 30 Nov 2026 12:00 UTC; Hamlet on 1 Dec, 10 seats).

``venue`` is the app (every installed plugin; Stripe's keys in the environment variables the
settings name); ``customer()`` a browser of its own on it; ``venue.perf`` and
``venue.adult``/``venue.concession`` the ids to buy with.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from stripekit import ENV, Customer, localstripe_or_skip, season, settings

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """localstripe, started once for the session (each test's payments are its own)."""
    server = localstripe_or_skip(tmp_path_factory.mktemp("localstripe"))
    yield server
    server.stop()


@pytest.fixture
def stripe_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return ENV


@pytest.fixture
def venue(xts2_app_factory: Any, xts2_clock: Any, localstripe: Any, stripe_env: Any) -> Any:
    xts2_clock.set(NOW)
    app = xts2_app_factory(**settings(localstripe.url))
    app.load(season())
    app.localstripe = localstripe
    show = app.call("tickets/getshows", key=False)["shows"][0]["id"]
    app.perf = app.call("tickets/getperformances", {"show": show}, key=False)["performances"][0]["id"]
    types = {t["name"]: t["id"] for t in
             app.call("tickets/gettickettypes", {"show": show}, key=False)["tickettypes"]}
    app.adult, app.concession = types["Adult"], types["Concession"]
    return app


@pytest.fixture
def customer(venue: Any) -> Any:
    return lambda: Customer(venue)
