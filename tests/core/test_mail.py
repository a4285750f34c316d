"""The mail outbox (xts2_core.mail): mail queued in a request's transaction reaches a real SMTP
server (aiosmtpd) after the commit, and only then; retried while the server is away, exactly once
when it is back; headers no customer input can break; files instead of SMTP; ``xts2 sendmail``;
two senders on one outbox; a real ``pserve`` sending what an earlier process left.

Nothing here waits for a fixed time: each wait is a bounded poll for what must happen, and what
must not happen is shown by a later mail arriving first, or by the outbox's rows.
"""

from __future__ import annotations

import email
import logging
import shutil
import subprocess
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import AuthResult
from pyramid_retry import mark_error_retryable

from xts2_core import BadParam, Command, E, NoParams, Servlet, queue_mail
from xts2_core.db import get_engine, get_session_factory
from xts2_core.mail import (
    Mailer,
    OutboxMail,
    backoff,
    build_message,
    mail_address,
    mail_settings,
    one_line,
    parse_sender,
)
from xts2_core.testing import MailServer, eventually, write_ini

SENDER = "Venue box office <boxoffice@venue.example>"
T0 = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def smtp_settings(server: MailServer, **more: str) -> dict[str, str]:
    return {**server.settings(), "mail.sender": SENDER, **more}


# -- a plugin that queues mail ----------------------------------------------------------------

class MailProbe:
    """Servlet ``mailprobe``: ``send`` queues ``self.mails`` (queue_mail's keyword arguments);
    ``sendfail`` queues, then fails; ``sendretry`` queues, and its first run asks for a replay."""

    def __init__(self) -> None:
        self.mails: list[dict[str, Any]] = [mail("Your tickets")]
        self.runs = 0

    def servlets(self) -> list[Servlet]:
        return [Servlet("mailprobe", [
            Command("send", self.send, "terminal", NoParams, changes_state=True),
            Command("sendfail", self.send_then_fail, "terminal", NoParams, changes_state=True),
            Command("sendretry", self.send_then_retry, "terminal", NoParams,
                    changes_state=True),
        ])]

    def send(self, request: Any, p: Any) -> E:
        self.runs += 1
        for kwargs in self.mails:
            try:
                queue_mail(request, **kwargs)
            except ValueError as exc:  # what a plugin does with an address it cannot use
                raise BadParam("to", str(exc)) from None
        return E("queued", {"count": len(self.mails)})

    def send_then_fail(self, request: Any, p: Any) -> E:
        self.send(request, p)
        request.dbsession.flush()
        raise RuntimeError("the command failed after queueing its mail")

    def send_then_retry(self, request: Any, p: Any) -> E:
        answer = self.send(request, p)
        request.dbsession.flush()
        if self.runs == 1:
            exc = RuntimeError("a conflict worth a replay")
            mark_error_retryable(exc)
            raise exc
        return answer


def mail(subject: str, to: Any = "ann@example.org", **more: Any) -> dict[str, Any]:
    return {"to": to, "subject": subject, "text": f"{subject}: the text.", **more}


@pytest.fixture
def mail_app(xts2_app_factory, xts2_plugin) -> Callable[..., Any]:
    """``mail_app(**settings)`` → ``(app, probe)``: the core and the mail probe."""

    def make(**settings: Any) -> tuple[Any, MailProbe]:
        probe = MailProbe()
        plugin = xts2_plugin(register_servlets=probe.servlets)
        return xts2_app_factory(plugins=[], extra=[("mailprobe", plugin)], **settings), probe

    return make


def outbox(app: Any) -> list[OutboxMail]:
    with app.session() as s:
        return list(s.execute(sa.select(OutboxMail).order_by(OutboxMail.id)).scalars())


def all_sent(app: Any, count: int) -> list[OutboxMail]:
    rows = outbox(app)
    return rows if len(rows) == count and all(r.sent is not None for r in rows) else []


# -- sent after commit, and only then ----------------------------------------------------------

def test_a_mail_queued_by_a_request_arrives_after_the_commit(xts2_mail_server, mail_app, xts2_clock):
    server = xts2_mail_server()
    app, probe = mail_app(**smtp_settings(server))
    xts2_clock.set(T0)
    probe.mails = [mail("Your tickets for Hamlet", to=("Ann Example", "ann@example.org"),
                        basket_id=42)]
    assert app.call("mailprobe/send")["queued"]["count"] == 1

    (msg,) = server.wait(1)
    envelope = server.envelopes[0]
    assert envelope.mail_from == "boxoffice@venue.example"
    assert envelope.rcpt_tos == ["ann@example.org"]
    assert msg["From"] == SENDER
    assert msg["To"] == "Ann Example <ann@example.org>"
    assert msg["Subject"] == "Your tickets for Hamlet"
    assert msg["Date"].datetime == T0  # request.now
    assert msg["Message-ID"].endswith("@venue.example>")
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg.get_content().strip() == "Your tickets for Hamlet: the text."

    (row,) = eventually(lambda: all_sent(app, 1), what="the row marked sent")
    assert (row.to_addr, row.subject, row.basket_id) == ("ann@example.org",
                                                         "Your tickets for Hamlet", 42)
    assert (row.created, row.sent, row.attempts, row.last_error) == (T0, T0, 1, None)
    assert b"Message-ID: " + msg["Message-ID"].encode() in row.message


def test_a_request_that_fails_after_queueing_sends_nothing(xts2_mail_server, mail_app):
    server = xts2_mail_server()
    app, probe = mail_app(**smtp_settings(server))
    probe.mails = [mail("From a failed request")]
    app.call("mailprobe/sendfail", status=500)
    probe.mails = [mail("From a good request")]
    app.call("mailprobe/send")

    # The good request's mail arrives; the failed one's never existed to be sent.
    (msg,) = server.wait(1)
    assert msg["Subject"] == "From a good request"
    (row,) = eventually(lambda: all_sent(app, 1))
    assert row.subject == "From a good request"


def test_a_replayed_request_sends_one_mail(xts2_mail_server, mail_app):
    server = xts2_mail_server()
    app, probe = mail_app(**smtp_settings(server))
    probe.mails = [mail("Once only")]
    app.call("mailprobe/sendretry")
    assert probe.runs == 2  # pyramid_retry ran it again, the first attempt's row went with it
    probe.mails = [mail("Afterwards")]
    app.call("mailprobe/send")

    messages = server.wait(2)
    assert [m["Subject"] for m in messages] == ["Once only", "Afterwards"]
    assert [r.subject for r in eventually(lambda: all_sent(app, 2))] == ["Once only",
                                                                           "Afterwards"]


def test_mail_waits_while_the_server_is_away_and_arrives_once(xts2_mail_server, mail_app, xts2_clock,
                                                             caplog):
    caplog.set_level(logging.WARNING, logger="xts2_core.mail")
    down = xts2_mail_server(start=False)  # its port, with nothing listening yet
    app, probe = mail_app(**smtp_settings(down))
    mailer = app.registry["xts2.mailer"]
    xts2_clock.set(T0)
    probe.mails = [mail("Sent while the server was away")]
    app.call("mailprobe/send")  # the request does not wait for, or fail with, the mail server

    (row,) = eventually(lambda: [r for r in outbox(app) if r.attempts == 1],
                        what="the first attempt")
    assert row.sent is None and row.next_attempt == T0 + timedelta(seconds=30)
    assert "ConnectionRefusedError" in row.last_error
    eventually(lambda: f"mail {row.id} not sent, attempt 1, next in 30 s" in caplog.text,
               what="the warning")  # (logged just after the row is written)
    assert "ann@example.org" not in caplog.text

    server = down.start()
    xts2_clock.advance(seconds=30)
    mailer.wake()  # the sender would wake by itself when the retry is due, in real time
    (msg,) = server.wait(1)
    assert msg["Subject"] == "Sent while the server was away"
    (row,) = eventually(lambda: all_sent(app, 1))
    assert (row.attempts, row.last_error, row.sent) == (2, None, T0 + timedelta(seconds=30))

    # Once: a later mail arrives after it, and it was not sent again meanwhile.
    xts2_clock.advance(hours=2)
    probe.mails = [mail("Later")]
    app.call("mailprobe/send")
    assert [m["Subject"] for m in server.wait(2)] == ["Sent while the server was away",
                                                      "Later"]
    eventually(lambda: all_sent(app, 2))
    assert len(server.envelopes) == 2


def test_a_refused_recipient_does_not_hold_up_the_others(xts2_mail_server, mail_app):
    server = xts2_mail_server()
    server.refuse = {"nobody@example.org"}
    app, probe = mail_app(**smtp_settings(server))
    probe.mails = [mail("Refused", to="nobody@example.org"), mail("Accepted")]
    app.call("mailprobe/send")

    (msg,) = server.wait(1)
    assert msg["Subject"] == "Accepted"
    refused, accepted = eventually(
        lambda: (rows := outbox(app)) and rows[0].attempts == 1 and rows[1].sent and rows)
    assert refused.sent is None and refused.last_error.startswith("recipient refused: 550 ")
    assert accepted.sent is not None and accepted.last_error is None


def test_backoff_doubles_from_30_seconds_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert backoff(1000) == timedelta(hours=1)


# -- what the message holds, and what it cannot --------------------------------------------------

def test_a_newline_in_the_name_or_subject_adds_no_header(xts2_mail_server, mail_app):
    server = xts2_mail_server()
    app, probe = mail_app(**smtp_settings(server))
    probe.mails = [{"to": ("Ann\r\nBcc: victim@example.org", "ann@example.org"),
                    "subject": "Tickets\r\nBcc: victim@example.org\n\nNot a body",
                    "text": "Hello"}]
    app.call("mailprobe/send")

    (msg,) = server.wait(1)
    assert server.envelopes[0].rcpt_tos == ["ann@example.org"]
    assert "Bcc" not in msg
    assert msg["Subject"] == "Tickets Bcc: victim@example.org Not a body"
    (to,) = msg["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Ann Bcc: victim@example.org", "ann@example.org")
    assert msg.get_content().strip() == "Hello"
    assert not msg.defects


@pytest.mark.parametrize("address", [
    "ann@example.org\r\nBcc: victim@example.org", "ann@example.org, victim@example.org",
    "Ann <ann@example.org>", "ann example.org", "ann@localhost", "ann@-example.org",
    "ann..x@example.org", '"ann"@example.org', "ann@exa mple.org", "", "ä@example.org",
    "a" * 65 + "@example.org", "ann@example.org.",
])
def test_an_address_mail_cannot_go_to_is_refused_and_nothing_is_queued(mail_app, address):
    app, probe = mail_app()
    probe.mails = [mail("x", to=address)]
    error = app.call("mailprobe/send", status=400)["error"]
    assert error["param"] == "to" and "address" in error["message"]
    assert outbox(app) == []


def test_addresses_and_header_text():
    assert mail_address(" Ann.B+tickets@Example.ORG ") == "Ann.B+tickets@Example.ORG"
    assert mail_address("ann@bücher.example") == "ann@xn--bcher-kva.example"
    assert mail_address("boxoffice@localhost", dotless=True) == "boxoffice@localhost"
    assert one_line(" a\r\nb\tc\x00d\u2028e\x85f  ") == "a b c d e f"
    assert str(parse_sender(SENDER)) == SENDER
    for bad in ("ann@example.org, bob@example.org", "Venue", "x@y.z\nBcc: q@r.s"):
        with pytest.raises(ValueError, match="mail.sender must be one address"):
            parse_sender(bad)


def test_plain_text_html_and_attachments_arrive_intact(xts2_mail_server, mail_app):
    server = xts2_mail_server()
    app, probe = mail_app(**smtp_settings(server))
    text = "Dear Zoë,\n\nyour tickets:\n" + "Row A seat 1, " * 100 + "\n\n— the box office\n"
    html = "<p>Dear Zoë,</p>\n<p>your <b>tickets</b> are attached.</p>\n"
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    probe.mails = [mail("Tickets: Hamlet – 1 December", text=text, html=html,
                        attachments=[("Karten für Hamlet.pdf", "application/pdf", PDF),
                                     ("hamlet.ics", "text/calendar", ics)])]
    app.call("mailprobe/send")

    (msg,) = server.wait(1)
    assert msg["Subject"] == "Tickets: Hamlet – 1 December"
    assert msg.get_content_type() == "multipart/mixed"
    crlf = "\r\n"
    assert msg.get_body(("plain",)).get_content().replace(crlf, "\n") == text
    assert msg.get_body(("html",)).get_content().replace(crlf, "\n") == html
    pdf, calendar = msg.iter_attachments()
    assert (pdf.get_filename(), pdf.get_content_type()) == ("Karten für Hamlet.pdf",
                                                            "application/pdf")
    assert pdf.get_content() == PDF
    assert (calendar.get_filename(), calendar.get_content_type()) == ("hamlet.ics",
                                                                      "text/calendar")
    assert calendar.get_content().replace(crlf, "\n") == ics.decode().replace(crlf, "\n")
    # Only 7-bit text travels (any server takes it), in lines SMTP allows.
    raw = server.envelopes[0].content
    assert raw.isascii() and max(len(line) for line in raw.split(b"\r\n")) <= 998


@pytest.mark.parametrize("attachment, message", [
    (("", "application/pdf", PDF), "file name"),
    (("x.pdf", "pdf", PDF), "content type"),
    (("x.pdf", "multipart/mixed", PDF), "content type"),
    (("x.txt", "text/plain", "text, not bytes"), "bytes"),
])
def test_an_unusable_attachment_is_refused(attachment, message):
    with pytest.raises(ValueError, match=message):
        build_message(sender=parse_sender(SENDER), to="ann@example.org", subject="s",
                      text="t", attachments=[attachment], now=T0)


# -- settings ---------------------------------------------------------------------------------

@pytest.mark.parametrize("settings, message", [
    ({"mail.host": "smtp.example.org", "mail.directory": "/tmp/x", "mail.sender": SENDER},
     "not both"),
    ({"mail.host": "smtp.example.org"}, "mail.sender"),
    ({"mail.host": "smtp.example.org", "mail.sender": "Box office"}, "mail.sender"),
    ({"mail.host": "smtp.example.org", "mail.sender": SENDER, "mail.port": "smtp"}, "mail.port"),
    ({"mail.ssl": "true", "mail.starttls": "true"}, "exclude each other"),
    ({"mail.user": "xts2"}, "mail.password_env"),
    ({"mail.host": "smtp.example.org", "mail.sender": SENDER, "mail.user": "xts2",
      "mail.password_env": "XTS2_TEST_NO_SUCH_VARIABLE"}, "XTS2_TEST_NO_SUCH_VARIABLE"),
    ({"mail.retry_seconds": "0"}, "mail.retry_seconds"),
])
def test_wrong_mail_settings_stop_the_start(xts2_app_factory, settings, message):
    with pytest.raises(ValueError, match=message):
        xts2_app_factory(plugins=[], **settings)


def test_mail_settings_defaults():
    assert mail_settings({}).delivers is False
    assert mail_settings({"mail.host": "h", "mail.sender": SENDER}).port == 25
    assert mail_settings({"mail.host": "h", "mail.sender": SENDER,
                          "mail.starttls": "true"}).port == 587
    assert mail_settings({"mail.host": "h", "mail.sender": SENDER, "mail.ssl": "yes"}).port == 465
    assert mail_settings({"mail.retry_seconds": "15"}).retry_seconds == 15


def test_without_mail_settings_mail_is_kept_and_one_warning_logged(mail_app, caplog):
    caplog.set_level(logging.WARNING, logger="xts2_core.mail")
    app, probe = mail_app()
    probe.mails = [mail("One"), mail("Two")]
    app.call("mailprobe/send")
    app.call("mailprobe/send")
    assert [r.sent for r in outbox(app)] == [None] * 4
    assert caplog.text.count("mail is kept in the outbox and not sent") == 1
    assert app.registry["xts2.mailer"]._thread is None  # nothing to send with: no thread


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_with_the_password_from_the_environment(xts2_mail_server, mail_app, monkeypatch):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN202
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret pass")

    server = xts2_mail_server(authenticator=authenticator, auth_required=True,
                         auth_require_tls=False)
    monkeypatch.setenv("XTS2_TEST_MAIL_PASSWORD", "s3cret pass")
    app, probe = mail_app(**smtp_settings(server, **{
        "mail.user": "boxoffice", "mail.password_env": "XTS2_TEST_MAIL_PASSWORD"}))
    app.call("mailprobe/send")
    server.wait(1)
    assert logins == [(b"boxoffice", b"s3cret pass")]


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_starttls_checks_the_servers_certificate(xts2_mail_server, mail_app, tls_files, monkeypatch):
    import ssl

    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = xts2_mail_server(tls_context=context, require_starttls=True)
    app, probe = mail_app(**smtp_settings(server, **{"mail.starttls": "true"}))

    # A certificate nobody vouches for: not sent.
    probe.mails = [mail("Over TLS")]
    app.call("mailprobe/send")
    (row,) = eventually(lambda: [r for r in outbox(app) if r.attempts == 1])
    assert "CERTIFICATE_VERIFY_FAILED" in row.last_error

    # Trusted (as a CA that signed it would make it), the retry goes over TLS.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    app.registry["xts2.mailer"].deliver_due(everything=True)
    (msg,) = server.wait(1)
    assert msg["Subject"] == "Over TLS"


# -- files instead of SMTP (development) ------------------------------------------------------

def test_mail_directory_gets_one_eml_file_per_mail(mail_app, tmp_path):
    folder = tmp_path / "var" / "mail"
    app, probe = mail_app(**{"mail.directory": str(folder), "mail.sender": SENDER})
    probe.mails = [mail("Written to a file", html="<p>HTML too</p>",
                        attachments=[("t.pdf", "application/pdf", PDF)])]
    app.call("mailprobe/send")

    (path,) = eventually(lambda: list(folder.glob("*.eml")), what="the .eml file")
    (row,) = eventually(lambda: all_sent(app, 1))
    assert path.name == f"{row.created:%Y%m%d-%H%M%S}-{row.id}.eml"
    assert path.read_bytes() == row.message
    msg = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    assert (msg["From"], msg["To"], msg["Subject"]) == (SENDER, "ann@example.org",
                                                        "Written to a file")
    assert next(msg.iter_attachments()).get_content() == PDF
    assert [p.name for p in folder.iterdir()] == [path.name]  # no half-written leftovers


# -- the request path ----------------------------------------------------------------------------

def test_requests_that_queue_nothing_do_not_touch_the_outbox(xts2_mail_server, mail_app):
    server = xts2_mail_server()
    app, probe = mail_app(**smtp_settings(server))
    mine = threading.get_ident()
    statements: list[str] = []

    def record(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        if threading.get_ident() == mine:
            statements.append(statement)

    engine = app.registry["dbengine"]
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        basket = app.call("baskets/newbasket")["basket"]["id"]
        app.call("baskets/getbasket", {"basket": basket})
        app.call("xts/getterminal")
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert statements and not [s for s in statements if "core_mail_outbox" in s]


# -- several senders, the command line, a real server -----------------------------------------

def test_two_senders_on_one_outbox_send_each_mail_once(xts2_mail_server, mail_app, xts2_database_url):
    server = xts2_mail_server()
    app, probe = mail_app()  # queues only
    probe.mails = [mail(f"Mail {i}") for i in range(45)]
    app.call("mailprobe/send")

    # Two processes' senders: engines of their own, started at the same moment.
    settings = mail_settings(smtp_settings(server))
    engines = [get_engine({"sqlalchemy.url": xts2_database_url}) for _ in range(2)]
    mailers = [Mailer(settings, get_session_factory(e), app.clock) for e in engines]
    start = threading.Barrier(2)
    results: list[Any] = []

    def run(mailer: Mailer) -> None:
        start.wait()
        results.append(mailer.deliver_due())

    threads = [threading.Thread(target=run, args=(m,)) for m in mailers]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        for e in engines:
            e.dispose()
    assert sum(r.sent for r in results) == 45 and sum(r.failed for r in results) == 0
    assert all_sent(app, 45)
    messages = server.messages()
    assert len(messages) == 45
    assert len({m["Message-ID"] for m in messages}) == 45


def test_disposing_the_engine_stops_the_sender(xts2_mail_server, mail_app):
    server = xts2_mail_server()
    app, probe = mail_app(**smtp_settings(server))
    mailer = app.registry["xts2.mailer"]
    thread = eventually(lambda: mailer._thread)
    assert thread.is_alive() and thread.daemon
    app.registry["dbengine"].dispose()
    thread.join(10)
    assert not thread.is_alive()


@pytest.fixture
def cli_ini_for(tmp_path: Path, xts2_database_url: str) -> Callable[..., Path]:
    def make(**settings: str) -> Path:
        return write_ini(tmp_path / "mail.ini", xts2_database_url, plugins=[], **settings)

    return make


def test_xts2_sendmail_sends_what_waits(xts2_mail_server, mail_app, xts2_cli, cli_ini_for):
    app, probe = mail_app()  # no mail settings: kept in the outbox
    probe.mails = [mail("Kept", to=("Ann", "ann@example.org")), mail("Also kept")]
    app.call("mailprobe/send")
    down = xts2_mail_server(start=False)
    ini = cli_ini_for(**smtp_settings(down))

    listed = xts2_cli("mail", "list", ini).stdout
    assert "ann@example.org  'Kept'" in listed and "2 mails not sent" in listed

    failed = xts2_cli("sendmail", ini, check=False)
    assert failed.returncode == 1 and "sent 0 mails" in failed.stdout
    assert "2 mails could not be sent" in failed.stderr and "Traceback" not in failed.stderr
    assert [r.attempts for r in outbox(app)] == [1, 1]
    assert "ConnectionRefusedError" in xts2_cli("mail", "list", ini).stdout

    server = down.start()
    assert "sent 0 mails" in xts2_cli("sendmail", ini).stdout  # not due yet: they wait 30 s
    assert "sent 2 mails" in xts2_cli("sendmail", "--all", ini).stdout
    assert [m["Subject"] for m in server.wait(2)] == ["Kept", "Also kept"]
    assert all_sent(app, 2)
    assert "0 mails not sent" in xts2_cli("mail", "list", ini).stdout


def test_xts2_sendmail_without_mail_settings(xts2_cli, cli_ini_for):
    out = xts2_cli("sendmail", cli_ini_for(), check=False)
    assert out.returncode == 1 and "neither mail.host nor mail.directory" in out.stderr


def test_xts2_expire_deletes_mail_sent_long_ago(mail_app, xts2_cli, cli_ini_for):
    app, probe = mail_app()
    probe.mails = [mail("Long ago"), mail("Recent"), mail("Unsent")]
    app.call("mailprobe/send")
    now = datetime.now(UTC)
    with app.session() as s:
        for row, sent in zip(s.execute(sa.select(OutboxMail).order_by(OutboxMail.id)).scalars(),
                             (now - timedelta(days=31), now - timedelta(days=29), None),
                             strict=True):
            row.sent = sent
    out = xts2_cli("expire", cli_ini_for()).stdout
    assert "1 mails sent more than 30 days ago" in out
    assert [r.subject for r in outbox(app)] == ["Recent", "Unsent"]


@pytest.mark.live
def test_a_server_sends_the_mail_an_earlier_process_left(xts2_mail_server, mail_app,
                                                         xts2_live_server):
    """A process that committed mail and died before sending it (here: one with no mail
    settings) leaves it in the outbox; the next server sends it when it starts."""
    app, probe = mail_app()
    probe.mails = [mail("Left behind")]
    app.call("mailprobe/send")
    server = xts2_mail_server()
    xts2_live_server(plugins=[], **smtp_settings(server))
    (msg,) = server.wait(1)
    assert msg["Subject"] == "Left behind"
    eventually(lambda: all_sent(app, 1))
