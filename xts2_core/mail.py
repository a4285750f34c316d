"""The mail outbox: mail is written in the transaction that decides to send it, and sent after
that transaction commits (DESIGN.md "Online sales").

:func:`queue_mail` builds the whole message (RFC 5322, with the standard library's ``email``
package) and adds it to ``core_mail_outbox`` in the request's transaction: if the request fails,
or pyramid_retry replays it, the row goes with the failed attempt and no mail leaves. A commit
wakes this process's sender (:class:`Mailer`, one daemon thread), which claims the mail that is
due, sends it outside any database transaction, and marks it sent; a failure is retried with a
growing delay (30 s, 1 min, 2 min … at most 1 h) and logged. The thread also wakes every
``mail.retry_seconds`` (60), and once at start-up, so mail whose process died before sending it
goes out from the next one; ``xts2 sendmail`` does the same from the command line.

Delivery is at least once: a process that dies after the mail server accepted a mail and before
the row was marked sent leaves it unsent, and it is sent again (its ``Message-ID`` is the same).
Several processes share the outbox: a claim is a row lock skipped by the others (PostgreSQL's
``FOR UPDATE SKIP LOCKED``; SQLite runs one writer at a time) and a lease (``next_attempt`` moved
:data:`LEASE` ahead) that keeps the others off while the claimer talks to the mail server.

Requests that queue nothing pay nothing: no query, no hook, no tween.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import transaction
from pyramid.config import Configurator
from pyramid.events import ApplicationCreated
from pyramid.settings import asbool
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from .db import Base, UTCDateTime, begin_write, get_tm_session
from .models import BigId
from .writequeue import QueueTimeout

log = logging.getLogger(__name__)

#: How long a claimed mail is kept from the other senders while its claimer sends it: a process
#: that dies meanwhile delays the mail by at most this much.
LEASE = timedelta(minutes=10)
#: Mails claimed at once (and sent over one connection).
BATCH = 20
#: The first retry's delay; each further one doubles it, up to :data:`MAX_BACKOFF`.
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
#: The sender of mail queued while no ``mail.sender`` is set (mail that is kept, never sent).
PLACEHOLDER_SENDER = "XTS2 box office <boxoffice@xts2.invalid>"

#: The messages' policy: SMTP's (CRLF line ends), with non-ASCII bodies quoted-printable or
#: base64 so that any mail server (and any ``.eml`` reader) takes them as they are.
POLICY = SMTP.clone(cte_type="7bit")


class OutboxMail(Base):
    """A mail to send (``sent`` None) or sent. ``message`` is the whole message, as built when
    it was queued; ``to_addr`` its one recipient (to find, or erase, a person's mail);
    ``next_attempt`` when a sender may take it next (after a failure: later; while a sender
    has it: its lease)."""

    __tablename__ = "core_mail_outbox"
    __table_args__ = (sa.Index("ix_core_mail_outbox_sent_next_attempt", "sent", "next_attempt"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    to_addr: Mapped[str] = mapped_column(sa.String(254), index=True)
    #: The subject as one line (for listings; the message has it whole).
    subject: Mapped[str] = mapped_column(sa.String(255))
    message: Mapped[bytes] = mapped_column(sa.LargeBinary)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt: Mapped[datetime] = mapped_column(UTCDateTime)
    sent: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    #: The basket (order) the mail is about, if any: no foreign key, the mail outlives it.
    basket_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)


_T = OutboxMail.__table__


# -- addresses and messages ----------------------------------------------------------------------

_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_HEADERS = HeaderRegistry()
_CONTENT_TYPE = re.compile(r"([a-z0-9][a-z0-9!#$&^_.+-]*)/([a-z0-9][a-z0-9!#$&^_.+-]*)\Z")


def one_line(text: str) -> str:
    """``text`` with every line break, control character and run of white space made one space,
    trimmed: what a header may hold (a subject, a display name, a file name), so that text
    from a customer cannot end a header and start another."""
    return " ".join(_CONTROL.sub(" ", text).split())


def mail_address(text: str, *, dotless: bool = False) -> str:
    """``text`` as an address mail can be sent to (``name@example.org``, ASCII; a domain in
    another script as IDNA), or :class:`ValueError` saying why not. Quoted local parts and
    non-ASCII local parts are refused; the domain needs a dot unless ``dotless``."""
    if not isinstance(text, str):
        raise ValueError(f"an e-mail address is text, not {type(text).__name__}")
    local, at, domain = text.strip().rpartition("@")
    if not at or len(local) > 64 or not _LOCAL_PART.match(local):
        raise ValueError(f"{text!r} is not an e-mail address XTS2 can send to")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{text!r} is not an e-mail address: its domain is not valid") from None
    labels = domain.split(".")
    if not all(_LABEL.match(label) for label in labels) or (len(labels) < 2 and not dotless):
        raise ValueError(f"{text!r} is not an e-mail address: its domain is not valid")
    address = f"{local}@{domain}"
    if len(address) > 254:
        raise ValueError("an e-mail address has at most 254 characters")
    return address


def parse_sender(text: str) -> Address:
    """The setting ``mail.sender`` (``Venue box office <boxoffice@venue.example>``, or a bare
    address) as the ``From`` of every mail; :class:`ValueError` if it is not one address."""
    header = _HEADERS("From", text)
    if header.defects or len(header.addresses) != 1:
        raise ValueError(f"mail.sender must be one address such as  Venue box office "
                         f"<boxoffice@venue.example>, not {text!r}")
    (address,) = header.addresses
    return Address(display_name=one_line(address.display_name),
                   addr_spec=mail_address(address.addr_spec, dotless=True))


def _recipient(to: str | tuple[str, str]) -> Address:
    if isinstance(to, tuple):
        name, addr = to
        return Address(display_name=one_line(name or ""), addr_spec=mail_address(addr))
    return Address(addr_spec=mail_address(to))


def _body(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def build_message(*, sender: Address, to: str | tuple[str, str], subject: str, text: str,
                  html: str | None = None, attachments: Iterable[tuple[str, str, bytes]] = (),
                  now: datetime) -> tuple[Address, str, bytes]:
    """The message's recipient, its subject as one line, and its bytes (CRLF line ends): a
    plain-text part, an HTML alternative if ``html``, then the ``attachments``.

    :raises ValueError: the address is not one XTS2 can send to, an attachment's content type
        or file name is not usable.
    """
    recipient = _recipient(to)
    subject_line = one_line(subject)
    msg = EmailMessage(policy=POLICY)
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject_line
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=sender.domain)
    # RFC 3834: no vacation replies or other auto-answers to the box office's confirmations.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(_body(text))
    if html is not None:
        msg.add_alternative(_body(html), subtype="html")
    for filename, content_type, data in attachments:
        kind = _CONTENT_TYPE.match(content_type.strip().lower())
        if kind is None or kind[1] in ("multipart", "message"):
            raise ValueError(f"an attachment's content type must be type/subtype (not multipart "
                             f"or message), not {content_type!r}")
        name = one_line(filename)
        if not name:
            raise ValueError("an attachment needs a file name")
        if not isinstance(data, bytes | bytearray | memoryview):
            raise ValueError(f"an attachment's content is bytes, not {type(data).__name__}")
        msg.add_attachment(bytes(data), maintype=kind[1], subtype=kind[2], filename=name)
    return recipient, subject_line, msg.as_bytes()


# -- settings ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MailSettings:
    """The settings ``mail.*`` (docs/operators.md, "Mail"). Neither ``host`` nor ``directory``:
    mail is kept in the outbox and not sent."""

    sender: Address
    host: str | None = None
    port: int = 25
    starttls: bool = False
    ssl: bool = False
    user: str | None = None
    password_env: str | None = None
    directory: Path | None = None
    retry_seconds: float = 60.0
    timeout: float = 30.0

    @property
    def delivers(self) -> bool:
        return self.host is not None or self.directory is not None

    def password(self) -> str:
        value = os.environ.get(self.password_env or "")
        if value is None:
            raise ValueError(f"mail.password_env names the environment variable "
                             f"{self.password_env}, which is not set")
        return value


def _seconds(settings: dict[str, Any], name: str, default: float) -> float:
    raw = str(settings.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if not 0 < value <= 86400:
        raise ValueError(f"{name} must be a number of seconds above 0, not {raw!r}")
    return value


def mail_settings(settings: dict[str, Any]) -> MailSettings:
    """Read and check the settings ``mail.*``; :class:`ValueError` (which stops the start)
    names the one at fault."""
    def text(name: str) -> str | None:
        return str(settings.get(name) or "").strip() or None

    host, directory = text("mail.host"), text("mail.directory")
    if host and directory:
        raise ValueError("set mail.host (send by SMTP) or mail.directory (write .eml files), "
                         "not both")
    use_ssl, starttls = asbool(settings.get("mail.ssl")), asbool(settings.get("mail.starttls"))
    if use_ssl and starttls:
        raise ValueError("mail.ssl (TLS from the start, port 465) and mail.starttls (port 587) "
                         "exclude each other")
    port_text = text("mail.port")
    port = 465 if use_ssl else 587 if starttls else 25
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"mail.port must be a port number, not {port_text!r}")
        port = int(port_text)
    user, password_env = text("mail.user"), text("mail.password_env")
    if (user is None) != (password_env is None):
        raise ValueError("mail.user and mail.password_env go together (the password itself is "
                         "in the environment variable mail.password_env names)")
    sender_text = text("mail.sender")
    if sender_text is None and (host or directory):
        raise ValueError("mail.sender (the From of every mail: Venue box office "
                         "<boxoffice@venue.example>) must be set to send mail")
    out = MailSettings(
        sender=parse_sender(sender_text or PLACEHOLDER_SENDER), host=host, port=port,
        starttls=starttls, ssl=use_ssl, user=user, password_env=password_env,
        directory=Path(directory) if directory else None,
        retry_seconds=_seconds(settings, "mail.retry_seconds", 60.0),
        timeout=_seconds(settings, "mail.timeout", 30.0))
    if host and user:
        out.password()  # a missing variable stops the start, not the first mail
    return out


# -- transports ---------------------------------------------------------------------------------

class MessageRefused(Exception):
    """The server refused this one mail (the connection is still good for the others)."""


def describe(exc: BaseException) -> str:
    """An error as ``last_error`` and the log show it: the server's own words where it sent
    some (the recipient's address is left out of ours)."""
    if isinstance(exc, MessageRefused) and exc.__cause__ is not None:
        exc = exc.__cause__
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (0, b""))
        return f"recipient refused: {code} {_decode(text)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {exc.smtp_code} {_decode(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


class _SMTPConnection:
    def __init__(self, settings: MailSettings) -> None:
        s = settings
        context = ssl.create_default_context()
        if s.ssl:
            self.smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host or "", s.port, timeout=s.timeout,
                                                       context=context)
        else:
            self.smtp = smtplib.SMTP(s.host or "", s.port, timeout=s.timeout)
        try:
            if s.starttls:
                self.smtp.starttls(context=context)
            if s.user:
                self.smtp.login(s.user, s.password())
        except BaseException:
            self.smtp.close()
            raise

    def send(self, sender: str, mail: Any) -> None:
        try:
            self.smtp.sendmail(sender, [mail.to_addr], mail.message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
            raise MessageRefused(describe(exc)) from exc

    def close(self) -> None:
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()


class _DirectoryConnection:
    """``mail.directory``: each mail a file ``YYYYmmdd-HHMMSS-ID.eml`` (written whole, then
    renamed into place; sent again, it replaces itself)."""

    def __init__(self, settings: MailSettings) -> None:
        assert settings.directory is not None
        self.directory = settings.directory
        self.directory.mkdir(parents=True, exist_ok=True)

    def send(self, sender: str, mail: Any) -> None:
        name = f"{mail.created:%Y%m%d-%H%M%S}-{mail.id}.eml"
        part = self.directory / f".{name}.part"
        part.write_bytes(mail.message)
        os.replace(part, self.directory / name)

    def close(self) -> None:
        pass


# -- the outbox and its sender ------------------------------------------------------------------

@dataclass
class Delivery:
    """What one delivery run did: mails sent, failed attempts, and the errors (in order)."""

    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min, … at most 1 h."""
    return min(FIRST_BACKOFF * 2 ** min(max(attempts - 1, 0), 20), MAX_BACKOFF)


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


_CLAIM = (sa.select(_T.c.id, _T.c.created, _T.c.to_addr, _T.c.attempts, _T.c.message)
          .where(_T.c.sent.is_(None), _T.c.next_attempt <= sa.bindparam("now"))
          .order_by(_T.c.next_attempt, _T.c.id).limit(BATCH)
          .with_for_update(skip_locked=True))
_LEASE = (_T.update().where(_T.c.id.in_(sa.bindparam("ids", expanding=True)))
          .values(next_attempt=sa.bindparam("until")))
_SENT = (_T.update().where(_T.c.id == sa.bindparam("id_"))
         .values(sent=sa.bindparam("now"), attempts=_T.c.attempts + 1, last_error=None))
_FAILED = (_T.update().where(_T.c.id == sa.bindparam("id_"), _T.c.sent.is_(None))
           .values(attempts=sa.bindparam("attempts_"), next_attempt=sa.bindparam("next_"),
                   last_error=sa.bindparam("error_")))
_NEXT_DUE = sa.select(sa.func.min(_T.c.next_attempt)).where(_T.c.sent.is_(None))


class Mailer:
    """One app's (or one command's) outbox: :meth:`queue` adds mail in a transaction,
    :meth:`deliver_due` sends what is due, and the sender thread (:meth:`start`) runs it after
    each commit that queued mail, every ``mail.retry_seconds``, and once at start."""

    def __init__(self, settings: MailSettings, session_factory: sessionmaker[Session],
                 clock: Any) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.clock = clock
        self._lock = threading.Lock()
        self._wakeup = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._running = False
        self._warned = False
        self._database_away = False

    # -- queueing (in the caller's transaction) ----------------------------------------------

    def queue(self, dbsession: Session, now: datetime, *, to: str | tuple[str, str],
              subject: str, text: str, html: str | None = None,
              attachments: Iterable[tuple[str, str, bytes]] = (),
              basket_id: int | None = None) -> OutboxMail:
        """Add a mail to the outbox in ``dbsession``'s transaction (see :func:`queue_mail`);
        the sender is woken when that transaction commits."""
        recipient, subject_line, raw = build_message(
            sender=self.settings.sender, to=to, subject=subject, text=text, html=html,
            attachments=attachments, now=now)
        mail = OutboxMail(created=now, to_addr=recipient.addr_spec, subject=subject_line[:255],
                          message=raw, attempts=0, next_attempt=now, basket_id=basket_id)
        dbsession.add(mail)
        tm = dbsession.info.get("tm")
        if tm is not None:
            tm.get().addAfterCommitHook(self._committed)
        if not self.settings.delivers and not self._warned:
            self._warned = True
            log.warning("mail is kept in the outbox and not sent: neither mail.host nor "
                        "mail.directory is set (docs/operators.md, \"Mail\")")
        return mail

    def _committed(self, ok: bool) -> None:
        if ok:
            self.wake()

    # -- the sender thread ----------------------------------------------------------------

    def start(self) -> None:
        """Start this process's sender thread (nothing to start if mail is not sent)."""
        if not self.settings.delivers:
            return
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
            if alive and self._pid == os.getpid():
                return
            # (Also after a fork: the child has the Mailer, not its thread.)
            self._running, self._pid = True, os.getpid()
            self._thread = threading.Thread(target=self._run, name="xts2-mail", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Deliver what is due now (from the sender thread; nothing if it was never started)."""
        if not self._running:
            return
        thread = self._thread
        if self._pid != os.getpid() or thread is None or not thread.is_alive():
            self.start()
        self._wakeup.set()

    def stop(self, timeout: float = 10) -> None:
        """Stop the sender thread (after the mail it is sending); unsent mail stays queued."""
        with self._lock:
            self._running = False
            thread = self._thread
        self._wakeup.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        wait = 0.0
        while True:
            self._wakeup.wait(wait)
            self._wakeup.clear()
            if not self._running:
                return
            try:
                self.deliver_due()
                wait = self._until_next_due()
            except (sa.exc.SQLAlchemyError, QueueTimeout) as exc:
                # The database is away, or SQLite stayed busy: the mail waits for the next pass.
                if not self._database_away:
                    self._database_away = True
                    log.warning("mail: the outbox cannot be read (mail waits): %s",
                                getattr(exc, "orig", None) or exc)
                wait = self.settings.retry_seconds
                continue
            except Exception:
                log.exception("mail: the sender failed (mail waits)")
                wait = self.settings.retry_seconds
                continue
            if self._database_away:
                self._database_away = False
                log.warning("mail: the outbox can be read again")

    def _until_next_due(self) -> float:
        with self.session_factory() as db:
            due = db.scalar(_NEXT_DUE)
        every = self.settings.retry_seconds
        if due is None:
            return every
        return max(1.0, min(every, (due - self.clock.now()).total_seconds()))

    # -- delivering -----------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A short writing transaction of its own (``BEGIN IMMEDIATE`` on SQLite)."""
        tm = transaction.TransactionManager(explicit=True)
        with tm:
            db = get_tm_session(self.session_factory, tm)
            begin_write(db)
            yield db

    def deliver_due(self, *, everything: bool = False) -> Delivery:
        """Send every mail that is due now (``everything``: also those waiting for a retry),
        claiming it first so that no other sender takes it meanwhile.

        :raises RuntimeError: no ``mail.host`` or ``mail.directory`` is set.
        """
        if not self.settings.delivers:
            raise RuntimeError("neither mail.host nor mail.directory is set: mail is not sent")
        done = Delivery()
        if everything:
            with self._writing() as db:
                db.execute(_T.update().where(_T.c.sent.is_(None))
                           .values(next_attempt=self.clock.now()))
        while True:
            batch = self._claim()
            if not batch:
                return done
            if not self._send(batch, done) or len(batch) < BATCH:
                return done

    def _claim(self) -> Sequence[Any]:
        now = self.clock.now()
        with self._writing() as db:
            batch = db.execute(_CLAIM, {"now": now}).all()
            if batch:
                db.execute(_LEASE, {"ids": [m.id for m in batch], "until": now + LEASE})
        return batch

    def _send(self, batch: Sequence[Any], done: Delivery) -> bool:
        """Send ``batch`` over one connection; False if the connection failed (the rest of
        the batch, untried, is retried later with it)."""
        sender = self.settings.sender.addr_spec
        try:
            connection = (_SMTPConnection(self.settings) if self.settings.host
                          else _DirectoryConnection(self.settings))
        except Exception as exc:
            self._failed(batch, exc, done)
            return False
        try:
            for i, mail in enumerate(batch):
                try:
                    connection.send(sender, mail)
                except MessageRefused as exc:
                    self._failed([mail], exc, done)
                    continue
                except Exception as exc:
                    self._failed(batch[i:], exc, done)
                    return False
                with self._writing() as db:
                    db.execute(_SENT, {"id_": mail.id, "now": self.clock.now()})
                done.sent += 1
        finally:
            connection.close()
        return True

    def _failed(self, mails: Sequence[Any], exc: BaseException, done: Delivery) -> None:
        now, error = self.clock.now(), describe(exc)[:500]
        rows = [{"id_": m.id, "attempts_": m.attempts + 1, "next_": now + backoff(m.attempts + 1),
                 "error_": error} for m in mails]
        with self._writing() as db:
            db.execute(_FAILED, rows)
        done.failed += len(mails)
        done.errors.append(error)
        first = mails[0]
        which = (f"mail {first.id}" if len(mails) == 1
                 else f"{len(mails)} mails ({', '.join(str(m.id) for m in mails[:5])}"
                      f"{', …' if len(mails) > 5 else ''})")
        log.warning("%s not sent, attempt %d, next in %s: %s", which, first.attempts + 1,
                    _human(backoff(first.attempts + 1)), error)


def pending(dbsession: Session, limit: int = 1000) -> list[OutboxMail]:
    """Unsent mail, oldest first (``xts2 mail list``)."""
    return list(dbsession.execute(
        sa.select(OutboxMail).where(OutboxMail.sent.is_(None))
        .order_by(OutboxMail.created, OutboxMail.id).limit(limit)).scalars())


def delete_sent(dbsession: Session, before: datetime) -> int:
    """Delete mail sent before ``before`` (``xts2 expire``); the number deleted."""
    result = dbsession.execute(sa.delete(OutboxMail).where(OutboxMail.sent < before))
    return result.rowcount or 0  # type: ignore[attr-defined]


def queue_mail(request: Any, *, to: str | tuple[str, str], subject: str, text: str,
               html: str | None = None, attachments: Iterable[tuple[str, str, bytes]] = (),
               basket_id: int | None = None) -> OutboxMail:
    """Queue a mail in the request's transaction; it is sent after the transaction commits.

    Call it from a command that changes state (or a hook it runs), never send mail directly:
    a failed or replayed request then sends nothing, or exactly one mail. The message is built
    now (``Date`` is ``request.now``; ``From`` the setting ``mail.sender``).

    :param to: the recipient: an address (``"ann@example.org"``) or ``(name, address)``.
    :param subject: the subject; line breaks in it (and in the name) become spaces.
    :param text: the plain-text body.
    :param html: an HTML alternative of the same content, if any.
    :param attachments: ``(file name, content type, bytes)`` each (``("tickets.pdf",
        "application/pdf", pdf)``).
    :param basket_id: the basket (order) the mail is about, to find it by.
    :return: the outbox row (its ``id`` is set when the session flushes).
    :raises ValueError: the address is not one XTS2 can send to (check customers' addresses
        before), or an attachment is not usable.
    """
    return request.registry["xts2.mailer"].queue(
        request.dbsession, request.now, to=to, subject=subject, text=text, html=html,
        attachments=attachments, basket_id=basket_id)


def includeme(config: Configurator) -> None:
    """``registry["xts2.mailer"]``; with mail configured, its sender thread starts with the app
    and stops when the app's engine is disposed."""
    registry = config.registry
    mailer = Mailer(mail_settings(config.get_settings()), registry["dbsession_factory"],
                    registry["xts2.clock"])
    registry["xts2.mailer"] = mailer
    if mailer.settings.delivers:
        event.listen(registry["dbengine"], "engine_disposed", lambda engine: mailer.stop())
        config.add_subscriber(lambda created: mailer.start(), ApplicationCreated)
