"""Credentials (API.md §4): stored only as hashes; the password set from standard input."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from xts2_core.models import Setting, Terminal


def _every_stored_value(app) -> str:
    """Every value in every table of the database, as one text."""
    engine = app.registry["dbengine"]
    out = []
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                out += [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                        for v in row]
    return "\n".join(out)


def test_keys_and_password_stored_only_as_hashes(core_app):
    core_app.add_terminal("Web shop", "web-shop-key-0123456789")
    core_app.call("baskets/newbasket", {"opid": "o1"}, key="web-shop-key-0123456789")
    core_app.call("probe/secret", admin=True)
    with core_app.session() as s:
        terminal = s.execute(sa.select(Terminal).filter_by(name="Web shop")).scalar_one()
        assert terminal.key_hash == hashlib.sha256(b"web-shop-key-0123456789").hexdigest()
        stored = s.get(Setting, "admin_password").value
    assert stored.startswith("$argon2id$")
    everything = _every_stored_value(core_app)
    assert terminal.key_hash in everything
    for secret in ("web-shop-key-0123456789", core_app.terminal_key, core_app.admin_password):
        assert secret not in everything


def test_setpassword_from_stdin(core_app, xts2_cli, cli_ini):
    new = "a new admin password"
    out = xts2_cli("setpassword", cli_ini, input=new + "\n")
    assert "admin password set" in out.stdout
    assert new not in out.stdout + out.stderr
    assert core_app.call("xts/isadmin", {"password": new})["admin"] is True
    assert core_app.call("xts/isadmin", {"password": core_app.admin_password})["admin"] is False
    core_app.call("probe/secret", {"password": new})
    with core_app.session() as s:
        assert s.get(Setting, "admin_password").value.startswith("$argon2id$")


def test_setpassword_refuses_a_short_password(core_app, xts2_cli, cli_ini):
    out = xts2_cli("setpassword", cli_ini, input="short\n", check=False)
    assert out.returncode != 0 and "at least 8 characters" in out.stderr
    assert core_app.call("xts/isadmin", {"password": core_app.admin_password})["admin"] is True
    out = xts2_cli("setpassword", cli_ini, input="", check=False)
    assert out.returncode != 0
    assert core_app.call("xts/isadmin", {"password": core_app.admin_password})["admin"] is True
