"""Meta-test: every hookspec is exercised through the real app, with its documented arguments.

For each hook in ``xts2_core/hookspecs.py`` (found by inspecting the module, so a new hook is
picked up at once) a throwaway plugin implements it with the spec's exact signature, a scenario
drives the real app (or ``xts2 initdb``'s migration code) until the core calls it, and the test
checks that:

* the hook was called, with every argument the spec names, each of the documented type;
* what the hook returned had the documented effect (a servlet answers, a filter narrows, a refusal
  reaches the client as ``item_rejected`` and changes nothing, …).

A hook without a scenario fails here with a message saying what to add; so does a scenario for a
hook that no longer exists. The hook bodies are generated from the specs' signatures, so an
argument the core stops passing (or renames) is caught too.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pluggy
import pytest
import sqlalchemy as sa

import xts2_core
from xts2_core import (
    Basket,
    BasketFilter,
    BasketItem,
    Bool,
    Column,
    Command,
    E,
    Entry,
    Field,
    Int,
    ItemRejected,
    ItemType,
    NewItem,
    NoParams,
    Params,
    Report,
    ReportType,
    SeasonSection,
    Servlet,
    ShopOffer,
    StaticFiles,
    Terminal,
    TerminalField,
)
from xts2_core import hookspecs as specs_module

SPECS: dict[str, list[str]] = {
    name: list(inspect.signature(func).parameters)
    for name, func in vars(specs_module).items()
    if callable(func) and hasattr(func, "xts2_spec")
}


def is_request(value: Any) -> bool:
    return (hasattr(value, "dbsession") and hasattr(value, "now")
            and value.now.tzinfo is not None and hasattr(value, "params"))


#: What each argument name of a hook must be, as the hookspecs document it.
ARGUMENT_CHECKS: dict[str, Callable[[Any], bool]] = {
    "request": is_request,
    "basket": lambda v: isinstance(v, Basket),
    "source": lambda v: isinstance(v, Basket),
    "target": lambda v: isinstance(v, Basket),
    "item": lambda v: isinstance(v, BasketItem) and v.id is not None,
    "item_type": lambda v: isinstance(v, str),
    "params": lambda v: hasattr(v, "getall"),
    "item_params": lambda v: isinstance(v, ProbeItemParams),
    "pm": lambda v: isinstance(v, pluggy.PluginManager),
    "settings": lambda v: isinstance(v, dict) and "sqlalchemy.url" in v,
    "terminal": lambda v: isinstance(v, Terminal) and v.id is not None,
    "dbsession": lambda v: isinstance(v, sa.orm.Session),
    "email": lambda v: isinstance(v, str) and v == v.strip().lower(),
}

#: Where a hook's argument of a common name is something else: ``shop_offers`` gets the basket
#: as ``getbasket`` describes it (the shop is a client of the API), not the row.
HOOK_ARGUMENT_CHECKS: dict[tuple[str, str], Callable[[Any], bool]] = {
    ("shop_offers", "basket"): lambda v: (isinstance(v, dict) and isinstance(v.get("id"), int)
                                          and v.get("state") == "open"),
}


class ProbeItemParams(Params):
    n: Int = Field(1, ge=1, description="a number the probe keeps")
    price: Int = Field(0, ge=0, description="its price in minor units")
    refuse: Bool = Field(False, description="the probe refuses the item")


class Probe:
    """What the throwaway plugin does when each hook is called; records what it was given."""

    def __init__(self, site: Path) -> None:
        self.refuse: set[str] = set()
        self.seen: dict[str, list[Any]] = {}
        self.versions: Path | None = None
        self.site = site  # the folder register_static_files serves

    def note(self, hook: str, value: Any) -> None:
        self.seen.setdefault(hook, []).append(value)

    # -- start-up --------------------------------------------------------------------------

    def register_servlets(self) -> list[Servlet]:
        def ping(request: Any, params: Any) -> E:
            return E("pong", {"terminal": request.terminal.id if request.terminal else None})

        def pay(request: Any, params: Any) -> E:
            # What a shop does at its payment step, and what ``xts2 expire`` does later.
            method = xts2_core.payment_methods(request.registry)["probepay"]
            basket = int(request.params["basket"])
            if request.params.get("settle"):
                return E("settled", {"n": xts2_core.settle_overdue(request)})
            payment = xts2_core.start_payment(request, basket, method, terminal=request.terminal,
                                              payer="Probe")
            return method.start(request, payment)

        return [Servlet("probe", [Command("ping", ping, "terminal", NoParams),
                                  Command("pay", pay, "terminal", NoParams, changes_state=True)])]

    def erase_personal_data(self, dbsession: Any, email: str) -> int:
        self.note("erase", email)
        return 2

    def register_payment_methods(self, settings: dict[str, Any]) -> list[Any]:
        def start(request: Any, payment: Any) -> E:
            self.note("start", (payment.state, payment.amount))
            return E("paying", {"payment": payment.id, "until": payment.hold_until})

        def settle(request: Any, payment: Any) -> None:
            self.note("settle", payment.state)
            xts2_core.cancel_payment(request, payment, "the probe gives up")

        return [xts2_core.PaymentMethod("probepay", "Pay the probe", paymenttype=None,
                                        start=start, settle=settle, hold_seconds=600)]

    def register_item_types(self) -> list[ItemType]:
        return [ItemType("probe", ProbeItemParams, "Probe", "what the probe adds")]

    def register_basket_filters(self) -> list[BasketFilter]:
        def apply(request: Any, select: Any, value: bool) -> Any:
            self.note("filter", value)
            holds = sa.exists().where(BasketItem.basket_id == Basket.id, BasketItem.type == "probe")
            return select.where(holds if value else ~holds)

        return [BasketFilter("probeonly", Bool, apply)]

    def register_reports(self, settings: dict[str, Any]) -> list[ReportType]:
        def build(request: Any, params: Any) -> Report:
            count = request.dbsession.scalar(sa.select(sa.func.count()).where(
                BasketItem.type == "probe"))
            return Report("Probes", [Column("what", "What"), Column("n", "N", "int")],
                          [{"what": "probes", "n": count}], total={"n": count})

        return [ReportType("probe", build)]

    def register_migrations(self) -> list[str]:
        return [str(self.versions)] if self.versions else []

    def register_season_sections(self, pm: Any) -> list[SeasonSection]:
        class ProbeEntry(Entry):
            n: int

        def load(ctx: Any, entries: list[Any]) -> None:
            self.note("section", [e.n for e in entries])

        return [SeasonSection("probe", ProbeEntry, load)]

    def register_terminal_fields(self) -> list[TerminalField]:
        def load(ctx: Any, terminal: Terminal, value: int) -> None:
            self.note("terminalfield", (terminal.name, value))

        return [TerminalField("probefield", int, load)]

    def register_static_files(self, settings: dict[str, Any]) -> list[StaticFiles]:
        return [StaticFiles("probe", self.site, pages={"about": "about.html"}, home=True)]

    # -- items -----------------------------------------------------------------------------

    def validate_add_item(self, request: Any, basket: Basket, item_type: str, params: Any,
                          item_params: ProbeItemParams) -> NewItem | None:
        if item_type != "probe":
            return None
        if item_params.refuse:
            raise ItemRejected("the probe refuses this item", param="item.refuse")
        return NewItem(quantity=1, unit_price=item_params.price, description="Probe",
                       detail={"n": item_params.n})

    def describe_item(self, request: Any, item: BasketItem) -> E | None:
        return E("probe", {"n": item.detail["n"]}) if item.type == "probe" else None

    def item_added(self, request: Any, basket: Basket, item: BasketItem) -> None:
        self.note("item_added", (basket.state, item.basket_id == basket.id))

    def _validate(self, hook: str, basket: Basket) -> None:
        self.note(hook, basket.state)
        if hook in self.refuse:
            raise ItemRejected(f"the probe refuses {hook}")

    def validate_remove_item(self, request: Any, basket: Basket, item: BasketItem) -> None:
        self._validate("validate_remove_item", basket)

    def validate_move_item(self, request: Any, item: BasketItem, source: Basket, target: Basket
                           ) -> None:
        self.note("move", (item.basket_id, source.id, target.id))
        self._validate("validate_move_item", target)

    def validate_close_basket(self, request: Any, basket: Basket) -> None:
        self._validate("validate_close_basket", basket)

    def basket_closed(self, request: Any, basket: Basket) -> None:
        self.note("basket_closed", (basket.state, basket.closed == request.now))

    def validate_revive_basket(self, request: Any, basket: Basket) -> None:
        self.note("validate_revive_basket_live", basket.expires > request.now)
        self._validate("validate_revive_basket", basket)

    def validate_open_basket(self, request: Any, basket: Basket) -> None:
        self._validate("validate_open_basket", basket)

    def basket_reopened(self, request: Any, basket: Basket) -> None:
        self.note("basket_reopened", basket.state)

    def shop_offers(self, request: Any, basket: dict[str, Any] | None) -> list[ShopOffer]:
        self.note("shop_offers", basket["state"] if basket else None)
        return [ShopOffer(key="probe", type="probe", label="A probe",
                          params={"item.n": "7", "item.price": "250"}, price=250)]

    def describe_terminal(self, request: Any, terminal: Terminal) -> list[E]:
        self.note("describe_terminal", terminal.id == request.terminal.id)
        return [E("probe", {"desk": terminal.name})]

    def collect_stats(self, request: Any) -> dict[str, int]:
        return {"probes": request.dbsession.scalar(
            sa.select(sa.func.count()).where(BasketItem.type == "probe"))}


def hook_function(name: str, argnames: list[str], probe: Probe) -> Callable[..., Any]:
    """A function named ``name`` taking exactly the spec's arguments, calling ``probe``."""
    args = ", ".join(argnames)
    kwargs = ", ".join(f"{a}={a}" for a in argnames)
    source = f"def {name}({args}):\n    return _probe.{name}({kwargs})\n"
    namespace: dict[str, Any] = {"_probe": probe}
    exec(compile(source, f"<probe {name}>", "exec"), namespace)  # noqa: S102 (our own text)
    return namespace[name]


@pytest.fixture
def probe(tmp_path: Path) -> Probe:
    site = tmp_path / "probe-site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>Probe</title>"
                                     "<script type=module src=probe.js></script>")
    (site / "about.html").write_text("<!doctype html><title>About the probe</title>")
    (site / "probe.js").write_text("export const probe = 1;\n")
    return Probe(site)


@pytest.fixture
def probe_plugin(probe: Probe, xts2_plugin: Any) -> Any:
    for name in SPECS:
        assert hasattr(probe, name), f"the probe does not implement the new hook {name}"
    return xts2_plugin(**{name: hook_function(name, argnames, probe)
                          for name, argnames in SPECS.items()})


@pytest.fixture
def app(xts2_app_factory: Any, probe_plugin: Any) -> Any:
    return xts2_app_factory(plugins=[], extra=[("probe", probe_plugin)])


def new_basket(app: Any) -> int:
    return app.call("baskets/newbasket")["basket"]["id"]


def add_probe(app: Any, basket: int, **item: Any) -> dict[str, Any]:
    params = {"basket": basket, "type": "probe", **{f"item.{k}": v for k, v in item.items()}}
    return app.call("baskets/additem", params)


def refused(answer: dict[str, Any], hook: str) -> None:
    assert answer["error"]["code"] == "item_rejected"
    assert answer["error"]["message"] == f"the probe refuses {hook}"


# -- the scenarios: one per hook -------------------------------------------------------------

def scenario_register_servlets(app: Any, probe: Probe, tmp_path: Path) -> None:
    index = app.get("/v2", {"format": "json"}).json
    assert "probe" in [s["name"] for s in index["servlets"]]
    assert app.call("probe/ping")["pong"]["terminal"] == 1
    assert app.call("probe/ping", key=False, status=401)["error"]["code"] == "unauthorized"


def scenario_register_item_types(app: Any, probe: Probe, tmp_path: Path) -> None:
    basket = new_basket(app)
    assert add_probe(app, basket)["item"]["type"] == "probe"
    error = app.call("baskets/additem", {"basket": basket, "type": "nothing"},
                     status=400)["error"]
    assert "probe" in error["message"]


def scenario_register_basket_filters(app: Any, probe: Probe, tmp_path: Path) -> None:
    with_probe, without = new_basket(app), new_basket(app)
    add_probe(app, with_probe)
    listed = app.call("baskets/getbaskets", {"probeonly": "yes"})["baskets"]
    assert [b["id"] for b in listed] == [with_probe]
    listed = app.call("baskets/getbaskets", {"probeonly": "no"})["baskets"]
    assert [b["id"] for b in listed] == [without]
    assert probe.seen["filter"] == [True, False]
    assert app.call("baskets/getbaskets", {"probeonly": "x"}, status=400)["error"]["param"] == \
        "probeonly"


def scenario_register_reports(app: Any, probe: Probe, tmp_path: Path) -> None:
    add_probe(app, new_basket(app))
    report = app.call("xts/report", {"type": "probe"}, admin=True)["report"]
    assert report["type"] == "probe"
    assert report["total"]["n"] == 1
    assert "probes,1" in app.call("xts/report", {"type": "probe"}, admin=True, fmt="csv").text


def scenario_register_migrations(app: Any, probe: Probe, tmp_path: Path) -> None:
    # What ``xts2 initdb`` does, with the probe plugin installed: its branch is migrated too.
    from xts2_core.migrate import upgrade
    from xts2_core.plugins import get_plugin_manager

    probe.versions = tmp_path / "versions"
    probe.versions.mkdir()
    (probe.versions / "0a1b2c3d4e5f_probe_tables.py").write_text(textwrap.dedent('''
        """probe tables"""
        import sqlalchemy as sa
        from alembic import op

        revision = "0a1b2c3d4e5f"
        down_revision = None
        branch_labels = ("probe",)
        depends_on = "722e2adbdfe8"


        def upgrade():
            op.create_table("probe_thing", sa.Column("id", sa.Integer, primary_key=True))


        def downgrade():
            op.drop_table("probe_thing")
    '''))
    pm = get_plugin_manager({"xts2.plugins": ""},
                            [("probe", app.registry["xts2.pm"].get_plugin("probe"))])
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'probe.sqlite'}")
    try:
        upgrade(engine, pm)
        with engine.connect() as conn:
            assert "probe_thing" in sa.inspect(conn).get_table_names()
            versions = {r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
        assert "0a1b2c3d4e5f" in versions
    finally:
        engine.dispose()


def scenario_register_season_sections(app: Any, probe: Probe, tmp_path: Path) -> None:
    assert app.load({"probe": [{"n": 1}, {"n": 2}]}) == {"probe": 2}
    assert probe.seen["section"] == [[1, 2]]
    with pytest.raises(xts2_core.SeasonError, match="probe"):
        app.load({"probe": [{"n": "many"}]})


def scenario_register_terminal_fields(app: Any, probe: Probe, tmp_path: Path) -> None:
    app.load({"terminals": [{"name": "Probe desk", "key": "probe-desk-key-000001",
                             "probefield": 7}]})
    assert probe.seen["terminalfield"] == [("Probe desk", 7)]
    assert app.call("probe/ping", key="probe-desk-key-000001")["pong"]["terminal"] == 2


def scenario_register_static_files(app: Any, probe: Probe, tmp_path: Path) -> None:
    page = app.get("/probe/")
    assert page.body == (probe.site / "index.html").read_bytes()
    assert page.content_type == "text/html"
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-cache" and page.etag
    app.get("/probe/", headers={"If-None-Match": f'"{page.etag}"'}, status=304)
    assert app.get("/probe/about").body == (probe.site / "about.html").read_bytes()
    script = app.get("/probe/probe.js")
    assert script.content_type == "text/javascript"
    assert "Content-Security-Policy" not in script.headers
    assert app.get("/", status=302).location.endswith("/probe/")  # home=True
    assert app.get("/v2", {"format": "json"}).json["files"] == [
        {"name": "probe", "url": "/probe/", "plugin": "probe"}]


def scenario_validate_add_item(app: Any, probe: Probe, tmp_path: Path) -> None:
    basket = new_basket(app)
    item = add_probe(app, basket, n=5)["item"]
    assert (item["type"], item["value"], item["description"]) == ("probe", "0.00", "Probe")
    error = app.call("baskets/additem", {"basket": basket, "type": "probe", "item.refuse": "1"},
                     status=409)["error"]
    assert (error["code"], error["param"]) == ("item_rejected", "item.refuse")
    # The core parses item.* with the type's schema before the hook: bad_param, nothing added.
    error = app.call("baskets/additem", {"basket": basket, "type": "probe", "item.n": "0"},
                     status=400)["error"]
    assert (error["code"], error["param"]) == ("bad_param", "item.n")
    assert len(app.call("baskets/getbasket", {"basket": basket})["basket"]["item"]) == 1


def scenario_describe_item(app: Any, probe: Probe, tmp_path: Path) -> None:
    basket = new_basket(app)
    add_probe(app, basket, n=5)
    root = app.xml("baskets/getbasket", {"basket": basket})
    assert root.find("basket/item/probe").get("n") == "5"


def scenario_item_added(app: Any, probe: Probe, tmp_path: Path) -> None:
    add_probe(app, new_basket(app))
    assert probe.seen["item_added"] == [("open", True)]


def scenario_validate_remove_item(app: Any, probe: Probe, tmp_path: Path) -> None:
    basket = new_basket(app)
    first, second = add_probe(app, basket)["item"]["id"], add_probe(app, basket)["item"]["id"]
    app.call("baskets/removeitem", {"basket": basket, "item": first})
    probe.refuse.add("validate_remove_item")
    refused(app.call("baskets/removeitem", {"basket": basket, "item": second}, status=409),
            "validate_remove_item")
    items = app.call("baskets/getbasket", {"basket": basket})["basket"]["item"]
    assert [i["id"] for i in items] == [second]
    assert probe.seen["validate_remove_item"] == ["open", "open"]


def scenario_validate_move_item(app: Any, probe: Probe, tmp_path: Path) -> None:
    source, target = new_basket(app), new_basket(app)
    first, second = add_probe(app, source)["item"]["id"], add_probe(app, source)["item"]["id"]
    app.call("baskets/moveitem", {"item": first, "to": target})
    probe.refuse.add("validate_move_item")
    refused(app.call("baskets/moveitem", {"item": second, "to": target}, status=409),
            "validate_move_item")
    assert [i["id"] for i in app.call("baskets/getbasket", {"basket": target})["basket"]["item"]
            ] == [first]
    assert probe.seen["move"] == [(source, source, target)] * 2


def closable_basket(app: Any) -> int:
    basket = new_basket(app)
    add_probe(app, basket)
    return basket


def scenario_validate_close_basket(app: Any, probe: Probe, tmp_path: Path) -> None:
    probe.refuse.add("validate_close_basket")
    basket = closable_basket(app)
    refused(app.call("baskets/closebasket", {"basket": basket}, status=409),
            "validate_close_basket")
    assert app.call("baskets/getbasket", {"basket": basket})["basket"]["state"] == "open"
    probe.refuse.clear()
    assert app.call("baskets/closebasket", {"basket": basket})["basket"]["state"] == "closed"
    assert probe.seen["validate_close_basket"] == ["open", "open"]


def scenario_basket_closed(app: Any, probe: Probe, tmp_path: Path) -> None:
    app.call("baskets/closebasket", {"basket": closable_basket(app)})
    assert probe.seen["basket_closed"] == [("closed", True)]


def closed_basket(app: Any) -> int:
    basket = closable_basket(app)
    app.call("baskets/closebasket", {"basket": basket})
    return basket


def scenario_validate_revive_basket(app: Any, probe: Probe, tmp_path: Path) -> None:
    basket = app.call("baskets/newbasket", {"expiry": 30})["basket"]["id"]
    add_probe(app, basket)
    app.clock.advance(seconds=31)
    probe.refuse.add("validate_revive_basket")
    refused(app.call("baskets/revivebasket", {"basket": basket}, status=409),
            "validate_revive_basket")
    assert app.call("baskets/getbasket", {"basket": basket},
                    status=409)["error"]["code"] == "basket_expired"
    probe.refuse.clear()
    assert app.call("baskets/revivebasket", {"basket": basket})["basket"]["state"] == "open"
    assert probe.seen["validate_revive_basket"] == ["open", "open"]
    assert probe.seen["validate_revive_basket_live"] == [True, True]  # counted as live


def scenario_validate_open_basket(app: Any, probe: Probe, tmp_path: Path) -> None:
    basket = closed_basket(app)
    probe.refuse.add("validate_open_basket")
    refused(app.call("baskets/openbasket", {"basket": basket}, admin=True, status=409),
            "validate_open_basket")
    assert app.call("baskets/getbasket", {"basket": basket})["basket"]["state"] == "closed"
    probe.refuse.clear()
    app.call("baskets/openbasket", {"basket": basket}, admin=True)
    assert probe.seen["validate_open_basket"] == ["closed", "closed"]


def scenario_basket_reopened(app: Any, probe: Probe, tmp_path: Path) -> None:
    app.call("baskets/openbasket", {"basket": closed_basket(app)}, admin=True)
    assert probe.seen["basket_reopened"] == ["open"]


def scenario_shop_offers(app: Any, probe: Probe, tmp_path: Path) -> None:
    # The core never calls this hook: the shop (xts2_shop) does, for its basket page and for the
    # offer a customer chooses. So the real shop is built beside the probe app - its database,
    # clock and settings, the same probe plugin, with tickets, which the shop sells first (it
    # offers only on a basket that exists) - and a customer's browser takes the shop's steps.
    import webtest

    from xts2_core.app import make_app
    from xts2_core.testing import XTS2TestApp

    settings = {**app.registry.settings, "xts2.plugins": "tickets shop"}
    wsgi = make_app(settings, extra_plugins=[("probe", app.registry["xts2.pm"].get_plugin("probe"))])
    try:
        shop = XTS2TestApp(wsgi, app.terminal_key, app.admin_password)
        start = (app.clock.now() + timedelta(days=2)).astimezone(app.registry["xts2.tz"])
        shop.load({"shows": [{"name": "Probe show", "tickettypes": [{"name": "Adult",
                                                                       "price": "10.00"}],
                              "performances": [{"start": start.strftime("%Y-%m-%dT%H:%M"),
                                                "capacity": 10}]}],
                   "terminals": [{"name": "Website", "key": "probe-website-key-000001"}]})
        customer = webtest.TestApp(wsgi)
        perf = shop.call("tickets/getperformances", {"show": 1})["performances"][0]["id"]
        form = customer.get(f"/shop/performance/{perf}").forms["tickets"]
        form[next(f for f in form.fields if f and f.startswith("q."))] = "1"
        form.submit(status=303)
        page = customer.get("/shop/basket")
        assert "A probe" in page.text and "£2.50" in page.text
        offers = {f["offer"].value: f for f in page.forms.values() if "offer" in f.fields}
        offers["probe"].submit(status=303)  # the shop adds it with additem: the probe's terms
        (basket,) = shop.call("baskets/getbaskets")["baskets"]
        items = shop.call("baskets/getbasket", {"basket": basket["id"]})["basket"]["item"]
        assert [(i["type"], i["value"], i["probe"]) for i in items if i["type"] != "ticket"] == [
            ("probe", "2.50", {"n": 7})]
        assert probe.seen["shop_offers"] == ["open", "open"]  # the page, then the chosen offer
    finally:
        wsgi.registry["dbengine"].dispose()


def scenario_describe_terminal(app: Any, probe: Probe, tmp_path: Path) -> None:
    terminal = app.call("xts/getterminal")["terminal"]
    assert terminal["name"] == "Test terminal"
    assert terminal["probe"] == {"desk": "Test terminal"}
    root = app.xml("xts/getterminal")
    assert root.find("terminal/probe").get("desk") == "Test terminal"
    assert probe.seen["describe_terminal"] == [True, True]


def scenario_collect_stats(app: Any, probe: Probe, tmp_path: Path) -> None:
    add_probe(app, new_basket(app))
    counts = app.call("xts/getstats")["stats"]["count"]
    named = {c["name"]: c["text"] for c in counts}
    assert named["probes"] == 1


def scenario_erase_personal_data(app: Any, probe: Probe, tmp_path: Path) -> None:
    # What ``xts2 erase CONFIG EMAIL`` does: the core's part, then every plugin's.
    from xts2_core.erase import erase_personal_data

    basket = new_basket(app)
    app.call("baskets/savebasket", {"basket": basket, "name": "Ann Example"})
    app.call("baskets/setmetadata", {"basket": basket, "key": "email", "value": "Ann@Example.org"})
    app.call("baskets/setmetadata", {"basket": basket, "key": "seat", "value": "aisle"})
    with app.session() as db:
        counts = erase_personal_data(db, app.registry["xts2.pm"], " ANN@example.org ")
    assert counts["baskets"] == 1 and counts["probe"] == 2
    assert probe.seen["erase"] == ["ann@example.org"]
    assert app.call("baskets/getbasket", {"basket": basket})["basket"]["name"] == "erased"
    assert app.call("baskets/getmetadata", {"basket": basket})["metadata"] == {"seat": "aisle"}


def scenario_register_payment_methods(app: Any, probe: Probe, tmp_path: Path) -> None:
    assert app.registry["xts2.payment_methods"]["probepay"].label == "Pay the probe"
    basket = new_basket(app)
    add_probe(app, basket, price=1250)
    paying = app.call("probe/pay", {"basket": basket})["paying"]
    assert probe.seen["start"] == [("pending", 1250)]
    held = app.call("baskets/getbasket", {"basket": basket})["basket"]
    assert held["expires"] == paying["until"]  # the payment holds its basket for its bound
    app.clock.advance(minutes=11)
    assert app.call("probe/pay", {"basket": basket, "settle": 1})["settled"]["n"] == 1
    assert probe.seen["settle"] == ["pending"]


SCENARIOS = {name.removeprefix("scenario_"): func for name, func in globals().items()
             if name.startswith("scenario_")}


def test_every_scenario_is_for_a_hook_that_exists() -> None:
    assert sorted(set(SCENARIOS) - set(SPECS)) == []


def test_the_hookspecs_are_found() -> None:
    assert len(SPECS) >= 17 and "validate_add_item" in SPECS


@pytest.mark.parametrize("hook", sorted(SPECS))
def test_hook_is_called_with_its_documented_arguments(hook, app, probe, probe_plugin, tmp_path):
    scenario = SCENARIOS.get(hook)
    assert scenario is not None, (
        f"hook {hook} has no scenario: add scenario_{hook}(app, probe, tmp_path) to this file, "
        f"making the core call it, and an implementation to Probe")
    scenario(app, probe, tmp_path)  # start-up hooks were called when the app was built

    calls = [args for name, args in probe_plugin.calls if name == hook]
    assert calls, f"the scenario never made the core call {hook}"
    for args in calls:
        assert sorted(args) == sorted(SPECS[hook])
        for argname, value in args.items():
            check = HOOK_ARGUMENT_CHECKS.get((hook, argname), ARGUMENT_CHECKS.get(argname))
            assert check is not None, f"{hook}: no check for the argument {argname!r}; add one"
            assert check(value), f"{hook} got {argname}={value!r}, not what the spec documents"
