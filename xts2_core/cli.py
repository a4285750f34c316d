"""``xts2``: the operator's command line (API.md §10).

    xts2 initdb CONFIG                 create or migrate the database (every installed plugin)
    xts2 load CONFIG FILE              load a season file (YAML); loading twice changes nothing
    xts2 demo CONFIG                   initdb, load the demo season, print a demo terminal key
    xts2 setpassword CONFIG            set the admin password (read from standard input)
    xts2 terminal add CONFIG NAME      add a terminal; prints its key once
    xts2 terminal list CONFIG          list terminals
    xts2 terminal revoke CONFIG NAME   revoke a terminal's key
    xts2 expire CONFIG                 delete expired baskets (their audit stays)
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
from .clock import venue_timezone
from .db import (
    NoSchema,
    begin_write,
    check_schema,
    get_engine,
    get_session_factory,
    get_tm_session,
)
from .logs import install_redaction
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


def cmd_expire(env: Env, args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    with env.session() as db:
        n = delete_expired(db, now)
        ops = db.execute(sa.delete(Operation).where(Operation.created < now - OPERATION_TTL))
    print(f"deleted {n} expired baskets and {ops.rowcount or 0} old opid records")


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
    add("expire", cmd_expire, "delete expired baskets (the audit stays)").add_argument("config")
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
