"""``xts/getterminals`` (admin): every terminal, for a cash-up of another till."""

from __future__ import annotations


def test_lists_every_terminal_by_name_with_the_admin_password(xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    app.add_terminal("Website", "website-key-000000001", expiry=3600)
    app.add_terminal("Box office 2", "box-office-two-key-0002")
    with app.session() as db:
        from xts2_core import Terminal

        db.query(Terminal).filter_by(name="Box office 2").one().active = False
    body = app.call("xts/getterminals", admin=True, key=False)
    assert [(t["name"], t["active"]) for t in body["terminals"]] == [
        ("Box office 2", False), ("Test terminal", True), ("Website", True)]
    website = body["terminals"][2]
    assert website["expiry"] == 3600 and isinstance(website["id"], int)
    assert "expiry" not in body["terminals"][1]  # the setting's default: not the terminal's own
    xml = app.xml("xts/getterminals", admin=True, key=False)
    assert [t.get("name") for t in xml.find("terminals")] == ["Box office 2", "Test terminal",
                                                              "Website"]


def test_needs_the_admin_password(xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    body = app.call("xts/getterminals", status=401)
    assert body["error"]["code"] == "unauthorized"
    body = app.call("xts/getterminals", {"password": "wrong-password"}, status=401)
    assert body["error"]["code"] == "unauthorized"
