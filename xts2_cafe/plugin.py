"""The ``cafe`` plugin's hook implementations."""

from __future__ import annotations

from pathlib import Path

from xts2_core import Servlet, hookimpl


@hookimpl
def register_servlets() -> list[Servlet]:
    return [Servlet("cafe", [])]


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations" / "versions")]
