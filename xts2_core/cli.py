"""``xts2``: the operator's command line (API.md §10).

    xts2 initdb CONFIG                 create or migrate the database (every installed plugin)
    xts2 load CONFIG FILE              load a season file (YAML); loading twice changes nothing
    xts2 demo CONFIG                   initdb, load the demo season, print a demo terminal key
    xts2 setpassword CONFIG            set the admin password (read from standard input)
    xts2 terminal add CONFIG NAME      add a terminal; prints its key once
    xts2 terminal list CONFIG          list terminals
    xts2 terminal revoke CONFIG NAME   revoke a terminal's key
    xts2 expire CONFIG                 delete expired baskets (their audit stays), old sent mail
    xts2 sendmail CONFIG [--all]       send the mail that is due now (--all: also mail waiting to retry)
    xts2 mail list CONFIG              list the mail not sent yet
    xts2 openapi CONFIG                print the OpenAPI document (GET /v2/openapi.json)
    xts2 revision CONFIG PLUGIN -m MSG (plugin authors) autogenerate a migration on PLUGIN's branch
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import transaction
from pyramid.paster import get_appsettings, setup_logging

from . import migrate
from .auth import hash_key, new_key, password_hasher, set_password
from .baskets.service import delete_expired
from .clock import Clock, venue_timezone
from .db import (
    NoSchema,
    begin_write,
    check_schema,
    get_engine,
    get_session_factory,
    get_tm_session,
)
from .logs import install_redaction
from .mail import Mailer, delete_sent, mail_settings, pending
from .migrate import MigrationError
from .models import Operation, Terminal
from .plugins import PluginError, get_plugin_manager
from .season import LoadContext, SeasonError, demo_data, load_data, load_text

OPERATION_TTL = timedelta(hours=24)


class Env:
    """What every subcommand needs: settings, plugins and the database."""

    def __init__(self, config_uri: str) -> None:
        if not Path(config_uri.split("#")[0]).exists():
            raise SystemExit(f"xts2: no such config file: {config_uri}")
        setup_logging(config_uri)
        install_redaction()
        self.settings = get_appsettings(config_uri)
        self.pm = get_plugin_manager(self.settings)
        self.engine = get_engine(self.settings)
        self.factory = get_session_factory(self.engine)

    @contextmanager
    def session(self) -> Iterator[Any]:
        tm = transaction.TransactionManager(explicit=True)
        with tm:
            dbsession = get_tm_session(self.factory, tm)
            begin_write(dbsession)
            yield dbsession

    def mailer(self) -> Mailer:
        """The outbox as the server processes see it (the settings ``mail.*``)."""
        try:
            settings = mail_settings(self.settings)
        except ValueError as exc:
            raise SystemExit(f"xts2: {exc}") from None
        return Mailer(settings, self.factory, Clock())

    def context(self, dbsession: Any) -> LoadContext:
        return LoadContext(dbsession=dbsession, now=datetime.now(UTC),
                           tz=venue_timezone(self.settings), settings=self.settings)


def cmd_initdb(env: Env, args: argparse.Namespace) -> None:
    migrate.upgrade(env.engine, env.pm)
    heads = ", ".join(sorted(migrate.current_heads(env.engine)))
    print(f"database {env.engine.url.render_as_string(hide_password=True)} is at {heads}")


def cmd_revision(env: Env, args: argparse.Namespace) -> None:
    script = migrate.revision(env.engine, env.pm, args.plugin, args.message)
    print(f"wrote {script.path}")


def cmd_load(env: Env, args: argparse.Namespace) -> None:
    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SystemExit(f"xts2: cannot read the season file {args.file}: {exc}") from None
    with env.session() as db:
        counts = load_text(env.pm, env.context(db), text)
    print("loaded " + (", ".join(f"{n} {k}" for k, n in counts.items()) or "nothing"))


def cmd_demo(env: Env, args: argparse.Namespace) -> None:
    migrate.upgrade(env.engine, env.pm)
    tz = venue_timezone(env.settings)
    today = datetime.now(tz).date()
    key = new_key()
    data = demo_data(env.pm, today, key)
    with env.session() as db:
        counts = load_data(env.pm, env.context(db), data)
    print("demo season loaded: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    print(f"demo terminal key: {key}")


def cmd_setpassword(env: Env, args: argparse.Namespace) -> None:
    if sys.stdin.isatty():
        password = getpass.getpass("admin password: ")
        if getpass.getpass("again: ") != password:
            raise SystemExit("xts2: the passwords differ; nothing changed")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        raise SystemExit("xts2: the admin password needs at least 8 characters; nothing changed")
    with env.session() as db:
        set_password(db, password_hasher(env.settings), password)
    print("admin password set")


def cmd_terminal(env: Env, args: argparse.Namespace) -> None:
    with env.session() as db:
        if args.action == "list":
            rows = db.execute(sa.select(Terminal).order_by(Terminal.id)).scalars().all()
            print(f"{'id':>4}  {'state':8}  {'expiry':>6}  name")
            for t in rows:
                print(f"{t.id:>4}  {'active' if t.active else 'revoked':8}  "
                      f"{t.expiry or '-':>6}  {t.name}")
            return
        found = db.execute(sa.select(Terminal).where(Terminal.name == args.name)
                           ).scalar_one_or_none()
        if args.action == "add":
            key = new_key()
            if found is not None and found.active:
                raise SystemExit(f"xts2: terminal {args.name!r} exists; revoke it first")
            if found is not None:
                found.key_hash, found.active, found.expiry = hash_key(key), True, args.expiry
            else:
                db.add(Terminal(name=args.name, key_hash=hash_key(key), active=True,
                                expiry=args.expiry, created=datetime.now(UTC)))
            db.flush()
            print(f"terminal {args.name!r} added; its key (shown only now): {key}")
        else:
            if found is None:
                raise SystemExit(f"xts2: no terminal {args.name!r}")
            found.active = False
            found.key_hash = hash_key(new_key())
            print(f"terminal {args.name!r} revoked")


@contextmanager
def app_request(env: Env) -> Iterator[Any]:
    """A request of the configured app, in a transaction committed at the end: for work that
    goes through the API's commands and the plugins' hooks (settling payments)."""
    from pyramid.scripting import prepare

    from .app import make_app

    app = make_app(env.settings)
    scripting = prepare(registry=app.registry)
    request = scripting["request"]
    try:
        with request.tm:
            begin_write(request.dbsession)
            yield request
    finally:
        scripting["closer"]()
        app.registry["dbengine"].dispose()


def cmd_expire(env: Env, args: argparse.Namespace) -> None:
    from .payments import settle_overdue

    with app_request(env) as request:
        settled = settle_overdue(request)
    if settled:
        print(f"settled {settled} online payment{'' if settled == 1 else 's'} past their bound")
    now = datetime.now(UTC)
    keep = _keep_sent_days(env.settings)
    with env.session() as db:
        n = delete_expired(db, now)
        ops = db.execute(sa.delete(Operation).where(Operation.created < now - OPERATION_TTL))
        mails = delete_sent(db, now - timedelta(days=keep))
    print(f"deleted {n} expired baskets, {ops.rowcount or 0} old opid records and {mails} mails "
          f"sent more than {keep} days ago")


def _keep_sent_days(settings: dict[str, Any]) -> int:
    """The setting ``mail.keep_sent_days`` (default 30): days a sent mail stays in the outbox."""
    raw = str(settings.get("mail.keep_sent_days") or "30").strip()
    if not raw.isdigit():
        raise SystemExit(f"xts2: mail.keep_sent_days must be a whole number of days, not {raw!r}")
    return int(raw)


def cmd_sendmail(env: Env, args: argparse.Namespace) -> None:
    """Send what is due (for cron, and after an outage of the mail server: ``--all``)."""
    mailer = env.mailer()
    if not mailer.settings.delivers:
        raise SystemExit("xts2: neither mail.host nor mail.directory is set; the mail stays in "
                         "the outbox")
    done = mailer.deliver_due(everything=args.all)
    print(f"sent {done.sent} mail{'' if done.sent == 1 else 's'}")
    if done.failed:
        raise SystemExit(f"xts2: {done.failed} mail{'' if done.failed == 1 else 's'} could not "
                         f"be sent ({done.errors[-1]}); they stay in the outbox and are tried "
                         "again later")


def cmd_mail(env: Env, args: argparse.Namespace) -> None:
    with env.session() as db:
        mails = pending(db)
    print(f"{'id':>6}  {'queued (UTC)':16}  {'tries':>5}  {'next try (UTC)':16}  to / subject / "
          "last error")
    for m in mails:
        print(f"{m.id:>6}  {m.created:%Y-%m-%d %H:%M}  {m.attempts:>5}  "
              f"{m.next_attempt:%Y-%m-%d %H:%M}  {m.to_addr}  {m.subject!r}"
              + (f"  {m.last_error}" if m.last_error else ""))
    print(f"{len(mails)} mail{'' if len(mails) == 1 else 's'} not sent")


def cmd_erase(env: Env, args: argparse.Namespace) -> None:
    """Erase a customer's personal data by email (:mod:`xts2_core.erase`)."""
    from .erase import erase_personal_data

    email = args.email.strip()
    if "@" not in email or len(email) > 320:
        raise SystemExit(f"xts2: {args.email!r} is not an email address; nothing changed")
    with env.session() as db:
        counts = erase_personal_data(db, env.pm, email)
    print(f"erased {email}: " + ", ".join(f"{what} {n}" for what, n in counts.items()))


def cmd_openapi(env: Env, args: argparse.Namespace) -> None:
    """The document ``GET /v2/openapi.json`` answers, for the plugins CONFIG installs."""
    from .app import make_app
    from .openapi import document_bytes

    app = make_app(env.settings)
    try:
        sys.stdout.buffer.write(document_bytes(app.registry) + b"\n")
        sys.stdout.flush()
    finally:
        app.registry["dbengine"].dispose()


def _expiry(text: str) -> int:
    try:
        seconds = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds") from None
    if not 30 <= seconds <= 604800:
        raise argparse.ArgumentTypeError("an expiry is 30 to 604800 seconds")
    return seconds


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="xts2", description="XTS2 box-office server: operator "
                                "commands. CONFIG is a PasteDeploy ini file (development.ini).")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, func: Any, help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(func=func)
        return sp

    add("initdb", cmd_initdb, "create or migrate the database").add_argument("config")
    sp = add("load", cmd_load, "load a season file (YAML or JSON)")
    sp.add_argument("config")
    sp.add_argument("file")
    add("demo", cmd_demo, "load a demo season from today on and print a demo terminal key"
        ).add_argument("config")
    add("setpassword", cmd_setpassword, "set the admin password from standard input"
        ).add_argument("config")
    sp = add("terminal", cmd_terminal, "add, list or revoke terminals")
    sp.add_argument("action", choices=["add", "list", "revoke"])
    sp.add_argument("config")
    sp.add_argument("name", nargs="?")
    sp.add_argument("--expiry", type=_expiry, default=None,
                    help="default basket expiry in seconds for this terminal (30-604800)")
    add("expire", cmd_expire, "delete expired baskets (the audit stays) and mail sent more than "
        "mail.keep_sent_days (30) ago").add_argument("config")
    sp = add("sendmail", cmd_sendmail, "send the mail in the outbox that is due now and print how "
             "many were sent")
    sp.add_argument("config")
    sp.add_argument("--all", action="store_true", help="also the mail waiting for its next "
                    "retry (after the mail server was away); a mail a server is sending at "
                    "this moment may then go twice")
    sp = add("erase", cmd_erase, "erase a customer's personal data (name, email, phone) by "
             "email address, keeping every amount, ticket and count")
    sp.add_argument("config")
    sp.add_argument("email")
    sp = add("mail", cmd_mail, "list the mail in the outbox that is not sent yet")
    sp.add_argument("action", choices=["list"])
    sp.add_argument("config")
    add("openapi", cmd_openapi, "print the OpenAPI 3.1 document of what is installed (the one "
        "GET /v2/openapi.json answers)").add_argument("config")
    sp = add("revision", cmd_revision, "autogenerate a migration for one plugin's tables")
    sp.add_argument("config")
    sp.add_argument("plugin")
    sp.add_argument("-m", "--message", required=True)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "terminal" and args.action != "list":
        if not args.name or not args.name.strip():
            parser().error(f"terminal {args.action} needs a NAME")
        args.name = args.name.strip()
        if len(args.name) > 100 or not args.name.isprintable():
            parser().error("a terminal's NAME is 1 to 100 printable characters")
    try:
        env = Env(args.config)
        if args.func not in (cmd_initdb, cmd_demo, cmd_openapi):  # no tables needed there
            check_schema(env.engine)
        args.func(env, args)
    except (SeasonError, PluginError, MigrationError, NoSchema) as exc:
        print(f"xts2: {exc}; nothing changed", file=sys.stderr)
        return 1
    except sa.exc.IntegrityError as exc:
        print(f"xts2: the database refused the change: {exc.orig}; nothing changed",
              file=sys.stderr)
        return 1
    except sa.exc.OperationalError as exc:
        print(f"xts2: cannot use the database: {exc.orig}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
