"""Season loading as the core does it (API.md §10), in process: the core's ``terminals`` section
and the checks every section gets. (``test_cli.py`` runs ``xts2 load`` itself.)"""

from __future__ import annotations

import pytest

from xts2_core import SeasonError
from xts2_core.season import LoadContext, load_text


def load(app, text: str) -> dict:
    with app.session() as s:
        ctx = LoadContext(dbsession=s, now=app.registry["xts2.clock"].now(),
                          tz=app.registry["xts2.tz"], settings=app.registry.settings)
        return load_text(app.registry["xts2.pm"], ctx, text)


@pytest.mark.parametrize(("text", "expected"), [
    ('terminals:\n  - name: "Box\\x0boffice"\n    key: box-office-key-000001\n',
     r"line 2: terminals\[0\] field 'name': control characters"),
    ('terminals:\n  - name: Box office\n    key: "box-office-key-00000\\x1b"\n',
     r"line 3: terminals\[0\] field 'key': control characters"),
    ('terminals:\n  - name: A\n    key: same-key-0123456789\n  - name: B\n'
     '    key: same-key-0123456789\n', r"terminal 'B' has the key of terminal 'A'"),
    ('terminals:\n  - name: A\n    key: a-key-0123456789000\n  - name: A\n',
     r"terminal 'A' is in the file twice"),
    ('terminals:\n  - name: Other\n    key: test-terminal-key-0001\n',
     r"terminal 'Other' has the key of terminal 'Test terminal'"),
])
def test_bad_terminals_change_nothing(core_app, text, expected):
    with pytest.raises(SeasonError, match=expected):
        load(core_app, text)
    stats = core_app.call("xts/getstats")["stats"]
    assert {c["name"]: c["text"] for c in stats["count"]}["terminals"] == 1


def test_terminals_load_and_update(core_app):
    assert load(core_app, "terminals:\n  - {name: Kiosk, key: kiosk-key-0123456789, "
                          "expiry: 120}\n") == {"terminals": 1}
    basket = core_app.call("baskets/newbasket", key="kiosk-key-0123456789")["basket"]
    assert basket["expires"]
    # a new key for the same terminal: the old key stops working
    load(core_app, "terminals:\n  - {name: Kiosk, key: kiosk-key-new-0123456}\n")
    core_app.call("baskets/newbasket", key="kiosk-key-0123456789", status=401)
    core_app.call("baskets/newbasket", key="kiosk-key-new-0123456")
    # an empty section and an empty file are fine
    assert load(core_app, "terminals:\n") == {"terminals": 0}
    assert load(core_app, "") == {}


def test_a_new_terminal_needs_a_key(core_app):
    with pytest.raises(SeasonError, match="terminal 'Nokey' is new and needs a key"):
        load(core_app, "terminals:\n  - name: Nokey\n")
