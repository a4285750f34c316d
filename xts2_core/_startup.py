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


def freeze_startup_objects() -> None:
    """Move every object start-up made (the imports, the app, its configuration) to the
    collector's permanent generation, so that the collections requests' own garbage triggers
    never walk them again.

    A request's cycles (the request, its session and transaction) reach the oldest generation
    now and then, and each full collection then walked the whole process: about a tenth of
    the CPU of a ``getbasket`` of 20 items. Called once by the server's entry point
    (``main``), not by ``make_app``: tests build hundreds of apps in one process, and frozen
    objects are never collected."""
    gc.freeze()
