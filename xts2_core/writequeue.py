"""A fair queue for SQLite's writers: whoever asks first writes first.

SQLite lets one transaction write at a time. A writer that finds the database busy sleeps and
polls (SQLite's busy handler), so under load the writer that happens to poll at the right moment
wins, and an unlucky one can wait many turns: a sale's p99 was many times its p50. Within one
process the writers therefore queue here, in arrival order, before ``BEGIN IMMEDIATE``
(:func:`xts2_core.db.begin_write`); the busy timeout stays the fallback between processes (and for
anything that writes without the queue).

Python's ``threading.Lock`` does not serve its waiters in order, so the queue is a
``threading.Condition`` with a FIFO of tickets: a thread takes a ticket, and waits until its ticket
is at the head of the line and nobody holds the queue.

The holder must always let go: :func:`xts2_core.db.begin_write` releases the ticket from the
transaction's after-commit and after-abort hooks, and the thread-sessions tween releases whatever
its thread still holds when the request ends. A thread that already holds the queue (a subrequest
run inside its parent, on the same thread) is not made to wait for itself: it gets no ticket.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class QueueTimeout(Exception):
    """Waited longer than the busy timeout for the queue (the holder is stuck): the request is
    worth replaying, as after SQLite's own "database is locked"."""


class Ticket:
    """One turn at the queue; :meth:`WriterQueue.release` ends it (again: a no-op)."""

    __slots__ = ("thread", "released")

    def __init__(self, thread: int) -> None:
        self.thread = thread
        self.released = False


class WriterQueue:
    """A FIFO lock: :meth:`acquire` returns a :class:`Ticket` once every earlier ticket has been
    released, in the order the threads asked."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._line: deque[Ticket] = deque()
        self._holder: Ticket | None = None
        #: Counters, for tests and diagnostics.
        self.acquired = 0
        self.released = 0

    @property
    def holder(self) -> Ticket | None:
        return self._holder

    def held_by_me(self) -> bool:
        holder = self._holder
        return holder is not None and holder.thread == threading.get_ident()

    def waiting(self) -> int:
        with self._cond:
            return len(self._line)

    def acquire(self, timeout: float | None = None) -> Ticket | None:
        """Wait for this thread's turn; ``None`` if this thread holds the queue already (a request
        run inside another on the same thread must not wait for its parent). Raises
        :class:`QueueTimeout` after ``timeout`` seconds."""
        me = threading.get_ident()
        ticket = Ticket(me)
        with self._cond:
            if self._holder is not None and self._holder.thread == me:
                return None
            self._line.append(ticket)
            deadline = None if timeout is None else time.monotonic() + timeout
            while self._holder is not None or self._line[0] is not ticket:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    self._line.remove(ticket)
                    self._cond.notify_all()  # the one behind may now be first
                    raise QueueTimeout(f"waited {timeout:g} s for the database's writer queue")
                self._cond.wait(left)
            self._line.popleft()
            self._holder = ticket
            self.acquired += 1
            return ticket

    def release(self, ticket: Ticket | None) -> bool:
        """End ``ticket``'s turn; True if it was holding the queue. Safe to call more than once."""
        if ticket is None:
            return False
        with self._cond:
            if ticket.released:
                return False
            ticket.released = True
            if self._holder is not ticket:
                return False
            self._holder = None
            self.released += 1
            if self._line:
                self._cond.notify_all()
            return True

    def release_mine(self) -> bool:
        """Release the queue if this thread holds it (the end of a request, whatever happened)."""
        holder = self._holder
        if holder is not None and holder.thread == threading.get_ident():
            return self.release(holder)
        return False
