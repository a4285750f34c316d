"""The season-file section ``shows`` (API.md §10) and the demo season.

Each entry describes one show completely: its texts (fields left out are cleared), its ticket
types and its performances. Shows match by name, ticket types by show and name, performances by
show and start, so loading the same file twice changes nothing. Ticket types and performances
missing from the file are kept (tickets may have been sold for them).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import field_validator, model_validator

from xts2_core import Entry, Field, LoadContext, SeasonError, SeasonMoney, SeasonSection

from .models import Performance, Show, TicketType


class TicketTypeEntry(Entry):
    """``{name: Adult, price: "12.00"}``."""

    name: str = Field(min_length=1, max_length=100)
    price: SeasonMoney = Field(ge=0)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v.strip()


class PerformanceEntry(Entry):
    """``{start: "2026-12-01T19:30", capacity: 120, heldback: 4}``; ``start`` is venue local
    time unless it carries an offset."""

    start: datetime
    capacity: int = Field(ge=0, le=1_000_000)
    heldback: int | None = Field(None, ge=0)

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, v: Any) -> Any:
        if isinstance(v, str):
            with contextlib.suppress(ValueError):
                v = datetime.fromisoformat(v.strip())
        if not isinstance(v, datetime):
            raise ValueError("must be a date and time such as 2026-12-01T19:30")
        if not 1000 <= v.year <= 8999:
            raise ValueError("must be a date and time between the years 1000 and 8999")
        return v

    @model_validator(mode="after")
    def _heldback(self) -> PerformanceEntry:
        if self.heldback is not None and self.heldback > self.capacity:
            raise ValueError(f"heldback ({self.heldback}) is more than the capacity "
                             f"({self.capacity})")
        return self


class ShowEntry(Entry):
    """One show of the ``shows`` section."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    publicity: str = ""
    company: str | None = Field(None, max_length=200)
    runningtime: int | None = Field(None, ge=1, le=24 * 60)
    ageguidance: str | None = Field(None, max_length=100)
    image: str | None = Field(None, max_length=500)
    link: str | None = Field(None, max_length=500)
    tickettypes: list[TicketTypeEntry] = []
    performances: list[PerformanceEntry] = []

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v.strip()

    @field_validator("tickettypes")
    @classmethod
    def _unique_tickettypes(cls, v: list[TicketTypeEntry]) -> list[TicketTypeEntry]:
        names = [t.name for t in v]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"ticket type {twice[0]!r} is listed twice")
        return v


def _utc(start: datetime, tz: Any) -> datetime:
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz)
    return start.astimezone(UTC)


def load_shows(ctx: LoadContext, entries: list[ShowEntry]) -> None:
    """Upsert shows, their ticket types and performances."""
    db = ctx.dbsession
    seen: set[str] = set()
    for i, e in enumerate(entries):
        if e.name in seen:
            raise SeasonError(f"show {e.name!r} is listed twice", entry=i, field="name")
        seen.add(e.name)
        show = db.execute(sa.select(Show).where(Show.name == e.name)).scalar_one_or_none()
        if show is None:
            show = Show(name=e.name)
            db.add(show)
        for field in ("description", "publicity", "company", "runningtime", "ageguidance",
                      "image", "link"):
            setattr(show, field, getattr(e, field))
        db.flush()

        types = {t.name: t for t in db.execute(
            sa.select(TicketType).where(TicketType.show_id == show.id)).scalars()}
        for t in e.tickettypes:
            if t.name in types:
                types[t.name].price = t.price
            else:
                db.add(TicketType(show_id=show.id, name=t.name, price=t.price))

        perfs = {p.start: p for p in db.execute(
            sa.select(Performance).where(Performance.show_id == show.id)).scalars()}
        starts: set[datetime] = set()
        for j, pe in enumerate(e.performances):
            start = _utc(pe.start, ctx.tz)
            if start in starts:
                raise SeasonError(f"show {e.name!r}: two performances start at "
                                  f"{start.astimezone(ctx.tz).isoformat(timespec='minutes')}",
                                  entry=i, field=f"performances.{j}.start")
            starts.add(start)
            perf = perfs.get(start)
            if perf is None:
                db.add(Performance(show_id=show.id, start=start, capacity=pe.capacity,
                                   heldback=pe.heldback or 0))
            else:
                perf.capacity = pe.capacity
                if pe.heldback is not None:
                    perf.heldback = pe.heldback
        db.flush()


def demo_shows(today: date) -> list[dict[str, Any]]:
    """Four shows with performances from ``today`` on (venue local times)."""

    def at(days: int, hhmm: str) -> str:
        return f"{(today + timedelta(days=days)).isoformat()}T{hhmm}"

    return [
        {
            "name": "Hamlet",
            "description": "A prince of Denmark hesitates, and the court pays for it.",
            "publicity": "Shakespeare's great tragedy in a new touring production.",
            "company": "The Riverside Players", "runningtime": 180, "ageguidance": "12+",
            "tickettypes": [{"name": "Adult", "price": "12.00"},
                            {"name": "Concession", "price": "8.00"}],
            "performances": [{"start": at(d, "19:30"), "capacity": 120} for d in range(0, 7)]
            + [{"start": at(5, "14:30"), "capacity": 120, "heldback": 6}],
        },
        {
            "name": "The Snow Queen",
            "description": "Gerda crosses the frozen north to bring her friend Kai home.",
            "publicity": "A winter tale for everyone over five.",
            "runningtime": 75, "ageguidance": "5+",
            "tickettypes": [{"name": "Adult", "price": "10.00"},
                            {"name": "Child", "price": "6.50"}],
            "performances": [{"start": at(d, t), "capacity": 80}
                             for d in range(1, 11) for t in ("11:00", "14:00")],
        },
        {
            "name": "Late Night Jazz",
            "description": "The house trio and a guest soloist, every week.",
            "publicity": "Bar open until midnight.",
            "tickettypes": [{"name": "Standard", "price": "15.00"},
                            {"name": "Guest list", "price": "0.00"}],
            "performances": [{"start": at(d, "21:00"), "capacity": 60}
                             for d in range(2, 30, 7)],
        },
        {
            "name": "Twelfth Night",
            "description": "Shipwrecked twins, a lovesick duke and a steward in yellow stockings.",
            "publicity": "Opens in two weeks: book early.",
            "company": "The Riverside Players", "runningtime": 150,
            "tickettypes": [{"name": "Adult", "price": "14.00"},
                            {"name": "Concession", "price": "9.50"},
                            {"name": "Student", "price": "5.00"}],
            "performances": [{"start": at(d, "19:30"), "capacity": 150}
                             for d in range(14, 22)],
        },
    ]


SHOWS_SECTION = SeasonSection("shows", ShowEntry, load_shows, demo=demo_shows, order=100)
