"""The ``jsclient`` plugin: serves the browser client at ``/client/`` and makes ``/`` lead there.

It uses only the public hooks; the client talks to the server only through the public API.
"""

from __future__ import annotations

from pathlib import Path

from xts2_core import StaticFiles, hookimpl

STATIC = Path(__file__).parent / "static"


@hookimpl
def register_static_files() -> list[StaticFiles]:
    return [StaticFiles("client", STATIC, home=True)]
