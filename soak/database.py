"""The soak test's database: a fresh one, set up as an operator would, through the ``xts2`` CLI
and ``production.ini`` (``XTS2_DATABASE_URL`` names the database)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from xts2_core.scratchdb import psycopg_url, scratch_postgresql_database

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_INI = ROOT / "production.ini"
BIN = Path(sys.executable).parent
ADMIN_PASSWORD = "soak-admin-password"  # a throwaway database's; never a real one


def cli(*args: str, url: str, stdin: str | None = None) -> str:
    """Run ``xts2 ARGS…`` on ``url`` with production.ini; its output, or SystemExit on failure."""
    env = dict(os.environ, XTS2_DATABASE_URL=url)
    proc = subprocess.run([str(BIN / "xts2"), *args], input=stdin, env=env, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise SystemExit(f"xts2 {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def sa_url(url: str) -> sa.URL:
    return psycopg_url(url)


def create_postgresql(server_url: str) -> tuple[str, Callable[[], None]]:
    """Create a database of its own on the server of ``server_url``; → (its URL, a dropper)."""
    stack = contextlib.ExitStack()
    try:
        url = stack.enter_context(
            scratch_postgresql_database(server_url, f"xts2_soak_{os.getpid()}"))
    except sa.exc.OperationalError as exc:
        raise SystemExit(f"soak: PostgreSQL at {sa_url(server_url).render_as_string()} cannot be "
                         f"reached: {exc.orig}") from exc
    return url, stack.close


@dataclass
class Season:
    """What the soak sells: a few performances (one small, held back and sold out early), cafe
    stock (one tracked item with a low level), cash and card, and a few terminals."""

    terminals: dict[str, str] = field(default_factory=dict)  # name → key
    capacities: dict[str, int] = field(default_factory=dict)  # performance start → capacity
    heldback: dict[str, int] = field(default_factory=dict)
    stock: dict[str, int | None] = field(default_factory=dict)  # name → level (None: untracked)

    def data(self, first_day: date) -> dict[str, Any]:
        starts = sorted(self.capacities)
        return {
            "shows": [{
                "name": "Soak",
                "description": "The soak test's show.",
                "tickettypes": [{"name": "Adult", "price": "12.50"},
                                {"name": "Concession", "price": "8.00"}],
                "performances": [{"start": f"{first_day + timedelta(days=i)}T{s}",
                                  "capacity": self.capacities[s]}
                                 for i, s in enumerate(starts)],
            }],
            "stock": [{"name": n, "price": p, "category": "cafe", **({"level": lvl} if lvl else {})}
                      for (n, lvl), p in zip(self.stock.items(), ("2.20", "3.15", "1.05"),
                                             strict=True)],
            "paymenttypes": [{"code": "cash", "name": "Cash"}, {"code": "card", "name": "Card"}],
            "terminals": [{"name": n, "key": k, "paymenttypes": ["cash", "card"], "expiry": 900}
                          for n, k in self.terminals.items()],
        }


def make_season(seconds: float, terminals: int) -> Season:
    """Sizes scale with the run so the small performance sells out and sits at its capacity."""
    season = Season()
    for i in range(terminals):
        season.terminals[f"Soak {i + 1}"] = f"soak-terminal-{i + 1:02d}-{secrets.token_hex(8)}"
    season.capacities = {"19:30": 40, "14:30": max(200, int(8 * seconds)), "20:00": 100000}
    season.heldback = {"19:30": 4}
    season.stock = {"Coffee": 60 + int(seconds), "Cake": None, "Water": None}
    return season


def set_up(url: str, workdir: Path, season: Season, first_day: date,
           ini: Path = PRODUCTION_INI) -> None:
    """initdb, load the season, set the admin password: the operator's guide, step by step."""
    cli("initdb", str(ini), url=url)
    path = workdir / "season.json"
    path.write_text(json.dumps(season.data(first_day), indent=1))
    cli("load", str(ini), str(path), url=url)
    cli("setpassword", str(ini), url=url, stdin=ADMIN_PASSWORD + "\n")


def ini_with(path: Path, settings: dict[str, str], why: str) -> Path:
    """A copy of production.ini at ``path`` with ``settings`` added to ``[app:main]``."""
    lines = PRODUCTION_INI.read_text().splitlines()
    at = lines.index("[app:main]") + 1
    lines[at:at] = [f"# {why}", *(f"{k} = {v}" for k, v in settings.items())]
    path.write_text("\n".join(lines) + "\n")
    return path
