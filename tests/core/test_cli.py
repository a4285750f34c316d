"""``xts2``, the operator's command line (API.md §10), run as a real process on a test database."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from xts2_core.testing import write_ini

KEY_RE = re.compile(r"key[^:]*: (\S+)")


def dump(url: str) -> dict[str, list]:
    """Every row of every table (but the version table), to compare before and after."""
    engine = sa.create_engine(sa.make_url(url).set(
        drivername="postgresql+psycopg" if url.startswith("postgresql") else "sqlite"))
    try:
        with engine.connect() as conn:
            return {t: sorted(map(repr, conn.execute(sa.text(f'SELECT * FROM "{t}"'))))
                    for t in sa.inspect(conn).get_table_names()}
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = sa.create_engine(sa.make_url(url).set(
        drivername="postgresql+psycopg" if url.startswith("postgresql") else "sqlite"))
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


# -- initdb ------------------------------------------------------------------------------------

def test_initdb_on_an_empty_sqlite_file(tmp_path, xts2_cli):
    db = tmp_path / "var" / "new.sqlite"  # the folder does not exist yet either
    url = f"sqlite:///{db}"
    ini = write_ini(tmp_path / "new.ini", url)
    out = xts2_cli("initdb", ini).stdout
    assert "is at" in out
    created = tables(url)
    assert {"alembic_version", "core_basket", "core_terminal", "core_operation"} <= created
    before = dump(url)
    xts2_cli("initdb", ini)  # again: nothing to do
    assert dump(url) == before


def test_initdb_core_only(tmp_path, xts2_cli):
    url = f"sqlite:///{tmp_path / 'core.sqlite'}"
    xts2_cli("initdb", write_ini(tmp_path / "core.ini", url, plugins=[]))
    assert {t for t in tables(url) if t != "alembic_version"} == {
        t for t in tables(url) if t.startswith("core_")}


def test_initdb_on_an_empty_postgresql_database(tmp_path, xts2_cli, empty_pg_database):
    ini = write_ini(tmp_path / "pg.ini", empty_pg_database)
    assert tables(empty_pg_database) == set()
    out = xts2_cli("initdb", ini).stdout
    assert "postgresql" in out and "is at" in out
    assert {"core_basket", "core_terminal"} <= tables(empty_pg_database)
    xts2_cli("initdb", ini)


def test_database_url_from_the_environment(tmp_path, xts2_cli, core_app, xts2_database_url):
    elsewhere = tmp_path / "not-this.sqlite"
    ini = write_ini(tmp_path / "env.ini", f"sqlite:///{elsewhere}", plugins=[])
    out = xts2_cli("terminal", "add", ini, "From env", env={"XTS2_DATABASE_URL": xts2_database_url})
    key = KEY_RE.search(out.stdout).group(1)
    assert core_app.call("xts/getstats", key=key)["status"] == "ok"
    assert not elsewhere.exists()


# -- load --------------------------------------------------------------------------------------

SEASON = """\
terminals:
  - name: Box office 1
    key: box-office-one-key-0001
    expiry: 600
  - name: Web shop
    key: "web-shop-key-000000002"
"""


def test_load_a_season_file_twice_changes_nothing(tmp_path, xts2_cli, cli_ini, core_app,
                                                  xts2_database_url):
    season = tmp_path / "season.yaml"
    season.write_text(SEASON)
    out = xts2_cli("load", cli_ini, season).stdout
    assert "2 terminals" in out
    body = core_app.call("baskets/newbasket", key="box-office-one-key-0001")["basket"]
    assert body["terminal"] and body["expires"]
    before = dump(xts2_database_url)
    xts2_cli("load", cli_ini, season)
    assert dump(xts2_database_url) == before
    # JSON is YAML too
    season.write_text('{"terminals": [{"name": "Web shop", "key": "web-shop-key-000000002"}]}')
    xts2_cli("load", cli_ini, season)
    core_app.call("xts/getstats", key="web-shop-key-000000002")


@pytest.mark.parametrize(("text", "expected"), [
    # a section whose plugin is not installed (the core alone has only terminals)
    ("terminals: []\nshows:\n  - name: Hamlet\n", r"line 2: section 'shows' belongs to no "
     r"installed plugin \(installed sections: terminals\)"),
    # a bad value, on the third entry's line
    (SEASON + "  - name: Short\n    key: tooshort\n",
     r"line 8: terminals\[2\] field 'key': .*at least 16 characters"),
    (SEASON + "  - name: Slow\n    key: slow-terminal-key-0001\n    expiry: 10\n",
     r"line 9: terminals\[2\] field 'expiry': .*greater than or equal to 30"),
    # a typo in a field name
    (SEASON + "  - nmae: Typo\n", r"line 7: terminals\[2\] field 'nmae': extra inputs"),
    # not YAML at all
    ("terminals:\n  - name: [unclosed\n", r"line \d+: not valid YAML"),
    ("- just\n- a list\n", r"a season file is a mapping of sections"),
    ("terminals: {name: x}\n", r"line 1: section 'terminals' must be a list"),
])
def test_a_bad_season_file_changes_nothing(tmp_path, xts2_cli, cli_ini, xts2_database_url, text,
                                           expected):
    season = tmp_path / "bad.yaml"
    season.write_text(text)
    before = dump(xts2_database_url)
    out = xts2_cli("load", cli_ini, season, check=False)
    assert out.returncode == 1
    assert re.search(expected, out.stderr, re.IGNORECASE), out.stderr
    assert "nothing changed" in out.stderr
    assert "Traceback" not in out.stderr
    assert dump(xts2_database_url) == before


def test_a_missing_season_file(tmp_path, xts2_cli, cli_ini):
    out = xts2_cli("load", cli_ini, tmp_path / "nosuch.yaml", check=False)
    assert out.returncode != 0 and "nosuch.yaml" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_database_without_tables(tmp_path, xts2_cli):
    ini = write_ini(tmp_path / "empty.ini", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    out = xts2_cli("terminal", "add", ini, "Kiosk", check=False)
    assert out.returncode == 1
    assert "has no XTS2 tables yet: run  xts2 initdb CONFIG  first" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_missing_config_file(tmp_path, xts2_cli):
    out = xts2_cli("initdb", tmp_path / "nosuch.ini", check=False)
    assert out.returncode != 0 and "no such config file" in out.stderr


# -- demo --------------------------------------------------------------------------------------

def test_demo_prints_a_working_terminal_key(xts2_cli, cli_ini, core_app):
    out = xts2_cli("demo", cli_ini).stdout
    key = re.search(r"demo terminal key: (\S+)", out).group(1)
    basket = core_app.call("baskets/newbasket", key=key)["basket"]
    assert basket["state"] == "open"
    # a second demo gives the demo terminal a new key; the old one stops working
    out = xts2_cli("demo", cli_ini).stdout
    new_key = re.search(r"demo terminal key: (\S+)", out).group(1)
    assert new_key != key
    core_app.call("baskets/newbasket", key=new_key)
    core_app.call("baskets/newbasket", key=key, status=401)


def test_demo_with_every_installed_plugin(tmp_path, xts2_cli, xts2_app_factory,
                                          xts2_database_url):
    ini = write_ini(tmp_path / "all.ini", xts2_database_url)
    out = xts2_cli("demo", ini).stdout
    key = re.search(r"demo terminal key: (\S+)", out).group(1)
    app = xts2_app_factory()
    stats = app.call("xts/getstats", key=key)["stats"]
    # the demo terminal, the demo's online terminal (Website, the shop's) and the test app's own
    assert {c["name"]: c["text"] for c in stats["count"]}["terminals"] == 3
    names = [t["name"] for t in app.call("xts/getterminals", admin=True)["terminals"]]
    assert "Website" in names


# -- terminals ---------------------------------------------------------------------------------

def test_terminal_add_list_revoke(xts2_cli, cli_ini, core_app):
    out = xts2_cli("terminal", "add", cli_ini, "Kiosk", "--expiry", "120").stdout
    key = KEY_RE.search(out).group(1)
    assert len(key) >= 16
    basket = core_app.call("baskets/newbasket", key=key)["basket"]
    assert basket["terminal"] is not None
    listing = xts2_cli("terminal", "list", cli_ini).stdout
    assert re.search(r"active\s+120\s+Kiosk", listing)
    assert key not in listing
    # a name that is active already
    out = xts2_cli("terminal", "add", cli_ini, "Kiosk", check=False)
    assert out.returncode != 0 and "exists" in out.stderr
    # revoke: the key stops working at once
    assert "revoked" in xts2_cli("terminal", "revoke", cli_ini, "Kiosk").stdout
    core_app.call("baskets/newbasket", key=key, status=401)
    assert re.search(r"revoked\s+120\s+Kiosk", xts2_cli("terminal", "list", cli_ini).stdout)
    # add again: a new key; the old stays dead
    new_key = KEY_RE.search(xts2_cli("terminal", "add", cli_ini, "Kiosk").stdout).group(1)
    core_app.call("baskets/newbasket", key=new_key)
    core_app.call("baskets/newbasket", key=key, status=401)


def test_terminal_errors(xts2_cli, cli_ini):
    for args in (("revoke", cli_ini, "Nobody"), ("add", cli_ini),
                 ("add", cli_ini, "X", "--expiry", "5"), ("add", cli_ini, "x" * 101),
                 ("add", cli_ini, "tab\tname"), ("add", cli_ini, "  ")):
        out = xts2_cli("terminal", *args, check=False)
        assert out.returncode != 0, args
        assert "Traceback" not in out.stderr
    assert "Nobody" not in xts2_cli("terminal", "list", cli_ini).stdout


# -- expire ------------------------------------------------------------------------------------

def test_expire_deletes_expired_baskets_and_keeps_their_audit(xts2_cli, cli_ini, core_app,
                                                              xts2_clock, xts2_database_url):
    from datetime import UTC, datetime, timedelta

    from xts2_core.models import AuditEntry, Basket

    xts2_clock.set(datetime.now(UTC) - timedelta(hours=1))
    gone = core_app.call("baskets/newbasket", {"expiry": 60})["basket"]["id"]
    kept = core_app.call("baskets/newbasket", {"expiry": 604800})["basket"]["id"]
    xts2_clock.reset()
    out = xts2_cli("expire", cli_ini).stdout
    assert "deleted 1 expired basket" in out
    with core_app.session() as s:
        assert s.execute(sa.select(Basket.id)).scalars().all() == [kept]
        audited = set(s.execute(sa.select(AuditEntry.basket_id)).scalars())
    assert {gone, kept} <= audited


def test_help_lists_every_command(xts2_cli):
    out = xts2_cli("--help").stdout
    for name in ("initdb", "load", "demo", "setpassword", "terminal", "expire"):
        assert name in out


def test_ini_files_shipped_parse(xts2_cli, tmp_path):
    """development.ini and production.ini are valid PasteDeploy files for the app."""
    from plaster import get_settings

    root = Path(__file__).resolve().parents[2]
    for name in ("development.ini", "production.ini"):
        settings = get_settings(str(root / name), "app:main")
        assert "sqlalchemy.url" in settings
    assert textwrap  # (used for season texts elsewhere)
