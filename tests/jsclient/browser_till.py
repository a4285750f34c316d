"""What the browser tests share besides fixtures: the season they sell from, the terminals' keys
and the accessibility check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

AXE = Path(__file__).with_name("axe.min.js")
FIRST_KEY = "box-office-one-key-0001"
SECOND_KEY = "box-office-two-key-0002"


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
