"""A fair queue for SQLite's writers: whoever asks first writes first.

SQLite lets one transaction write at a time. A writer that finds the database busy sleeps and
polls (SQLite's busy handler), so under load the writer that happens to poll at the right moment
wins, and an unlucky one can wait many turns: a sale's p99 was many times its p50. Within one
process the writers therefore queue here, in arrival order, before ``BEGIN IMMEDIATE``
(:func:`xts2_core.db.begin_write`); the busy timeout stays the fallback between processes (and for
anything that writes without the queue).

Python's ``threading.Lock`` does not serve its waiters in order, so the queue is a lock with a
FIFO of tickets, each waiting on a ``threading.Condition`` of that lock: a thread takes a ticket
and waits until its ticket is at the head of the line and nobody holds the queue; a release wakes
only the head (waking every waiter cost CPU for nothing).

The holder must always let go: :func:`xts2_core.db.begin_write` releases the ticket from the
transaction's after-commit and after-abort hooks, and the thread-sessions tween releases whatever
its thread still holds when the request ends. A thread that already holds the queue (a subrequest
run inside its parent, on the same thread) is not made to wait for itself: it gets no ticket.
"""

from __future__ import annotations

import threading
import time
from collections import deque

#: Per thread: the queue whose turn the thread holds, if any (:func:`held_here`).
_HERE = threading.local()


def held_here() -> WriterQueue | None:
    """The queue this thread holds a turn at, or None: what a request's end must let go of. A
    cheap look-up, so that requests that wrote nothing (reads) do no queue work at their end."""
    return getattr(_HERE, "queue", None)


class QueueTimeout(Exception):
    """Waited longer than the busy timeout for the queue (the holder is stuck): the request is
    worth replaying, as after SQLite's own "database is locked"."""


class Ticket:
    """One turn at the queue; :meth:`WriterQueue.release` ends it (again: a no-op)."""

    __slots__ = ("thread", "released", "wakeup")

    def __init__(self, thread: int, wakeup: threading.Condition | None = None) -> None:
        self.thread = thread
        self.released = False
        self.wakeup = wakeup  # None: it never had to wait


class WriterQueue:
    """A FIFO lock: :meth:`acquire` returns a :class:`Ticket` once every earlier ticket has been
    released, in the order the threads asked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
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
        with self._lock:
            return len(self._line)

    def acquire(self, timeout: float | None = None) -> Ticket | None:
        """Wait for this thread's turn; ``None`` if this thread holds the queue already (a request
        run inside another on the same thread must not wait for its parent). Raises
        :class:`QueueTimeout` after ``timeout`` seconds."""
        me = threading.get_ident()
        with self._lock:
            if self._holder is not None and self._holder.thread == me:
                return None
            if self._holder is None and not self._line:
                ticket = self._holder = Ticket(me)  # free, nobody waiting: no need to queue
                self.acquired += 1
                _HERE.queue = self
                return ticket
            ticket = Ticket(me, threading.Condition(self._lock))
            assert ticket.wakeup is not None
            self._line.append(ticket)
            deadline = None if timeout is None else time.monotonic() + timeout
            while self._holder is not None or self._line[0] is not ticket:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    self._line.remove(ticket)
                    self._wake_head()  # the one behind may now be first
                    raise QueueTimeout(f"waited {timeout:g} s for the database's writer queue")
                ticket.wakeup.wait(left)
            self._line.popleft()
            self._holder = ticket
            self.acquired += 1
            _HERE.queue = self
            return ticket

    def _wake_head(self) -> None:
        """(Under the lock.) Wake the first in line if the queue is free."""
        if self._holder is None and self._line:
            head = self._line[0].wakeup
            assert head is not None
            head.notify()

    def release(self, ticket: Ticket | None) -> bool:
        """End ``ticket``'s turn; True if it was holding the queue. Safe to call more than once."""
        if ticket is None:
            return False
        with self._lock:
            if ticket.released:
                return False
            ticket.released = True
            if self._holder is not ticket:
                return False
            self._holder = None
            self.released += 1
            if getattr(_HERE, "queue", None) is self:  # released on its own thread
                _HERE.queue = None
            self._wake_head()
            return True

    def release_mine(self) -> bool:
        """Release the queue if this thread holds it (the end of a request, whatever happened)."""
        holder = self._holder
        if holder is not None and holder.thread == threading.get_ident():
            return self.release(holder)
        return False
