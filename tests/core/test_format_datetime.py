"""format_datetime remembers what it wrote for UTC and naive datetimes: a remembered answer is the
one it would write afresh, per time zone, and a datetime of another zone (where ``fold`` alone
tells two instants apart) is never mistaken for an equal one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from xts2_core.values import format_datetime

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def test_a_utc_datetime_is_written_alike_each_time_and_per_zone() -> None:
    dt = datetime(2026, 7, 1, 18, 30, tzinfo=UTC)
    assert format_datetime(dt, LONDON) == "2026-07-01T19:30:00+01:00"
    assert format_datetime(dt, LONDON) == "2026-07-01T19:30:00+01:00"
    assert format_datetime(dt, NEW_YORK) == "2026-07-01T14:30:00-04:00"
    assert format_datetime(dt.replace(tzinfo=None), LONDON) == "2026-07-01T19:30:00+01:00"


def test_datetimes_that_differ_in_fold_alone_are_two_instants() -> None:
    first = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON)          # BST, +01:00
    second = first.replace(fold=1)                                # GMT, an hour later
    assert first == second                                         # equal within one zone
    assert format_datetime(first, UTC) == "2026-10-25T00:30:00+00:00"
    assert format_datetime(second, UTC) == "2026-10-25T01:30:00+00:00"
    assert format_datetime(first, UTC) == "2026-10-25T00:30:00+00:00"


def test_many_datetimes_are_all_written_right() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(2):
        for i in range(25_000):                # more than it keeps
            dt = start + timedelta(minutes=i)
            assert format_datetime(dt, LONDON) == dt.astimezone(LONDON).isoformat(
                timespec="seconds")
