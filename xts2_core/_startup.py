"""What keeps a server's start-up cheap (a restart under load waits for the CPU it needs)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a block builds objects that live as long as the
    process (imports, the app's configuration): each collection would walk them all and free
    nothing. It runs again afterwards, unless it was off already."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
