"""SQL statements per request, measured in-process (no timing): the XTS2 app loaded from the same
ini (as ``pserve`` loads it) on the same database, called through WebOb, with a SQLAlchemy
``before_cursor_execute`` listener on its engine. Transaction control (``BEGIN``/``COMMIT``…) is
not counted: it is the same for every command, and SQLite issues it as a statement where
PostgreSQL's driver does not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from webob import Request

CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


class QueryCounter:
    """Calls the app in-process and counts the statements each call runs."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.engine = self.app.registry["dbengine"]
        self.count = 0
        event.listen(self.engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        word = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if word not in CONTROL:
            self.count += 1

    def get(self, path: str) -> tuple[int, bytes, int]:
        """``GET path`` → (HTTP status, body, statements run)."""
        self.count = 0
        response = Request.blank(path).get_response(self.app)
        return response.status_int, response.body, self.count

    def per_request(self, paths: list[str]) -> float:
        """The mean number of statements over ``paths`` (each must answer 200)."""
        counts = []
        for path in paths:
            status, body, n = self.get(path)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}: {body[:300]!r}")
            counts.append(n)
        return sum(counts) / len(counts)

    def sale(self, steps: Callable[[Callable[[str], dict[str, Any]]], None]) -> list[int]:
        """Statements of each request of one sale; ``steps(call)`` makes the calls."""
        counts: list[int] = []

        def call(path: str) -> dict[str, Any]:
            status, body, n = self.get(path)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}: {body[:300]!r}")
            counts.append(n)
            return json.loads(body)

        steps(call)
        return counts

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on_execute)
        self.engine.dispose()
