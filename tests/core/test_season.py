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
     '    key: same-key-0123456789\n',
     r"line 5: terminals\[1\] field 'key': terminal 'B' has the key of terminal 'A'"),
    ('terminals:\n  - name: A\n    key: a-key-0123456789000\n  - name: A\n',
     r"line 4: terminals\[1\] field 'name': terminal 'A' is in the file twice"),
    ('terminals:\n  - name: Other\n    key: test-terminal-key-0001\n',
     r"line 3: terminals\[0\] field 'key': terminal 'Other' has the key of terminal "
     r"'Test terminal'"),
    ('terminals:\n  - name: Nokey\n',
     r"line 2: terminals\[0\] field 'key': terminal 'Nokey' is new and needs a key"),
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


def test_a_section_names_the_line_of_its_entry(xts2_app_factory, xts2_plugin):
    """A section's own check (after validation) raises SeasonError(entry=, field=): the core
    turns that into the line of the file."""
    from xts2_core import Entry, SeasonSection

    class Room(Entry):
        name: str
        seats: list[int] = []

    def load_rooms(ctx, entries):
        for i, e in enumerate(entries):
            if sum(e.seats) > 10:
                raise SeasonError("too many seats", entry=i, field=f"seats.{len(e.seats) - 1}")
            if e.name == "Attic":
                raise SeasonError("no attic here")

    plugin = xts2_plugin(register_season_sections=lambda: [SeasonSection("rooms", Room,
                                                                         load_rooms)])
    app = xts2_app_factory(plugins=[], extra=[("rooms", plugin)])
    text = "rooms:\n  - name: Hall\n  - name: Studio\n    seats:\n      - 4\n      - 9\n"
    with pytest.raises(SeasonError, match=r"^line 6: rooms\[1\] field 'seats.1': too many"):
        load(app, text)
    with pytest.raises(SeasonError, match=r"^section 'rooms': no attic here$"):
        load(app, "rooms:\n  - name: Attic\n")
    # plain data (no file) has no lines to name
    with pytest.raises(SeasonError, match=r"^rooms\[0\] field 'seats.0': too many"):
        app.load({"rooms": [{"name": "Big", "seats": [11]}]})


@pytest.fixture
def tills(xts2_app_factory, xts2_plugin):
    """An app with a test section ``tills`` whose entries carry SeasonMoney: ``float`` (≥ 0) and
    ``limit`` (any sign); ``app.loaded`` holds what the last load got, in minor units."""
    from xts2_core import Entry, Field, SeasonMoney, SeasonSection

    class Till(Entry):
        float: SeasonMoney = Field(ge=0)
        limit: SeasonMoney | None = None

    loaded: list = []

    def load_tills(ctx, entries):
        loaded[:] = [(e.float, e.limit) for e in entries]

    plugin = xts2_plugin(register_season_sections=lambda: [SeasonSection("tills", Till,
                                                                         load_tills)])
    app = xts2_app_factory(plugins=[], extra=[("tills", plugin)])
    app.loaded = loaded
    return app


@pytest.mark.parametrize(("written", "minor"), [
    ('"12.00"', 1200), ('"12.5"', 1250), ('"12"', 1200), ("12", 1200), ("0", 0),
    ("12.5", 1250), ("12.50", 1250), ("2.20", 220), ("2.2", 220), ("0.1", 10), ("0.07", 7),
    ("1234567.89", 123456789), ("4.35", 435), ("1.15", 115),
])
def test_season_money_reads_amounts_as_written(tills, written, minor):
    """Quoted or not: an unquoted YAML decimal is read as the text written, never through float
    arithmetic (4.35 * 100 is 434.99999999999994 in floating point; here it is 435)."""
    load(tills, f"tills:\n  - float: {written}\n")
    assert tills.loaded == [(minor, None)]


@pytest.mark.parametrize(("written", "message"), [
    ("2.205", "at most two decimal places"), ('"2.205"', "at most two decimal places"),
    ("1.0e+16", "write it in quotes"), ("1e3", "two decimal places"), (".nan", "not NaN or infinity"),
    (".inf", "not NaN or infinity"), ("-.inf", "not NaN or infinity"),
    ("true", "not true or false"), ("[1]", "must be an amount"), ('"12,50"', "two decimal"),
    ("-1", "greater than or equal to 0"), ('"-0.01"', "greater than or equal to 0"),
])
def test_season_money_refuses_what_is_not_an_exact_amount(tills, written, message):
    with pytest.raises(SeasonError) as exc:
        load(tills, f"tills:\n  - float: 1\n  - float: {written}\n")
    assert str(exc.value).startswith("line 3: tills[1] field 'float': ")
    assert message in str(exc.value)
    assert tills.loaded == []


def test_season_money_without_a_bound_may_be_negative_or_left_out(tills):
    load(tills, 'tills:\n  - {float: 5, limit: -8.5}\n  - {float: "5"}\n')
    assert tills.loaded == [(500, -850), (500, None)]
