"""Database wiring: one shared declarative ``Base``, the engine, and the request's session.

The session joins the request's transaction through zope.sqlalchemy, so pyramid_tm commits or
aborts it; pyramid_retry (included before pyramid_tm) replays the whole request when the database
reports a transient conflict (see :func:`_mark_retryable`).

SQLite is the embedded default: a file in WAL mode, foreign keys on, a busy timeout, and — because
SQLite locks the whole database for writing — a command that changes state opens its transaction
with ``BEGIN IMMEDIATE``, so writers queue instead of failing half-way. Within a process they queue
in arrival order (:class:`~xts2_core.writequeue.WriterQueue`, taken before ``BEGIN IMMEDIATE`` and
released when the transaction ends), so no sale waits behind luckier ones; between processes the
busy timeout decides. PostgreSQL is the production database; writers there take row locks
(``SELECT … FOR UPDATE``) in a fixed order.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import transaction
import zope.sqlalchemy
from pyramid.config import Configurator
from pyramid.settings import asbool
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from transaction.interfaces import NoTransaction

from .writequeue import QueueTimeout, WriterQueue, held_here

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The one declarative base of XTS2 and every plugin (so plugin tables can reference items)."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.types.TypeDecorator):
    """Stored as naive UTC on every database; always read back as an aware UTC datetime."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def database_url(settings: dict[str, Any]) -> str:
    """``XTS2_DATABASE_URL`` overrides the setting ``sqlalchemy.url``."""
    url = os.environ.get("XTS2_DATABASE_URL") or settings.get("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: set sqlalchemy.url in the ini file or XTS2_DATABASE_URL")
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):  # the driver XTS2 installs: psycopg 3
            url = "postgresql+psycopg://" + url[len(scheme):]
    return url


def get_engine(settings: dict[str, Any]) -> sa.Engine:
    url = sa.make_url(database_url(settings))
    kwargs: dict[str, Any] = {}
    # Read on every database, so that a wrong value stops the start even on SQLite (which has
    # no prepared statements to turn off).
    prepare = str(settings.get("xts2.pg_prepare_threshold") or "").strip()
    connect_args = {"prepare_threshold": prepare_threshold(prepare)} if prepare else {}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            directory = os.path.dirname(os.path.abspath(url.database))
            os.makedirs(directory, exist_ok=True)
        kwargs["connect_args"] = {"timeout": float(settings.get("xts2.sqlite_busy_timeout", 30))}
    else:
        kwargs["pool_size"] = int(settings.get("sqlalchemy.pool_size", 10))
        kwargs["max_overflow"] = int(settings.get("sqlalchemy.max_overflow", 10))
        kwargs["pool_pre_ping"] = True
        if connect_args:
            kwargs["connect_args"] = connect_args
    engine = sa.create_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        _configure_sqlite(engine, float(settings.get("xts2.sqlite_busy_timeout", 30)))
    return engine


def prepare_threshold(value: Any) -> int | None:
    """The setting ``xts2.pg_prepare_threshold``: psycopg's ``prepare_threshold``, the number of
    times a statement runs on a connection before psycopg prepares it on the server (psycopg's
    default: 5). ``none`` (or ``off``) never prepares: needed behind a pooler in
    transaction mode that does not carry prepared statements over (PgBouncer before 1.21), where a
    statement prepared on one server connection is missing from the next transaction's."""
    text = str(value).strip().lower()
    if text in ("none", "off"):
        return None
    try:
        threshold = int(text)
    except ValueError:
        threshold = -1
    if threshold < 0:
        raise ValueError(f"xts2.pg_prepare_threshold must be a whole number of at least 0, or "
                         f"none (never prepare), not {value!r}")
    return threshold


#: Each SQLite engine's writer queue (made on first use, gone with the engine).
_QUEUES: weakref.WeakKeyDictionary[sa.Engine, WriterQueue] = weakref.WeakKeyDictionary()
_QUEUES_LOCK = threading.Lock()


def writer_queue(engine: sa.Engine) -> WriterQueue:
    """The queue this process's writers to ``engine`` (an SQLite database) take, in turn."""
    queue = _QUEUES.get(engine)
    if queue is None:
        with _QUEUES_LOCK:
            queue = _QUEUES.get(engine)
            if queue is None:
                queue = _QUEUES[engine] = WriterQueue()
    return queue


def _busy_timeout(engine: sa.Engine) -> float:
    timeout = getattr(engine, "_xts2_busy_timeout", None)
    return 30.0 if timeout is None else timeout


def _configure_sqlite(engine: sa.Engine, busy_timeout: float) -> None:
    # pysqlite's own transaction handling begins lazily and cannot do BEGIN IMMEDIATE; take it
    # over as SQLAlchemy's documentation recommends, and begin ourselves.
    engine._xts2_busy_timeout = busy_timeout  # type: ignore[attr-defined]

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get("xts2_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_sqlite(session_or_engine: Session | sa.Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "sqlite"


def get_session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_tm_session(session_factory: sessionmaker[Session], transaction_manager: Any,
                   request: Any = None) -> Session:
    """A session joined to ``transaction_manager`` (the request's, or a script's)."""
    dbsession = session_factory(info={"request": request, "tm": transaction_manager})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def begin_write(dbsession: Session) -> None:
    """Start the session's transaction as a writer (``BEGIN IMMEDIATE`` on SQLite).

    Called by the dispatcher before a command that changes state runs, so that SQLite serialises
    writers from their first read; a no-op on other databases and if the session already began.

    On SQLite the writers of this process first take their turn at the engine's
    :class:`~xts2_core.writequeue.WriterQueue`, in arrival order, so that SQLite's busy handler (which
    wakes whoever polls at the right moment) is left only to writers of other processes. The turn
    ends with the transaction — committed, aborted (an error, a pyramid_retry replay), or aborted as
    a leftover when the request ends — through the transaction's after-commit and after-abort hooks,
    and the thread-sessions tween lets go of anything its thread still holds. A subrequest of a
    writer, on the writer's thread, does not wait for its parent.

    The transaction is also marked as changed, so that it commits even when the command wrote only
    through Core statements (``session.execute(sa.insert(table), …)``): zope.sqlalchemy notices
    ORM flushes by itself, and would otherwise roll such a transaction back as read-only.
    """
    tm = dbsession.info.get("tm")
    if not dbsession.in_transaction():
        request = dbsession.info.get("request")
        immediate = request is None or locks_enabled(request)
        if immediate and tm is not None and fair_writes(request) and is_sqlite(dbsession):
            _take_turn(dbsession.get_bind(), tm)
        dbsession.connection(execution_options={"xts2_write": immediate})
    if tm is not None:
        zope.sqlalchemy.mark_changed(dbsession, transaction_manager=tm)


def fair_writes(request: Any) -> bool:
    """The setting ``xts2.sqlite_fair_writes`` (default true): SQLite's writers of a process queue
    in arrival order. False leaves them to SQLite's busy handler alone, as before the queue."""
    if request is None:
        return True
    return request.registry.get("xts2.fair_writes", True)


def _take_turn(engine: sa.Engine, tm: Any) -> None:
    """Wait for this writer's turn at ``engine``'s queue; hand its release to the transaction."""
    txn = _current_transaction(tm)
    if txn is None:
        return  # no transaction to end the turn: leave it to SQLite's busy timeout
    queue = writer_queue(engine)
    ticket = queue.acquire(timeout=_busy_timeout(engine))
    if ticket is None:
        return  # a subrequest of the writer holding the queue, on its thread

    def after_commit(ok: bool) -> None:
        # A failed commit may still hold SQLite's lock: its abort (pyramid_tm's, or the tween's
        # for a leftover) ends the turn.
        if ok:
            queue.release(ticket)

    txn.addAfterCommitHook(after_commit)
    txn.addAfterAbortHook(queue.release, (ticket,))


def locks_enabled(request: Any) -> bool:
    """False only under the test-only setting ``xts2.testing.skip_locks``, which negative-control
    tests use to prove that the concurrency tests can see a race. Never set it in production."""
    return not asbool(request.registry.settings.get("xts2.testing.skip_locks"))


def for_update(request: Any, stmt: Any) -> Any:
    """``stmt.with_for_update()`` — the row lock a writer takes before counting.

    PostgreSQL takes a row lock; SQLite ignores it (the writing transaction already holds the
    database, see :func:`begin_write`).
    """
    return stmt.with_for_update() if locks_enabled(request) else stmt


def is_transient(exc: BaseException) -> bool:
    """Which database errors are worth replaying the whole request for.

    PostgreSQL: serialization failures (40001), deadlocks (40P01) and lock timeouts (55P03);
    SQLite: "database is locked", which a busy timeout that ran out leaves behind, and a wait for
    the writer queue that ran as long.
    """
    if isinstance(exc, QueueTimeout):
        return True
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in {"40001", "40P01", "55P03"}:
        return True
    return isinstance(exc, sa.exc.OperationalError) and "database is locked" in str(exc)


class NoSchema(RuntimeError):
    """The database has no XTS2 schema; the app does not start."""


def check_schema(engine: sa.Engine) -> None:
    """Refuse to serve a database that ``xts2 initdb`` has not made (every answer would be a 500).

    A database that cannot be reached is left for the requests to report: it may come up later.
    """
    try:
        with engine.connect() as conn:
            made = sa.inspect(conn).has_table("alembic_version")
    except sa.exc.OperationalError as exc:
        log.warning("cannot reach the database at start-up: %s", exc.orig)
        return
    if not made:
        raise NoSchema(f"the database {engine.url.render_as_string(hide_password=True)} has no "
                       "XTS2 tables yet: run  xts2 initdb CONFIG  first")


def _current_transaction(tm: Any) -> Any:
    """The transaction ``tm`` (an explicit manager) is in, or None."""
    try:
        return tm.get()
    except NoTransaction:
        return None


class ThreadSessions(threading.local):
    """Each server thread's transaction manager and session, made once and reused by every request
    the thread serves (one at a time): pyramid_tm begins and ends the manager's transaction per
    request, and zope.sqlalchemy closes the session at its end (a closed session is empty and
    ready again). Registering zope.sqlalchemy's events on a new session cost more CPU than a
    simple query, on every request; the thread-local manager is what pyramid_tm's default
    (``transaction.manager``) is too, kept explicit.

    A request made inside another on the same thread (``request.invoke_subrequest``) gets a
    manager and a session of its own, as every request did before. :meth:`tween_factory` counts the
    requests running on the thread and, when the outermost ends, aborts a transaction it left in
    the manager (a failed commit keeps its transaction in the transaction package): the database
    lock goes at once, and the thread's next request begins afresh."""

    # Measured against the Pyramid idiom (issue 15): a new session per request from a factory
    # that zope.sqlalchemy registered once, for a thread-local explicit manager given to
    # pyramid_tm, subrequests and leftovers handled by the same kind of tween. It passed these
    # tests, but cost about 80,000 more instructions a request (callgrind, in-process): +4.9 %
    # for getticketcounts of one performance, +1.3 % for a whole sale. Building and dropping a
    # Session (and its per-instance event dispatch) each request is what reuse saves; kept.

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory
        self.tm: Any = None
        self.session: Session | None = None
        self.depth = 0

    def manager(self, request: Any = None) -> Any:
        """``tm.manager_hook``: this thread's explicit transaction manager, with no transaction
        (a new one for a request nested in a running one)."""
        tm = self.tm
        if tm is None:
            tm = self.tm = transaction.TransactionManager(explicit=True)
            return tm
        if _current_transaction(tm) is None:
            return tm
        if self.depth >= 1:  # a subrequest: a request of this thread is still running
            return transaction.TransactionManager(explicit=True)
        self._discard_leftover()
        return self.manager(request)

    def _discard_leftover(self) -> None:
        """Abort the transaction a request left behind; replace the manager and the session."""
        tm, self.tm = self.tm, None
        leftover = _current_transaction(tm) if tm is not None else None
        if leftover is not None:
            log.warning("aborting a transaction left by a request that ended badly")
            try:
                leftover.abort()
            except Exception:  # it failed already; what matters is that it is gone
                log.exception("aborting the left-over transaction failed")
        if self.session is not None:
            self.session.close()
            self.session = None

    def session_for(self, request: Any) -> Session:
        """The session of ``request``: this thread's (reused), or a new one for a subrequest."""
        if request.tm is not self.tm:
            return get_tm_session(self.session_factory, request.tm, request)
        session = self.session
        if session is None or session.info.get("tm") is not request.tm:
            session = self.session = get_tm_session(self.session_factory, request.tm, request)
            return session
        if session.in_transaction():
            # Left by a request that used it outside its transaction: never carry a
            # transaction (a stale snapshot, or a lock) into another request.
            session.close()
        session.info["request"] = request
        return session

    def _release_writer_turn(self) -> None:
        """The request has ended: its thread holds no turn at a writer queue any more (the
        transaction's hooks have released it; this is the net under them)."""
        queue = held_here()  # None after a read: nothing to look up
        if queue is not None and queue.release_mine():
            log.warning("released a writer-queue turn that its transaction had not")

    def tween_factory(self, handler: Any, registry: Any) -> Any:
        """Outside pyramid_tm: count the thread's running requests, and when the outermost ends,
        leave the manager without a transaction (see the class)."""

        def tween(request: Any) -> Any:
            self.depth += 1
            try:
                return handler(request)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    if self.tm is not None and _current_transaction(self.tm) is not None:
                        self._discard_leftover()
                    if self.session is not None:
                        self.session.info["request"] = None  # keep no request alive
                    self._release_writer_turn()

        return tween


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    settings.setdefault("retry.attempts", 5)
    engine = settings.get("xts2.engine") or get_engine(settings)
    session_factory = get_session_factory(engine)
    sessions = ThreadSessions(session_factory)
    settings["tm.manager_hook"] = sessions.manager
    # pyramid_retry first, so each attempt gets a fresh transaction from pyramid_tm.
    config.include("pyramid_retry")
    config.include("pyramid_tm")

    config.registry["xts2.fair_writes"] = asbool(settings.get("xts2.sqlite_fair_writes", True))
    config.registry["dbengine"] = engine
    config.registry["dbsession_factory"] = session_factory
    config.registry["dbsessions"] = sessions
    check_schema(engine)

    config.add_request_method(sessions.session_for, "dbsession", reify=True)
    config.registry["xts2.thread_sessions_tween"] = sessions.tween_factory
    config.add_tween("xts2_core.db.thread_sessions_tween_factory", over="pyramid_tm.tm_tween_factory")


def thread_sessions_tween_factory(handler: Any, registry: Any) -> Any:
    """The tween of :class:`ThreadSessions` (Pyramid names tweens by a dotted path)."""
    return registry["xts2.thread_sessions_tween"](handler, registry)
